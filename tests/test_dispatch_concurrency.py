"""Incidents reserving at the same moment, each thread on its own connection: no unit is ever reserved twice.

On PostgreSQL the stock rows are re-read `FOR UPDATE`; on SQLite the write starts `BEGIN IMMEDIATE`. Without
the lock, the threads below would all read "4 available at near" and each write reserved = 4.
"""

from __future__ import annotations

import threading
from collections import defaultdict

import pytest
from sqlmodel import select

from models.db import create_schema, drop_schema, get_engine, session_scope
from models.dispatch import DispatchNeed, Requisition, Reservation
from models.dispatch_store import StalePlan, apply_plan
from tasks.dispatch import Need, plan_dispatch
from tasks.dispatch_reserve import current_stock, reserve_with_replan
from tests.dispatch_fixtures import AT, EXCAVATOR, SAND, SCBA, seed, stock_rows

THREADS = 6


def run_together(target, n: int) -> list:
    """Start n threads that wait on one barrier, then call target(i); return each result or exception."""
    barrier = threading.Barrier(n)
    out: list = [None] * n

    def body(i: int) -> None:
        barrier.wait()
        try:
            out[i] = target(i)
        except Exception as exc:  # noqa: BLE001 — the test inspects what each thread got
            out[i] = exc

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return out


def assert_ledger_matches_stock(engine) -> None:
    """Every stock row's `reserved` is exactly what the open reservations and requisitions hold, ≤ quantity."""
    held: dict[tuple[str, str], int] = defaultdict(int)
    with session_scope(engine) as session:
        for r in session.exec(select(Reservation)).all():
            held[(r.depot, r.resource_type)] += r.quantity
        for q in session.exec(select(Requisition)).all():
            held[(q.depot, q.resource_type)] += q.quantity
    for key, (quantity, reserved) in stock_rows(engine).items():
        assert reserved == held.get(key, 0), key
        assert reserved <= quantity, key


def test_plans_made_from_one_snapshot_only_one_applies(engine):
    seed(engine)
    with session_scope(engine) as session:
        snapshot = current_stock(session=session)
    plan = plan_dispatch([Need("scba", SCBA, 12)], snapshot, AT)  # near 4 + mid 6 + far 2

    def apply(i: int):
        with session_scope(engine) as session:
            return apply_plan(session=session, incident_id=f"inc-{i}", plan=plan)

    results = run_together(apply, THREADS)
    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1, results
    assert all(isinstance(e, StalePlan) for e in lost), lost
    assert stock_rows(engine)[("near", SCBA)] == (4, 4)
    assert_ledger_matches_stock(engine)


def test_concurrent_reserve_with_replan_never_over_allocates(engine):
    seed(engine)  # SCBA: 20 in reserves; sand: 20 reserve + 80 requisitionable

    def reserve(i: int):
        needs = [Need("scba", SCBA, 5, urgency=1), Need("sand", SAND, 25, urgency=2)]
        return reserve_with_replan(engine, f"inc-{i}", needs, AT, max_attempts=THREADS + 2)

    results = run_together(reserve, THREADS)
    assert not [r for r in results if isinstance(r, Exception)], results
    rows = stock_rows(engine)
    assert rows[("near", SCBA)][1] + rows[("mid", SCBA)][1] + rows[("far", SCBA)][1] == 20  # all, and no more
    assert rows[("near", SAND)][1] + rows[("truck", SAND)][1] + rows[("yard", SAND)][1] == 100
    assert_ledger_matches_stock(engine)
    with session_scope(engine) as session:
        needs = session.exec(select(DispatchNeed)).all()
    assert len(needs) == 2 * THREADS
    assert sum(n.allocated for n in needs if n.resource_type == SCBA) == 20
    assert sum(n.shortfall for n in needs if n.resource_type == SCBA) == 5 * THREADS - 20
    assert sum(n.allocated + n.requisitioned for n in needs if n.resource_type == SAND) == 100
    # the same incidents again, all at once: nothing more is reserved
    before = stock_rows(engine)
    again = run_together(reserve, THREADS)
    assert all(not isinstance(r, Exception) and not r.reservations and not r.requisitions for r in again), again
    assert stock_rows(engine) == before


@pytest.mark.postgres
def test_one_incident_applied_from_many_connections_reserves_once(pg_base_url):
    engine = get_engine(pg_base_url)
    drop_schema(engine)
    create_schema(engine)
    seed(engine)

    def reserve(_i: int):
        return reserve_with_replan(engine, "inc-same", [Need("scba", SCBA, 7), Need("sand", SAND, 10)], AT)

    results = run_together(reserve, THREADS)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(len(r.reservations) for r in results) == 3  # near 4 + mid 3, and sand from near, once
    assert_ledger_matches_stock(engine)


def test_same_incident_applied_at_once_records_each_need_once(engine):
    """A plan of shortfalls only locks no stock row: the incident lock (PostgreSQL advisory, SQLite
    immediate) makes the later applies see the first one's record and skip, rather than fail."""
    seed(engine, stock={("near", SCBA): 2})
    with session_scope(engine) as session:
        plan = plan_dispatch([Need("dig", EXCAVATOR, 2)], current_stock(session=session), AT)

    def apply(_i: int):
        with session_scope(engine) as session:
            return apply_plan(session=session, incident_id="inc-same", plan=plan)

    results = run_together(apply, THREADS)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(len(r.needs) for r in results) == 1
    assert [r.skipped_needs for r in results].count(["dig"]) == THREADS - 1
    with session_scope(engine) as session:
        (need,) = session.exec(select(DispatchNeed)).all()
    assert (need.allocated, need.requisitioned, need.shortfall) == (0, 0, 2)
