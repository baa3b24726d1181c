"""A channel module written outside the package: a park's own SMS provider in place of the standard SMS gateway.

It is what a new channel looks like — one module implementing `tasks.notify.channels.protocol.ChannelModule` —
and the tests register it with one line (`REGISTRY[channel_probe.NAME] = channel_probe`).

    POST <PARKLINK_SMS_URL>/messages   (drill: <drill base>/sms/messages)
    Authorization: Bearer <PARKLINK_SMS_API_KEY>   {"phone", "message", "ref"}
    answer {"Code": "OK"} delivered; {"Code": "Throttling"} worth retrying; any other Code a refusal
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from models.directory import Channel
from models.settings import Settings
from tasks.notify.channels.common import headers, json_body, read_http, secret
from tasks.notify.channels.protocol import (
    DELIVERED,
    Answer,
    Envelope,
    Outcome,
    Reply,
    WireRequest,
    failed,
    retry,
)

NAME = Channel.sms


@dataclass(frozen=True)
class Config:
    url: str
    token: str


def configure(settings: Settings, drill_url: str | None) -> Config:
    return Config(url=f"{drill_url or settings.sms_url}/messages", token=secret(settings.sms_api_key) or "")


def build(address: str, env: Envelope, config: Config, *, now: datetime) -> WireRequest:
    body = json_body({"phone": address, "message": env.text, "ref": env.key})
    return WireRequest(NAME, "POST", config.url, {**headers(env), "Authorization": f"Bearer {config.token}"}, body)


def read(reply: Reply) -> Answer:
    answer = read_http(NAME, reply)
    if answer.outcome is not Outcome.delivered:
        return answer
    code = json.loads(reply.body or b"{}").get("Code")
    if code == "OK":
        return DELIVERED
    return retry("throttled") if code == "Throttling" else failed(f"{NAME}: the provider says {code}")
