"""The response flow on the real Prefect engine: every playbook at every level, drilled over loopback HTTP."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import pytest

from models.db import session_scope
from models.events import LevelSetBy, UnitOutcomeEvent, UnitStatus
from models.incident import AssessmentRecord
from models.incident_store import request_level_change, request_stand_down
from models.playbook import load_playbooks
from models.settings import get_settings
from tasks.response.context import unit_codes
from tests.respond_support import received_once, records, run_drill

pytestmark = pytest.mark.prefect

LIBRARY = load_playbooks(get_settings().playbooks_dir)
CASES = [(p, lv) for p in sorted(LIBRARY.ids()) for lv in LIBRARY.levels(p)]
INCIDENT = {"enterprise": "qy-ha", "injured": 2, "description": "演练：合成氨装置区管线泄漏"}


def primary_plans(gateway: dict) -> dict[tuple[str, str], bool]:
    """(group, unit) → did the gateway's "person" holding the primary's activation message plan to answer?"""
    out = {}
    for m in gateway["messages"]:
        kind, _ctx, group, message, step, unit, _liaison = m["key"].split(":")
        if message.startswith("activate-") and step == "0":
            out[(group, unit)] = m["plan"]["answers"]
    return out


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("playbook, level", CASES)
def test_drill_every_playbook_at_every_level(prefect_api, cli, engine, monkeypatch, playbook, level):
    assert cli("init").exit_code == 0
    drill = asyncio.run(run_drill(engine, monkeypatch, playbook, INCIDENT, level=level, seed=7))
    assert drill.state.is_completed(), drill.state.message
    result = drill.result
    plan = LIBRARY.resolve(playbook, level)
    assert result.level == level and result.playbook_hash == plan.content_hash
    assert sorted(g.key for g in result.groups) == sorted(plan.group_keys), "every group of the level"

    rec = records(engine, result.incident)
    assert len(rec["incidents"]) == 1
    assert received_once(drill.gateway, rec["notifications"]), "each message delivered reached its person once"
    first_wave = defaultdict(int)
    for n in rec["notifications"]:
        if n.message_kind.startswith("activate-") and n.step == 0:
            first_wave[(n.group, n.recipient_unit)] += 1
    expected = {(g.key, u) for g in plan.groups for u in unit_codes(g.units, "qy-ha")}
    assert set(first_wave) == expected and set(first_wave.values()) == {1}, "every unit of every group once"

    planned = primary_plans(drill.gateway)
    for group in result.groups:
        for unit in group.units:
            outcome = next(o for o in records_outcomes(rec, group.key) if o.unit == unit)
            if planned[(group.key, unit)]:
                assert outcome.status is UnitStatus.acknowledged, (group.key, unit, outcome)
            else:
                assert outcome.status in (UnitStatus.escalated, UnitStatus.unreachable), (group.key, unit, outcome)
                assert outcome.escalated_to, "a silent primary is escalated"

    with session_scope(engine) as session:
        record = session.query(AssessmentRecord).filter_by(incident=result.incident).one()
    assert record.kpis["units_notified"] == len(expected)
    assert set(record.kpis["groups"]) == set(plan.group_keys)
    assert record.kpis["time_to_command_post_min"] is not None and record.markdown.startswith("# 应急处置评估报告")
    assert "<table>" in record.html


def records_outcomes(rec: dict, group: str) -> list[UnitOutcomeEvent]:
    return [e.payload for e in rec["events"] if isinstance(e.payload, UnitOutcomeEvent) and e.payload.group == group]


def test_a_closed_incident_run_again_sends_reserves_and_records_nothing(prefect_api, cli, engine, monkeypatch):
    cli("init")
    incident = {**INCIDENT, "incident_id": "INC-TEST-0001"}
    first = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", incident, level="III", seed=3))
    before = records(engine, "INC-TEST-0001")
    second = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", incident, level="III", seed=3))
    after = records(engine, "INC-TEST-0001")
    assert first.state.is_completed() and second.state.is_completed()
    assert second.result.closed is True and second.result.continued is True
    assert "closed already" in second.state.message
    assert len(after["incidents"]) == 1
    assert [e.key for e in after["events"]] == [e.key for e in before["events"]], "no entry, not even `resumed`"
    assert sorted(n.idempotency_key for n in after["notifications"]) == sorted(
        n.idempotency_key for n in before["notifications"])
    assert second.gateway["messages"] == [], "the re-run sent nothing"
    assert sorted((r.need_id, r.depot) for r in after["reservations"]) == sorted(
        (r.need_id, r.depot) for r in before["reservations"])
    assert second.result.stand_down is None and second.result.assessment is None
    artifacts = asyncio.run(published("inc-test-0001"))
    assert artifacts["assessment-inc-test-0001"] == {"markdown"} and artifacts["kpis-inc-test-0001"] == {"table"}
    assert first.result.flow_run_id in artifacts["runs"] and second.result.flow_run_id not in artifacts["runs"]


async def published(slug: str) -> dict[str, set]:
    """The keyed artifacts on the Prefect server: key → types, and the flow runs that published them."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    keys = [f"assessment-{slug}", f"kpis-{slug}"]
    async with get_client() as client:
        found = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys)))
    out: dict[str, set] = {k: set() for k in keys}
    out["runs"] = set()
    for a in found:
        out[a.key].add(a.type)
        out["runs"].add(str(a.flow_run_id))
    return out


