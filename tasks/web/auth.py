"""Who is looking at the board (issue 15 item 1): login, signed-cookie sessions, CSRF, the login rate limit, audit.

    GET  /login[?next=/board…&lang=en]   the form: `username`, `password`, a hidden `csrf_token` (a signed
                                         pre-session cookie and this field must match: double submit), `next`
    POST /login                          urlencoded; a bad CSRF token or another site's Origin → 403; more than
                                         PARKLINK_LOGIN_RATE failures for the name or the client address → 429 with
                                         Retry-After; a wrong password, an unknown or disabled user → 401 and one
                                         line, the same for each; else the session cookie and 303 to `next`
                                         (a local /board path only: login_page.safe_next)
    POST /logout                         CSRF-checked: the cookie cleared, 303 to /login

The session cookie (tasks/web/sessions.py) is HttpOnly, SameSite=Strict, Path=/, lives PARKLINK_SESSION_MAX_AGE_S,
and is Secure when the request came over HTTPS or PARKLINK_ACK_BASE_URL is https. `Auth.user(request)` reads it
and checks the database each time: the session must be open (UserSession: logout ends it on the server too, so a
copied cookie dies with it), the user enabled, the password and the role unchanged since the login.
It is synchronous (two indexed lookups): an async route may call it directly or through run_in_threadpool.
Every login, failed login and logout is a UserAction row (via web; never the password); pages record their own
actions with `Auth.log`.

Rate limiting: `limits` (moving window) in this process's memory, as the report intake does (intake_app.py).
"""

from __future__ import annotations

import hmac
import math
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from models.db import session_scope
from models.i18n import language, tr
from models.passwords import verify_nobody, verify_password
from models.user import Permission, Role, UserActionKind, Via, allowed, stamp
from models.user_store import end_session, find_user, open_session, record_action, record_login, session_live
from tasks.web.guard import same_origin
from tasks.web.login_page import LoginPages, safe_next
from tasks.web.sessions import (
    LOGIN_COOKIE,
    LOGIN_FORM_MAX_AGE_S,
    SESSION_COOKIE,
    Claims,
    Cookies,
    session_secret,
)

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class SessionUser:
    name: str
    role: Role

    def can(self, permission: Permission) -> bool:
        return allowed(self.role, permission)


async def form_fields(request: Request) -> dict[str, str]:
    """An urlencoded form's fields (the first value of each), as the pages read them (python-multipart is not
    installed)."""
    raw = (await request.body()).decode("utf-8", "replace")
    return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


