"""Concurrency: N processes reserving overlapping stock in one PostgreSQL database; none may over-allocate.

Each process has its own engine and connections and runs a stream of incidents through
`reserve_with_replan`; every incident wants the same few scarce types, so plans go stale under each other
and are re-planned. At the end the ledger must match the stock exactly: for every stock row,
reserved = Σ reservations + Σ requisitions ≤ quantity, and the units handed out never exceed the supply.

Database: PARKLINK_BENCH_DATABASE_URL, else PARKLINK_TEST_DATABASE_URL; the run works in a schema of its
own (created and dropped here). Without either variable it says so and skips.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import time
import uuid
from collections import defaultdict

import sqlalchemy as sa
from sqlmodel import select

PROCESSES = 6
INCIDENTS_PER_PROCESS = 15
TYPES = {"2010101": 9000.0, "2010102": 12000.0, "3010101": 120.0}
AT = (36.15, 112.27)


def _url_with_schema(url: str, schema: str) -> str:
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def _seed(url: str) -> int:
    from models.db import create_schema, get_engine, session_scope
    from models.directory import Unit, UnitKind
    from models.inventory import Depot, DepotKind, ResourceType, Stock

    engine = get_engine(url)
    create_schema(engine)
    rng = random.Random(11)
    supply = 0
    with session_scope(engine) as session:
        for i in range(12):
            session.add(Unit(code=f"u{i:02d}", name_zh=f"基准单位 {i}", kind=UnitKind.enterprise))
        for code, price in TYPES.items():
            session.add(ResourceType(code=code, name_zh=f"基准物资 {code}", uom="件", unit_price=price))
        session.flush()
        kinds = [DepotKind.government_reserve, DepotKind.enterprise_reserve, DepotKind.requisitionable]
        for i in range(12):
            session.add(Depot(code=f"d{i:02d}", owner=f"u{i:02d}", name_zh=f"基准库 {i}", kind=kinds[i % 3],
                              latitude=AT[0] + rng.uniform(-0.05, 0.05), longitude=AT[1] + rng.uniform(-0.05, 0.05)))
        session.flush()
        for i in range(12):
            for code in TYPES:
                qty = rng.randint(5, 40)
                supply += qty
                session.add(Stock(depot=f"d{i:02d}", resource_type=code, quantity=qty))
    return supply


def _worker(url: str, worker: int, out: mp.Queue) -> None:
    from models.allocation import Need
    from models.db import get_engine
    from models.position import Position
    from tasks.dispatch_reserve import reserve_with_replan

    engine = get_engine(url)
    rng = random.Random(worker)
    stats = defaultdict(int)
    for k in range(INCIDENTS_PER_PROCESS):
        needs = [Need(f"n{j}", code, rng.randint(5, 40), urgency=rng.randint(1, 3)) for j, code in enumerate(TYPES)]
        try:
            result = reserve_with_replan(engine, f"w{worker}-inc{k}", needs, Position(*AT), max_attempts=20)
        except Exception as exc:  # noqa: BLE001 — counted and reported, the run goes on
            stats["errors"] += 1
            stats[f"error: {exc.__class__.__name__}: {exc}"[:160]] += 1
            continue
        stats["incidents"] += 1
        stats["reservations"] += len(result.reservations)
        stats["requisitions"] += len(result.requisitions)
        stats["units"] += sum(r.quantity for r in result.reservations) + sum(q.quantity for q in result.requisitions)
        stats["replans"] += result.attempts - 1
    engine.dispose()
    out.put(dict(stats))


def _check(url: str) -> tuple[int, int, list[str]]:
    from models.db import get_engine, session_scope
    from models.dispatch import Requisition, Reservation
    from models.inventory import Stock

    held: dict[tuple[str, str], int] = defaultdict(int)
    problems = []
    with session_scope(get_engine(url)) as session:
        for r in session.exec(select(Reservation)).all():
            held[(r.depot, r.resource_type)] += r.quantity
        for q in session.exec(select(Requisition)).all():
            held[(q.depot, q.resource_type)] += q.quantity
        rows = session.exec(select(Stock)).all()
    for s in rows:
        if s.reserved != held.get((s.depot, s.resource_type), 0) or s.reserved > s.quantity:
            problems.append(f"{s.depot}/{s.resource_type}: quantity {s.quantity}, reserved {s.reserved}, "
                            f"ledger {held.get((s.depot, s.resource_type), 0)}")
    return sum(s.reserved for s in rows), sum(s.quantity for s in rows), problems


def main() -> int:
    print("== dispatch concurrency: processes reserving overlapping stock on PostgreSQL ==")
    base = os.environ.get("PARKLINK_BENCH_DATABASE_URL") or os.environ.get("PARKLINK_TEST_DATABASE_URL")
    if not base:
        print("skipped: set PARKLINK_BENCH_DATABASE_URL (or PARKLINK_TEST_DATABASE_URL) to a PostgreSQL URL")
        return 0
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = _url_with_schema(base, schema)
    try:
        supply = _seed(url)
        ctx = mp.get_context("spawn")
        out = ctx.Queue()
        procs = [ctx.Process(target=_worker, args=(url, w, out)) for w in range(PROCESSES)]
        start = time.perf_counter()
        for p in procs:
            p.start()
        results = [out.get(timeout=600) for _ in procs]
        for p in procs:
            p.join()
        elapsed = time.perf_counter() - start
        total: dict[str, int] = defaultdict(int)
        for r in results:
            for k, v in r.items():
                total[k] += v
        reserved, quantity, problems = _check(url)
        print(f"{PROCESSES} processes × {INCIDENTS_PER_PROCESS} incidents in {elapsed:.1f} s: "
              f"{total['incidents']} incidents reserved, {total['reservations']} reservations + "
              f"{total['requisitions']} requisitions = {total['units']:,} units; {total['replans']} re-plans "
              f"after stale plans; {total['errors']} errors")
        for k, v in total.items():
            if k.startswith("error: "):
                print(f"  {v}× {k}")
        print(f"supply {supply:,} units; reserved now {reserved:,} (ledger = stock on every row: "
              f"{'yes' if not problems else 'NO'}); over-allocated rows: {len(problems)}")
        for p in problems[:10]:
            print(f"  {p}")
        assert not problems, "over-allocation or ledger mismatch"
        assert reserved == total["units"] <= supply, (reserved, total["units"], supply)
        assert total["errors"] == 0
        print("OK: no unit reserved twice")
        return 0
    finally:
        from models.db import dispose_engines

        dispose_engines()
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
