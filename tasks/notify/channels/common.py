"""What most channels share: headers, JSON bodies, secrets, drill endpoints, robots, the reply rules. Pure.

    read_http    2xx delivered; a timeout or a 5xx worth retrying; a refused connection, a 3xx or a 4xx not
    read_robot   read_http, then a robot's JSON answer (robots answer 200 with an error code): 0 delivered,
                 any other code a refusal, not retried
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TypeVar

from tasks.notify.channels.protocol import DELIVERED, Answer, Envelope, Fault, Outcome, Reply, failed, retry

Live = TypeVar("Live", str, str | None)


@dataclass(frozen=True)
class Robot:
    """A chat robot's configuration: its endpoint and, when one is set, its signing secret."""

    url: str
    secret: str | None = None


def endpoint(live: Live, drill_url: str | None, path: str = "") -> Live | str:
    """The live endpoint (may be unset), or in drill mode <drill base>/<channel><path> on the drill gateway."""
    return f"{drill_url}{path}" if drill_url else live


def secret(value) -> str | None:
    """A setting's secret as text (a `SecretStr`, or plain text when settings were copied unvalidated)."""
    if value is None:
        return None
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)


def json_body(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def headers(env: Envelope, content_type: str = "application/json; charset=utf-8") -> dict[str, str]:
    """Every request's headers: its content type and X-ParkLink-Key (so a receiver can drop a duplicate)."""
    return {"Content-Type": content_type, "X-ParkLink-Key": env.key}


def read_http(name: str, reply: Reply) -> Answer:
    if reply.fault is Fault.timeout:
        return retry("timeout")
    if reply.fault is not None:
        return failed(f"{name}: {reply.detail}")
    if reply.status >= 500:
        return retry(f"HTTP {reply.status}")
    if reply.status >= 300:
        return failed(f"{name}: HTTP {reply.status}")
    return DELIVERED


def read_robot(name: str, reply: Reply, *code_fields: str) -> Answer:
    """The code is the first of `code_fields` the answer has (Feishu: "code", in older answers "StatusCode")."""
    answer = read_http(name, reply)
    if answer.outcome is not Outcome.delivered:
        return answer
    try:
        data = json.loads(reply.body or b"{}")
    except ValueError:
        return failed(f"{name}: answer is not JSON")
    if not isinstance(data, dict):
        return failed(f"{name}: unexpected answer")
    code = next((data[field] for field in code_fields if field in data), None)
    if code in (0, "0"):
        return DELIVERED
    message = data.get("errmsg") or data.get("msg") or data.get("StatusMessage") or ""
    return failed(f"{name}: error {code} {message}".rstrip())
