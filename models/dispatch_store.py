"""Persistence of dispatch: reserving stock for a plan, standing down, reading what is held.

    apply_plan(session=…, incident_id=…, plan=…)   reserve a plan in the caller's transaction, under a lock
    stand_down(session=…, incident_id=…, consumed=…) release what was not consumed, record consumption
    available_stock / applied_need_ids / list_reservations   reads

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text, tuple_
from sqlmodel import Session, select

from models.allocation import Plan, StockLine
from models.dispatch import (
    DispatchNeed,
    Requisition,
    RequisitionStatus,
    Reservation,
    ReservationStatus,
)
from models.errors import ImportRejected, ParkLinkError, RowError
from models.inventory import Depot, ResourceType, Stock
from models.types import utcnow

LOCK_CHUNK = 400  # stock keys per locking SELECT (SQLite allows 32,766 bound parameters)


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


@dataclass
class StandDownResult:
    released: int = 0
    consumed: int = 0
    cancelled_requisitions: list[int] = field(default_factory=list)
    open_requisitions: list[int] = field(default_factory=list)  # delivered: still to return or consume


def begin_write(session: Session, *, incident_id: str | None = None) -> None:
    """Start the session's transaction as the writer.

    SQLite: `BEGIN IMMEDIATE` (one writer at a time). PostgreSQL: rows are locked as they are read; with
    `incident_id`, a transaction-scoped advisory lock on the incident also serialises two applies of the
    same incident, so the second sees what the first recorded instead of tripping over the unique key.
    """
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        if not conn.connection.driver_connection.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql" and incident_id is not None:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                     {"key": f"parklink.dispatch:{incident_id}"})


def lock_stock(session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Stock]:
    """Re-read the stock rows for (depot, type) keys, locked until the transaction ends, in key order."""
    keys = sorted(set(keys))
    found: dict[tuple[str, str], Stock] = {}
    for start in range(0, len(keys), LOCK_CHUNK):
        chunk = keys[start:start + LOCK_CHUNK]
        query = (select(Stock).where(tuple_(Stock.depot, Stock.resource_type).in_(chunk))
                 .order_by(Stock.depot, Stock.resource_type).with_for_update()
                 .execution_options(populate_existing=True))
        for row in session.exec(query).all():
            found[(row.depot, row.resource_type)] = row
    return found


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
    new = [n for n in plan.needs if n.id not in done]
    new_ids = {n.id for n in new}
    want: dict[tuple[str, str], int] = defaultdict(int)
    for x in lines:
        if x.need in new_ids:
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
    prices = dict(session.exec(select(ResourceType.code, ResourceType.unit_price)).all()) if plan.requisitions else {}
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
    for n in new:
        a, r, s = totals[n.id]
        result.needs.append(DispatchNeed(
            incident_id=incident_id, need_id=n.id, group=n.group, resource_type=n.resource_type,
            quantity=n.quantity, urgency=n.urgency, role=n.role, deadline_min=n.deadline_min,
            allocated=a, requisitioned=r, shortfall=s, applied_at=now))
    session.add_all([*result.reservations, *result.requisitions, *result.needs])
    session.flush()
    return result


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


def _split_consumption(held: list[Reservation], consumed: Mapping[str, int]) -> dict[int, int]:
    """{"need": n} spreads n over the need's reservations nearest first; {"need@depot": n} names one."""
    errors: list[RowError] = []
    out: dict[int, int] = {}
    for key, qty in sorted(consumed.items()):
        need, _, depot = key.partition("@")
        rows = [r for r in held if r.need_id == need and (not depot or r.depot == depot)]
        rows.sort(key=lambda r: (r.eta_min, r.distance_km, r.depot))
        cap = sum(r.quantity for r in rows)
        if isinstance(qty, bool) or not isinstance(qty, int) or qty < 0:
            errors.append(RowError("--consumed", 0, key, f"`{qty}` must be a whole number ≥ 0"))
        elif not rows:
            errors.append(RowError("--consumed", 0, key, "no reservation held for this need (or depot)"))
        elif qty > cap:
            errors.append(RowError("--consumed", 0, key, f"{qty} consumed but only {cap} reserved"))
        else:
            for r in rows:
                take = min(qty, r.quantity - out.get(r.id, 0))
                out[r.id] = out.get(r.id, 0) + take
                qty -= take
    if errors:
        raise ImportRejected(errors)
    return out


