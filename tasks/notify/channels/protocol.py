"""The channel protocol: what a channel module provides, and the typed values it trades with the sender. Pure.

A channel module (`webhook.py`, `wecom.py`, …) is its own implementation of `ChannelModule`:

    NAME        the directory's channel type it carries (`models.directory.Channel`)
    configure   (settings, drill URL or None) → its own configuration (a frozen dataclass: endpoint, secret …),
                read from settings once, when the sender starts; in drill mode the endpoint is under the drill
                URL <drill base>/<NAME>
    build       (address, envelope, config, now) → one `WireRequest`, or `ChannelError`
    read        `Reply` (what came back, or that nothing did) → `Answer`: delivered, worth retrying, or failed

The sender is the only thing doing HTTP: it sends the `WireRequest`, turns what happened into a `Reply` and
does what the `Answer` says. What most channels share (the common headers, JSON bodies, drill endpoints, the
HTTP and robot reply rules) is in `common.py`.

    ChannelError   this channel cannot carry this message (not configured, bad template, no address):
                   not worth retrying; the sender tries the next channel
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from models.directory import Channel
from models.settings import Settings


class ChannelError(Exception):
    """A permanent problem with one channel for one message."""


@dataclass(frozen=True)
class Envelope:
    """The message, whatever the channel: what a channel module may put on the wire."""

    key: str
    notification_id: int
    kind: str
    context_kind: str
    context_id: str
    group: str
    unit: str
    recipient_name: str
    recipient_role: str
    phone: str
    text: str
    ack_url: str


@dataclass(frozen=True)
class WireRequest:
    channel: Channel
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


class Fault(StrEnum):
    """Why a request got no HTTP answer."""

    timeout = "timeout"
    transport = "transport"  # refused, reset, TLS, protocol error …


@dataclass(frozen=True)
class Reply:
    """What came back for one request: an HTTP status and body, or a fault (then `detail` names the error)."""

    status: int = 0
    body: bytes = b""
    fault: Fault | None = None
    detail: str = ""


class Outcome(StrEnum):
    delivered = "delivered"
    retry = "retry"  # worth another attempt on this channel, after a backoff
    failed = "failed"  # not worth retrying: the sender moves on to the next channel


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    reason: str | None = None  # why not delivered (for a retry: what the last line says "after N attempt(s)")


DELIVERED = Answer(Outcome.delivered)


def retry(reason: str) -> Answer:
    return Answer(Outcome.retry, reason)


def failed(reason: str) -> Answer:
    return Answer(Outcome.failed, reason)


class ChannelModule(Protocol):
    """A channel: one module with these four names (see the module docstring)."""

    NAME: Channel

    def configure(self, settings: Settings, drill_url: str | None) -> Any: ...

    def build(self, address: str, env: Envelope, config: Any, *, now: datetime) -> WireRequest: ...

    def read(self, reply: Reply) -> Answer: ...
