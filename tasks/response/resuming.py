"""The watchdog's tasks: find the lost runs (ParkLink's lease says silent; Prefect says what became of their
flow runs), and deal with each as tasks/response/resume_rules.py decides.

    find_lost_runs(stale_after_s, max_resumes) → LostRuns      every decision, with the dead runs' parameters
    handle_lost_run(decision, parameters, …) → Handled        resume: the dead flow run marked Crashed in Prefect
        (if Prefect still has it Running or Pending), a run of the same deployment submitted with the same
        parameters and the incident id filled in, a placeholder attempt for it (its fresh heartbeat is the
        grace period that stops the next tick resubmitting), a `run_lost` entry in the record; not resumed:
        the same, minus the submission, and the attempt marked crashed so that it is reported once
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from uuid import UUID

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.states import Cancelled, Crashed
from pydantic import BaseModel

from models.db import session_scope
from models.event_store import record_events
from models.events import SYSTEM, Event, RunLost
from models.run_lease import LostRunAction
from models.run_store import attempts, mark_crashed, record_resume, stale_runs
from models.types import utcnow
from tasks.notify.leases import HOST
from tasks.response.resume_rules import Decision, LostRun, decide, resumed_parameters
from tasks.response.runtime import db

ALIVE_IN_PREFECT = frozenset({"RUNNING", "PENDING"})


@dataclass(frozen=True)
class LostRuns:
    decisions: list[Decision] = field(default_factory=list)
    parameters: dict[str, dict] = field(default_factory=dict)  # dead flow run id → its parameters


class Handled(BaseModel):
    incident_id: str
    flow_run_id: str
    action: LostRunAction
    resumed_as: str | None = None


class WatchdogResult(BaseModel):
    handled: list[Handled]


def _stale(stale_after_s: float):
    with session_scope(db()) as session:
        return stale_runs(session=session, now=utcnow(), stale_after_s=stale_after_s)


@task(name="find lost runs", cache_policy=NO_CACHE)
async def find_lost_runs(stale_after_s: float, max_resumes: int) -> LostRuns:
    found = await asyncio.to_thread(_stale, stale_after_s)
    out = LostRuns()
    async with get_client() as client:
        for stale in found:
            try:
                run = await client.read_flow_run(UUID(stale.attempt.flow_run_id))
            except Exception:  # noqa: BLE001 — not a flow run this engine knows (deleted, or another engine's)
                run = None
            if run is not None:
                out.parameters[str(run.id)] = dict(run.parameters or {})
            lost = LostRun(incident_id=stale.incident_id, flow_run_id=stale.attempt.flow_run_id, silent_s=stale.age_s,
                           resumes=stale.resumes, placeholder=stale.attempt.resumed,
                           prefect_state=run.state.type.value if run is not None and run.state else None,
                           deployment_id=str(run.deployment_id) if run is not None and run.deployment_id else None)
            out.decisions.append(decide(lost, max_resumes))
    return out


def _carries_on(incident_id: str, flow_run_id: str) -> bool:
    """Another watchdog recorded this very flow run as the incident's resume."""
    with session_scope(db()) as session:
        return any(a.flow_run_id == flow_run_id for a in attempts(session=session, incident_id=incident_id))


def _record(lost: LostRun, action: LostRunAction, new_id: str | None, stale_after_s: float,
            max_resumes: int) -> bool:
    """The attempts and the record: False when a run claimed the incident meanwhile (nothing written)."""
    now = utcnow()
    with session_scope(db()) as session:
        stale = [s for s in stale_runs(session=session, now=now, stale_after_s=stale_after_s)
                 if s.incident_id == lost.incident_id and s.attempt.flow_run_id == lost.flow_run_id]
        if not stale:
            return False
        if new_id is not None:
            if record_resume(session=session, incident_id=lost.incident_id, dead_attempt_id=stale[0].attempt.id,
                             flow_run_id=new_id, holder=f"watchdog@{HOST}", now=now,
                             stale_after_s=stale_after_s) is None:
                return False
        else:
            mark_crashed(session=session, attempt_id=stale[0].attempt.id, now=now,
                         note=f"lost; not resumed: {action.value}")
        payload = RunLost(flow_run=lost.flow_run_id, silent_s=round(lost.silent_s, 1), action=action,
                          resumed_as=new_id, resumes=lost.resumes + (new_id is not None), max_resumes=max_resumes)
        record_events(session=session, incident=lost.incident_id, events=[Event(
            key=f"{lost.incident_id}:run_lost:{lost.flow_run_id}", actor=SYSTEM, at=now, payload=payload)])
    return True


@task(name="handle lost run", cache_policy=NO_CACHE)
async def handle_lost_run(decision: Decision, parameters: dict, stale_after_s: float, max_resumes: int) -> Handled:
    lost, action = decision.lost, decision.action
    done = Handled(incident_id=lost.incident_id, flow_run_id=lost.flow_run_id, action=action)
    if action is LostRunAction.wait:
        return done
    async with get_client() as client:
        if lost.prefect_state in ALIVE_IN_PREFECT:  # its process is gone, Prefect does not know it yet
            await client.set_flow_run_state(UUID(lost.flow_run_id), Crashed(
                message=f"ParkLink: no heartbeat on incident {lost.incident_id} for {lost.silent_s:.0f} s"), force=True)
        new_id = None
        if action is LostRunAction.resume:
            run = await client.create_flow_run_from_deployment(
                UUID(lost.deployment_id), parameters=resumed_parameters(parameters, lost.incident_id),
                idempotency_key=f"parklink-resume:{lost.flow_run_id}", tags=["parklink-resumed"])
            new_id = str(run.id)
        if not await asyncio.to_thread(_record, lost, action, new_id, stale_after_s, max_resumes):
            if new_id is not None and not await asyncio.to_thread(_carries_on, lost.incident_id, new_id):
                # someone ran the incident meanwhile: the submitted run is not needed (but the same run, handed
                # back by its idempotency key to a second watchdog, is the one that carries on: left alone)
                await client.set_flow_run_state(UUID(new_id), Cancelled(
                    message=f"incident {lost.incident_id} was claimed by another run meanwhile"), force=True)
            return done.model_copy(update={"action": LostRunAction.wait})
    return done.model_copy(update={"resumed_as": new_id})
