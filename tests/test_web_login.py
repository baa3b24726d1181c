"""The board's login over real HTTP (issue 15 item 1; tasks/web/auth.py on `parklink serve`'s app): the form and its
CSRF token, the session cookie's flags, one answer for an unknown user and a wrong password, the rate limit, a
tampered cookie, sessions ended by `users disable`/`users passwd`, no open redirect, and the audit rows."""

from __future__ import annotations

import io
import re
import sys
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from models.db import session_scope
from models.errors import ParkLinkError
from models.roles import Permission, Role
from models.user import UserActionKind, Via
from models.user_store import add_user, list_actions
from tasks.web.ack_app import create_app
from tasks.web.auth import Auth, form_fields
from tasks.web.serving import serve_in_thread
from tasks.web.sessions import LOGIN_COOKIE, SESSION_COOKIE
from tests.notify_fixtures import fast_settings

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# Backend-neutral behaviour: SQLite alone keeps the suite quick (the rest runs on PostgreSQL too).
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@contextmanager
def service(engine, **overrides):
    """`parklink serve`'s app on loopback, and a client that keeps cookies and does not follow redirects."""
    with serve_in_thread(create_app(engine, fast_settings(**overrides)), name="test board") as url, \
            httpx.Client(base_url=url, timeout=10, follow_redirects=False) as client:
        yield client


def given_user(engine, name="zhang.wei", role=Role.operator, password=PASSWORD) -> None:
    with session_scope(engine) as session:
        add_user(session=session, name=name, role=role, password=password)


def login(client: httpx.Client, username: str, password: str, *, next_path: str = "/board/incidents?x=1",
          lang: str | None = None) -> httpx.Response:
    page = client.get("/login", params={"next": next_path, **({"lang": lang} if lang else {})})
    assert page.status_code == 200
    token = CSRF.search(page.text).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                       "next": next_path, **({"lang": lang} if lang else {})})


def cookie_header(response: httpx.Response, name: str) -> str:
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith(name + "="))


def test_login_sets_a_strict_httponly_cookie_and_goes_to_next(engine):
    given_user(engine)
    with service(engine) as client:
        page = client.get("/login")
        assert "登录指挥部看板" in page.text and 'name="username"' in page.text and 'name="password"' in page.text
        assert "form-action 'self'" in page.headers["content-security-policy"]
        assert "Log in to the command-post board" in client.get("/login?lang=en").text
        done = login(client, "zhang.wei", PASSWORD)
        assert done.status_code == 303 and done.headers["location"] == "/board/incidents?x=1"
        flags = cookie_header(done, SESSION_COOKIE).lower()
        assert "httponly" in flags and "samesite=strict" in flags and "path=/" in flags and "max-age=43200" in flags
        assert "secure" not in flags  # plain http on loopback
        assert PASSWORD not in done.headers.get("set-cookie", "")
    with service(engine, ack_base_url="https://board.example.org") as client:  # served behind HTTPS
        page = client.get("/login")
        form_cookie = cookie_header(page, LOGIN_COOKIE)
        assert "secure" in form_cookie.lower()  # so this client keeps it to itself over http: send it by hand
        done = httpx.post(client.base_url.join("/login"), headers={"Cookie": form_cookie.split(";")[0]}, data={
            "username": "zhang.wei", "password": PASSWORD, "csrf_token": CSRF.search(page.text).group(1)})
        assert done.status_code == 303 and "secure" in cookie_header(done, SESSION_COOKIE).lower()


def test_wrong_password_and_unknown_user_read_the_same(engine):
    given_user(engine)
    with service(engine) as client:
        wrong, unknown = login(client, "zhang.wei", "not the password"), login(client, "nobody", PASSWORD)
        disabled_like = login(client, "zhang.wei", "")
        assert wrong.status_code == unknown.status_code == disabled_like.status_code == 401
        for response in (wrong, unknown):
            assert '<p class="err" id="error">用户名或密码错误</p>' in response.text
            assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
        assert "wrong user name or password" in login(client, "nobody", PASSWORD, lang="en").text
    with session_scope(engine) as session:
        trail = list_actions(session=session, action=UserActionKind.login)
    assert {(a.user, a.ok) for a in trail} == {("zhang.wei", False), ("nobody", False)}
    assert {a.detail for a in trail} == {"refused: wrong password", "refused: unknown user"}  # for the audit only
    assert all(a.via is Via.web and a.client == "127.0.0.1" and PASSWORD not in a.detail for a in trail)


