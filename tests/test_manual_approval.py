"""A drill may ask for manual approval (`respond --drill --manual-approval`), so the approval path is rehearsed:
every requisition waits for the commander — none approved by itself — with a live run's deadline and escalation."""

from __future__ import annotations

import asyncio

import pytest

from models.db import session_scope
from models.dispatch import RequisitionStatus
from models.event_store import events
from models.events import ApprovalOverdue, EventKind, Opened
from models.requisition_store import approve
from tasks.response.results import Approval
from tests.respond_support import records, run_drill
from tests.run_log_support import logged, requisitions
from tests.test_respond_flow import wait_for

# The scenario: explosion III at the coking plant needs cranes only requisitionable holders have (2 requisitions).
INCIDENT = {"enterprise": "qy-jh", "description": "演练：焦炉煤气管道爆炸"}
WAITING = "条征用等待指挥长批准"  # the run's log line once the dispatch waits for the commander


def opened(engine, incident_id: str) -> Opened:
    with session_scope(engine) as session:
        [entry] = events(session=session, incident=incident_id, kinds=[EventKind.opened])
    return entry.payload


@pytest.mark.prefect
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_manual_approval_drill_waits_for_the_commander_then_goes_on(prefect_api, cli, engine, monkeypatch):
    cli("init")
    incident_id = "INC-MANUAL-0001"

    async def during(run):
        await wait_for(lambda: logged(engine, incident_id, WAITING))  # the dispatch passed its own approvals
        waiting = requisitions(engine, incident_id)
        assert waiting and {r.status for r in waiting} == {RequisitionStatus.requested}, "none approved by itself"
        assert not run.done(), "the drill waits for the commander"
        with session_scope(engine) as session:
            for r in waiting:
                approve(session=session, requisition_id=r.id)

    done = asyncio.run(run_drill(engine, monkeypatch, "explosion", {**INCIDENT, "incident_id": incident_id},
                                 level="III", seed=3, during=during, options={"manual_approval": True}))
    assert done.state.is_completed(), done.state.message
    assert done.result.approval is Approval.approved
    assert opened(engine, incident_id).manual_approval, "the record says the drill rehearses approval"
    assert not any(e.kind is EventKind.approval_overdue for e in records(engine, incident_id)["events"])
    asyncio.run(wait_for(lambda: logged(engine, incident_id, "指挥长已批准征用")))


@pytest.mark.prefect
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_manual_approval_never_given_is_escalated_and_the_drill_completes(prefect_api, cli, engine, monkeypatch):
    cli("init")
    incident_id = "INC-MANUAL-0002"
    done = asyncio.run(run_drill(engine, monkeypatch, "explosion", {**INCIDENT, "incident_id": incident_id},
                                 level="III", seed=3, time_scale=600.0, options={"manual_approval": True}))
    assert done.state.is_completed(), done.state.message
    assert done.result.approval is Approval.overdue
    [overdue] = [e.payload for e in records(engine, incident_id)["events"] if isinstance(e.payload, ApprovalOverdue)]
    assert sorted(overdue.requisitions) == sorted(r.id for r in requisitions(engine, incident_id))
    assert {r.status for r in requisitions(engine, incident_id)} == {RequisitionStatus.cancelled}, \
        "never approved, never delivered: cancelled at stand-down"


@pytest.mark.prefect
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_drill_without_it_approves_its_own(prefect_api, cli, engine, monkeypatch):
    cli("init")
    incident_id = "INC-MANUAL-0003"
    done = asyncio.run(run_drill(engine, monkeypatch, "explosion", {**INCIDENT, "incident_id": incident_id},
                                 level="III", seed=3, time_scale=600.0))
    assert done.state.is_completed(), done.state.message
    assert done.result.approval is Approval.approved and not opened(engine, incident_id).manual_approval
    assert not any(e.kind is EventKind.approval_overdue for e in records(engine, incident_id)["events"])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_manual_approval_without_a_drill_is_refused(cli):
    assert cli("init").exit_code == 0
    out = cli("respond", "explosion", "--level", "III", "--enterprise", "qy-jh", "--manual-approval")
    assert out.exit_code == 2
    assert out.stderr.startswith("Error: --manual-approval goes with --drill") and out.stderr.count("\n") == 1
    assert "Traceback" not in out.stderr and out.stdout == ""


@pytest.mark.prefect
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_flow_refuses_manual_approval_of_a_live_run_before_anything_is_written(prefect_api, cli, engine):
    from flows.respond import respond

    cli("init")
    state = asyncio.run(respond("explosion", {**INCIDENT, "incident_id": "INC-MANUAL-0004"}, level="III",
                                manual_approval=True, return_state=True))
    assert state.is_failed() and state.message.startswith("--manual-approval goes with --drill")
    assert records(engine, "INC-MANUAL-0004")["incidents"] == []