class Auth:
    def __init__(self, engine: Engine, settings):
        """Refuses (ParkLinkError, one line) when no session secret can be had (tasks/web/sessions.py)."""
        self.engine, self.settings = engine, settings
        self.cookies = Cookies(session_secret(settings), settings.session_max_age_s)
        self.rate = parse(settings.login_rate)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.pages = LoginPages()

    # -- the interface the board uses ------------------------------------------------------------------------
    def _claims(self, request: Request) -> Claims | None:
        return self.cookies.read(request.cookies.get(SESSION_COOKIE))

    def user(self, request: Request) -> SessionUser | None:
        claims = self._claims(request)
        if claims is None:
            return None
        with session_scope(self.engine) as session:
            row = find_user(session=session, name=claims.name)
            live = session_live(session=session, sid=claims.sid, user=claims.name)
        if row is None or not live or row.disabled or row.role != claims.role \
                or stamp(row.password_changed_at) != claims.stamp:
            return None
        return SessionUser(name=row.name, role=row.role)

    def login_redirect(self, request: Request) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?next=" + quote(target, safe="/"), status_code=303)

    def csrf_token(self, request: Request) -> str:
        claims = self._claims(request)
        if claims is not None:
            return self.cookies.csrf(claims)
        return self.cookies.login_nonce_of(request.cookies.get(LOGIN_COOKIE)) or ""

    def check_csrf(self, request: Request, fields: dict[str, str]) -> bool:
        given = fields.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
        expected = self.csrf_token(request)
        return bool(given and expected) and hmac.compare_digest(given, expected) \
            and same_origin(request, self.settings.ack_base_url)

    def log(self, user: SessionUser | None, action: str, target: str, *, detail: str = "", ok: bool = True,
            client: str | None = None, name: str | None = None) -> None:
        """One UserAction row (via web); `name`: who, when there is no session user (a failed login's name)."""
        with session_scope(self.engine) as session:
            record_action(session=session, user=user.name if user else name, role=user.role if user else None,
                          action=action, target=target, detail=detail, ok=ok, via=Via.web, client=client)

    # -- the routes ------------------------------------------------------------------------------------------
    def _secure(self, request: Request) -> bool:
        return request.url.scheme == "https" or (self.settings.ack_base_url or "").lower().startswith("https://")

    def _lang(self, value: str | None) -> str:
        return language(value or self.settings.lang)

    def _form(self, request: Request, lang: str, next_path: str, *, error: str | None = None, username: str = "",
              status: int = 200) -> Response:
        nonce = self.cookies.login_nonce_of(request.cookies.get(LOGIN_COOKIE))
        cookie = request.cookies.get(LOGIN_COOKIE)
        if nonce is None:
            nonce, cookie = self.cookies.login_nonce()
        page = self.pages.form(lang, csrf_token=nonce, next_path=next_path, error=error, username=username,
                               status=status)
        page.set_cookie(LOGIN_COOKIE, cookie, max_age=LOGIN_FORM_MAX_AGE_S, path="/login", httponly=True,
                        samesite="strict", secure=self._secure(request))
        return page

    def _limited(self, keys: list[tuple[str, str]]) -> int | None:
        """Seconds until another try is allowed, when a key has used up its failures; else None."""
        waits = [self.limiter.get_window_stats(self.rate, *key).reset_time for key in keys
                 if not self.limiter.test(self.rate, *key)]
        return max(1, math.ceil(max(waits) - time.time())) if waits else None

    def _verify(self, name: str, password: str) -> tuple[Role | None, str]:
        """The user's role when the password is theirs and the account is live (then last_login_at is set), else
        None and why, for the audit trail only (the person reads one line for every case)."""
        with session_scope(self.engine) as session:
            row = find_user(session=session, name=name)
            if row is None:
                verify_nobody(password)
                return None, "unknown user"
            if not verify_password(row.password_hash, password):
                return None, "wrong password"
            if row.disabled:
                return None, "user disabled"
            record_login(session=session, name=name, password=password)
            return row.role, ""

    def _session_response(self, request: Request, name: str, role: Role, next_path: str) -> Response:
        with session_scope(self.engine) as session:
            row = find_user(session=session, name=name)
            value, claims = self.cookies.issue(name, role, stamp(row.password_changed_at))
            open_session(session=session, sid=claims.sid, user=name, client=_client(request))
        response = RedirectResponse(next_path, status_code=303)
        response.set_cookie(SESSION_COOKIE, value, max_age=self.settings.session_max_age_s, path="/", httponly=True,
                            samesite="strict", secure=self._secure(request))
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        return response

    async def _login(self, request: Request) -> Response:
        fields = await form_fields(request)
        lang = self._lang(fields.get("lang") or request.query_params.get("lang"))
        next_path = safe_next(fields.get("next"))
        name = (fields.get("username") or "").strip().lower()[:80]
        password = fields.get("password") or ""
        client = _client(request)
        if not (self.cookies.login_ok(request.cookies.get(LOGIN_COOKIE), fields.get(CSRF_FIELD))
                and same_origin(request, self.settings.ack_base_url)):
            await run_in_threadpool(self.log, None, UserActionKind.login, name, detail="refused: CSRF token",
                                    ok=False, client=client, name=name or None)
            return self.pages.refused(lang, next_path=next_path)
        keys = [("login-user", name), ("login-addr", client or "-")]
        wait = self._limited(keys)
        if wait is not None:
            await run_in_threadpool(self.log, None, UserActionKind.login, name, detail="refused: rate limited",
                                    ok=False, client=client, name=name or None)
            return self.pages.limited(lang, next_path=next_path, retry_after=wait)
        role, why = await run_in_threadpool(self._verify, name, password)
        if role is None:
            for key in keys:
                self.limiter.hit(self.rate, *key)
            await run_in_threadpool(self.log, None, UserActionKind.login, name, detail=f"refused: {why}", ok=False,
                                    client=client, name=name or None)
            return self._form(request, lang, next_path, error=tr(lang, "wrong user name or password"), username=name,
                              status=401)
        user = SessionUser(name=name, role=role)
        await run_in_threadpool(self.log, user, UserActionKind.login, name, client=client)
        return await run_in_threadpool(self._session_response, request, name, role, next_path)

    async def _logout(self, request: Request) -> Response:
        fields = await form_fields(request)
        lang = self._lang(fields.get("lang") or request.query_params.get("lang"))
        if self._claims(request) is not None and not self.check_csrf(request, fields):
            return self.pages.refused(lang, next_path="/board")
        user, claims = await run_in_threadpool(self.user, request), self._claims(request)
        if user is not None:
            await run_in_threadpool(self.log, user, UserActionKind.logout, user.name, client=_client(request))
        if claims is not None:
            await run_in_threadpool(self._end, claims.sid)
        response = RedirectResponse(f"/login?lang={lang}", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                               secure=self._secure(request))
        return response

    def _end(self, sid: str) -> None:
        with session_scope(self.engine) as session:
            end_session(session=session, sid=sid)

    def add_routes(self, app: FastAPI) -> None:
        @app.get("/login")
        async def login_page(request: Request, next: str | None = None, lang: str | None = None):  # noqa: A002
            return self._form(request, self._lang(lang), safe_next(next))

        app.post("/login")(self._login)
        app.post("/logout")(self._logout)
