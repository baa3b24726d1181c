"""Signed acknowledgement tokens: compact, URL-safe, naming one notification, expiring.

    <notification id, base 36>.<expiry, unix seconds, base 36>.<HMAC-SHA256, base64url, 128 bits>

The MAC covers the id, the expiry and a *binding* — the notification's idempotency key — so a token cannot
be moved to another notification, lengthened, or replayed against another database that reused the id.
Pure: no database, no clock unless `now` is omitted.

    TokenError            the token is refused; `reason` is one of:
        malformed         not three canonical parts: base 36 without leading zeros (ASCII only), base64url
        forged            the MAC does not match (altered, forged, or signed with another key)
        expired           the MAC matches but the expiry has passed
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

# Each number has one spelling (no leading zeros, ASCII digits only), so a token is never accepted in a second form.
_SHAPE = re.compile(r"(0|[1-9a-z][0-9a-z]{0,12})\.(0|[1-9a-z][0-9a-z]{0,12})\.([A-Za-z0-9_-]{22})", re.ASCII)
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class TokenError(Exception):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class TokenClaims:
    notification_id: int
    expires_at: datetime


def _b36(n: int) -> str:
    if n < 0:
        raise ValueError("negative")
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _DIGITS[r] + out
        if n == 0:
            return out


def _mac(secret: str, notification_id: int, expires: int, binding: str) -> str:
    msg = f"parklink-ack-v1|{notification_id}|{expires}|{binding}".encode()
    digest = hmac.new(secret.encode(), msg, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_token(secret: str, notification_id: int, binding: str, expires_at: datetime) -> str:
    if not secret:
        raise ValueError("an acknowledgement token needs a server key")
    expires = int(expires_at.timestamp())
    return f"{_b36(notification_id)}.{_b36(expires)}.{_mac(secret, notification_id, expires, binding)}"


def read_token(token: str) -> TokenClaims:
    """The claims, NOT yet verified (the caller needs the id to find the binding); raises if malformed."""
    match = _SHAPE.fullmatch(token or "")
    if not match:
        raise TokenError("malformed", "the acknowledgement link is incomplete or not a ParkLink link")
    return TokenClaims(int(match[1], 36), datetime.fromtimestamp(int(match[2], 36), UTC))


def verify_token(secret: str, token: str, binding: str | None, *, now: datetime | None = None) -> TokenClaims:
    """Claims of a genuine, unexpired token; `binding` None means the named notification does not exist."""
    claims = read_token(token)
    expected = _mac(secret, claims.notification_id, int(claims.expires_at.timestamp()), binding or "")
    if binding is None or not hmac.compare_digest(expected, token.rsplit(".", 1)[1]):
        raise TokenError("forged", "the acknowledgement link is not genuine (altered or forged)")
    if (now or datetime.now(UTC)) >= claims.expires_at:
        raise TokenError("expired", "the acknowledgement link has expired")
    return claims