def test_level_change_mid_run_adds_exactly_the_difference(prefect_api, cli, engine, monkeypatch):
    cli("init")
    incident = {**INCIDENT, "incident_id": "INC-TEST-0002"}
    iii, ii = LIBRARY.resolve("hazmat-leak", "III"), LIBRARY.resolve("hazmat-leak", "II")

    async def during(run):
        await wait_for(lambda: len([e for e in records(engine, "INC-TEST-0002")["events"]
                                    if e.kind.startswith("unit_")]) >= sum(len(unit_codes(g.units, "qy-ha"))
                                                                           for g in iii.groups))
        with session_scope(engine) as session:
            request_level_change(session=session, incident_id="INC-TEST-0002", to_level="II")
        await wait_for(lambda: any(e.kind == "level_changed" for e in records(engine, "INC-TEST-0002")["events"]))
        await wait_for(lambda: len([e for e in records(engine, "INC-TEST-0002")["events"]
                                    if e.kind.startswith("unit_")]) >= expected_units)
        with session_scope(engine) as session:
            request_stand_down(session=session, incident_id="INC-TEST-0002")

    expected_units = sum(len(unit_codes(g.units, "qy-ha")) for g in iii.groups) + sum(
        len(unit_codes(g.units, "qy-ha")) - (len(unit_codes(iii.group(g.key).units, "qy-ha"))
                                            if g.key in iii.group_keys else 0) for g in ii.groups)
    drill = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", incident, level="III", seed=5, hold=True,
                                  during=during))
    assert drill.state.is_completed(), drill.state.message
    rec = records(engine, "INC-TEST-0002")
    first_wave = {(n.group, n.recipient_unit) for n in rec["notifications"]
                  if n.message_kind.startswith("activate-") and n.step == 0}
    expected = {(g.key, u) for g in ii.groups for u in unit_codes(g.units, "qy-ha")}
    assert first_wave == expected, "II's groups and members, each notified once"
    assert received_once(drill.gateway, rec["notifications"])
    reserved = defaultdict(int)
    for n in rec["needs"]:
        reserved[n.need_id.split("@")[0]] += n.quantity
    assert dict(reserved) == {n.id: n.quantity for n in ii.all_needs()}, "needs topped up to II, never twice"
    changed = [e for e in rec["events"] if e.kind == "level_changed"]
    assert len(changed) == 1 and set(changed[0].payload.new_groups) == set(ii.group_keys) - set(iii.group_keys)


async def wait_for(predicate, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not await asyncio.to_thread(predicate):
        if loop.time() > end:
            raise AssertionError("timed out waiting for the run")
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_level_is_graded_from_the_report_when_the_operator_sets_none(prefect_api, cli, engine, monkeypatch):
    cli("init")
    report = {"enterprise": "qy-jh", "injured": 12, "incident_id": "INC-TEST-0003"}
    drill = asyncio.run(run_drill(engine, monkeypatch, "fire", report, level=None, seed=2, answer_rate=1.0))
    assert drill.state.is_completed(), drill.state.message
    assert drill.result.level == "III", "12 seriously injured: III (10–49)"
    rec = records(engine, "INC-TEST-0003")
    incident = rec["incidents"][0]
    assert incident.level_set_by == "grading" and "12" in incident.level_reason
    graded = [e for e in rec["events"] if e.kind == "graded"]
    assert len(graded) == 1 and (graded[0].payload.level, graded[0].payload.set_by) == ("III", LevelSetBy.grading)
    assert "12" in graded[0].payload.reason.zh and "12" in graded[0].payload.reason.en


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_lowering_the_level_releases_what_the_lower_level_does_not_need(prefect_api, cli, engine, monkeypatch):
    from sqlmodel import select

    from models.dispatch import Reservation, ReservationStatus
    from models.inventory import Stock

    cli("init")
    incident = {**INCIDENT, "incident_id": "INC-TEST-0004"}
    ii, iii = LIBRARY.resolve("hazmat-leak", "II"), LIBRARY.resolve("hazmat-leak", "III")

    def held() -> dict[str, int]:
        with session_scope(engine) as session:
            rows = session.exec(select(Reservation).where(Reservation.incident_id == "INC-TEST-0004",
                                                          Reservation.status == ReservationStatus.held)).all()
        out: dict[str, int] = defaultdict(int)
        for r in rows:
            out[r.need_id.split("@")[0]] += r.quantity
        return dict(out)

    async def during(run):
        await wait_for(lambda: any(e.kind == "dispatched" for e in records(engine, "INC-TEST-0004")["events"]))
        assert held() == {n.id: n.quantity for n in ii.all_needs()}
        with session_scope(engine) as session:
            request_level_change(session=session, incident_id="INC-TEST-0004", to_level="III")
        await wait_for(lambda: any(e.kind == "released" for e in records(engine, "INC-TEST-0004")["events"]))
        assert held() == {n.id: n.quantity for n in iii.all_needs()}, "held exactly what III needs"
        with session_scope(engine) as session:
            request_stand_down(session=session, incident_id="INC-TEST-0004")

    drill = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", incident, level="II", seed=4, hold=True,
                                  answer_rate=1.0, during=during))
    assert drill.state.is_completed(), drill.state.message
    assert drill.result.level == "III"
    with session_scope(engine) as session:
        assert all(s.reserved == 0 for s in session.exec(select(Stock)).all()), "all back after stand-down"
    dropped = set(ii.group_keys) - set(iii.group_keys)
    told = {(n.group, n.unit) for n in records(engine, "INC-TEST-0004")["notifications"]
            if n.message_kind.startswith("stand-down-")}
    assert dropped and told == {(k, u) for k in dropped for u in unit_codes(ii.group(k).units, "qy-ha")}
