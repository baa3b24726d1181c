"""Reserving a plan on SQLite and PostgreSQL: once per need, stale plans refused and re-planned, stand-down."""

from __future__ import annotations

import pytest
from sqlmodel import select

import tasks.dispatch_reserve as reserve_mod
from models.db import session_scope
from models.dispatch import DispatchNeed, Requisition, RequisitionStatus, Reservation, ReservationStatus
from models.dispatch_store import StalePlan, apply_plan
from models.errors import ImportRejected
from models.release_store import stand_down
from tasks.dispatch import Need, plan_dispatch
from tasks.dispatch_reserve import current_stock, reserve_with_replan
from tests.dispatch_fixtures import AT, SAND, SCBA, seed, stock_rows


@pytest.fixture
def park(engine):
    seed(engine)
    return engine


def plan_for(engine, needs):
    with session_scope(engine) as session:
        stock = current_stock(session=session)
    return plan_dispatch(needs, stock, AT)


def apply(engine, incident, plan):
    with session_scope(engine) as session:
        return apply_plan(session=session, incident_id=incident, plan=plan)


def test_apply_reserves_stock_and_records_each_need(park):
    plan = plan_for(park, [Need("scba", SCBA, 12, urgency=1), Need("sand", SAND, 60, urgency=2, role="secondary")])
    result = apply(park, "inc-1", plan)
    assert sorted((r.depot, r.resource_type, r.quantity) for r in result.reservations) == [
        ("far", SCBA, 2), ("mid", SCBA, 6), ("near", SCBA, 4), ("near", SAND, 20)]
    assert [(q.holder, q.depot, q.quantity, q.unit_price, q.status) for q in result.requisitions] == [
        ("fleet", "truck", 30, 120.0, RequisitionStatus.requested), ("yard", "yard", 10, 120.0,
                                                                    RequisitionStatus.requested)]
    rows = stock_rows(park)
    assert rows[("near", SCBA)] == (4, 4) and rows[("far", SCBA)] == (10, 2)
    assert rows[("truck", SAND)] == (30, 30) and rows[("yard", SAND)] == (50, 10)  # requisitioned units held too
    with session_scope(park) as session:
        needs = {n.need_id: (n.allocated, n.requisitioned, n.shortfall) for n in session.exec(select(DispatchNeed))}
        reasons = [r.reason for r in session.exec(select(Reservation).order_by(Reservation.id))]
    assert needs == {"scba": (12, 0, 0), "sand": (20, 40, 0)}
    assert reasons[0] == "最近的可用储备，1.0 km"


def test_applying_the_same_plan_twice_reserves_once(park):
    plan = plan_for(park, [Need("scba", SCBA, 5), Need("sand", SAND, 25)])
    first = apply(park, "inc-1", plan)
    before = stock_rows(park)
    second = apply(park, "inc-1", plan)
    assert first.reservations and not second.reservations and not second.requisitions
    assert second.skipped_needs == ["sand", "scba"]
    assert stock_rows(park) == before
    again = reserve_with_replan(park, "inc-1", [Need("scba", SCBA, 5), Need("sand", SAND, 25)], AT)
    assert not again.reservations and again.skipped_needs == ["sand", "scba"] and stock_rows(park) == before
    other = apply(park, "inc-2", plan_for(park, [Need("scba", SCBA, 5)]))  # another incident is its own key
    assert sum(r.quantity for r in other.reservations) == 5


def test_stale_plan_is_refused_and_nothing_written(park):
    stale = plan_for(park, [Need("scba", SCBA, 8)])  # near 4 + mid 4
    reserve_with_replan(park, "inc-other", [Need("x", SCBA, 5)], AT)  # takes near 4 + mid 1
    before = stock_rows(park)
    with pytest.raises(StalePlan) as info:
        apply(park, "inc-1", stale)
    assert ("near", SCBA, 4, 0) in info.value.short
    assert "re-plan" in str(info.value)
    assert stock_rows(park) == before
    with session_scope(park) as session:
        assert not session.exec(select(Reservation).where(Reservation.incident_id == "inc-1")).all()
        assert not session.exec(select(DispatchNeed).where(DispatchNeed.incident_id == "inc-1")).all()


