"""A ParkLink cluster on this machine, built as README "Scaling out" says: a Prefect server on PostgreSQL, the
ParkLink database on PostgreSQL, `parklink init`, `parklink deploy`, and `parklink worker`s — each a real process.

    with cluster(tmp_path, pg_url, port=4340) as c:
        c.start_worker("w1", limit=2, env={...})
        c.parklink("respond", "fire", "--drill", "--deployment", "--no-wait", "--json")
        c.kill_worker("w1")          # the worker and the flow-run processes it started, SIGKILL

Used by tests/test_scale_out.py and bench/deploy_latency.py. Every process logs to a file under the root.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
PARKLINK = str(Path(sys.executable).with_name("parklink"))


def fresh_database(base_url: str, name: str) -> str:
    """Drop and create database `name` on the server of `base_url`; its URL (same driver)."""
    url = make_url(base_url).set(query={})
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@dataclass
class Cluster:
    root: Path
    env: dict[str, str]
    server: subprocess.Popen
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return self.env["PREFECT_API_URL"]

    def _log(self, name: str):
        return open(self.root / f"{name}.log", "ab")  # noqa: SIM115 — handed to the child process

    def parklink(self, *args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([PARKLINK, *args], env={**self.env, **(env or {})}, cwd=REPO, capture_output=True,
                              text=True, timeout=timeout, check=False)

    def start_worker(self, name: str, *, limit: int, env: dict | None = None) -> subprocess.Popen:
        proc = subprocess.Popen([PARKLINK, "worker", "--limit", str(limit), "--name", name],
                                env={**self.env, **(env or {})}, cwd=REPO, stdout=self._log(name),
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self.workers[name] = proc
        return proc

    def worker_log(self, name: str) -> str:
        return (self.root / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def stop_worker(self, name: str, sig: int = signal.SIGTERM) -> None:
        proc = self.workers.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def kill_worker(self, name: str, *pids: int) -> None:
        """The machine dies: SIGKILL the worker's process group and the flow-run processes `pids` it started."""
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.stop_worker(name, signal.SIGKILL)

    def close(self) -> None:
        for name in list(self.workers):
            self.stop_worker(name)
        if self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)


def _wait_healthy(api_url: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Prefect server exited ({proc.returncode}): {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the Prefect server did not answer in {timeout} s: {log.read_text()[-2000:]}")


@contextmanager
def cluster(root: Path, pg_base_url: str, *, port: int, prefix: str = "plk_cluster", deploy_limit: int = 4,
            env: dict | None = None) -> Iterator[Cluster]:
    """A Prefect server on PostgreSQL at `port`, ParkLink's database initialised, `parklink deploy` done."""
    root.mkdir(parents=True, exist_ok=True)
    prefect_db = fresh_database(pg_base_url, f"{prefix}_prefect").replace("+psycopg", "+asyncpg")
    parklink_db = fresh_database(pg_base_url, f"{prefix}_parklink")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PARKLINK_"))}
    api_url = f"http://127.0.0.1:{port}/api"
    common = {**base, "PREFECT_API_URL": api_url, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
              "PREFECT_HOME": str(root / "prefect-client"), "PARKLINK_HOME": str(root / "home"),
              "PARKLINK_DATABASE_URL": parklink_db, "PREFECT_LOGGING_LEVEL": "INFO", **(env or {})}
    server_env = {**common, "PREFECT_HOME": str(root / "prefect-server"),
                  "PREFECT_API_DATABASE_CONNECTION_URL": prefect_db, "PREFECT_SERVER_API_HOST": "127.0.0.1",
                  "PREFECT_SERVER_API_PORT": str(port)}
    log = root / "server.log"
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port",
                               str(port), "--analytics-off"], env=server_env, cwd=root,
                              stdout=open(log, "ab"), stderr=subprocess.STDOUT,  # noqa: SIM115
                              stdin=subprocess.DEVNULL, start_new_session=True)
    c = Cluster(root=root, env=common, server=server)
    try:
        _wait_healthy(api_url, server, log)
        for args in (("init",), ("deploy", "--limit", str(deploy_limit), "--pause-schedules", "--json")):
            done = c.parklink(*args)
            if done.returncode != 0:
                raise RuntimeError(f"parklink {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}")
        yield c
    finally:
        c.close()
