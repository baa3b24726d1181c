"""Escalation to whoever is on duty (issue 12): the steps `duty`, `leader_on_duty`, `office_duty`, resolved from
the rosters at the moment the step is sent — in a real drill on the Prefect engine, and at the unit level."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlmodel import delete, select

from models.db import session_scope
from models.directory import Liaison
from models.duty import DutyRole, DutyRoster
from models.events import UnitOutcomeEvent, UnitStatus
from models.notification import Notification
from models.types import utcnow
from tasks.duty.roster import OverrideSpec, on_duty
from tasks.duty.roster_db import load_rosters, save_rosters
from tasks.notify.duty_steps import resolve_duty
from tasks.notify.escalation import _Directory
from tests.notify_fixtures import fast_settings
from tests.respond_support import records, run_drill
from tests.test_notify_escalation import people, run_group

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
ENTERPRISE = "qy-ha"


def drop_roster(engine, unit: str) -> None:
    with session_scope(engine) as session:
        session.exec(delete(DutyRoster).where(DutyRoster.unit == unit))


def duty_officer_at(engine, unit: str, at) -> str:
    with session_scope(engine) as session:
        return on_duty(load_rosters(session=session, unit=unit)[unit], at)[DutyRole.duty_officer].name


async def answer_duty_steps(gateway, unit: str) -> None:
    """The unit's duty officer answers every `duty` step (step 2 of deputy → duty → …) through the JSON API."""
    done: set[str] = set()
    async with httpx.AsyncClient() as client:
        while True:
            for m in list(gateway.messages):
                _kind, _ctx, _group, message, step, subject, _liaison = m["key"].split(":")
                if message.startswith("activate-") and subject == unit and step == "2" and m["key"] not in done:
                    done.add(m["key"])
                    resp = await client.post(m["ack_url"].replace("/ack/", "/api/ack/"),
                                             json={"eta_min": 5, "note": "值班员收到"})
                    assert resp.status_code == 200, resp.text
            await asyncio.sleep(0.02)


@pytest.mark.prefect
@SQLITE_ONLY
def test_a_silent_primary_and_deputy_escalate_to_the_duty_officer_not_the_head(prefect_api, cli, engine,
                                                                                monkeypatch):
    assert cli("init").exit_code == 0
    drill = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", {"enterprise": ENTERPRISE,
                                                                       "description": "演练：值班员升级"},
                                  level="IV", answer_rate=0.0, watch=lambda gw: answer_duty_steps(gw, ENTERPRISE)))
    assert drill.state.is_completed(), drill.state.message
    rec = records(engine, drill.result.incident)
    mine = [n for n in rec["notifications"] if n.unit == ENTERPRISE and n.message_kind.startswith("activate-")]
    groups = {n.group for n in mine}
    assert groups, "the incident enterprise is in at least one group"
    p = people(engine)
    for group in groups:
        chain = sorted((n for n in mine if n.group == group), key=lambda n: n.step)
        assert [(n.step, n.escalation_target) for n in chain] == [(0, "primary"), (1, "deputy"), (2, "duty")], group
        duty = chain[-1]
        assert duty.liaison_name == duty_officer_at(engine, ENTERPRISE, duty.created_at), "who was on duty then"
        assert duty.recipient_unit == ENTERPRISE and duty.acked_at is not None
        assert p[(ENTERPRISE, "head")].name not in {n.liaison_name for n in chain}, "the head was not messaged"
        received = [m for m in drill.gateway["messages"] if m["key"] == duty.idempotency_key]
        assert len(received) == 1 and "【升级】" in received[0]["text"], "the gateway received the duty step"
        [outcome] = [e.payload for e in rec["events"] if isinstance(e.payload, UnitOutcomeEvent)
                     and e.payload.group == group and e.payload.unit == ENTERPRISE]
        assert outcome.status is UnitStatus.escalated
        assert outcome.acked_by is not None and duty.liaison_name in outcome.acked_by, outcome.acked_by
        assert len(outcome.escalated_to) == 2 and duty.liaison_name in outcome.escalated_to[-1]