def reduce_need(*, session: Session, incident_id: str, need_id: str, to_quantity: int,
                now: datetime | None = None) -> int:
    """A lowered response level needs less: give back units down to `to_quantity`, farthest first — the
    shortfall first, then undelivered requisitions, then held reserves. Returns the units given back."""
    now = now or utcnow()
    begin_write(session, incident_id=incident_id)
    need = session.exec(select(DispatchNeed).where(DispatchNeed.incident_id == incident_id,
                                                   DispatchNeed.need_id == need_id).with_for_update()).first()
    if need is None or need.quantity <= to_quantity:
        return 0
    excess = need.quantity - to_quantity
    cut = min(excess, need.shortfall)
    need.shortfall, excess = need.shortfall - cut, excess - cut
    pending = list(session.exec(select(Requisition).where(
        Requisition.incident_id == incident_id, Requisition.need_id == need_id,
        Requisition.status.in_([RequisitionStatus.requested, RequisitionStatus.approved])).with_for_update()).all())
    held = list(session.exec(select(Reservation).where(
        Reservation.incident_id == incident_id, Reservation.need_id == need_id,
        Reservation.status == ReservationStatus.held).with_for_update()).all())
    stock = lock_stock(session, [(r.depot, r.resource_type) for r in [*pending, *held]])
    given = 0
    for rows, kind in ((pending, "requisition"), (held, "reservation")):
        for r in sorted(rows, key=lambda r: (-r.eta_min, -r.distance_km, r.depot)):
            if not excess:
                break
            take = min(excess, r.quantity)
            stock[(r.depot, r.resource_type)].reserved -= take
            excess, given = excess - take, given + take
            if kind == "requisition":
                need.requisitioned -= take
                if take == r.quantity:
                    r.status, r.cancelled_at = RequisitionStatus.cancelled, now
                else:
                    r.quantity -= take
            else:
                need.allocated -= take
                if take == r.quantity:
                    r.released, r.status, r.closed_at = take, ReservationStatus.closed, now
                else:
                    r.quantity -= take
    need.quantity = to_quantity + excess  # what could not be given back (already delivered) stays
    session.flush()
    return given + cut


def stand_down(*, session: Session, incident_id: str, consumed: Mapping[str, int] | None = None,
               now: datetime | None = None, need_ids: Iterable[str] | None = None) -> StandDownResult:
    """Close the incident's held reservations: consumed units leave the stock, the rest go back.

    Requisitions not yet delivered are cancelled and their units released; delivered ones stay open until
    returned or consumed. Standing down twice changes nothing the second time. With `need_ids`, only those
    needs are closed (a lowered response level releases what the lower level does not need).
    """
    now = now or utcnow()
    begin_write(session, incident_id=incident_id)
    # Lock the incident's open rows first: a concurrent stand-down waits here, then finds them closed.
    held = list(session.exec(select(Reservation).where(
        Reservation.incident_id == incident_id, Reservation.status == ReservationStatus.held)
        .order_by(Reservation.id).with_for_update().execution_options(populate_existing=True)).all())
    pending = list(session.exec(select(Requisition).where(
        Requisition.incident_id == incident_id,
        Requisition.status.in_([RequisitionStatus.requested, RequisitionStatus.approved]))
        .order_by(Requisition.id).with_for_update().execution_options(populate_existing=True)).all())
    if need_ids is not None:
        wanted = set(need_ids)
        held = [r for r in held if r.need_id in wanted]
        pending = [q for q in pending if q.need_id in wanted]
    used = _split_consumption(held, consumed or {})
    stock = lock_stock(session, [(r.depot, r.resource_type) for r in [*held, *pending]])
    result = StandDownResult()
    for r in held:
        c = used.get(r.id, 0)
        row = stock[(r.depot, r.resource_type)]
        row.reserved -= r.quantity
        row.quantity -= c
        r.consumed, r.released, r.status, r.closed_at = c, r.quantity - c, ReservationStatus.closed, now
        result.consumed += c
        result.released += r.quantity - c
    for q in pending:
        stock[(q.depot, q.resource_type)].reserved -= q.quantity
        q.status, q.cancelled_at = RequisitionStatus.cancelled, now
        result.cancelled_requisitions.append(q.id)
    result.open_requisitions = sorted(session.exec(select(Requisition.id).where(
        Requisition.incident_id == incident_id, Requisition.status == RequisitionStatus.delivered)).all())
    session.flush()
    return result
