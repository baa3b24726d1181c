"""`parklink worker`'s second job: the watchdog, every few seconds, beside the Prefect worker it starts.

    run_beside(command, env, every_s)   start the Prefect worker as a child process and, while it runs, look
                                        for lost runs every `every_s` seconds; signals go on to the child; the
                                        child's exit code is returned

Why here and not a scheduled deployment: every worker machine watches, so the watchdog is not lost with one
machine, and it never waits for a free worker slot or for a deployment's concurrency slot — which the dead run
of a killed worker may hold until Prefect crashes it. A tick that finds no stale run lease costs one database
query and is no flow run; one that finds some runs the `watchdog` flow (flows/watchdog.py, in Prefect's
history). Two watchdogs that find the same lost run submit the same flow run (its idempotency key names the
lost one) and record the resume once, under the incident row's lock.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping

from models.db import get_engine, session_scope
from models.run_store import stale_runs
from models.settings import get_settings
from models.types import utcnow

WATCH_S = 15.0


def lost_runs_waiting() -> bool:
    settings = get_settings()
    with session_scope(get_engine(settings.db_url)) as session:
        return bool(stale_runs(session=session, now=utcnow(), stale_after_s=settings.run_stale_s))


def tick() -> None:
    """One look; the watchdog flow only when a run lease went silent."""
    if not lost_runs_waiting():
        return
    from flows.watchdog import watchdog

    state = asyncio.run(watchdog(return_state=True))
    if not state.is_completed():
        print(f"Warning: the watchdog ended {state.type.value}: {state.message}", file=sys.stderr, flush=True)


def run_beside(command: list[str], env: Mapping[str, str], every_s: float) -> int:
    child = subprocess.Popen(command, env=dict(env))
    stop = threading.Event()

    def forward(signum, _frame) -> None:
        stop.set()
        if child.poll() is None:
            child.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    while child.poll() is None and not stop.is_set():
        try:
            tick()
        except Exception as exc:  # noqa: BLE001 — the database or the API away for a moment: the next tick retries
            print(f"Warning: watchdog tick: {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
                  file=sys.stderr, flush=True)
        stop.wait(every_s)
    return child.wait()
