"""WeCom (企业微信) group robot: the liaison's address is the robot key. Pure — no I/O.

    POST <PARKLINK_WECOM_URL>?key=<address>   (drill: <drill base>/wecom/send?key=…)
    {"msgtype": "text", "text": {"content", "mentioned_mobile_list": [phone]}}
    answer 200 {"errcode": 0, "errmsg": "ok"}; any other errcode is a refusal (not retried)
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote_plus

from models.directory import Channel
from models.settings import Settings
from tasks.notify.channels.common import Robot, endpoint, headers, json_body, read_robot
from tasks.notify.channels.protocol import Answer, Envelope, Reply, WireRequest

NAME = Channel.wecom


def configure(settings: Settings, drill_url: str | None) -> Robot:
    return Robot(endpoint(settings.wecom_url, drill_url, "/send"))


def build(address: str, env: Envelope, config: Robot, *, now: datetime) -> WireRequest:
    body = json_body({"msgtype": "text", "text": {"content": env.text, "mentioned_mobile_list": [env.phone]}})
    return WireRequest(NAME, "POST", f"{config.url}?key={quote_plus(address)}", headers(env), body)


def read(reply: Reply) -> Answer:
    return read_robot(NAME, reply, "errcode")
