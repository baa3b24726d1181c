"""Phase 6: dispatch the activated groups' needs — reserve nearest first by rank, requisition what reserves
cannot cover (先征用、后结算), and get the commander's approval for requisitions above the playbook's threshold.

Approval: `parklink approve INCIDENT`, or in the Prefect UI by setting the variable `approve_<incident>` to
`yes`; drills approve by themselves. A wait that runs out does not fail the run: it is escalated to the
leading-group office and the response goes on.
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
from models.incident_store import get_incident, record_event
from models.playbook import Need as PlaybookNeed
from models.playbook import ResolvedPlan
from models.requisition_store import approve, list_requisitions
from tasks.dispatch import Need, Position
from tasks.dispatch_reserve import reserve_with_replan
from tasks.notify.escalation import send_wave
from tasks.notify.texts import Message
from tasks.response.runtime import Run, db, run_settings

APPROVAL_WAIT_MIN = 30.0  # scenario minutes the commander has to approve large requisitions


def approval_variable(incident_id: str) -> str:
    return "approve_" + incident_id.lower().replace("-", "_")


def to_dispatch_needs(needs: list[PlaybookNeed]) -> list[Need]:
    return [Need(id=n.id, resource_type=n.resource_type, quantity=n.quantity, urgency=n.urgency, role=n.role,
                 group=n.group, deadline_min=n.deadline_min) for n in needs]


async def _approved_in_ui(incident_id: str) -> bool:
    try:
        value = await Variable.aget(approval_variable(incident_id), default=None)
    except Exception:  # noqa: BLE001 — the UI route is a convenience; the database route always works
        return False
    return str(value).strip().lower() in ("yes", "true", "1", "approved", "批准")


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


@task(name="dispatch", cache_policy=NO_CACHE)
async def dispatch(run: Run, plan: ResolvedPlan, needs: list[PlaybookNeed], wait_for_approval: bool = True) -> dict:
    settings = run_settings(run.lang, run.time_scale)
    engine = db(settings)
    with session_scope(engine) as session:
        incident = get_incident(session=session, incident_id=run.incident_id)
        at = Position(incident.latitude, incident.longitude)
        radius = plan.isolation_radius_for(incident.chemical)
    result = await asyncio.to_thread(
        reserve_with_replan, engine, run.incident_id, to_dispatch_needs(needs), at,
        speed_kmh=settings.dispatch_speed_kmh, exclude_radius_m=radius, lang=run.lang)
    with session_scope(engine) as session:
        applied = [n for n in list_dispatch_needs(session=session, incident_id=run.incident_id)
                   if n.need_id in {x.id for x in needs}]
        record_event(session=session, incident=run.incident_id, key=run.key("dispatch", plan.level, len(needs)),
                     actor=plan.commander.unit, kind="dispatched",
                     zh=f"物资调拨：{len(result.reservations)} 条储备调用，{len(result.requisitions)} 条征用，"
                        f"缺口 {sum(n.shortfall for n in applied)}（隔离半径 {radius} 米内的储备库不调用）",
                     en=f"dispatch: {len(result.reservations)} reserve allocations, {len(result.requisitions)} "
                        f"requisitions, shortfall {sum(n.shortfall for n in applied)} (no depot inside {radius} m)",
                     data={"needs": [n.need_id for n in applied]})
    # Requisitions: drills approve everything; otherwise those under the threshold are pre-approved.
    threshold = None if run.drill else float(plan.requisition_approval_threshold_cny)
    auto = await asyncio.to_thread(_approve_pending, engine, run.incident_id, threshold)
    pending = await asyncio.to_thread(_pending, engine, run.incident_id)
    outcome = "approved" if not pending else "waiting"
    if pending and wait_for_approval:
        deadline = time.monotonic() + APPROVAL_WAIT_MIN * 60.0 / run.time_scale
        while pending and time.monotonic() < deadline:
            if await _approved_in_ui(run.incident_id):
                await asyncio.to_thread(_approve_pending, engine, run.incident_id, None)
            await asyncio.sleep(min(settings.ack_poll_s, max(0.05, deadline - time.monotonic())))
            pending = await asyncio.to_thread(_pending, engine, run.incident_id)
        outcome = "approved" if not pending else "overdue"
        if pending:
            text = (f"Requisitions {pending} of {run.incident_id} await the commander's approval past the deadline."
                    if run.lang == "en" else
                    f"事件 {run.incident_id} 的征用申请 {pending} 超过时限仍待总指挥审批，请协调处理。")
            await send_wave(engine, context_kind="incident", context_id=run.incident_id, group="approval",
                            units=[plan.office_unit], message=Message("approval-overdue", text), settings=settings)
            with session_scope(engine) as session:
                record_event(session=session, incident=run.incident_id, key=run.key("approval-overdue"),
                             actor="ParkLink", kind="approval_overdue",
                             zh=f"征用审批超时，已升级至领导组办公室：{pending}",
                             en=f"requisition approval overdue, escalated to the leading-group office: {pending}",
                             data={"requisitions": pending})
    with session_scope(engine) as session:
        reservations = list_reservations(session=session, incident_id=run.incident_id)
        requisitions = list_requisitions(session=session, incident_id=run.incident_id)
        needs_rows = list_dispatch_needs(session=session, incident_id=run.incident_id)
        return {
            "approval": outcome, "auto_approved": auto,
            "allocations": [{"need": r.need_id, "depot": r.depot, "resource_type": r.resource_type,
                             "quantity": r.quantity, "distance_km": r.distance_km, "eta_min": r.eta_min,
                             "reason": r.reason} for r in reservations],
            "requisitions": [{"id": q.id, "need": q.need_id, "holder": q.holder, "resource_type": q.resource_type,
                              "quantity": q.quantity, "status": str(q.status)} for q in requisitions],
            "shortfalls": [{"need": n.need_id, "resource_type": n.resource_type, "quantity": n.shortfall}
                           for n in needs_rows if n.shortfall],
        }
