"""The report intake from enterprises (issue 13 item 5) over real HTTP: `POST /api/reports` served by uvicorn on
loopback, keys issued by `parklink directory credentials`, the office's duty officer told through the drill gateway.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import select

from models.db import session_scope
from models.duty import DutyRole
from models.intake import EnterpriseCredential, EnterpriseReport, IntakeRequest, ReportKind, ReportState
from models.types import utcnow
from tasks.duty.roster_db import duty_liaison
from tasks.intake.keys import key_hash
from tests.notify_fixtures import ack_service, fast_settings, gateway

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
ENTERPRISE = "qy-jh"
http = httpx.Client(timeout=10)


def body(**changes) -> dict:
    good = {"playbook": "hazmat-leak", "occurred_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
            "latitude": 37.92, "longitude": 112.55, "description": "2号储罐区氨泄漏，已关闭进料阀", "chemical": "UN1005",
            "deaths": 0, "injured": 1, "evacuated": 20, "loss_cny": 50000}
    good.update(changes)
    return {k: v for k, v in good.items() if v is not None}


def issue_key(cli, enterprise: str = ENTERPRISE) -> str:
    out = cli("directory", "credentials", enterprise, "--json")
    assert out.exit_code == 0, out.stderr
    return json.loads(out.stdout)["key"]


@contextmanager
def intake(engine, **overrides):
    """The web service with the intake API; its messages go to a loopback drill gateway."""
    with gateway() as (gw, gw_url):
        settings = fast_settings(drill_base_url=gw_url, **overrides)
        with ack_service(engine, settings) as url:
            yield url, gw


def post(url: str, key: str | None, payload, **kw) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    if isinstance(payload, dict | list):
        return http.post(f"{url}/api/reports", json=payload, headers=headers, **kw)
    return http.post(f"{url}/api/reports", content=payload, headers={**headers, "Content-Type": "application/json"})


def report(engine, report_id: str) -> EnterpriseReport:
    with session_scope(engine) as session:
        return session.get(EnterpriseReport, report_id)


def logged(engine) -> list[tuple[str | None, int, str | None]]:
    with session_scope(engine) as session:
        return [(r.enterprise, r.status, r.report_id)
                for r in session.exec(select(IntakeRequest).order_by(IntakeRequest.id)).all()]


def wait_notified(engine, report_id: str, timeout: float = 15.0) -> EnterpriseReport:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = report(engine, report_id)
        if row.notified is not None:
            return row
        time.sleep(0.05)
    raise AssertionError(f"{report_id}: the office was not notified within {timeout} s")


def test_credentials_print_the_key_once_store_only_its_hash_and_revoke(cli, engine):
    assert cli("init").exit_code == 0
    out = cli("directory", "credentials", ENTERPRISE)
    assert out.exit_code == 0 and "Authorization: Bearer" in out.stdout
    key = out.stdout.strip().splitlines()[-1]
    assert len(key) >= 43
    second = issue_key(cli)
    with session_scope(engine) as session:
        rows = session.exec(select(EnterpriseCredential).order_by(EnterpriseCredential.id)).all()
        assert [(r.enterprise, r.key_hash, r.revoked_at) for r in rows] == [
            (ENTERPRISE, key_hash(key), None), (ENTERPRISE, key_hash(second), None)]
        stored = json.dumps([r.model_dump(mode="json") for r in rows])
    assert key not in stored and second not in stored  # the key itself is nowhere in the database
    revoked = cli("directory", "credentials", ENTERPRISE, "--revoke", "--json")
    assert revoked.exit_code == 0 and json.loads(revoked.stdout) == {"enterprise": ENTERPRISE, "revoked": 2}
    with session_scope(engine) as session:
        assert all(r.revoked_at is not None for r in session.exec(select(EnterpriseCredential)).all())


def test_credentials_only_for_resident_enterprises(cli, engine):
    assert cli("init").exit_code == 0
    office = cli("directory", "credentials", "ldzbgs")
    assert office.exit_code == 2 and office.stderr.count("\n") == 1
    assert "`ldzbgs`: a unit of kind office, not a resident enterprise" in office.stderr
    typo = cli("directory", "credentials", "qy-jhx")
    assert typo.exit_code == 2 and "no such unit" in typo.stderr and "did you mean `qy-jh`" in typo.stderr
    with session_scope(engine) as session:
        assert session.exec(select(EnterpriseCredential)).all() == []


@SQLITE_ONLY
def test_a_good_key_records_the_report_and_tells_the_office_duty_officer(cli, engine):
    assert cli("init").exit_code == 0
    key = issue_key(cli)
    with intake(engine) as (url, gw):
        resp = post(url, key, body())
        assert resp.status_code == 202, resp.text
        report_id = resp.json()["report_id"]
        assert report_id.startswith("RPT-") and resp.json() == {"report_id": report_id}
        row = wait_notified(engine, report_id)
        messages = [m for m in gw.messages if m["key"].startswith(f"report:{report_id}:")]
    assert (row.enterprise, row.playbook, row.kind, row.state, row.chemical, row.injured, row.evacuated) == (
        ENTERPRISE, "hazmat-leak", ReportKind.report, ReportState.received, "UN1005", 1, 20)
    assert row.notified is True and row.notification_id is not None and row.notify_error is None
    with session_scope(engine) as session:
        officer = duty_liaison(session=session, unit="ldzbgs", role=DutyRole.duty_officer, at=utcnow())
    assert officer is not None and officer.name != "徐思远"  # the duty officer, not the office's primary
    [message] = messages
    assert message["key"].endswith(f":ldzbgs:{officer.id}") and officer.name in message["text"]
    assert report_id in message["text"] and "示例焦化有限公司" in message["text"] and "氨泄漏" in message["text"]
    assert message["ack_url"] and "/ack/" in message["ack_url"]
    assert logged(engine) == [(ENTERPRISE, 202, report_id)]


@SQLITE_ONLY
def test_bad_missing_and_revoked_keys_are_refused_with_401_and_logged(cli, engine):
    assert cli("init").exit_code == 0
    key = issue_key(cli)
    with intake(engine) as (url, _gw):
        for header in (None, "wrong-key", key[:-1]):
            resp = post(url, header, body())
            assert resp.status_code == 401 and resp.headers["www-authenticate"].startswith("Bearer")
        basic = http.post(f"{url}/api/reports", json=body(), headers={"Authorization": f"Basic {key}"})
        assert basic.status_code == 401
        assert post(url, key, body()).status_code == 202
        assert cli("directory", "credentials", ENTERPRISE, "--revoke").exit_code == 0
        assert post(url, key, body()).status_code == 401
    with session_scope(engine) as session:
        assert len(session.exec(select(EnterpriseReport)).all()) == 1
    assert [(e, s) for e, s, _ in logged(engine)] == [(None, 401)] * 4 + [(ENTERPRISE, 202), (None, 401)]


@SQLITE_ONLY
def test_a_bad_body_lists_every_bad_field(cli, engine):
    assert cli("init").exit_code == 0
    key = issue_key(cli)
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    bad = body(playbook="hazmat-leek", occurred_at=future, latitude=95.0, longitude="east", description="",
               chemical="UN9999", deaths=-1, injured=True, loss_cny=-5, colour="purple", reporter="x")
    with intake(engine) as (url, _gw):
        resp = post(url, key, bad)
        assert resp.status_code == 422
        assert resp.json()["errors"] == [
            {"field": "playbook", "message": "unknown playbook `hazmat-leek`; did you mean `hazmat-leak`?"},
            {"field": "occurred_at", "message": "is in the future"},
            {"field": "latitude", "message": "Input should be less than or equal to 90"},
            {"field": "longitude", "message": "Input should be a valid number"},
            {"field": "description", "message": "String should have at least 1 character"},
            {"field": "chemical", "message": "unknown UN number `UN9999`"},
            {"field": "deaths", "message": "Input should be greater than or equal to 0"},
            {"field": "injured", "message": "Input should be a valid integer"},
            {"field": "loss_cny", "message": "Input should be greater than or equal to 0"},
            {"field": "colour", "message": "Input should be 'blue', 'yellow', 'orange' or 'red'"},
            {"field": "reporter", "message": "unknown field"},
        ]
        missing = post(url, key, {"playbook": "fire"})
        assert missing.status_code == 422 and missing.json()["errors"] == [
            {"field": f, "message": "required"} for f in ("occurred_at", "latitude", "longitude", "description")]
        assert post(url, key, b"{not json").json() == {"errors": [{"field": "body",
                                                                    "message": "not JSON; send a JSON object"}]}
        assert post(url, key, [1, 2]).status_code == 422
        assert post(url, key, b'{"x": "' + b"y" * 40_000 + b'"}').status_code == 413  # the guard's bound
    with session_scope(engine) as session:
        assert session.exec(select(EnterpriseReport)).all() == []
    assert [s for _e, s, _r in logged(engine)] == [422, 422, 422, 422]


@SQLITE_ONLY
def test_a_warning_report_is_recorded_as_one(cli, engine):
    assert cli("init").exit_code == 0
    key = issue_key(cli)
    with intake(engine) as (url, gw):
        resp = post(url, key, body(colour="orange", chemical=None))
        assert resp.status_code == 202
        row = wait_notified(engine, resp.json()["report_id"])
        [message] = [m for m in gw.messages if m["key"].startswith("report:")]
    assert (row.kind, row.colour) == (ReportKind.warning, "orange") and "橙色预警" in message["text"]


@SQLITE_ONLY
def test_the_rate_limit_answers_429_per_enterprise(cli, engine):
    assert cli("init").exit_code == 0
    key, other = issue_key(cli), issue_key(cli, "qy-jc")
    with intake(engine, intake_rate="3/minute") as (url, _gw):
        codes = [post(url, key, body()).status_code for _ in range(4)]
        over = post(url, key, body())
        assert codes == [202, 202, 202, 429] and over.status_code == 429
        assert 1 <= int(over.headers["retry-after"]) <= 60
        assert post(url, other, body()).status_code == 202  # another enterprise has its own allowance
    assert [(e, s) for e, s, _ in logged(engine)] == [(ENTERPRISE, 202)] * 3 + [(ENTERPRISE, 429)] * 2 + [("qy-jc", 202)]


def test_reports_sent_at_once_each_get_their_own_number(cli, engine):
    from concurrent.futures import ThreadPoolExecutor

    assert cli("init").exit_code == 0
    keys = [issue_key(cli, code) for code in ("qy-jh", "qy-jc", "qy-ha")]
    with intake(engine, intake_rate="100/minute") as (url, _gw):
        with ThreadPoolExecutor(9) as pool:
            answers = list(pool.map(lambda i: post(url, keys[i % 3], body()), range(9)))
    assert [a.status_code for a in answers] == [202] * 9
    ids = sorted(a.json()["report_id"] for a in answers)
    assert len(set(ids)) == 9 and [int(i.rsplit("-", 1)[1]) for i in ids] == list(range(1, 10))