def test_a_login_without_its_csrf_token_is_refused(engine):
    given_user(engine)
    with service(engine) as client:
        bare = client.post("/login", data={"username": "zhang.wei", "password": PASSWORD})
        assert bare.status_code == 403 and SESSION_COOKIE not in bare.headers.get("set-cookie", "")
        client.get("/login")  # the pre-session cookie is set, but the field is another's
        forged = client.post("/login", data={"username": "zhang.wei", "password": PASSWORD, "csrf_token": "x" * 22})
        assert forged.status_code == 403 and "表单无效" in forged.text
        page = client.get("/login")
        token = CSRF.search(page.text).group(1)
        other_site = client.post("/login", data={"username": "zhang.wei", "password": PASSWORD, "csrf_token": token},
                                 headers={"Origin": "https://evil.example"})
        assert other_site.status_code == 403
        assert login(client, "zhang.wei", PASSWORD).status_code == 303


def test_failures_are_rate_limited_per_name_and_per_address(engine):
    given_user(engine)
    given_user(engine, name="li.na")
    with service(engine, login_rate="3/minute") as client:
        codes = [login(client, "zhang.wei", "wrong password!").status_code for _ in range(3)]
        limited = login(client, "zhang.wei", PASSWORD)  # even the right password waits now
        assert codes == [401, 401, 401] and limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert "登录失败次数过多" in limited.text and SESSION_COOKIE not in limited.headers.get("set-cookie", "")
        assert login(client, "li.na", PASSWORD).status_code == 429  # the same address has used up its failures
    with session_scope(engine) as session:
        refused = [a for a in list_actions(session=session) if a.detail == "refused: rate limited"]
    assert [a.user for a in refused] == ["li.na", "zhang.wei"]


def test_a_tampered_or_foreign_cookie_is_no_session(engine):
    given_user(engine)
    app = protected_app(engine)
    with serve_in_thread(app, name="test board") as url, httpx.Client(base_url=url, timeout=10) as client:
        assert login(client, "zhang.wei", PASSWORD).status_code == 303
        assert client.get("/board/me", follow_redirects=False).json()["user"] == "zhang.wei"
        good = client.cookies[SESSION_COOKIE]
        payload, stamp_, signature = good.rsplit(".", 2)
        for bad in (payload + "." + stamp_ + "." + signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB"),
                    payload.replace(payload[1], "Z" if payload[1] != "Z" else "Y", 1) + "." + stamp_ + "." + signature,
                    "garbage"):
            client.cookies.set(SESSION_COOKIE, bad)
            assert client.get("/board/me", follow_redirects=False).status_code == 303
    other = Auth(engine, fast_settings(session_secret="another key entirely"))
    assert other.cookies.read(good) is None


def protected_app(engine, **overrides) -> FastAPI:
    """A small board: `/board/me` for a session only; `POST /board/approve` for a commander, CSRF-checked."""
    app = FastAPI()
    auth = Auth(engine, fast_settings(**overrides))
    auth.add_routes(app)

    @app.get("/board/me")
    def me(request: Request):
        user = auth.user(request)
        if user is None:
            return auth.login_redirect(request)
        return {"user": user.name, "role": user.role, "csrf": auth.csrf_token(request),
                "approve": user.can(Permission.approve)}

    @app.post("/board/approve")
    async def approve(request: Request):
        fields = await form_fields(request)
        user = auth.user(request)
        if user is None or not auth.check_csrf(request, fields) or not user.can(Permission.approve):
            auth.log(user, Permission.approve, "REQ-1", ok=False)
            return JSONResponse({"ok": False}, 403)
        auth.log(user, Permission.approve, "REQ-1", detail="approved")
        return {"ok": True}

    return app


