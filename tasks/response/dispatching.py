"""Phase 6 as a Prefect task: dispatch the activated groups' needs — reserve nearest first by rank,
requisition what reserves cannot cover (先征用、后结算), and get the commander's approval for requisitions
above the playbook's threshold.

Approval: `parklink approve INCIDENT`, or in the Prefect UI by setting the variable `approve_<incident>` to
`yes`; drills approve by themselves, unless they ask for manual approval (then every requisition waits). A wait
that runs out does not fail the run: it is escalated to the leading-group office and the response goes on. The rule and what is recorded: tasks.response.phases.dispatch.
"""

from __future__ import annotations

import asyncio
import time

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.variables import Variable

from models.db import session_scope
from models.dispatch import RequisitionStatus
from models.dispatch_store import list_dispatch_needs, list_reservations
from models.incident_store import get_incident
from models.notification import ContextKind
from models.playbook import Need, ResolvedPlan
from models.position import Position
from models.requisition_store import approve, list_requisitions
from tasks.dispatch_reserve import reserve_with_replan
from tasks.notify.escalation import send_wave
from tasks.notify.texts import Message
from tasks.response.phases import dispatch as phase
from tasks.response.phases import story
from tasks.response.results import Approval, DispatchResult
from tasks.response.run import Run
from tasks.response.runtime import db, settings_for
from tasks.run_log import record, say


async def _approved_in_ui(incident_id: str) -> bool:
    try:
        value = await Variable.aget(phase.approval_variable(incident_id), default=None)
    except Exception:  # noqa: BLE001 — the UI route is a convenience; the database route always works
        return False
    return phase.approved_by_word(value)


def _approve_pending(engine, incident_id: str, threshold: float | None) -> list[int]:
    """Approve requested requisitions (those at or under `threshold` only, unless it is None)."""
    done = []
    with session_scope(engine) as session:
        for req in list_requisitions(session=session, incident_id=incident_id, status=RequisitionStatus.requested):
            if threshold is None or req.quantity * req.unit_price <= threshold:
                approve(session=session, requisition_id=req.id)
                done.append(req.id)
    return done


def _pending(engine, incident_id: str) -> list[int]:
    with session_scope(engine) as session:
        return [r.id for r in list_requisitions(session=session, incident_id=incident_id,
                                                status=RequisitionStatus.requested)]


def _reserve(engine, settings, run: Run, plan: ResolvedPlan, needs: list[Need]) -> None:
    with session_scope(engine) as session:
        incident = get_incident(session=session, incident_id=run.incident_id)
        at = Position(incident.latitude, incident.longitude)
        radius = plan.isolation_radius_for(incident.chemical)
    result = reserve_with_replan(engine, run.incident_id, needs, at,
                                 speed_kmh=settings.dispatch_speed_kmh, exclude_radius_m=radius, lang=run.lang)
    wanted = {n.id for n in needs}
    with session_scope(engine) as session:
        applied = [n for n in list_dispatch_needs(session=session, incident_id=run.incident_id) if n.need_id in wanted]
        record(session, incident=run.incident_id, lang=run.lang, events=[phase.dispatched(
            run, plan, reservations=len(result.reservations), requisitions=len(result.requisitions),
            applied=applied, radius_m=radius, wave=len(needs))])


async def _wait_for_approval(engine, settings, run: Run, plan: ResolvedPlan, pending: list[int]) -> Approval:
    wait_s = phase.APPROVAL_WAIT_MIN * 60.0 / run.time_scale
    deadline = time.monotonic() + wait_s
    say(story.waiting_line(run.lang, run.incident_id, pending, wait_s / 60.0))
    waited = list(pending)
    while pending and time.monotonic() < deadline:
        if await _approved_in_ui(run.incident_id):
            await asyncio.to_thread(_approve_pending, engine, run.incident_id, None)
        await asyncio.sleep(min(settings.ack_poll_s, max(0.05, deadline - time.monotonic())))
        pending = await asyncio.to_thread(_pending, engine, run.incident_id)
    if not pending:
        say(story.approved_line(run.lang, waited))
        return Approval.approved
    text, event = phase.overdue(run, pending)
    await send_wave(engine, context_kind=ContextKind.incident, context_id=run.incident_id, group="approval",
                    units=[plan.office_unit], message=Message("approval-overdue", text), settings=settings)
    with session_scope(engine) as session:
        record(session, incident=run.incident_id, lang=run.lang, events=[event])
    return Approval.overdue


@task(name="dispatch", cache_policy=NO_CACHE)
async def dispatch(run: Run, plan: ResolvedPlan, needs: list[Need], wait_for_approval: bool = True) -> DispatchResult:
    settings = settings_for(run)
    engine = db(settings)
    await asyncio.to_thread(_reserve, engine, settings, run, plan, needs)
    auto = await asyncio.to_thread(_approve_pending, engine, run.incident_id, phase.approval_threshold(run, plan))
    pending = await asyncio.to_thread(_pending, engine, run.incident_id)
    approval = Approval.approved if not pending else Approval.waiting
    so_far = await asyncio.to_thread(_result, engine, run, approval, auto)
    for line in story.dispatch_lines(run.lang, so_far, {n.id for n in needs}):
        say(line)
    if pending and wait_for_approval:
        approval = await _wait_for_approval(engine, settings, run, plan, pending)
    return _result(engine, run, approval, auto)


def _result(engine, run: Run, approval: Approval, auto: list[int]) -> DispatchResult:
    with session_scope(engine) as session:
        return phase.dispatch_result(approval, auto, list_reservations(session=session, incident_id=run.incident_id),
                                     list_requisitions(session=session, incident_id=run.incident_id),
                                     list_dispatch_needs(session=session, incident_id=run.incident_id))
