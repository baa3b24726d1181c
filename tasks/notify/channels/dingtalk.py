"""DingTalk (钉钉) robot: the liaison's address is the access token; 加签 when a secret is set. Pure — no I/O.

    POST <PARKLINK_DINGTALK_URL>?access_token=<address>[&timestamp=<ms>&sign=<urlenc(sign)>]
         (drill: <drill base>/dingtalk/send?…)
         sign = base64(HMAC-SHA256(key=secret, msg="<ms>\\n<secret>"))
    {"msgtype": "text", "text": {"content": "<text>\\n@<phone>"}, "at": {"atMobiles": [phone], "isAtAll": false}}
    answer 200 {"errcode": 0, "errmsg": "ok"}; any other errcode is a refusal (not retried)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from urllib.parse import quote_plus

from models.directory import Channel
from models.settings import Settings
from tasks.notify.channels.common import Robot, endpoint, headers, json_body, read_robot, secret
from tasks.notify.channels.protocol import Answer, Envelope, Reply, WireRequest

NAME = Channel.dingtalk


def configure(settings: Settings, drill_url: str | None) -> Robot:
    return Robot(endpoint(settings.dingtalk_url, drill_url, "/send"), secret(settings.dingtalk_secret))


def sign(key: str, timestamp_ms: str) -> str:
    """加签: base64(HMAC-SHA256(key=secret, msg="<ms>\\n<secret>")), URL-encoded by the caller."""
    digest = hmac.new(key.encode(), f"{timestamp_ms}\n{key}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def build(address: str, env: Envelope, config: Robot, *, now: datetime) -> WireRequest:
    url = f"{config.url}?access_token={quote_plus(address)}"
    if config.secret:
        ms = str(int(now.timestamp() * 1000))
        url += f"&timestamp={ms}&sign={quote_plus(sign(config.secret, ms))}"
    body = json_body({"msgtype": "text", "text": {"content": f"{env.text}\n@{env.phone}"},
                      "at": {"atMobiles": [env.phone], "isAtAll": False}})
    return WireRequest(NAME, "POST", url, headers(env), body)


def read(reply: Reply) -> Answer:
    return read_robot(NAME, reply, "errcode")
