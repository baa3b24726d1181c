"""Feishu/Lark (飞书) bot: the liaison's address is the hook id; signed when a secret is set. Pure — no I/O.

    POST <PARKLINK_FEISHU_URL>/<urlenc(address)>   (drill: <drill base>/feishu/hook/…)
    {["timestamp": "<s>", "sign": base64(HMAC-SHA256(key="<s>\\n<secret>", msg=""))], "msg_type": "text",
     "content": {"text"}}
    answer 200 {"code": 0, …} (older bots: "StatusCode"); any other code is a refusal (not retried)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from urllib.parse import quote

from models.directory import Channel
from models.settings import Settings
from tasks.notify.channels.common import Robot, endpoint, headers, json_body, read_robot, secret
from tasks.notify.channels.protocol import Answer, Envelope, Reply, WireRequest

NAME = Channel.feishu


def configure(settings: Settings, drill_url: str | None) -> Robot:
    return Robot(endpoint(settings.feishu_url, drill_url, "/hook"), secret(settings.feishu_secret))


def sign(key: str, timestamp_s: str) -> str:
    """base64(HMAC-SHA256(key="<s>\\n<secret>", msg=b""))."""
    digest = hmac.new(f"{timestamp_s}\n{key}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def build(address: str, env: Envelope, config: Robot, *, now: datetime) -> WireRequest:
    data: dict = {"msg_type": "text", "content": {"text": env.text}}
    if config.secret:
        ts = str(int(now.timestamp()))
        data = {"timestamp": ts, "sign": sign(config.secret, ts), **data}
    return WireRequest(NAME, "POST", f"{config.url}/{quote(address, safe='')}", headers(env), json_body(data))


def read(reply: Reply) -> Answer:
    return read_robot(NAME, reply, "code", "StatusCode")
