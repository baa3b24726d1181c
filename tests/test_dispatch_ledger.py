"""The requisition ledger: legal moves only, stock follows the goods, amounts owed per holder (先征用、后结算)."""

from __future__ import annotations

import pytest

from models import requisition_store as ledger
from models.db import session_scope
from models.dispatch import Requisition, RequisitionStatus
from models.errors import InputError, NotFound
from tasks.dispatch import Need
from tasks.dispatch_reserve import reserve_with_replan
from tests.dispatch_fixtures import AT, EXCAVATOR, SAND, seed, stock_rows


@pytest.fixture
def reqs(engine):
    """inc-1 needs 60 m³ of sand (20 from the reserve, 30 from `truck`, 10 from `yard`) and 2 excavators."""
    seed(engine)
    result = reserve_with_replan(engine, "inc-1", [Need("sand", SAND, 60), Need("dig", EXCAVATOR, 2)], AT)
    by = {(q.need_id, q.depot): q.id for q in result.requisitions}
    assert set(by) == {("sand", "truck"), ("sand", "yard"), ("dig", "yard")}
    return engine, by


def move(engine, fn, **kwargs):
    with session_scope(engine) as session:
        return fn(session=session, **kwargs)


def test_full_life_and_settlement_per_holder(reqs):
    engine, by = reqs
    truck, yard_sand, dig = by[("sand", "truck")], by[("sand", "yard")], by[("dig", "yard")]
    for rid in (truck, yard_sand, dig):
        move(engine, ledger.approve, requisition_id=rid)
    move(engine, ledger.deliver, requisition_id=truck, quantity=25)  # 5 fewer than asked: released to the holder
    assert stock_rows(engine)[("truck", SAND)] == (30, 25)
    move(engine, ledger.deliver, requisition_id=yard_sand)
    move(engine, ledger.deliver, requisition_id=dig)
    r = move(engine, ledger.close, requisition_id=truck, consumed=25)  # all of it used up
    assert (r.status, r.consumed, r.returned, r.amount) == (RequisitionStatus.consumed, 25, 0, 3000.0)
    assert stock_rows(engine)[("truck", SAND)] == (5, 0)
    r = move(engine, ledger.close, requisition_id=yard_sand, consumed=None)  # None: everything delivered
    assert (r.consumed, r.amount) == (10, 1200.0)
    r = move(engine, ledger.close, requisition_id=dig, consumed=0, use_fee=4800.0)  # came back; paid for its use
    assert (r.status, r.returned, r.amount) == (RequisitionStatus.returned, 2, 4800.0)
    assert stock_rows(engine)[("yard", EXCAVATOR)] == (3, 0) and stock_rows(engine)[("yard", SAND)] == (40, 0)
    owed = move(engine, ledger.amounts_owed, incident_id="inc-1")
    assert [(h.holder, h.amount, h.requisitions) for h in owed] == [("fleet", 3000.0, [truck]),
                                                                   ("yard", 6000.0, sorted([yard_sand, dig]))]
    paid = move(engine, ledger.settle, requisition_ids=[dig, yard_sand, truck])
    assert [(h.holder, h.amount) for h in paid] == [("fleet", 3000.0), ("yard", 6000.0)]
    assert move(engine, ledger.amounts_owed, incident_id="inc-1") == []
    assert [(h.holder, h.amount) for h in move(engine, ledger.amounts_owed, settled=True)] == [
        ("fleet", 3000.0), ("yard", 6000.0)]
    with session_scope(engine) as session:
        r = session.get(Requisition, truck)
        assert r.requested_at <= r.approved_at <= r.delivered_at <= r.consumed_at <= r.settled_at
        assert r.returned_at is None and r.requested_at.tzinfo is not None


@pytest.mark.parametrize("steps, fn, message", [
    ([], ledger.settle, "is requested; it can move to approved or cancelled, not settled"),
    ([], ledger.deliver, "is requested; it can move to approved or cancelled, not delivered"),
    (["approve"], ledger.approve, "is approved; it can move to delivered or cancelled, not approved"),
    (["approve", "deliver"], ledger.cancel, "is delivered; it can move to returned or consumed, not cancelled"),
    (["approve", "deliver", "close", "settle"], ledger.settle, "is settled, which is final; it cannot become settled"),
])
def test_illegal_moves_refused_with_the_allowed_ones(reqs, steps, fn, message):
    engine, by = reqs
    rid = by[("sand", "truck")]
    for step in steps:
        kwargs = {"requisition_ids": [rid]} if step == "settle" else {"requisition_id": rid}
        move(engine, getattr(ledger, step), **kwargs)
    before = stock_rows(engine)
    kwargs = {"requisition_ids": [rid]} if fn is ledger.settle else {"requisition_id": rid}
    with pytest.raises(InputError, match=message):
        move(engine, fn, **kwargs)
    assert stock_rows(engine) == before


def test_bad_quantities_and_unknown_id(reqs):
    engine, by = reqs
    rid = by[("sand", "truck")]
    move(engine, ledger.approve, requisition_id=rid)
    with pytest.raises(InputError, match="between 1 and 30"):
        move(engine, ledger.deliver, requisition_id=rid, quantity=31)
    move(engine, ledger.deliver, requisition_id=rid, quantity=10)
    with pytest.raises(InputError, match="between 0 and the 10 delivered"):
        move(engine, ledger.close, requisition_id=rid, consumed=11)
    with pytest.raises(NotFound, match="requisition 999"):
        move(engine, ledger.approve, requisition_id=999)


def test_settle_is_all_or_nothing(reqs):
    engine, by = reqs
    done, pending = by[("sand", "truck")], by[("sand", "yard")]
    for step in ("approve", "deliver", "close"):
        move(engine, getattr(ledger, step), requisition_id=done)
    with pytest.raises(InputError, match="is requested"):
        move(engine, ledger.settle, requisition_ids=[done, pending])
    with session_scope(engine) as session:
        assert session.get(Requisition, done).status == RequisitionStatus.returned


def test_cancel_before_delivery_gives_the_units_back(reqs):
    engine, by = reqs
    move(engine, ledger.cancel, requisition_id=by[("dig", "yard")])
    assert stock_rows(engine)[("yard", EXCAVATOR)] == (3, 0)
