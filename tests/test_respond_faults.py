"""Honest records under faults: a run that did not reach people says so (exit 3, JSON, findings); a run that
breaks gives back what it holds; a closed incident run again does nothing. Real Prefect, real HTTP."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlmodel import select

import flows.respond as respond_flow
from models.db import session_scope
from models.directory import Liaison
from models.dispatch import Reservation, ReservationStatus
from models.events import RunFailed
from models.incident import AssessmentRecord, Incident, IncidentStatus
from models.inventory import Stock
from tasks.response.results import WorkKey, WorkKind
from tests.respond_support import received_once, records, run_drill

pytestmark = [pytest.mark.prefect, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]
INCIDENT = {"enterprise": "qy-ha", "injured": 2, "description": "演练：故障演练"}
BROKEN = ("yjj", "ldzbgs")  # the emergency bureau (in groups and the upward report) and the office ending every chain


def break_units(engine, units=BROKEN) -> None:
    with session_scope(engine) as session:
        for li in session.exec(select(Liaison).where(Liaison.unit.in_(units))).all():
            li.channels, li.webhook = "webhook", None  # a channel the liaison has no address for


def test_a_run_that_reached_nobody_for_a_unit_exits_3_and_names_it(prefect_api, cli, engine, monkeypatch):
    assert cli("init").exit_code == 0
    break_units(engine)
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    monkeypatch.setenv("PARKLINK_ACK_POLL_S", "0.05")
    done = cli("respond", "hazmat-leak", "--level", "III", "--enterprise", "qy-ha", "--drill", "--time-scale", "300",
               "--seed", "2", "--answer-rate", "1", "--incident-id", "INC-FAULT-0001", "--json")
    assert done.exit_code == 3, (done.exit_code, done.stderr[-2000:])
    out = json.loads(done.stdout)
    assert out["state"] == "COMPLETED"
    unreached = {(u["group"], u["unit"]) for u in out["unreached"]}
    assert unreached and {unit for _, unit in unreached} == {"yjj"}, unreached
    assert {r["recipient"] for r in out["undelivered_reports"]} == {"yjj"} and {r["seq"] for r in
                                                                                 out["undelivered_reports"]} == {1}
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error: ")]
    assert errors and "yjj" in errors[-1] and "第 1 次上报 → yjj" in errors[-1], done.stderr[-800:]
    with session_scope(engine) as session:
        record = session.exec(select(AssessmentRecord).where(AssessmentRecord.incident == "INC-FAULT-0001")).one()
    assert record.kpis["upward_reports_on_time"] == 0, "a report that missed a recipient is not on time"
    assert record.findings["information"]["zh"].startswith("信息发布未达标")
    assert record.findings["response"]["zh"].startswith("应急响应未达标") and "yjj" in record.findings["response"]["zh"]
    groups = {g["key"]: g for g in out["groups"]}
    for g in groups.values():
        assert g["notified"] <= len(g["units"]) + 3 * len(g["units"]), g
    rec = records(engine, "INC-FAULT-0001")
    delivered = sum(n.delivered_at is not None for n in rec["notifications"] if n.message_kind.startswith("activate"))
    assert sum(g["notified"] for g in groups.values()) == delivered, "notified counts deliveries, not attempts"


def test_a_run_that_breaks_gives_back_what_it_holds(prefect_api, cli, engine, monkeypatch):
    assert cli("init").exit_code == 0
    real = respond_flow._apply_level_changes

    async def breaks_after_dispatch(run, plan, playbooks, tracker):
        if WorkKey(kind=WorkKind.dispatch) in tracker.results:
            raise OverflowError("date value out of range (simulated)")
        return await real(run, plan, playbooks, tracker)

    monkeypatch.setattr(respond_flow, "_apply_level_changes", breaks_after_dispatch)
    drill = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", {**INCIDENT, "incident_id": "INC-FAULT-0002"},
                                  level="II", seed=3, hold=True))
    assert drill.state.is_failed() and "OverflowError" in drill.state.message
    rec = records(engine, "INC-FAULT-0002")
    assert rec["reservations"] and all(r.status is ReservationStatus.closed and r.consumed == 0
                                       for r in rec["reservations"])
    with session_scope(engine) as session:
        assert all(s.reserved == 0 for s in session.exec(select(Stock)).all()), "every unit went back"
        incident = session.get(Incident, "INC-FAULT-0002")
        assert incident.status is IncidentStatus.closed and incident.outcome.startswith("failed: OverflowError")
        held = session.exec(select(Reservation).where(Reservation.status == ReservationStatus.held)).all()
    assert held == []
    [failed] = [e.payload for e in rec["events"] if isinstance(e.payload, RunFailed)]
    assert failed.released == sum(r.quantity for r in rec["reservations"]) > 0
    assert "OverflowError" in failed.error
    again = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", {**INCIDENT, "incident_id": "INC-FAULT-0002"},
                                  level="II", seed=3))
    assert again.state.is_completed() and again.result.closed and again.gateway["messages"] == []


def all_recorded(notifications) -> list[str]:
    """Rows that are neither delivered nor failed with a reason (must be none after a run)."""
    return [n.idempotency_key for n in notifications
            if n.delivered_at is None and (n.failed_at is None or not n.last_error)]


def test_flaky_channels_every_row_delivered_or_recorded_failed_and_none_twice(prefect_api, cli, engine,
                                                                              monkeypatch):
    assert cli("init").exit_code == 0
    monkeypatch.setenv("PARKLINK_NOTIFY_TIMEOUT_S", "0.5")
    monkeypatch.setenv("PARKLINK_NOTIFY_BACKOFF_S", "0.05")
    drill = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", {**INCIDENT, "incident_id": "INC-FAULT-0003"},
                                  level="III", seed=5, answer_rate=1.0, error_rate=0.3, timeout_rate=0.1))
    assert drill.state.is_completed(), drill.state.message
    rec = records(engine, "INC-FAULT-0003")
    assert rec["notifications"] and all_recorded(rec["notifications"]) == []
    assert received_once(drill.gateway, rec["notifications"]), "each delivered message reached its person once"
    outcomes = {r["outcome"] for r in drill.gateway["requests"]}
    assert {"5xx", "slow", "accepted"} <= outcomes, "the gateway played 5xx and timeouts, and the retries got through"


def test_every_channel_failing_says_nobody_was_reached(prefect_api, cli, engine, monkeypatch):
    assert cli("init").exit_code == 0
    monkeypatch.setenv("PARKLINK_NOTIFY_RETRIES", "1")
    monkeypatch.setenv("PARKLINK_NOTIFY_BACKOFF_S", "0.01")
    drill = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", {**INCIDENT, "incident_id": "INC-FAULT-0004"},
                                  level="IV", seed=1, answer_rate=1.0, error_rate=1.0))
    assert drill.state.is_completed(), drill.state.message
    result = drill.result
    rec = records(engine, "INC-FAULT-0004")
    assert rec["notifications"] and all(n.delivered_at is None for n in rec["notifications"])
    assert all_recorded(rec["notifications"]) == [], "every failure recorded with its reason"
    assert drill.gateway["messages"] == [], "nothing was accepted"
    assert not result.reached_everyone and {u.unit for u in result.unreached} == {
        u for g in result.groups for u in g.units}
    assert {r.recipient for r in result.undelivered_reports} and all(g.notified == 0 for g in result.groups)
    assert result.assessment.kpis["ack_rate"] == 0 and result.assessment.kpis["first_report_min"] is None
