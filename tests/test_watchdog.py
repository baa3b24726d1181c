"""Lost runs resumed: which ones (the pure rules, alone), and the watchdog flow against the real engine —
a lost run of a deployment is marked Crashed and submitted again to the same deployment with the incident id
filled in, once (the next tick sees the placeholder's grace period)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from models.db import session_scope
from models.event_store import events
from models.events import RunLost
from models.incident import Incident
from models.run_lease import IncidentRun, LostRunAction, RunOutcome
from models.run_store import attempts
from models.types import utcnow
from tasks.response.resume_rules import MAX_RESUMES, LostRun, decide, resumed_parameters


def lost(**kw) -> LostRun:
    return LostRun(**{"incident_id": "INC-W-1", "flow_run_id": "f1", "silent_s": 60.0, "resumes": 0,
                      "placeholder": False, "prefect_state": "RUNNING", "deployment_id": "d1", **kw})


@pytest.mark.parametrize(("case", "action"), [
    ({}, LostRunAction.resume),
    ({"prefect_state": "CRASHED"}, LostRunAction.resume),
    ({"prefect_state": None}, LostRunAction.resume),  # the engine forgot the run: ParkLink's lease decides
    ({"prefect_state": "SCHEDULED", "placeholder": True}, LostRunAction.wait),
    ({"prefect_state": "SCHEDULED"}, LostRunAction.wait),  # awaiting a Prefect retry
    ({"prefect_state": "PENDING", "placeholder": True}, LostRunAction.wait),
    ({"prefect_state": "PENDING", "placeholder": True, "silent_s": 900.0}, LostRunAction.resume),
    ({"prefect_state": "PENDING"}, LostRunAction.resume),
    ({"prefect_state": "CANCELLED"}, LostRunAction.cancelled),
    ({"deployment_id": None}, LostRunAction.no_deployment),
    ({"resumes": MAX_RESUMES - 1}, LostRunAction.resume),
    ({"resumes": MAX_RESUMES}, LostRunAction.too_many),
])
def test_which_lost_runs_are_resumed(case, action):
    assert decide(lost(**case)).action is action


def test_the_resumed_run_names_the_incident_its_first_run_created():
    params = {"playbook": "hazmat-leak", "incident": {"enterprise": "qy-ha", "incident_id": None}, "level": "II"}
    assert resumed_parameters(params, "INC-W-1") == {
        "playbook": "hazmat-leak", "incident": {"enterprise": "qy-ha", "incident_id": "INC-W-1"}, "level": "II"}
    assert params["incident"]["incident_id"] is None, "the dead run's parameters are left as they were"


@pytest.mark.prefect
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("watchdogs", [1, 2], ids=["one watchdog", "two at once"])
def test_the_watchdog_resubmits_a_lost_run_to_its_deployment_once(prefect_api, engine, db_url, monkeypatch,
                                                                   tmp_path, watchdogs):
    from prefect.client.orchestration import get_client
    from prefect.states import Running

    from flows.respond import respond
    from flows.watchdog import watchdog
    from tasks.response.resuming import find_lost_runs, handle_lost_run

    monkeypatch.setenv("PARKLINK_DATABASE_URL", db_url)
    monkeypatch.setenv("PARKLINK_HOME", str(tmp_path / "home"))
    incident_id = f"INC-WATCH-000{watchdogs}"
    params = {"playbook": "hazmat-leak", "incident": {"enterprise": None, "latitude": 36.15, "longitude": 112.27,
                                                      "incident_id": None}, "level": "IV", "drill": True}

    async def scenario():
        deployment_id = await (await respond.ato_deployment(name="watchdog-test")).apply()
        async with get_client() as client:
            dead = await client.create_flow_run_from_deployment(deployment_id, parameters=params)
            await client.set_flow_run_state(dead.id, Running(), force=True)
        silent = utcnow() - timedelta(minutes=2)
        with session_scope(engine) as session:  # what the dead run left: the incident it created, its attempt
            session.add(Incident(id=incident_id, playbook_id="hazmat-leak", playbook_hash="h", level="IV",
                                 latitude=36.15, longitude=112.27, drill=True))
            session.flush()
            session.add(IncidentRun(incident_id=incident_id, flow_run_id=str(dead.id), holder="lost-host:7:x",
                                    started_at=silent, heartbeat_at=silent))
        # Two machines' watchdogs: the other one found the same lost run and acts on it after this one resumed it.
        other = await find_lost_runs(30, MAX_RESUMES) if watchdogs == 2 else None
        first = await watchdog(stale_after_s=30)
        if other is not None:
            [decision] = other.decisions
            late = await handle_lost_run(decision, other.parameters[decision.lost.flow_run_id], 30, MAX_RESUMES)
            assert late.resumed_as is None and late.action is LostRunAction.wait, "it records nothing"
        second = await watchdog(stale_after_s=30)
        async with get_client() as client:
            dead_now = await client.read_flow_run(dead.id)
            resumed = [await client.read_flow_run(h.resumed_as) for h in first.handled if h.resumed_as]
        return deployment_id, dead, dead_now, first, second, resumed

    deployment_id, dead, dead_now, first, second, resumed = asyncio.run(scenario())
    assert [(h.incident_id, h.flow_run_id, h.action) for h in first.handled] == [
        (incident_id, str(dead.id), LostRunAction.resume)]
    assert dead_now.state.type.value == "CRASHED" and incident_id in dead_now.state.message
    assert len(resumed) == 1 and resumed[0].deployment_id == deployment_id
    assert resumed[0].state.type.value != "CANCELLED", "the run handed back to the other watchdog is left alone"
    assert resumed[0].parameters["incident"] == {**params["incident"], "incident_id": incident_id}
    assert {k: resumed[0].parameters[k] for k in ("playbook", "level", "drill")} == {
        "playbook": "hazmat-leak", "level": "IV", "drill": True}
    assert second.handled == [], "the placeholder's fresh heartbeat: the next tick submits nothing"
    with session_scope(engine) as session:
        rows = attempts(session=session, incident_id=incident_id)
        record = [e.payload for e in events(session=session, incident=incident_id)]
    assert [(r.flow_run_id, r.outcome, r.resumed) for r in rows] == [
        (str(dead.id), RunOutcome.crashed, False), (str(resumed[0].id), RunOutcome.running, True)]
    assert record == [RunLost(flow_run=str(dead.id), silent_s=record[0].silent_s, action=LostRunAction.resume,
                              resumed_as=str(resumed[0].id), resumes=1, max_resumes=MAX_RESUMES)]
    assert "resumed as flow run" in record[0].text("en")