def test_reserve_with_replan_plans_again_when_the_stock_moved(park, monkeypatch):
    real = reserve_mod.plan_dispatch
    calls = []

    def racing_plan(*args, **kwargs):
        plan = real(*args, **kwargs)
        calls.append(plan)
        if len(calls) == 1:  # between this plan and its apply, another incident takes the nearest depot
            apply(park, "inc-fast", real([Need("grab", SCBA, 4)], args[1], AT))
        return plan

    monkeypatch.setattr(reserve_mod, "plan_dispatch", racing_plan)
    result = reserve_with_replan(park, "inc-1", [Need("scba", SCBA, 8)], AT)
    assert result.attempts == 2
    assert [(r.depot, r.quantity) for r in result.reservations] == [("mid", 6), ("far", 2)]
    assert stock_rows(park)[("near", SCBA)] == (4, 4)


def test_reserve_with_replan_gives_up_after_bounded_attempts(park, monkeypatch):
    real = reserve_mod.plan_dispatch
    seen = []

    def always_lose(needs, stock, at, **kwargs):
        plan = real(needs, stock, at, **kwargs)
        seen.append(1)
        apply(park, f"inc-fast-{len(seen)}", real([Need("grab", SCBA, 1)], stock, at))
        return plan

    monkeypatch.setattr(reserve_mod, "plan_dispatch", always_lose)
    with pytest.raises(StalePlan, match="kept changing over 3 attempts"):
        reserve_with_replan(park, "inc-1", [Need("scba", SCBA, 20)], AT, max_attempts=3)
    assert len(seen) == 3
    with session_scope(park) as session:
        assert not session.exec(select(Reservation).where(Reservation.incident_id == "inc-1")).all()


def test_stand_down_releases_the_rest_and_records_consumption(park):
    result = reserve_with_replan(park, "inc-1", [Need("scba", SCBA, 12), Need("sand", SAND, 60)], AT)
    delivered = next(q for q in result.requisitions if q.depot == "truck")
    with session_scope(park) as session:
        from models.requisition_store import approve, deliver

        approve(session=session, requisition_id=delivered.id)
        deliver(session=session, requisition_id=delivered.id)
    with session_scope(park) as session:
        done = stand_down(session=session, incident_id="inc-1", consumed={"scba": 5, "sand@near": 20})
    assert (done.consumed, done.released) == (25, 7)
    assert done.open_requisitions == [delivered.id] and len(done.cancelled_requisitions) == 1
    rows = stock_rows(park)
    assert rows[("near", SCBA)] == (0, 0)  # 4 consumed from the nearest first
    assert rows[("mid", SCBA)] == (5, 0)  # 1 consumed, 5 released
    assert rows[("far", SCBA)] == (10, 0)
    assert rows[("near", SAND)] == (0, 0)
    assert rows[("yard", SAND)] == (50, 0)  # undelivered requisition cancelled, units back with the holder
    assert rows[("truck", SAND)] == (30, 30)  # delivered: held until returned or consumed
    with session_scope(park) as session:
        closed = session.exec(select(Reservation)).all()
        assert {r.status for r in closed} == {ReservationStatus.closed}
        assert sum(r.consumed for r in closed) == 25 and all(r.closed_at for r in closed)
        assert session.get(Requisition, delivered.id).status == RequisitionStatus.delivered
    with session_scope(park) as session:  # a second stand-down changes nothing
        again = stand_down(session=session, incident_id="inc-1", consumed={})
    assert (again.consumed, again.released, again.cancelled_requisitions) == (0, 0, [])
    assert stock_rows(park) == rows


def test_stand_down_refuses_bad_consumption_whole(park):
    reserve_with_replan(park, "inc-1", [Need("scba", SCBA, 6)], AT)
    before = stock_rows(park)
    with pytest.raises(ImportRejected) as info, session_scope(park) as session:
        stand_down(session=session, incident_id="inc-1", consumed={"scba": 7, "nope": 1, "scba@far": 1})
    assert [str(e) for e in info.value.errors] == [
        "--consumed: nope: no reservation held for this need (or depot)",
        "--consumed: scba: 7 consumed but only 6 reserved",
        "--consumed: scba@far: no reservation held for this need (or depot)",
    ]
    assert stock_rows(park) == before


def test_dispatch_tables_load_their_foreign_key_targets_in_a_fresh_process():
    """A worker that imports only the dispatch code must still know `unit`, `depot`, `resource_type`."""
    import subprocess
    import sys

    code = ("import tasks.dispatch_reserve; from sqlmodel import SQLModel; "
            "print(sorted({'unit', 'depot', 'resource_type', 'stock'} - set(SQLModel.metadata.tables)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
