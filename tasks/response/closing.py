"""Phases 7–8 as Prefect tasks: a level change applied, what a lowering gives back, stand-down — and what a
failed run gives back.

What each records comes from the pure phase tasks.response.phases.closing; the stock moves through
models.dispatch_store (reduce_need, stand_down).
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from models.allocation import StandDownResult
from models.db import session_scope
from models.dispatch_store import list_dispatch_needs
from models.incident_store import apply_level_change, close_incident, get_incident
from models.playbook import ResolvedPlan
from models.release_store import reduce_need, stand_down
from models.types import utcnow
from tasks.response.levels import LevelDelta, needs_to_release
from tasks.response.phases import closing as phase
from tasks.response.run import Run
from tasks.response.runtime import db
from tasks.run_log import record


@task(name="level change", cache_policy=NO_CACHE)
def record_level_change(run: Run, change_id: int, delta: LevelDelta) -> None:
    with session_scope(db()) as session:
        change = apply_level_change(session=session, change_id=change_id, added=delta.summary())
        record(session, incident=run.incident_id, lang=run.lang, events=[phase.level_changed(run, change, delta)])


@task(name="release needs", cache_policy=NO_CACHE)
def release_needs_step(run: Run, after: ResolvedPlan) -> int:
    """A lowered level: what the lower level does not need goes back to the depots; units released."""
    with session_scope(db()) as session:
        applied = {n.need_id: n.quantity for n in list_dispatch_needs(session=session, incident_id=run.incident_id)}
        whole, reduce = needs_to_release(applied, after)
        if not (whole or reduce):
            return 0
        released = stand_down(session=session, incident_id=run.incident_id, need_ids=whole).released if whole else 0
        for need_id, keep in sorted(reduce.items()):
            released += reduce_need(session=session, incident_id=run.incident_id, need_id=need_id, to_quantity=keep)
        record(session, incident=run.incident_id, lang=run.lang, events=[phase.released(run, whole, reduce, released)])
        return released


@task(name="stand down", cache_policy=NO_CACHE)
def stand_down_step(run: Run, consumed: dict[str, int] | None = None) -> StandDownResult:
    with session_scope(db()) as session:
        incident = get_incident(session=session, incident_id=run.incident_id)
        result = stand_down(session=session, incident_id=run.incident_id,
                            consumed={**incident.consumed, **(consumed or {})})
        incident = close_incident(session=session, incident_id=run.incident_id, now=utcnow())
        record(session, incident=run.incident_id, lang=run.lang,
               events=[phase.stood_down(run, result, incident.stood_down_at)])
        return result


@task(name="give back", cache_policy=NO_CACHE)
def give_back_step(run: Run, error: str) -> StandDownResult:
    """The run failed: everything it holds goes back (nothing counts as consumed but what the operator said),
    undelivered requisitions are cancelled, the incident is closed with the error as its outcome."""
    with session_scope(db()) as session:
        incident = get_incident(session=session, incident_id=run.incident_id)
        result = stand_down(session=session, incident_id=run.incident_id, consumed=incident.consumed)
        close_incident(session=session, incident_id=run.incident_id, now=utcnow(), outcome=f"failed: {error}")
        record(session, incident=run.incident_id, lang=run.lang, events=[phase.run_failed(run, result, error)])
        return result
