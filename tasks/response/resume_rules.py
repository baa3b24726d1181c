"""Which lost runs the watchdog resumes (pure): one decision per incident whose live attempt went silent.

    decide(lost, max_resumes) → Decision

A run is lost when its heartbeat is stale. What Prefect says of its flow run decides the rest:
    SCHEDULED (queued for a worker, or awaiting a Prefect retry) → wait: resubmitting would not run it sooner
    PENDING, within PENDING_GRACE_S of the heartbeat, of a run the watchdog submitted → wait: it is starting
    CANCELLING / CANCELLED → an operator stopped it: left alone
    anything else (RUNNING with no heartbeat, CRASHED, FAILED, unknown to the engine) → lost:
        no deployment to submit it to (started by `parklink respond` on one machine) → not resumed
        resumed MAX_RESUMES times already → not resumed: a run that died three times in a row is dying of
        something a fourth try will not cure (a bug, bad data, a host out of memory at the same phase); each
        resume re-enters idempotent work and costs little, so three cover a lost worker and a second failure
        during the recovery, and stop a loop that would resubmit every tick for ever
        else → resume
"""

from __future__ import annotations

from dataclasses import dataclass

from models.run_lease import LostRunAction

MAX_RESUMES = 3
PENDING_GRACE_S = 300.0
WAITING = frozenset({"SCHEDULED"})
STOPPED = frozenset({"CANCELLING", "CANCELLED"})


@dataclass(frozen=True)
class LostRun:
    incident_id: str
    flow_run_id: str
    silent_s: float  # seconds since its heartbeat
    resumes: int  # attempts the watchdog has submitted for the incident so far
    placeholder: bool  # the attempt is the watchdog's own (its flow run submitted, not yet started)
    prefect_state: str | None = None  # StateType value, None when the engine does not know the flow run
    deployment_id: str | None = None


@dataclass(frozen=True)
class Decision:
    lost: LostRun
    action: LostRunAction


def decide(lost: LostRun, max_resumes: int = MAX_RESUMES) -> Decision:
    state = lost.prefect_state
    if state in WAITING or (state == "PENDING" and lost.placeholder and lost.silent_s < PENDING_GRACE_S):
        return Decision(lost, LostRunAction.wait)
    if state in STOPPED:
        return Decision(lost, LostRunAction.cancelled)
    if lost.deployment_id is None:
        return Decision(lost, LostRunAction.no_deployment)
    if lost.resumes >= max_resumes:
        return Decision(lost, LostRunAction.too_many)
    return Decision(lost, LostRunAction.resume)


def resumed_parameters(parameters: dict, incident_id: str) -> dict:
    """The dead run's parameters with the incident's id filled in (a run that created the incident had none)."""
    incident = parameters.get("incident")
    incident = dict(incident) if isinstance(incident, dict) else {}
    return {**parameters, "incident": {**incident, "incident_id": incident_id}}
