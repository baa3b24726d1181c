"""A live (not drill) run: requisitions wait for the commander, follow-up reports go out on the interval,
and a wait for approval that runs out is escalated while the run goes on."""

from __future__ import annotations

import asyncio
import re
import shutil

import pytest
from sqlmodel import select

from models.db import session_scope
from models.dispatch import Requisition, RequisitionStatus
from models.incident import UpwardReport
from models.incident_store import request_stand_down
from models.notification import Notification
from models.requisition_store import approve
from tasks.response.results import Approval
from tests.conftest import REPO
from tests.respond_support import SCALE, records, run_drill
from tests.test_respond_flow import wait_for

pytestmark = [pytest.mark.prefect, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]
INCIDENT = {"enterprise": "qy-jh", "description": "演练：焦炉煤气管道爆炸"}
INTERVAL_MIN = 20  # follow-ups every 20 park minutes: 6 s at the tests' time scale (200)


@pytest.fixture
def strict_playbooks(tmp_path, monkeypatch):
    """The shipped playbooks with every requisition needing approval and follow-ups every 20 minutes —
    edited files, no code change, no redeploy."""
    folder = tmp_path / "playbooks"
    shutil.copytree(REPO / "playbooks", folder)
    for path in folder.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"requisition_approval_threshold_cny: \d+", "requisition_approval_threshold_cny: 0", text)
        text = re.sub(r"followup_interval_min: \d+", f"followup_interval_min: {INTERVAL_MIN}", text)
        path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("PARKLINK_PLAYBOOKS_DIR", str(folder))
    return folder


def requisitions(engine, incident_id: str) -> list[Requisition]:
    with session_scope(engine) as session:
        return list(session.exec(select(Requisition).where(Requisition.incident_id == incident_id)).all())


def reports(engine, incident_id: str) -> list[UpwardReport]:
    with session_scope(engine) as session:
        return list(session.exec(select(UpwardReport).where(UpwardReport.incident == incident_id)
                                 .order_by(UpwardReport.seq)).all())


def stand_down(engine, incident_id: str) -> None:
    with session_scope(engine) as session:
        request_stand_down(session=session, incident_id=incident_id)


def test_commander_approves_and_follow_ups_go_out(prefect_api, cli, engine, monkeypatch, strict_playbooks):
    cli("init")
    incident_id = "INC-LIVE-0001"

    async def during(run):
        await wait_for(lambda: requisitions(engine, incident_id))  # cranes: only requisitionable holders have them
        assert {r.status for r in requisitions(engine, incident_id)} == {RequisitionStatus.requested}
        with session_scope(engine) as session:
            for r in requisitions(engine, incident_id):
                approve(session=session, requisition_id=r.id)
        await wait_for(lambda: len([r for r in reports(engine, incident_id) if r.sent_at]) >= 3)
        stand_down(engine, incident_id)

    live = asyncio.run(run_drill(engine, monkeypatch, "explosion", {**INCIDENT, "incident_id": incident_id},
                                 level="III", drill=False, during=during))
    assert live.state.is_completed(), live.state.message
    assert live.result.approval is Approval.approved
    sent = [r for r in reports(engine, incident_id) if r.sent_at]
    assert [r.seq for r in sent][:3] == [1, 2, 3]
    gaps = [(b.due_at - a.due_at).total_seconds() for a, b in zip(sent, sent[1:], strict=False)]
    assert all(abs(g - INTERVAL_MIN * 60 / SCALE) < 0.01 for g in gaps), "due on the playbook's interval"
    assert all(r.sent_at >= r.due_at for r in sent[1:]), "a follow-up goes out when it is due"
    assert not any(e.kind == "approval_overdue" for e in records(engine, incident_id)["events"])


def test_an_approval_that_never_comes_is_escalated_and_the_run_goes_on(prefect_api, cli, engine, monkeypatch,
                                                                       strict_playbooks):
    cli("init")
    incident_id = "INC-LIVE-0002"

    async def during(run):
        await wait_for(lambda: any(e.kind == "approval_overdue" for e in records(engine, incident_id)["events"]))
        stand_down(engine, incident_id)

    live = asyncio.run(run_drill(engine, monkeypatch, "explosion", {**INCIDENT, "incident_id": incident_id},
                                 level="III", drill=False, during=during))
    assert live.state.is_completed(), live.state.message
    assert live.result.approval is Approval.overdue
    with session_scope(engine) as session:
        office = session.exec(select(Notification).where(Notification.context_id == incident_id,
                                                         Notification.group == "approval")).all()
    assert [n.unit for n in office] == ["ldzbgs"] and office[0].delivered_at is not None
    assert {r.status for r in requisitions(engine, incident_id)} == {RequisitionStatus.cancelled}, \
        "never approved, never delivered: cancelled at stand-down"


def test_approval_from_the_prefect_ui_variable(prefect_api, cli, engine, monkeypatch, strict_playbooks):
    from prefect.variables import Variable

    from tasks.response.phases.dispatch import approval_variable

    cli("init")
    incident_id = "INC-LIVE-0003"

    async def during(run):
        await wait_for(lambda: requisitions(engine, incident_id))
        await Variable.aset(approval_variable(incident_id), "yes", overwrite=True)
        await wait_for(lambda: {r.status for r in requisitions(engine, incident_id)} == {RequisitionStatus.approved})
        stand_down(engine, incident_id)

    live = asyncio.run(run_drill(engine, monkeypatch, "explosion", {**INCIDENT, "incident_id": incident_id},
                                 level="III", drill=False, during=during))
    assert live.state.is_completed(), live.state.message
    assert live.result.approval is Approval.approved
