"""Duty handover (issue 12): a shift change during a running incident sends the incoming duty officer the
incident's state once, recorded as a DutyHandover and a timeline entry — on the real Prefect engine, over a
loopback drill gateway."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from models.db import session_scope
from models.directory import Liaison
from models.duty import DutyHandover, DutyRole
from models.events import DutyHandedOver, EventKind
from models.incident import Incident
from models.incident_store import request_stand_down
from models.notification import Notification
from models.playbook import load_playbooks
from models.settings import get_settings
from models.types import utcnow
from tasks.duty.roster import OverrideSpec, on_duty
from tasks.duty.roster_db import load_rosters, save_rosters
from tasks.response.handover import hand_over
from tasks.response.run import Run
from tests.respond_support import records, run_drill
from tests.test_respond_flow import wait_for

pytestmark = pytest.mark.prefect
UNIT = "qy-ha"
INCIDENT_ID = "INC-TEST-HANDOVER"
INCIDENT = {"incident_id": INCIDENT_ID, "enterprise": UNIT, "description": "演练：处置期间换班"}


def _shift_change_soon(engine, after_s: float) -> tuple[str, str]:
    """The unit's roster gets an override: from `after_s` seconds on, another duty staff member is on duty.
    (outgoing, incoming)."""
    start = utcnow() + timedelta(seconds=after_s)
    with session_scope(engine) as session:
        roster = load_rosters(session=session, unit=UNIT)[UNIT]
        outgoing = on_duty(roster, start - timedelta(seconds=0.5))[DutyRole.duty_officer].name
        staff = session.exec(select(Liaison.name).where(Liaison.unit == UNIT, Liaison.role == "duty_staff",
                                                        Liaison.active).order_by(Liaison.id)).all()
        incoming = next(name for name in staff if name != outgoing)
        override = OverrideSpec(role=DutyRole.duty_officer, name=incoming, start=start, end=start + timedelta(hours=1),
                                reason="测试换班")
        save_rosters(session=session, rosters=[roster.model_copy(update={"overrides": (*roster.overrides, override)})],
                     source="test")
    return outgoing, incoming


def _handovers(engine) -> list[DutyHandover]:
    with session_scope(engine) as session:
        return session.exec(select(DutyHandover).where(DutyHandover.incident_id == INCIDENT_ID)).all()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_shift_change_during_the_incident_hands_over_once(prefect_api, cli, engine, monkeypatch):
    assert cli("init").exit_code == 0
    library = load_playbooks(get_settings().playbooks_dir)
    plan = library.resolve("hazmat-leak", "IV")
    people: dict[str, str] = {}

    def opened() -> bool:
        with session_scope(engine) as session:
            return session.get(Incident, INCIDENT_ID) is not None

    async def during(_run):
        await wait_for(opened)  # the incident is reported first; its enterprise's shift changes 1.5 s later
        people["outgoing"], people["incoming"] = await asyncio.to_thread(_shift_change_soon, engine, 1.5)
        await wait_for(lambda: len(_handovers(engine)) == 1)
        # Another look by the same incident (a resumed run's check) finds it done: nothing sent again.
        run = Run(incident_id=INCIDENT_ID, playbook="hazmat-leak", level="IV", time_scale=120.0, drill=True,
                  enterprise=UNIT)
        assert await hand_over(run, plan) == []
        await asyncio.sleep(2.5)  # a few more of the flow's own checks
        with session_scope(engine) as session:
            request_stand_down(session=session, incident_id=INCIDENT_ID)

    drill = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", INCIDENT, level="IV", answer_rate=1.0,
                                  hold=True, during=during))
    assert drill.state.is_completed(), drill.state.message

    [row] = _handovers(engine)
    assert (row.unit, row.role, row.outgoing, row.incoming) == (UNIT, DutyRole.duty_officer, people["outgoing"],
                                                                people["incoming"])
    rec = records(engine, INCIDENT_ID)
    sent = [n for n in rec["notifications"] if n.message_kind.startswith("handover-")]
    assert [(n.id, n.liaison_name, n.recipient_unit) for n in sent] == [(row.notification_id, people["incoming"], UNIT)]
    received = [m for m in drill.gateway["messages"] if m["key"] == sent[0].idempotency_key]
    assert len(received) == 1, "the incoming officer received exactly one handover message"
    text = received[0]["text"]
    assert "值班交接" in text and "交班：" + people["outgoing"] in text and "已确认" in text and "待办" in text, text
    for group in plan.groups:
        assert group.name_zh in text, group.key
    assert "{{" not in text, "check-list items are rendered"
    [entry] = [e for e in rec["events"] if e.kind is EventKind.duty_handover]
    assert isinstance(entry.payload, DutyHandedOver) and entry.payload.delivered
    assert entry.key == row.idempotency_key and entry.payload.incoming == people["incoming"]
    assert "值班交接" in entry.text("zh-CN")

    # The same incident run again: closed, nothing sent, still one handover.
    again = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", INCIDENT, level="IV"))
    assert again.state.is_completed() and again.gateway["messages"] == []
    assert len(_handovers(engine)) == 1
    with session_scope(engine) as session:
        assert len(session.exec(select(Notification).where(Notification.message_kind.startswith("handover-"))).all()) == 1
