"""Launch latency of the response flow (issue 6) against a bare asyncio floor.

On a warm local Prefect server, a level-I `hazmat-leak` drill: the time from `respond` being called to every
first-wave notification delivered (accepted by the drill gateway over loopback HTTP), and to the dispatch
committed. The floor does the same HTTP calls and database writes — incident and log rows, one notification
row per first-wave liaison with the same sender, the same reservation — with plain asyncio, no Prefect.
Median of 5 runs each, interleaved after a warm-up; prints the ratio. Targets: first wave within 1.5 s, ratio
to the floor under 3.

    python -m bench respond            (PARKLINK_BENCH_RESPOND_DATABASE_URL for PostgreSQL; SQLite by default)
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

RUNS, WARMUP = 5, 1
LEVEL = "I"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setup() -> None:
    home = Path(tempfile.mkdtemp(prefix="parklink-bench-"))
    os.environ["PARKLINK_HOME"] = str(home)
    os.environ.setdefault("PARKLINK_ENGINE_PORT", str(_free_port()))
    if os.environ.get("PARKLINK_BENCH_RESPOND_DATABASE_URL"):
        os.environ["PARKLINK_DATABASE_URL"] = os.environ["PARKLINK_BENCH_RESPOND_DATABASE_URL"]
    os.environ.pop("PREFECT_API_URL", None)
    os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"


def _load_park(engine) -> None:
    from models.db import create_schema, drop_schema
    from models.settings import get_settings
    from parklink.cli_park import load_sample_park

    drop_schema(engine)
    create_schema(engine)
    load_sample_park(engine, get_settings().data_dir / "sample-park")


def _marks(engine, incident_id: str, t0: datetime) -> tuple[float, float]:
    """(seconds to the last first-wave delivery, seconds to the dispatch commit) after t0."""
    from sqlmodel import select

    from models.db import session_scope
    from models.dispatch import DispatchNeed
    from models.notification import Notification

    with session_scope(engine) as session:
        rows = session.exec(select(Notification).where(Notification.context_id == incident_id,
                                                       Notification.step == 0)).all()
        first = [r.delivered_at for r in rows if r.message_kind.startswith("activate-")]
        needs = session.exec(select(DispatchNeed.applied_at).where(DispatchNeed.incident_id == incident_id)).all()
    if not first or None in first or not needs:
        raise RuntimeError(f"{incident_id}: first wave or dispatch missing")
    return (max(first) - t0).total_seconds(), (max(needs) - t0).total_seconds()


async def _flow_run(engine, n: int) -> tuple[float, float]:
    from flows.respond import respond

    incident_id = f"BENCH-FLOW-{n:03d}"
    t0 = datetime.now(UTC)
    state = await respond("hazmat-leak", {"enterprise": "qy-ha", "incident_id": incident_id}, level=LEVEL,
                          drill=True, time_scale=600.0, return_state=True)
    if not state.is_completed():
        raise RuntimeError(f"flow run ended {state.type.value}: {state.message}")
    return _marks(engine, incident_id, t0)


async def _floor_run(engine, settings, plan, n: int) -> tuple[float, float]:
    """The same work without Prefect: rows, concurrent sends per group, the reservation."""
    from models.db import session_scope
    from models.event_store import record_events
    from models.events import Event, Resumed
    from models.incident import Incident
    from models.position import Position
    from models.release_store import stand_down
    from tasks.dispatch_reserve import reserve_with_replan
    from tasks.notify.escalation import _Directory
    from tasks.notify.sender import Context, Sender, Target
    from tasks.notify.texts import Message
    from tasks.response.context import unit_codes

    incident_id = f"BENCH-FLOOR-{n:03d}"
    t0 = datetime.now(UTC)

    def open_incident():
        with session_scope(engine) as session:
            session.add(Incident(id=incident_id, playbook_id="hazmat-leak", playbook_hash=plan.content_hash,
                                 level=LEVEL, latitude=36.1531, longitude=112.288, enterprise="qy-ha", drill=True))
            session.flush()
            record_events(session=session, incident=incident_id, events=[
                Event(key=f"{incident_id}:{step}", actor="bench", payload=Resumed())
                for step in ("opened", "graded", "command-post")])

    await asyncio.to_thread(open_incident)
    directory = await asyncio.to_thread(_Directory, engine)

    async def group(g):
        targets = [Target(unit=u, liaison=li) for u in unit_codes(g.units, "qy-ha")
                   if (li := directory.resolve(u, "primary"))]
        async with Sender(engine, settings) as sender:
            rows = await asyncio.to_thread(sender.prepare, Context("incident", incident_id, g.key),
                                           Message(f"activate-{g.key}", f"{g.name_zh} 启动"), targets)
            await sender.deliver(rows)

    await asyncio.gather(*(group(g) for g in plan.groups), asyncio.to_thread(
        reserve_with_replan, engine, incident_id, plan.all_needs(), Position(36.1531, 112.288),
        exclude_radius_m=plan.isolation_radius_m))
    marks = _marks(engine, incident_id, t0)
    with session_scope(engine) as session:
        stand_down(session=session, incident_id=incident_id, consumed={})
    return marks


async def _bench() -> dict:
    from models.db import get_engine
    from models.settings import get_settings
    from parklink import engine as engine_manager
    from tasks.drill.environment import drill_environment
    from tasks.response.runtime import library

    settings = get_settings()
    engine = get_engine(settings.db_url)
    _load_park(engine)
    status = await asyncio.to_thread(engine_manager.ensure, settings)
    plan = library(settings).resolve("hazmat-leak", LEVEL)
    flows, floors = [], []
    try:
        async with drill_environment(engine, settings, answer_rate=1.0, seed=1, time_scale=600.0) as env:
            os.environ["PARKLINK_DRILL_BASE_URL"] = env.gateway_url  # the flow's drill: this gateway, its own acks
            for n in range(WARMUP + RUNS):
                flow = await _flow_run(engine, n)
                floor = await _floor_run(engine, env.settings, plan, n)
                if n >= WARMUP:
                    flows.append(flow)
                    floors.append(floor)
    finally:
        await asyncio.to_thread(engine_manager.stop, settings)
    return {"database": engine.url.get_backend_name(), "server": status.url, "flows": flows, "floors": floors,
            "units": sum(len(g.units) for g in plan.groups), "groups": len(plan.groups)}


def main() -> int:
    _setup()
    started = time.perf_counter()
    r = asyncio.run(_bench())
    med = lambda xs, i: statistics.median(x[i] for x in xs)  # noqa: E731
    fw, fd = med(r["flows"], 0), med(r["flows"], 1)
    bw, bd = med(r["floors"], 0), med(r["floors"], 1)
    print(f"\n== response flow launch latency ({r['database']}, level {LEVEL} hazmat-leak drill: {r['groups']} groups, "
          f"{r['units']} first-wave notifications; median of {RUNS}) ==")
    print(f"{'':34}{'flow':>10}{'floor':>10}{'ratio':>8}")
    print(f"{'first wave delivered (s)':34}{fw:>10.3f}{bw:>10.3f}{fw / bw:>8.2f}")
    print(f"{'dispatch committed (s)':34}{fd:>10.3f}{bd:>10.3f}{fd / bd:>8.2f}")
    print("runs (flow first wave / dispatch):", ", ".join(f"{a:.2f}/{b:.2f}" for a, b in r["flows"]))
    print("runs (floor first wave / dispatch):", ", ".join(f"{a:.2f}/{b:.2f}" for a, b in r["floors"]))
    ok_abs, ok_ratio = fw <= 1.5, fw / bw < 3
    print(f"target first wave ≤ 1.5 s: {'OK' if ok_abs else 'MISSED'}; ratio to the floor < 3: "
          f"{'OK' if ok_ratio else 'MISSED'} ({time.perf_counter() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