def test_a_protected_page_sends_the_sessionless_to_login_and_back(engine):
    given_user(engine, role=Role.commander)
    given_user(engine, name="li.na", role=Role.reviewer)
    with serve_in_thread(protected_app(engine), name="test board") as url, \
            httpx.Client(base_url=url, timeout=10, follow_redirects=False) as client:
        away = client.get("/board/me?tab=map")
        assert away.status_code == 303 and away.headers["location"] == "/login?next=/board/me%3Ftab%3Dmap"
        next_path = parse_qs(urlsplit(away.headers["location"]).query)["next"][0]
        assert login(client, "zhang.wei", PASSWORD, next_path=next_path).headers["location"] == "/board/me?tab=map"
        me = client.get("/board/me").json()
        assert me == {"user": "zhang.wei", "role": "commander", "csrf": me["csrf"], "approve": True}
        assert client.post("/board/approve", data={}).status_code == 403  # no CSRF token
        assert client.post("/board/approve", data={"csrf_token": me["csrf"]}).json() == {"ok": True}
        assert client.post("/board/approve", headers={"X-CSRF-Token": me["csrf"]}).json() == {"ok": True}
        copied = client.cookies[SESSION_COOKIE]
        out = client.post("/logout", data={"csrf_token": me["csrf"]})
        assert out.status_code == 303 and client.get("/board/me").status_code == 303
        client.cookies.set(SESSION_COOKIE, copied)  # a copy of the cookie kept from before the logout
        assert client.get("/board/me").status_code == 303
        client.cookies.clear()
        login(client, "li.na", PASSWORD)
        reviewer = client.get("/board/me").json()
        assert reviewer["role"] == "reviewer" and reviewer["approve"] is False
        assert client.post("/board/approve", data={"csrf_token": reviewer["csrf"]}).status_code == 403
        assert reviewer["csrf"] != me["csrf"]
    with session_scope(engine) as session:
        trail = [(a.user, a.role, a.action, a.ok) for a in list_actions(session=session)][::-1]
    assert trail == [("zhang.wei", Role.commander, "login", True), ("zhang.wei", Role.commander, "approve", False),
                     ("zhang.wei", Role.commander, "approve", True), ("zhang.wei", Role.commander, "approve", True),
                     ("zhang.wei", Role.commander, "logout", True), ("li.na", Role.reviewer, "login", True),
                     ("li.na", Role.reviewer, "approve", False)]


@SQLITE_ONLY
@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example/board", "/\\evil.example",
                                    "/board/../ack/x", "/board/%2e%2e/login", "/boardroom", "/ack/token",
                                    "https://evil.example/board"])
def test_no_open_redirect(engine, target):
    given_user(engine)
    with service(engine) as client:
        assert login(client, "zhang.wei", PASSWORD, next_path=target).headers["location"] == "/board"


def test_disable_and_passwd_end_the_sessions_opened_before(cli, engine, monkeypatch):
    given_user(engine)
    with serve_in_thread(protected_app(engine), name="test board") as url, \
            httpx.Client(base_url=url, timeout=10, follow_redirects=False) as a, \
            httpx.Client(base_url=url, timeout=10, follow_redirects=False) as b:
        login(a, "zhang.wei", PASSWORD)
        assert a.get("/board/me").status_code == 200
        new = "the password of the next shift"
        monkeypatch.setattr(sys, "stdin", io.StringIO(new + "\n"))
        assert cli("users", "passwd", "zhang.wei", "--password-stdin").exit_code == 0
        assert a.get("/board/me").status_code == 303  # the old session ended
        assert login(a, "zhang.wei", PASSWORD).status_code == 401
        assert login(b, "zhang.wei", new).status_code == 303 and b.get("/board/me").status_code == 200
        assert cli("users", "disable", "zhang.wei").exit_code == 0
        assert b.get("/board/me").status_code == 303
        assert login(b, "zhang.wei", new).status_code == 401  # a disabled user reads as any wrong login
        with session_scope(engine) as session:
            assert list_actions(session=session, action=UserActionKind.login)[0].detail == "refused: user disabled"
        assert cli("users", "enable", "zhang.wei").exit_code == 0
        assert login(b, "zhang.wei", new).status_code == 303 and b.get("/board/me").status_code == 200


@SQLITE_ONLY
def test_no_secret_no_service(engine):
    with pytest.raises(ParkLinkError, match="PARKLINK_SESSION_SECRET is not set, nor PARKLINK_ACK_SECRET"):
        Auth(engine, fast_settings(ack_secret=None))
    derived = Auth(engine, fast_settings()).cookies
    own = Auth(engine, fast_settings(session_secret="a key of the board's own")).cookies
    value, _ = derived.issue("zhang.wei", "operator", 1)
    assert derived.read(value) is not None and own.read(value) is None
