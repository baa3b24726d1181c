"""Phase 6 (pure): what a dispatch put on record, the commander's approval rule, the typed dispatch result.

Drills approve every requisition by themselves, unless the drill asks for manual approval (`respond --drill
--manual-approval`: the approval path rehearsed), when every requisition waits for the commander; a live run
pre-approves those at or under the playbook's threshold (quantity × unit price, CNY) and waits for the commander
on the rest.
"""

from __future__ import annotations

from models.dispatch import DispatchNeed, Requisition, Reservation
from models.events import SYSTEM, ApprovalOverdue, Dispatched, Event
from models.i18n import tr
from models.playbook import ResolvedPlan
from tasks.response.results import AllocationLine, Approval, DispatchResult, RequisitionLine, ShortfallLine
from tasks.response.run import Run

APPROVAL_WAIT_MIN = 30.0  # scenario minutes the commander has to approve large requisitions
NONE_BY_THEMSELVES = float("-inf")  # a threshold no requisition is worth at most: every one waits for the commander


def approval_variable(incident_id: str) -> str:
    """The Prefect variable a commander sets to `yes` in the UI to approve the incident's requisitions."""
    return "approve_" + incident_id.lower().replace("-", "_")


def approval_threshold(run: Run, plan: ResolvedPlan) -> float | None:
    """Requisitions worth at most this are approved without the commander; None: all of them (a drill);
    NONE_BY_THEMSELVES: none of them (a drill with manual approval)."""
    if run.drill:
        return NONE_BY_THEMSELVES if run.manual_approval else None
    return float(plan.requisition_approval_threshold_cny)


def approved_by_word(value: object) -> bool:
    return str(value).strip().lower() in ("yes", "true", "1", "approved", "批准")


def dispatched(run: Run, plan: ResolvedPlan, *, reservations: int, requisitions: int,
               applied: list[DispatchNeed], radius_m: float, wave: int) -> Event:
    """`wave`: how many needs this dispatch covered (a level change dispatches only the difference)."""
    return Event(key=run.key("dispatch", plan.level, wave), actor=plan.commander.unit,
                 payload=Dispatched(level=plan.level, needs=[n.need_id for n in applied], reservations=reservations,
                                    requisitions=requisitions, shortfall=sum(n.shortfall for n in applied),
                                    radius_m=radius_m))


def overdue(run: Run, pending: list[int]) -> tuple[str, Event]:
    """The message to the leading-group office about requisitions still waiting, and the entry."""
    text = tr(run.lang, "Requisitions {ids} of {incident} await the commander's approval past the deadline.",
              ids=pending, incident=run.incident_id)
    return text, Event(key=run.key("approval-overdue"), actor=SYSTEM, payload=ApprovalOverdue(requisitions=pending))


def dispatch_result(approval: Approval, auto_approved: list[int], reservations: list[Reservation],
                    requisitions: list[Requisition], needs: list[DispatchNeed]) -> DispatchResult:
    return DispatchResult(
        approval=approval, auto_approved=auto_approved,
        allocations=[AllocationLine(need=r.need_id, depot=r.depot, resource_type=r.resource_type, quantity=r.quantity,
                                    distance_km=r.distance_km, eta_min=r.eta_min, reason=r.reason)
                     for r in reservations],
        requisitions=[RequisitionLine(id=q.id, need=q.need_id, holder=q.holder, resource_type=q.resource_type,
                                      quantity=q.quantity, status=str(q.status)) for q in requisitions],
        shortfalls=[ShortfallLine(need=n.need_id, resource_type=n.resource_type, quantity=n.shortfall)
                    for n in needs if n.shortfall])
