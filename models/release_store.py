"""Giving stock back: standing an incident down, and a lowered level needing less.

    stand_down(session=…, incident_id=…, consumed=…, need_ids=…) → StandDownResult (models.allocation)
        close the held reservations (consumed units leave the stock, the rest go back), cancel requisitions
        not yet delivered; with `need_ids`, only those needs (a lowered level releases what it drops)
    reduce_need(session=…, incident_id=…, need_id=…, to_quantity=…) → units given back, farthest first

Both take the writer's lock (`models.stock_lock`) and lock the rows they change; call them on a fresh
session (`with session_scope(engine) as session:`), whose scope commits or rolls back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlmodel import Session, select

from models.allocation import StandDownResult
from models.dispatch import DispatchNeed, Requisition, RequisitionStatus, Reservation, ReservationStatus
from models.errors import ImportRejected, RowError
from models.stock_lock import begin_write, lock_stock
from models.types import utcnow


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
