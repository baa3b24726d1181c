"""Acknowledgements refused when they no longer mean anything, and the service guarded against other sites.

Refused, changing nothing: after the incident is stood down; for a message never delivered; a POST whose
Origin/Referer is another site's; a body over 8 kB (before it is read whole); a token or an ETA spelled with
leading zeros or non-ASCII digits. Every response, 404s included, forbids framing. Real HTTP over loopback.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from models.db import session_scope
from models.incident import Incident, IncidentStatus
from models.notification import Notification
from tasks.notify import Message, send_wave
from tasks.notify.tokens import _b36, issue_token
from tasks.web.guard import Guard
from tests.notify_fixtures import SECRETS, ack_service, fast_settings, gateway, rows

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
http = httpx.Client(timeout=10)


def acked(engine, row_id: int):
    [row] = rows(engine, id=row_id)
    return row.acked_at


def link_of(base: str, row: Notification) -> str:
    token = issue_token(SECRETS["ack_secret"], row.id, row.idempotency_key, row.expires_at)
    return f"{base}/ack/{token}"


def open_incident(engine, incident_id: str) -> None:
    with session_scope(engine) as session:
        session.add(Incident(id=incident_id, playbook_id="hazmat-leak", playbook_hash="x", level="III",
                             latitude=35.5, longitude=112.8))


def sent(engine, base: str, context_id: str, units=("gwh", "ldz", "yjj"), drill_base_url: str | None = None):
    with gateway() as (_gw, gw_url):
        settings = fast_settings(ack_base_url=base, drill_base_url=drill_base_url or gw_url)
        return asyncio.run(send_wave(engine, context_kind="incident", context_id=context_id, group="g2",
                                     units=list(units), message=Message("activate", "请到指挥部报到"),
                                     settings=settings))


def test_refused_after_stand_down_even_if_opened_before(cli, engine):
    assert cli("init").exit_code == 0
    open_incident(engine, "INC-ACK-0001")
    with ack_service(engine, fast_settings()) as base:
        on_time, late, api_late = sent(engine, base, "INC-ACK-0001")
        assert http.post(link_of(base, on_time), data={"eta": "5"}).status_code == 200
        form_page = http.get(link_of(base, late))
        assert form_page.status_code == 200  # the page was opened while the incident was open
        with session_scope(engine) as session:
            session.get(Incident, "INC-ACK-0001").status = IncidentStatus.closed
        refused = http.post(link_of(base, late), data={"eta": "3"})
        assert refused.status_code == 410 and "本次事件的响应已终止" in refused.text
        assert http.get(link_of(base, late)).status_code == 410
        api = http.post(link_of(base, api_late).replace("/ack/", "/api/ack/"), json={"eta_min": 1})
        assert api.status_code == 410 and api.json()["error"] == "closed"
    assert acked(engine, late.id) is None and acked(engine, api_late.id) is None
    assert acked(engine, on_time.id) is not None


def test_refused_for_a_message_never_delivered_accepted_while_under_way(cli, engine):
    assert cli("init").exit_code == 0
    with ack_service(engine, fast_settings()) as base:
        failed, under_way = sent(engine, base, "a-undelivered", units=("gwh", "ldz"),
                                 drill_base_url="http://127.0.0.1:9")  # connection refused: recorded failed
        assert failed.failed_at is not None and failed.delivered_at is None
        for resp in (http.get(link_of(base, failed)), http.post(link_of(base, failed), data={"eta": "1"})):
            assert resp.status_code == 409 and "此消息未送达" in resp.text
        api = http.post(link_of(base, failed).replace("/ack/", "/api/ack/"), json={})
        assert api.status_code == 409 and api.json()["error"] == "undelivered"
        assert acked(engine, failed.id) is None

        with session_scope(engine) as session:  # a sender holds it: it may be read before delivery is recorded
            session.execute(update(Notification).where(Notification.id == under_way.id)
                            .values(failed_at=None, lease_holder="elsewhere:1:0",
                                    lease_until=datetime.now(UTC) + timedelta(seconds=30)))
        assert http.post(link_of(base, under_way), data={"eta": "2"}).status_code == 200
        assert acked(engine, under_way.id) is not None


def test_cross_origin_posts_are_refused(cli, engine):
    assert cli("init").exit_code == 0
    proxied = "https://ack.park.example/parklink"  # the public base URL, behind a reverse proxy
    with ack_service(engine, fast_settings(ack_base_url=proxied)) as base:
        rows_ = sent(engine, base, "a-origin", units=("gwh", "ldz", "yjj", "gaj"))
        forms = [link_of(base, r) for r in rows_]
        evil = [{"Origin": "https://evil.example"}, {"Origin": "null"},
                {"Referer": "https://evil.example/page"}, {"Origin": f"{base}.evil.example"}]
        for headers in evil:
            page = http.post(forms[0], data={"eta": "1"}, headers=headers)
            assert page.status_code == 403 and "不是从本页面提交的" in page.text, headers
            api = http.post(forms[0].replace("/ack/", "/api/ack/"), json={}, headers=headers)
            assert api.status_code == 403 and api.json()["error"] == "cross_origin", headers
        assert acked(engine, rows_[0].id) is None

        assert http.post(forms[0], data={"eta": "1"}, headers={"Origin": base}).status_code == 200  # this page
        assert http.post(forms[1], data={}, headers={"Origin": "https://ack.park.example"}).status_code == 200
        assert http.post(forms[2].replace("/ack/", "/api/ack/"), json={},
                         headers={"Referer": f"{forms[2]}?lang=en"}).status_code == 200
        assert http.post(forms[3], data={}).status_code == 200  # no browser: neither header


@SQLITE_ONLY
def test_every_response_forbids_framing(cli, engine):
    assert cli("init").exit_code == 0
    with ack_service(engine, fast_settings()) as base:
        [row] = sent(engine, base, "a-frame", units=("gwh",))
        responses = [http.get(link_of(base, row)), http.get(f"{base}/ack/nonsense"), http.get(f"{base}/nowhere"),
                     http.get(f"{base}/healthz"), http.delete(link_of(base, row)),
                     http.post(f"{base}/api/ack/nonsense", json={}),
                     http.post(link_of(base, row), content=b"x" * 20_000)]
        assert [r.status_code for r in responses] == [200, 400, 404, 200, 405, 400, 413]
        for resp in responses:
            assert "frame-ancestors 'none'" in resp.headers["content-security-policy"], resp.url
            assert resp.headers["x-frame-options"] == "DENY" and resp.headers["x-content-type-options"] == "nosniff"


@SQLITE_ONLY
def test_large_bodies_are_refused_before_they_are_read(cli, engine):
    assert cli("init").exit_code == 0
    with ack_service(engine, fast_settings()) as base:
        [row, other] = sent(engine, base, "a-large", units=("gwh", "ldz"))
        link = link_of(base, row)

        def chunks():  # no Content-Length: the service must count what it reads
            for _ in range(64):
                yield b"note=" + b"x" * 1024

        for resp in (http.post(link, data={"note": "x" * 9000}), http.post(link, content=chunks()),
                     http.post(link.replace("/ack/", "/api/ack/"), json={"note": "x" * 9000})):
            assert resp.status_code == 413, resp.text
        assert "表单过长" in http.post(link, content=chunks()).text
        assert http.post(link.replace("/ack/", "/api/ack/"), content=chunks()).json()["error"] == "too_large"
        assert acked(engine, row.id) is None
        longest = http.post(link_of(base, other), data={"note": "到" * 500, "eta": "10"})  # 4.5 kB urlencoded
        assert longest.status_code == 200 and acked(engine, other.id) is not None


def test_the_guard_stops_reading_at_its_bound():
    """An endless body: the guard reads at most its bound plus one chunk, answers 413, never calls the app."""
    reads, sent_messages = [], []

    async def endless():
        reads.append(1)
        return {"type": "http.request", "body": b"x" * 1000, "more_body": True}

    async def send(message):
        sent_messages.append(message)

    async def app(scope, receive, send):
        raise AssertionError("the app must not be called")

    guard = Guard(app, headers={"X-Frame-Options": "DENY"}, max_body=8192)
    asyncio.run(guard({"type": "http", "path": "/ack/x", "headers": []}, endless, send))
    assert len(reads) == 9 and sent_messages[0]["status"] == 413
    assert (b"x-frame-options", b"DENY") in sent_messages[0]["headers"]


@SQLITE_ONLY
def test_tokens_and_etas_have_one_spelling(cli, engine):
    assert cli("init").exit_code == 0
    with ack_service(engine, fast_settings()) as base:
        [row] = sent(engine, base, "a-digits", units=("gwh",))
        link = link_of(base, row)
        nid, exp, sig = link.rsplit("/", 1)[1].split(".")
        assert _b36(row.id) == nid
        fullwidth = str.maketrans("0123456789", "０１２３４５６７８９")
        for bad in (f"0{nid}.{exp}.{sig}", f"{nid}.0{exp}.{sig}", f"{nid.translate(fullwidth)}.{exp}.{sig}",
                    f"{nid}.{exp}.{sig}%0A"):
            for resp in (http.get(f"{base}/ack/{bad}"), http.post(f"{base}/ack/{bad}", data={"eta": "1"})):
                assert resp.status_code == 400 and "链接不完整" in resp.text, bad
        for eta in ("007", "٣", "１２", "1_0", "+5", "-0", "1e1"):
            resp = http.post(link.replace("/ack/", "/api/ack/"), json={"eta_min": eta})
            assert resp.status_code == 422 and "ETA" in resp.json()["message"], eta
            assert http.post(link, data={"eta": eta}).status_code == 422, eta
        assert http.post(link.replace("/ack/", "/api/ack/"), json={"eta_min": True}).status_code == 422
        assert acked(engine, row.id) is None
        assert http.post(link, data={"eta": " 0 "}).status_code == 200
