"""Persistence of dispatch: reserving stock for a plan, reading what is held.

    apply_plan(session=…, incident_id=…, plan=…) → ApplyResult   reserve a plan in the caller's transaction
    available_stock(session=…) → [StockLine]                       what the planner plans from
    applied_need_ids / list_reservations / list_dispatch_needs     reads

Giving stock back — `stand_down`, `reduce_need` — is `models.release_store` (its result `StandDownResult` is in
`models.allocation`); the writer's lock — `begin_write`, `lock_stock` — is `models.stock_lock`.

The lock: `apply_plan` opens the write with `BEGIN IMMEDIATE` on SQLite (one writer at a time); on PostgreSQL
it takes an advisory lock on the incident and re-reads every stock row the plan touches with
`SELECT … FOR UPDATE`, in key order (no deadlocks).
Availability is checked again under the lock; if the plan asks for more than a row still has, nothing is
written and `StalePlan` is raised: the caller re-plans (`tasks.dispatch_reserve.reserve_with_replan`),
it never forces. Needs already applied for the incident are skipped, so applying twice reserves once.

Call these on a fresh session (`with session_scope(engine) as session:`); the scope commits or rolls back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from models.allocation import Plan, StockLine
from models.dispatch import DispatchNeed, Requisition, Reservation, ReservationStatus
from models.errors import ParkLinkError
from models.inventory import Depot, ResourceType, Stock
from models.stock_lock import begin_write, lock_stock
from models.types import utcnow


class StalePlan(ParkLinkError):
    """The stock a plan counted on was taken meanwhile; re-plan from current availability."""

    def __init__(self, short: list[tuple[str, str, int, int]], message: str | None = None):
        self.short = short  # (depot, resource_type, wanted, available)
        detail = "; ".join(f"{d}/{t}: wants {w}, {a} available" for d, t, w, a in short[:5])
        super().__init__(message or f"the plan is stale: stock changed since it was made ({detail}); re-plan")


@dataclass
class ApplyResult:
    incident_id: str
    reservations: list[Reservation] = field(default_factory=list)
    requisitions: list[Requisition] = field(default_factory=list)
    needs: list[DispatchNeed] = field(default_factory=list)
    skipped_needs: list[str] = field(default_factory=list)
    plan: Plan | None = None
    attempts: int = 1


def available_stock(*, session: Session, resource_types: Iterable[str] | None = None) -> list[StockLine]:
    """What each depot can still give: quantity − reserved, with the depot's owner, kind and position."""
    query = (select(Stock.depot, Depot.owner, Depot.kind, Depot.latitude, Depot.longitude, Stock.resource_type,
                    Stock.quantity - Stock.reserved).join(Depot, Depot.code == Stock.depot)
             .where(Stock.quantity > Stock.reserved).order_by(Stock.depot, Stock.resource_type))
    if resource_types is not None:
        types = sorted(set(resource_types))
        if not types:
            return []
        query = query.where(Stock.resource_type.in_(types))
    return [StockLine(d, o, str(getattr(k, "value", k)), la, lo, t, int(a))
            for d, o, k, la, lo, t, a in session.exec(query).all()]


def applied_need_ids(*, session: Session, incident_id: str) -> set[str]:
    return set(session.exec(select(DispatchNeed.need_id).where(DispatchNeed.incident_id == incident_id)).all())


def apply_plan(*, session: Session, incident_id: str, plan: Plan, now: datetime | None = None,
               lang: str = "zh-CN") -> ApplyResult:
    """Reserve the plan's allocations and requisitions for needs not yet applied; StalePlan if it no longer fits."""
    now = now or utcnow()
    begin_write(session, incident_id=incident_id)
    lines = [*plan.allocations, *plan.requisitions]
    stock = lock_stock(session, ((x.depot, x.resource_type) for x in lines))
    done = applied_need_ids(session=session, incident_id=incident_id)  # read after the lock: sees the winner
    result = ApplyResult(incident_id=incident_id, plan=plan, skipped_needs=sorted(n.id for n in plan.needs
                                                                                  if n.id in done))
    new_ids = {n.id for n in plan.needs if n.id not in done}
    _take(stock, [x for x in lines if x.need in new_ids])
    prices = dict(session.exec(select(ResourceType.code, ResourceType.unit_price)).all()) if plan.requisitions else {}
    _records(result, plan, new_ids, prices, now, lang)
    session.add_all([*result.reservations, *result.requisitions, *result.needs])
    session.flush()
    return result


def _take(stock: dict[tuple[str, str], Stock], lines: list) -> None:
    """Reserve the lines' units on their locked stock rows, or StalePlan (nothing changed) if one has too few."""
    want: dict[tuple[str, str], int] = defaultdict(int)
    for x in lines:
        want[(x.depot, x.resource_type)] += x.quantity
    short = []
    for key, qty in sorted(want.items()):
        row = stock.get(key)
        have = row.quantity - row.reserved if row else 0
        if qty > have:
            short.append((*key, qty, have))
    if short:
        raise StalePlan(short)
    for key, qty in want.items():
        stock[key].reserved += qty


def _records(result: ApplyResult, plan: Plan, new_ids: set[str], prices: dict[str, float], now: datetime,
             lang: str) -> None:
    """The rows a plan writes for its new needs: reservations, requisitions, and each need with its totals."""
    incident_id = result.incident_id
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for a in plan.allocations:
        if a.need in new_ids:
            totals[a.need][0] += a.quantity
            result.reservations.append(Reservation(
                incident_id=incident_id, need_id=a.need, depot=a.depot, resource_type=a.resource_type,
                quantity=a.quantity, distance_km=a.distance_km, eta_min=a.eta_min, reason=a.reason(lang)[:200],
                reserved_at=now))
    for r in plan.requisitions:
        if r.need in new_ids:
            totals[r.need][1] += r.quantity
            result.requisitions.append(Requisition(
                incident_id=incident_id, need_id=r.need, holder=r.holder, depot=r.depot,
                resource_type=r.resource_type, quantity=r.quantity, unit_price=prices.get(r.resource_type, 0.0),
                note=r.reason(lang)[:200], requested_at=now))
    for s in plan.shortfalls:
        if s.need in new_ids:
            totals[s.need][2] += s.quantity
    for n in plan.needs:
        if n.id in new_ids:
            a, r, s = totals[n.id]
            result.needs.append(DispatchNeed(
                incident_id=incident_id, need_id=n.id, group=n.group, resource_type=n.resource_type,
                quantity=n.quantity, urgency=n.urgency, role=n.role, deadline_min=n.deadline_min,
                allocated=a, requisitioned=r, shortfall=s, applied_at=now))


def list_reservations(*, session: Session, incident_id: str | None = None,
                      status: ReservationStatus | None = None) -> list[Reservation]:
    query = select(Reservation).order_by(Reservation.incident_id, Reservation.id)
    if incident_id is not None:
        query = query.where(Reservation.incident_id == incident_id)
    if status is not None:
        query = query.where(Reservation.status == status)
    return list(session.exec(query).all())


def list_dispatch_needs(*, session: Session, incident_id: str) -> list[DispatchNeed]:
    return list(session.exec(select(DispatchNeed).where(DispatchNeed.incident_id == incident_id)
                             .order_by(DispatchNeed.urgency, DispatchNeed.id)).all())
