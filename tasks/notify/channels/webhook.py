"""The generic webhook: signed JSON to the liaison's own URL. Pure — no I/O.

    POST <liaison's URL>   (drill: <drill base>/webhook?to=<urlenc(URL)>)
    X-ParkLink-Timestamp: <s>   X-ParkLink-Signature: sha256=hex(HMAC-SHA256(secret, "<s>." + body))
    Idempotency-Key, X-ParkLink-Key: the notification's idempotency key
    {"id", "notification", "kind", "context": {"kind", "id"}, "group", "unit",
     "recipient": {"name", "role", "phone"}, "text", "ack_url", "sent_at"}

    ChannelError   PARKLINK_WEBHOOK_SECRET is not set: an unsigned message is never sent
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from models.directory import Channel
from models.settings import Settings
from tasks.notify.channels.common import endpoint, headers, json_body, read_http, secret
from tasks.notify.channels.protocol import Answer, ChannelError, Envelope, Reply, WireRequest

NAME = Channel.webhook


@dataclass(frozen=True)
class Config:
    secret: str | None = None
    drill_url: str | None = None


def configure(settings: Settings, drill_url: str | None) -> Config:
    return Config(secret=secret(settings.webhook_secret), drill_url=drill_url)


def signature(key: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(key.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def build(address: str, env: Envelope, config: Config, *, now: datetime) -> WireRequest:
    if not config.secret:
        raise ChannelError("webhook: PARKLINK_WEBHOOK_SECRET is not set, so the message cannot be signed")
    url = endpoint(address, config.drill_url, f"?to={quote(address, safe='')}")
    body = json_body({"id": env.key, "notification": env.notification_id, "kind": env.kind,
                      "context": {"kind": env.context_kind, "id": env.context_id}, "group": env.group,
                      "unit": env.unit, "recipient": {"name": env.recipient_name, "role": env.recipient_role,
                                                      "phone": env.phone},
                      "text": env.text, "ack_url": env.ack_url, "sent_at": now.isoformat()})
    ts = str(int(now.timestamp()))
    return WireRequest(NAME, "POST", url, {**headers(env), "X-ParkLink-Timestamp": ts, "Idempotency-Key": env.key,
                                           "X-ParkLink-Signature": signature(config.secret, ts, body)}, body)


def read(reply: Reply) -> Answer:
    return read_http(NAME, reply)
