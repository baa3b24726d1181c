"""The response flow survives what goes wrong: a process killed mid-run, a group task failing, a unit's
channels failing. Real engine (Prefect test harness), real loopback HTTP, real processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict

import pytest
from sqlmodel import select

from models.db import session_scope
from models.directory import Liaison
from models.dispatch import Requisition, RequisitionStatus, Reservation, ReservationStatus
from models.events import UnitOutcomeEvent, UnitStatus
from models.incident import AssessmentRecord, Incident, IncidentStatus
from models.inventory import Stock
from models.playbook import load_playbooks
from models.settings import get_settings
from tasks.response import groups as groups_module
from tasks.response.context import unit_codes
from tests.conftest import REPO
from tests.respond_support import prefect_api_env, received_once, records, run_drill

pytestmark = pytest.mark.prefect

LIBRARY = load_playbooks(get_settings().playbooks_dir)
INCIDENT = {"enterprise": "qy-ha", "injured": 1, "description": "演练：合成氨装置区管线泄漏"}
DRILL_VARS = ("DRILL_BASE_URL", "ACK_BASE_URL", "ACK_SECRET", "WEBHOOK_SECRET", "DINGTALK_SECRET", "FEISHU_SECRET")


def first_wave(notifications) -> Counter:
    return Counter((n.group, n.recipient_unit) for n in notifications
                   if n.message_kind.startswith("activate-") and n.step == 0)


def expected_wave(plan) -> set[tuple[str, str]]:
    return {(g.key, u) for g in plan.groups for u in unit_codes(g.units, "qy-ha")}


def stock_reserved(engine) -> dict[tuple[str, str], int]:
    with session_scope(engine) as session:
        return {(s.depot, s.resource_type): s.reserved for s in session.exec(select(Stock)).all()}


def held_by_incident(engine) -> dict[tuple[str, str], int]:
    """What the open reservations and not-yet-delivered requisitions hold, per stock row."""
    out: dict[tuple[str, str], int] = defaultdict(int)
    with session_scope(engine) as session:
        for r in session.exec(select(Reservation).where(Reservation.status == ReservationStatus.held)).all():
            out[(r.depot, r.resource_type)] += r.quantity
        for q in session.exec(select(Requisition).where(Requisition.status.in_(
                [RequisitionStatus.requested, RequisitionStatus.approved]))).all():
            out[(q.depot, q.resource_type)] += q.quantity
    return dict(out)


# ---------------------------------------------------------------------------------------------------------
# Crash and restart

# Loaded by the first (killed) run only: every send takes a while, so the kill finds messages under way.
SLOW_SENDS = """
import asyncio
from tasks.notify import sender

_send = sender.Sender._send


async def _slow_send(self, req):
    await asyncio.sleep(0.6)
    return await _send(self, req)


