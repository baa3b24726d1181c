"""Launch through a deployment (issue 11): submit → every first-wave notification delivered, beside the same drill
run in-process against the same server and database; then how many concurrent drills two workers complete.

A cluster on this machine (bench/cluster.py: Prefect server and ParkLink database on PostgreSQL, `parklink deploy`,
two `parklink worker --limit 4`, `PREFECT_WORKER_QUERY_SECONDS=1`). A level-I `hazmat-leak` drill (9 groups,
32 first-wave notifications to the drill gateway the run starts itself). Where the deployment's time goes, from
the flow run's state history: Scheduled → Pending (a worker's poll picks it up), Pending → Running (a fresh
Python process: imports, the pull step, the flow's set-up), Running → first wave delivered. Median of 5 each,
interleaved. Then batches of 8 and 16 drills of every playbook submitted at once: wall time until all are final,
how many completed, duplicates counted by each drill's own gateway.

    PARKLINK_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres python -m bench deploy
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

RUNS, BATCHES = 5, (8, 16)
PLAYBOOKS = [("hazmat-leak", "II", "qy-ha"), ("fire", "III", "qy-jh"), ("explosion", "IV", "qy-jc"),
             ("environmental", "IV", "qy-qn"), ("natural-disaster", "III", "qy-jy"), ("mass-incident", "single",
                                                                                    "qy-lng")]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _first_wave(engine, incident: str, t0: datetime) -> float:
    from sqlmodel import Session, select

    from models.notification import Notification

    with Session(engine) as session:
        rows = session.exec(select(Notification.delivered_at).where(
            Notification.context_id == incident, Notification.step == 0,
            Notification.message_kind.startswith("activate-"))).all()
    if not rows or None in rows:
        raise RuntimeError(f"{incident}: first wave missing")
    return (max(rows) - t0).total_seconds()


async def _wait(client, run_id, timeout: float = 300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = await client.read_flow_run(run_id)
        if run.state and run.state.is_final():
            return run
        await asyncio.sleep(0.25)
    raise RuntimeError(f"flow run {run_id} not final after {timeout} s")


def _drill(incident: str, level: str = "I", enterprise: str = "qy-ha") -> dict:
    return {"incident": {"enterprise": enterprise, "incident_id": incident}, "level": level, "drill": True,
            "time_scale": 600.0, "people": {"answer_rate": 1.0, "seed": 1, "delay": [15, 60]}}


async def _deployed(client, engine, deployment_id, n: int) -> tuple[float, float, float, float]:
    incident = f"BENCH-DEP-{n:03d}"
    t0 = datetime.now(UTC)
    run = await client.create_flow_run_from_deployment(deployment_id, parameters=_drill(incident))
    run = await _wait(client, run.id)
    states = {s.type.value: s.timestamp for s in await client.read_flow_run_states(run.id)}
    first = _first_wave(engine, incident, t0)
    picked = (states["PENDING"] - t0).total_seconds()
    started = (states["RUNNING"] - states["PENDING"]).total_seconds()
    return first, picked, started, first - picked - started


async def _in_process(engine, n: int) -> float:
    from flows.respond import respond

    incident = f"BENCH-INP-{n:03d}"
    t0 = datetime.now(UTC)
    params = _drill(incident)
    state = await respond("hazmat-leak", return_state=True, **params)
    if not state.is_completed():
        raise RuntimeError(f"in-process run ended {state.type.value}: {state.message}")
    return _first_wave(engine, incident, t0)


async def _batch(client, engine, deployments: dict, size: int) -> tuple[float, int, int]:
    from tasks.response.run_claim import recorded_result

    t0 = time.monotonic()
    runs = []
    for n in range(size):
        playbook, level, enterprise = PLAYBOOKS[n % len(PLAYBOOKS)]
        params = _drill(f"BENCH-B{size}-{n:03d}", level, enterprise)
        runs.append(await client.create_flow_run_from_deployment(deployments[playbook], parameters=params))
    finals = [await _wait(client, r.id, timeout=900) for r in runs]
    wall = time.monotonic() - t0
    done = [r for r in finals if r.state.is_completed()]
    duplicates = sum((recorded_result(engine, str(r.id)).drill_gateway.duplicates for r in done), 0)
    return wall, len(done), duplicates


async def _bench(c) -> dict:
    from prefect.client.orchestration import get_client
    from sqlalchemy import create_engine

    engine = create_engine(c.env["PARKLINK_DATABASE_URL"])
    deployed, inproc = [], []
    async with get_client() as client:
        deployments = {d.name: d.id for d in await client.read_deployments()}
        await _deployed(client, engine, deployments["hazmat-leak"], 0)  # warm-up: both workers' first processes
        await _in_process(engine, 0)
        for n in range(1, RUNS + 1):
            deployed.append(await _deployed(client, engine, deployments["hazmat-leak"], n))
            inproc.append(await _in_process(engine, n))
        batches = {size: await _batch(client, engine, deployments, size) for size in BATCHES}
    return {"deployed": deployed, "inproc": inproc, "batches": batches}


def main() -> int:
    from bench.cluster import cluster

    base = os.environ.get("PARKLINK_BENCH_DATABASE_URL") or os.environ.get("PARKLINK_TEST_DATABASE_URL")
    if not base:
        print("deploy benchmark skipped: set PARKLINK_BENCH_DATABASE_URL (a PostgreSQL server)")
        return 0
    root = Path(tempfile.mkdtemp(prefix="parklink-bench-deploy-"))
    worker_env = {"PREFECT_WORKER_QUERY_SECONDS": "1"}
    with cluster(root, base, port=_port(), prefix="plk_bench_deploy", deploy_limit=8) as c:
        for name in ("b1", "b2"):
            c.start_worker(name, limit=4, env=worker_env)
        os.environ.update({k: v for k, v in c.env.items() if k.startswith(("PREFECT_", "PARKLINK_"))})
        os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
        r = asyncio.run(_bench(c))
    med = lambda i: statistics.median(x[i] for x in r["deployed"])  # noqa: E731
    inproc = statistics.median(r["inproc"])
    print(f"\n== launch through a deployment (level I hazmat-leak drill, 32 first-wave notifications; median of "
          f"{RUNS}; 2 workers, poll 1 s) ==")
    print(f"first wave delivered, deployment   {med(0):7.2f} s   (runs: "
          f"{', '.join(f'{x[0]:.2f}' for x in r['deployed'])})")
    print(f"first wave delivered, in-process   {inproc:7.2f} s   ratio {med(0) / inproc:.1f}")
    print(f"  submitted → picked by a worker   {med(1):7.2f} s")
    print(f"  picked → flow running (process)  {med(2):7.2f} s")
    print(f"  running → first wave delivered   {med(3):7.2f} s")
    for size, (wall, done, dup) in r["batches"].items():
        print(f"{size:3d} drills at once: {done}/{size} completed in {wall:.1f} s, {dup} duplicates")
    print(f"(logs under {root})")
    ok = med(0) <= 3.0
    print("target ≤ 3 s:", "met" if ok else "missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
