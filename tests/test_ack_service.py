"""Acknowledgements: signed tokens, the web page and JSON API over loopback HTTP, and `parklink ack`.

A forged, altered, expired or already-used token, or one for a finished check, is refused with a 4xx and
changes nothing; an acknowledgement is recorded once, with its time.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import select

from models.db import session_scope
from models.directory import Liaison
from models.notification_store import create_check, finish_check
from tasks.notify import Message, send_wave
from tasks.notify.texts import check_message
from tasks.notify.tokens import TokenError, _b36, issue_token, read_token, verify_token
from tests.notify_fixtures import SECRETS, ack_service, fast_settings, gateway, rows

KEY = "incident:1:g2:activate:0:yjj:13"
http = httpx.Client(timeout=10)  # one client: a new one per request costs more than the request

# Backend-neutral behaviour: SQLite alone keeps the suite quick (PostgreSQL runs the rest).
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_token_round_trip_and_shape():
    expires = datetime.now(UTC) + timedelta(hours=1)
    token = issue_token("k", 12345, KEY, expires)
    assert len(token) < 40 and token.replace(".", "").replace("-", "").replace("_", "").isalnum()
    claims = verify_token("k", token, KEY)
    assert claims.notification_id == 12345 and claims.expires_at == expires.replace(microsecond=0)


@pytest.mark.parametrize("alter", [
    lambda t: "2" + t[1:] if t[0] != "2" else "3" + t[1:],                      # another notification
    lambda t: t.split(".")[0] + ".zzzzzz." + t.split(".")[2],                  # a later expiry
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),                         # a bit of the signature
])
def test_tampered_tokens_are_forged(alter):
    token = issue_token("k", 1, KEY, datetime.now(UTC) + timedelta(hours=1))
    with pytest.raises(TokenError) as info:
        verify_token("k", alter(token), KEY)
    assert info.value.reason == "forged"


def test_wrong_key_other_binding_missing_row_expired_and_malformed():
    good = issue_token("k", 1, KEY, datetime.now(UTC) + timedelta(hours=1))
    for secret, binding in (("other", KEY), ("k", KEY + "x"), ("k", None)):
        with pytest.raises(TokenError, match="not genuine"):
            verify_token(secret, good, binding)
    old = issue_token("k", 1, KEY, datetime.now(UTC) - timedelta(seconds=1))
    with pytest.raises(TokenError) as info:
        verify_token("k", old, KEY)
    assert info.value.reason == "expired"
    for bad in ("", "abc", "1.2.3", "1.2." + "!" * 22, good + "x"):
        with pytest.raises(TokenError) as info:
            read_token(bad)
        assert info.value.reason == "malformed"


@contextmanager
def sent_messages(engine, units=("gwh", "ldz")):
    """Messages really sent to a gateway, with their links pointing at a running acknowledgement service."""
    base = fast_settings()
    with ack_service(engine, base) as ack_url, gateway() as (gw, gw_url):
        settings = fast_settings(ack_base_url=ack_url, drill_base_url=gw_url)
        out = asyncio.run(send_wave(engine, context_kind="incident", context_id="a-1", group="g2", units=list(units),
                                    message=Message("activate", "请到指挥部报到"), settings=settings))
        links = {m["key"]: m["ack_url"] for m in gw.messages}
        yield settings, ack_url, [(r, links[r.idempotency_key]) for r in out]


def state(engine, row_id: int):
    [row] = [r for r in rows(engine) if r.id == row_id]
    return row.acked_at, row.ack_eta_min, row.ack_note, row.ack_via


def test_page_form_and_replay(cli, engine):
    assert cli("init").exit_code == 0
    with sent_messages(engine) as (_settings, _base, [(row, link), _]):
        page = http.get(link)
        assert page.status_code == 200 and "<form" in page.text and 'name="eta"' in page.text
        assert "请确认收到" in page.text and "请到指挥部报到" in page.text and 'lang="zh-CN"' in page.text
        assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "same-origin"
        assert "Please confirm receipt" in http.get(link, params={"lang": "en"}).text
        assert state(engine, row.id) == (None, None, None, None)  # opening the page changes nothing

        done = http.post(link, data={"eta": "12", "note": "在路上", "lang": "zh-CN"})
        assert done.status_code == 200 and "已确认收到" in done.text and "预计 12 分钟" in done.text
        first = state(engine, row.id)
        assert first[1:] == (12, "在路上", "web") and first[0] is not None

        replay = http.post(link, data={"eta": "99", "note": "again"})
        assert replay.status_code == 409 and "已经确认过了" in replay.text
        assert http.get(link).status_code == 409
        assert state(engine, row.id) == first  # recorded once, with its first time


def test_refusals_change_nothing(cli, engine):
    assert cli("init").exit_code == 0
    with sent_messages(engine) as (settings, base, [(row, link), (other, _)]):
        token = link.rsplit("/", 1)[1]
        nid, exp, sig = token.split(".")
        forged_sig = f"{nid}.{exp}.{'A' * 22}"
        moved = f"{_b36(other.id)}.{exp}.{sig}"
        longer = f"{nid}.{'z' * 6}.{sig}"
        expired = issue_token(SECRETS["ack_secret"], row.id, row.idempotency_key, datetime.now(UTC) - timedelta(minutes=1))
        cases = {forged_sig: (403, "链接无效"), moved: (403, "链接无效"), longer: (403, "链接无效"),
                 expired: (410, "链接已过期"), "nonsense": (400, "链接不完整")}
        for bad, (status, title) in cases.items():
            for resp in (http.get(f"{base}/ack/{bad}"), http.post(f"{base}/ack/{bad}", data={"eta": "1"})):
                assert (resp.status_code, title in resp.text) == (status, True), bad
            api = http.post(f"{base}/api/ack/{bad}", json={"eta_min": 1})
            assert api.status_code == status and api.json()["ok"] is False
        assert state(engine, row.id) == state(engine, other.id) == (None, None, None, None)

        for body, fragment in (({"eta_min": -1}, "ETA -1"), ({"eta_min": "soon"}, "ETA `soon`"),
                               ({"note": "x" * 501}, "note: 501 characters"), ({"note": 5}, "note: give text")):
            resp = http.post(f"{base}/api/ack/{token}", json=body)
            assert resp.status_code == 422 and fragment in resp.json()["message"]
        assert http.post(f"{base}/api/ack/{token}", content=b"[1]").status_code == 422
        form = http.post(link, data={"eta": "9999"})
        assert form.status_code == 422 and "<form" in form.text and "ETA 9999" in form.text
        assert state(engine, row.id) == (None, None, None, None)


def test_json_api_and_concurrent_acknowledgements_record_once(cli, engine):
    assert cli("init").exit_code == 0
    with sent_messages(engine) as (_settings, base, [(row, link), _]):
        api = link.replace("/ack/", "/api/ack/")
        assert http.get(api).json()["state"] == "delivered"
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda i: http.post(api, json={"eta_min": i}), range(8)))
        codes = sorted(r.status_code for r in results)
        assert codes == [200] + [409] * 7
        winner = next(r.json() for r in results if r.status_code == 200)
        assert state(engine, row.id)[1:] == (winner["eta_min"], None, "api")
        assert http.get(api).json()["state"] == "acked"


def test_ack_for_a_finished_check_is_refused(cli, engine):
    assert cli("init").exit_code == 0
    with session_scope(engine) as session:
        check_id = create_check(session=session, wait_s=60, drill=True).id
    with ack_service(engine, fast_settings()) as ack_url, gateway() as (gw, gw_url):
        settings = fast_settings(ack_base_url=ack_url, drill_base_url=gw_url)
        [on_time, late] = asyncio.run(send_wave(engine, context_kind="check", context_id=str(check_id), group="",
                                                units=["gwh", "ldz"], message=check_message("zh-CN"), settings=settings))
        links = {m["key"]: m["ack_url"] for m in gw.messages}
        assert http.post(links[on_time.idempotency_key], data={"eta": "1"}).status_code == 200
        with session_scope(engine) as session:
            finish_check(session=session, check_id=check_id)
        refused = http.post(links[late.idempotency_key], data={"eta": "3"})
        assert refused.status_code == 410 and "本次核验已结束" in refused.text
        api = http.post(links[late.idempotency_key].replace("/ack/", "/api/ack/"), json={})
        assert api.status_code == 410 and api.json()["error"] == "finished"
        assert http.get(links[late.idempotency_key]).status_code == 410
    assert state(engine, late.id) == (None, None, None, None) and state(engine, on_time.id)[0] is not None
    with session_scope(engine) as session:  # finishing verified the one who answered in time, nobody else
        verified = {li.id for li in session.exec(select(Liaison).where(Liaison.last_verified_at.is_not(None)))}
    assert verified == {on_time.liaison_id}


@SQLITE_ONLY
def test_parklink_ack_from_the_shell(cli, engine, monkeypatch):
    assert cli("init").exit_code == 0
    monkeypatch.setenv("PARKLINK_ACK_SECRET", SECRETS["ack_secret"])
    with sent_messages(engine) as (_settings, _base, [(row, link), (other, other_link)]):
        token = link.rsplit("/", 1)[1]
        out = cli("ack", token, "--eta", "20", "--note", "马上到")
        assert out.exit_code == 0 and f"通知 #{row.id}" in out.stdout
        assert state(engine, row.id)[1:] == (20, "马上到", "cli")
        again = cli("ack", token)
        assert again.exit_code == 1 and again.stderr.startswith("Error: 已经确认过了") and again.stderr.count("\n") == 1
        forged = cli("--lang", "en", "ack", token[:-2] + "AA")
        assert forged.exit_code == 1 and forged.stderr.startswith("Error: This link is not valid")
        bad_eta = cli("ack", other_link, "--eta", "5000")
        assert bad_eta.exit_code == 1 and "ETA 5000" in bad_eta.stderr
        assert cli("ack", other_link).exit_code == 0  # a whole link works too
    monkeypatch.delenv("PARKLINK_ACK_SECRET")
    missing = cli("ack", token)
    assert missing.exit_code == 1 and "PARKLINK_ACK_SECRET is not set" in missing.stderr