sender.Sender._send = _slow_send
"""


def under_way(notifications) -> list:
    """Rows a sender has claimed and not yet recorded: leased, neither delivered nor failed."""
    return [n for n in notifications if n.lease_until is not None and n.delivered_at is None and n.failed_at is None]


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_a_run_killed_mid_run_and_restarted_does_everything_once(prefect_api, cli, engine, db_url, tmp_path):
    assert cli("init").exit_code == 0
    plan = LIBRARY.resolve("hazmat-leak", "III")
    env = {k: v for k, v in prefect_api_env().items() if k.removeprefix("PARKLINK_") not in DRILL_VARS}
    env.update(PARKLINK_DATABASE_URL=db_url, PARKLINK_HOME=str(tmp_path / "home"), PARKLINK_ACK_POLL_S="0.05",
               PREFECT_API_URL=prefect_api, PYTHONPATH=str(REPO))
    env.pop("PARKLINK_LANG", None)
    # Everyone answers (--answer-rate 1): a person messaged just before the kill answers the dead run's service, so
    # with silent people who is reached would hang on which messages the kill found in flight.
    command = [sys.executable, "-m", "parklink.cli", "respond", "hazmat-leak", "--level", "III", "--enterprise",
               "qy-ha", "--drill", "--incident-id", "INC-CRASH-0001", "--time-scale", "300", "--seed", "3",
               "--answer-rate", "1"]
    wanted = expected_wave(plan)

    def first_wave_out_and_more_under_way() -> bool:
        rec = records(engine, "INC-CRASH-0001")
        sent = {(n.group, n.recipient_unit) for n in rec["notifications"]
                if n.message_kind.startswith("activate-") and n.step == 0 and n.delivered_at is not None}
        return (sent == wanted and len(rec["needs"]) == len(plan.all_needs()) and bool(rec["reservations"])
                and bool(under_way(rec["notifications"])))

    (tmp_path / "slow").mkdir()
    (tmp_path / "slow" / "sitecustomize.py").write_text(SLOW_SENDS)
    slow_env = {**env, "PYTHONPATH": os.pathsep.join([str(tmp_path / "slow"), str(REPO)])}
    with open(tmp_path / "first.log", "wb") as log:
        first = subprocess.Popen([*command, "--hold"], env=slow_env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        try:
            deadline = time.monotonic() + 90
            while not first_wave_out_and_more_under_way():
                assert first.poll() is None, (tmp_path / "first.log").read_text(errors="replace")[-3000:]
                assert time.monotonic() < deadline, "the first wave never went out, or nothing more was sent"
                time.sleep(0.1)
        finally:
            os.killpg(first.pid, signal.SIGKILL)  # kill -9: no clean-up of any kind
            first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL

    crashed = records(engine, "INC-CRASH-0001")
    assert under_way(crashed["notifications"]), "killed while messages were under way"
    with session_scope(engine) as session:
        assert session.get(Incident, "INC-CRASH-0001").status is IncidentStatus.open
    held = held_by_incident(engine)
    assert held and {k: v for k, v in stock_reserved(engine).items() if v} == held, \
        "the stock's reserved column is what the incident's open reservations hold"

    again = subprocess.run([*command, "--json"], env=env, cwd=REPO, capture_output=True, timeout=150)
    assert again.returncode == 0, again.stderr.decode(errors="replace")[-3000:]
    result = json.loads(again.stdout)
    assert result["incident"] == "INC-CRASH-0001" and result["continued"] is True and result["state"] == "COMPLETED"
    assert sorted(g["key"] for g in result["groups"]) == sorted(plan.group_keys)

    rec = records(engine, "INC-CRASH-0001")
    assert [i.id for i in rec["incidents"]] == ["INC-CRASH-0001"], "one incident"
    sent_before = {n.idempotency_key: (n.delivered_at, n.attempts) for n in crashed["notifications"] if n.delivered_at}
    assert sent_before and all((n.delivered_at, n.attempts) == sent_before[n.idempotency_key]
                               for n in rec["notifications"] if n.idempotency_key in sent_before), \
        "nothing delivered before the crash was sent again"
    assert first_wave(rec["notifications"]) == Counter(dict.fromkeys(wanted, 1)), "each first-wave activation once"
    pending = [(n.idempotency_key, n.lease_holder, n.created_at, n.sent_at) for n in rec["notifications"]
               if n.delivered_at is None and (n.failed_at is None or not n.last_error)]
    assert not pending, "every row delivered or recorded failed with its reason: none left pending"
    taken_over = {n.idempotency_key for n in under_way(crashed["notifications"])}
    assert all(n.delivered_at is not None or n.last_error for n in rec["notifications"]
               if n.idempotency_key in taken_over), "what was under way at the kill was taken over and sent"
    before = {n.idempotency_key: n.id for n in crashed["notifications"]}
    assert all(before.get(n.idempotency_key, n.id) == n.id for n in rec["notifications"]), "rows were reused"

    needs = {n.need_id: n for n in rec["needs"]}
    assert set(needs) == {n.id for n in plan.all_needs()}, "every need of the level"
    by_need: dict[str, int] = defaultdict(int)
    for r in rec["reservations"]:
        by_need[r.need_id] += r.quantity
    for need_id, need in needs.items():
        assert by_need[need_id] == need.allocated <= need.quantity, (need_id, by_need[need_id], need)
        assert need.allocated + need.requisitioned + need.shortfall == need.quantity
    assert sorted((r.need_id, r.depot, r.quantity) for r in rec["reservations"]) == sorted(
        (r.need_id, r.depot, r.quantity) for r in crashed["reservations"]), "nothing reserved twice or anew"
    assert all(r.status is ReservationStatus.closed for r in rec["reservations"])
    assert all(v == 0 for v in stock_reserved(engine).values()), "stand-down released every reserved unit"
    with session_scope(engine) as session:
        assert session.get(Incident, "INC-CRASH-0001").status is IncidentStatus.closed
        assert session.exec(select(AssessmentRecord).where(AssessmentRecord.incident == "INC-CRASH-0001")).one()


# ---------------------------------------------------------------------------------------------------------
# Failure isolation


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_failing_group_task_is_recorded_and_the_others_go_on(prefect_api, cli, engine, monkeypatch):
    assert cli("init").exit_code == 0
    real = groups_module.notify_units

    async def special_breaks(engine, **kw):
        if kw["group"] == "special":
            raise RuntimeError("the channel provider is down for the special group")
        return await real(engine, **kw)

    monkeypatch.setattr(groups_module, "notify_units", special_breaks)
    incident = {**INCIDENT, "incident_id": "INC-FAIL-0001"}
    drill = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", incident, level="II", seed=6, answer_rate=1.0))
    plan = LIBRARY.resolve("hazmat-leak", "II")

    assert drill.state.is_failed(), drill.state
    assert "group:special" in drill.state.message and "channel provider is down" in drill.state.message
    result = drill.result
    assert set(result.failed) == {"group:special"}
    assert sorted(g.key for g in result.groups) == sorted(set(plan.group_keys) - {"special"})
    assert all(g.acknowledged == len(g.units) for g in result.groups), "the other groups completed"
    assert result.allocations and result.stand_down.released > 0, "dispatch and stand-down went on"

    rec = records(engine, "INC-FAIL-0001")
    assert received_once(drill.gateway, rec["notifications"])
    assert set(first_wave(rec["notifications"])) == {(g, u) for g, u in expected_wave(plan) if g != "special"}
    with session_scope(engine) as session:
        record = session.exec(select(AssessmentRecord).where(AssessmentRecord.incident == "INC-FAIL-0001")).one()
        assert session.get(Incident, "INC-FAIL-0001").status is IncidentStatus.closed
    assert record.kpis["failed_groups"] == ["special"]
    assert result.assessment.kpis["failed_groups"] == ["special"]
    assert all(v == 0 for v in stock_reserved(engine).values())


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_unit_whose_channels_all_fail_does_not_fail_its_group(prefect_api, cli, engine, monkeypatch):
    assert cli("init").exit_code == 0
    broken = ("jkzx", "ldzbgs")  # a medical member, and the office at the end of every group's escalation chain
    with session_scope(engine) as session:
        for li in session.exec(select(Liaison).where(Liaison.unit.in_(broken))).all():
            li.channels, li.webhook = "webhook", None  # a channel this liaison has no address for
    incident = {**INCIDENT, "incident_id": "INC-FAIL-0002"}
    drill = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", incident, level="III", seed=8, answer_rate=1.0))

    assert drill.state.is_completed(), drill.state.message
    assert drill.result.failed == {}
    groups = {g.key: g for g in drill.result.groups}
    assert set(groups) == set(LIBRARY.resolve("hazmat-leak", "III").group_keys)
    medical = groups["medical"]
    assert medical.unreachable == 1 and medical.acknowledged == len(medical.units) - 1, medical
    rec = records(engine, "INC-FAIL-0002")
    outcomes = {(e.payload.group, e.payload.unit): e.payload for e in rec["events"]
                if isinstance(e.payload, UnitOutcomeEvent)}
    jkzx = outcomes[("medical", "jkzx")]
    assert jkzx.status is UnitStatus.unreachable and jkzx.acked_by is None
    assert any("webhook" in p for p in jkzx.problems), jkzx
    for (group, unit), outcome in outcomes.items():
        if unit not in broken:
            assert outcome.status is UnitStatus.acknowledged, (group, unit, outcome)
    assert outcomes[("coordination", "ldzbgs")].status is UnitStatus.escalated, "the office's own chain reached ldz"
    to_jkzx = [n for n in rec["notifications"] if n.recipient_unit == "jkzx"]
    assert to_jkzx and all(n.delivered_at is None and n.failed_at is not None for n in to_jkzx)
    assert received_once(drill.gateway, rec["notifications"])
