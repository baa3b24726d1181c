"""The board's signed cookies (itsdangerous `URLSafeTimedSerializer`) and CSRF tokens, with no web framework.

    session_secret(settings)   PARKLINK_SESSION_SECRET; unset: HMAC-SHA256(PARKLINK_ACK_SECRET, DERIVE_LABEL) in
                               hex, so one secret set for `parklink serve` is enough and the two keys still differ;
                               neither set: ParkLinkError (one line, the service does not start)
    Cookies(secret, max_age)   issue(name, role, stamp) → (cookie value, Claims); read(value) → Claims | None
                               (absent, altered, older than max_age: None); csrf(claims) → the session's CSRF token;
                               login_nonce() → (field value, cookie value) for the login form (double submit);
                               login_ok(cookie, field) → whether they belong together

A session cookie carries the user's name, the role at login, a random session id and `password_changed_at` as a
stamp (models/user.py `stamp`); tasks/web/auth.py checks them with the database on every request. The
CSRF token of a session is an HMAC of its session id: it needs no storage and dies with the session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from models.errors import ParkLinkError

SESSION_COOKIE = "parklink_session"
LOGIN_COOKIE = "parklink_login"
DERIVE_LABEL = b"parklink board session cookies v1"  # fixed: changing it ends every session
LOGIN_FORM_MAX_AGE_S = 3600  # a login form older than this is refused (reload it)


def session_secret(settings) -> str:
    own = settings.session_secret.get_secret_value() if settings.session_secret is not None else ""
    if own:
        return own
    ack = settings.ack_secret.get_secret_value() if settings.ack_secret is not None else ""
    if ack:
        return hmac.new(ack.encode(), DERIVE_LABEL, hashlib.sha256).hexdigest()
    raise ParkLinkError("PARKLINK_SESSION_SECRET is not set, nor PARKLINK_ACK_SECRET to derive it from: set one "
                        "(python -c 'import secrets; print(secrets.token_urlsafe(32))')")


@dataclass(frozen=True)
class Claims:
    name: str
    role: str
    sid: str
    stamp: int


def _digest(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


class Cookies:
    def __init__(self, secret: str, max_age: int):
        self.max_age = max_age
        self._session = URLSafeTimedSerializer(secret, salt="parklink.session")
        self._login = URLSafeTimedSerializer(secret, salt="parklink.login-form")
        self._csrf_key = hmac.new(secret.encode(), b"parklink csrf", hashlib.sha256).digest()

    def issue(self, name: str, role: str, stamp: int) -> tuple[str, Claims]:
        claims = Claims(name=name, role=str(role), sid=secrets.token_urlsafe(16), stamp=stamp)
        return self._session.dumps([claims.name, claims.role, claims.sid, claims.stamp]), claims

    def read(self, value: str | None) -> Claims | None:
        if not value:
            return None
        try:
            data = self._session.loads(value, max_age=self.max_age)
        except BadSignature:  # SignatureExpired is one
            return None
        if not (isinstance(data, list) and len(data) == 4 and all(isinstance(v, str) for v in data[:3])
                and isinstance(data[3], int)):
            return None
        return Claims(*data)

    def csrf(self, claims: Claims) -> str:
        return _digest(self._csrf_key, f"session:{claims.sid}")

    def login_nonce(self) -> tuple[str, str]:
        nonce = secrets.token_urlsafe(16)
        return nonce, self._login.dumps(nonce)

    def login_nonce_of(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            nonce = self._login.loads(cookie, max_age=LOGIN_FORM_MAX_AGE_S)
        except BadSignature:
            return None
        return nonce if isinstance(nonce, str) else None

    def login_ok(self, cookie: str | None, field: str | None) -> bool:
        nonce = self.login_nonce_of(cookie)
        return bool(nonce and field) and hmac.compare_digest(nonce, field)
