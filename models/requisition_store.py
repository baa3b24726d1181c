"""The requisition ledger (先征用、后结算): moves along the life of a requisition, and settlement.

    approve(…) → deliver(…, quantity) → close(…, consumed, use_fee) → settle(…)
    cancel(…) before delivery; amounts_owed(…) per holder; list_requisitions(…)

Every move checks the ledger's legal transitions (`models.dispatch.TRANSITIONS`) and refuses any other
with the allowed ones named (`IllegalMove`). Moves that change stock lock the requisition row and its
stock row. The amount owed for a requisition is consumed × unit price + the fee agreed for the use of
what came back; settlement marks requisitions settled and returns the total per holder.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from models.dispatch import TRANSITIONS, Requisition, RequisitionStatus
from models.errors import InputError, NotFound
from models.stock_lock import begin_write, lock_stock
from models.types import utcnow

S = RequisitionStatus


class IllegalMove(InputError):
    def __init__(self, req: Requisition, to: RequisitionStatus):
        allowed = " or ".join(s.value for s in TRANSITIONS[req.status])
        if not allowed:
            super().__init__(f"requisition {req.id} is {req.status.value}, which is final; it cannot become {to.value}")
        else:
            super().__init__(f"requisition {req.id} is {req.status.value}; it can move to {allowed}, not {to.value}")


@dataclass
class HolderAmount:
    holder: str
    amount: float
    requisitions: list[int] = field(default_factory=list)


def _get(session: Session, requisition_id: int) -> Requisition:
    req = session.exec(select(Requisition).where(Requisition.id == requisition_id).with_for_update()
                       .execution_options(populate_existing=True)).first()
    if req is None:
        raise NotFound(f"requisition {requisition_id}: no such requisition; see `parklink requisitions list`")
    return req


def _move(req: Requisition, to: RequisitionStatus, now: datetime) -> None:
    if to not in TRANSITIONS[req.status]:
        raise IllegalMove(req, to)
    req.status = to
    setattr(req, f"{to.value}_at", now)


def list_requisitions(*, session: Session, incident_id: str | None = None,
                      status: RequisitionStatus | None = None) -> list[Requisition]:
    query = select(Requisition).order_by(Requisition.id)
    if incident_id is not None:
        query = query.where(Requisition.incident_id == incident_id)
    if status is not None:
        query = query.where(Requisition.status == status)
    return list(session.exec(query).all())


def approve(*, session: Session, requisition_id: int, now: datetime | None = None) -> Requisition:
    begin_write(session)
    req = _get(session, requisition_id)
    _move(req, S.approved, now or utcnow())
    session.flush()
    return req


def deliver(*, session: Session, requisition_id: int, quantity: int | None = None,
            now: datetime | None = None) -> Requisition:
    """The holder handed over `quantity` (default: all requested); what was not handed over is released."""
    begin_write(session)
    req = _get(session, requisition_id)
    qty = req.quantity if quantity is None else quantity
    if not 0 < qty <= req.quantity:
        raise InputError(f"requisition {req.id}: delivered quantity {qty} must be between 1 and {req.quantity}")
    _move(req, S.delivered, now or utcnow())
    stock = lock_stock(session, [(req.depot, req.resource_type)])[(req.depot, req.resource_type)]
    stock.reserved -= req.quantity - qty
    req.delivered = qty
    session.flush()
    return req


def close(*, session: Session, requisition_id: int, consumed: int | None = 0, use_fee: float = 0.0,
          now: datetime | None = None) -> Requisition:
    """After use: `consumed` units are used up (paid at unit price), the rest go back (paid `use_fee`).

    `consumed=None` means everything delivered. Status becomes `consumed` when anything was consumed,
    else `returned`.
    """
    begin_write(session)
    req = _get(session, requisition_id)
    consumed = req.delivered if consumed is None else consumed
    if isinstance(consumed, bool) or not 0 <= consumed <= req.delivered:
        raise InputError(f"requisition {req.id}: consumed {consumed} must be between 0 and the "
                         f"{req.delivered} delivered")
    if not use_fee >= 0:
        raise InputError(f"requisition {req.id}: use fee {use_fee} must be ≥ 0")
    _move(req, S.consumed if consumed else S.returned, now or utcnow())
    stock = lock_stock(session, [(req.depot, req.resource_type)])[(req.depot, req.resource_type)]
    stock.reserved -= req.delivered
    stock.quantity -= consumed
    req.consumed, req.returned, req.use_fee = consumed, req.delivered - consumed, float(use_fee)
    req.amount = round(consumed * req.unit_price + req.use_fee, 2)
    session.flush()
    return req


def cancel(*, session: Session, requisition_id: int, now: datetime | None = None) -> Requisition:
    begin_write(session)
    req = _get(session, requisition_id)
    _move(req, S.cancelled, now or utcnow())
    stock_row = lock_stock(session, [(req.depot, req.resource_type)])[(req.depot, req.resource_type)]
    stock_row.reserved -= req.quantity
    session.flush()
    return req


def settle(*, session: Session, requisition_ids: Iterable[int], now: datetime | None = None) -> list[HolderAmount]:
    """Mark returned/consumed requisitions settled; the amounts paid, per holder. All or nothing."""
    begin_write(session)
    now = now or utcnow()
    reqs = [_get(session, i) for i in sorted(set(requisition_ids))]
    for req in reqs:
        _move(req, S.settled, now)
    session.flush()
    return _per_holder(reqs)


def amounts_owed(*, session: Session, incident_id: str | None = None, settled: bool = False) -> list[HolderAmount]:
    """Per holder: what is owed and not yet settled (or, with `settled`, what was paid)."""
    statuses = [S.settled] if settled else [S.returned, S.consumed]
    query = select(Requisition).where(Requisition.status.in_(statuses))
    if incident_id is not None:
        query = query.where(Requisition.incident_id == incident_id)
    return _per_holder(session.exec(query.order_by(Requisition.id)).all())


def _per_holder(reqs: Iterable[Requisition]) -> list[HolderAmount]:
    by: dict[str, HolderAmount] = defaultdict(lambda: HolderAmount("", 0.0))
    for req in reqs:
        entry = by[req.holder]
        entry.holder = req.holder
        entry.amount = round(entry.amount + req.amount, 2)
        entry.requisitions.append(req.id)
    return [by[h] for h in sorted(by)]