@SQLITE_ONLY
def test_office_duty_falls_back_to_the_office_primary_when_the_office_keeps_no_roster(cli, engine):
    assert cli("init").exit_code == 0
    directory = _Directory(engine)
    assert directory.office == "ldzbgs"
    now = utcnow()
    on = resolve_duty(engine, unit="czj", step="office_duty", office=directory.office, at=now)
    assert on.problem is None and on.liaison.name == duty_officer_at(engine, "ldzbgs", now)

    drop_roster(engine, "ldzbgs")
    office = people(engine)[("ldzbgs", "primary")]
    pick = resolve_duty(engine, unit="czj", step="office_duty", office=directory.office, at=now)
    assert pick.liaison.id == office.id
    assert pick.problem == f"office_duty: nobody on duty at ldzbgs; its primary liaison {office.name} was messaged"


@SQLITE_ONLY
def test_a_unit_without_a_roster_skips_duty_and_goes_on_to_the_head(cli, engine):
    assert cli("init").exit_code == 0
    drop_roster(engine, ENTERPRISE)
    p = people(engine)
    head = p[(ENTERPRISE, "head")]
    outcomes, _again, seen = asyncio.run(run_group(
        engine, fast_settings(ack_base_url=None), [ENTERPRISE], {(ENTERPRISE, head.id): 10}, time_scale=600,
        escalation=["deputy", "duty", "head", "office_duty"]))
    [out] = outcomes
    assert out.status is UnitStatus.escalated and out.acked_by.name == head.name
    assert [(e.role, e.step) for e in out.escalated_to] == [("deputy", 1), ("head", 3)]
    assert out.problems == ["duty: nobody on duty"]
    with session_scope(engine) as session:
        targets = session.exec(select(Notification.escalation_target).where(Notification.unit == ENTERPRISE)
                               .order_by(Notification.step)).all()
    assert targets == ["primary", "deputy", "head"] and len(seen["messages"]) == 3


@SQLITE_ONLY
def test_leader_on_duty_is_the_units_leader_of_the_moment(cli, engine):
    assert cli("init").exit_code == 0
    now = utcnow()
    pick = resolve_duty(engine, unit=ENTERPRISE, step="leader_on_duty", office="ldzbgs", at=now)
    with session_scope(engine) as session:
        leader = on_duty(load_rosters(session=session, unit=ENTERPRISE)[ENTERPRISE], now)[DutyRole.leader_on_duty]
        assert session.get(Liaison, pick.liaison.id).name == leader.name
    assert pick.problem is None


@SQLITE_ONLY
def test_a_rerun_keeps_the_duty_step_recipient_it_recorded(cli, engine):
    """A shift change between a run and its re-run: the `duty` step already sent is not sent to the new officer."""
    assert cli("init").exit_code == 0
    settings = fast_settings(ack_base_url=None)
    outcomes, _again, seen = asyncio.run(run_group(engine, settings, [ENTERPRISE], {}, time_scale=600,
                                                   escalation=["duty"]))
    [first] = outcomes[0].escalated_to
    now = utcnow()
    with session_scope(engine) as session:
        roster = load_rosters(session=session, unit=ENTERPRISE)[ENTERPRISE]
        staff = session.exec(select(Liaison.name).where(Liaison.unit == ENTERPRISE, Liaison.role == "duty_staff")).all()
        other = next(n for n in staff if n != first.name)
        override = OverrideSpec(role=DutyRole.duty_officer, name=other, start=now, end=now + timedelta(hours=1))
        save_rosters(session=session, rosters=[roster.model_copy(update={"overrides": (override,)})], source="test")
    rerun, _, seen_again = asyncio.run(run_group(engine, settings, [ENTERPRISE], {}, time_scale=600,
                                                 escalation=["duty"]))
    assert [(e.name, e.notification_id) for e in rerun[0].escalated_to] == [(first.name, first.notification_id)]
    assert seen_again["messages"] == [] and len(seen["messages"]) == 2
