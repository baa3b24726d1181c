"""The engine on one machine: a local Prefect server that ParkLink starts, stops and finds.

Prefect's ephemeral mode starts a server per process (8–24 s), has no UI and loses task-run history when
the process exits. So without `PREFECT_API_URL`, ParkLink runs `prefect server start` in the background on
127.0.0.1 with its home under `PARKLINK_HOME/prefect` (analytics off), and points the process at it.
A configured `PREFECT_API_URL` is used as is.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from models.errors import ParkLinkError
from models.settings import Settings

START_TIMEOUT_S = 90


@dataclass
class EngineStatus:
    url: str
    running: bool
    managed: bool
    pid: int | None
    ui_url: str
    log: str | None

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _dir(settings: Settings) -> Path:
    return (settings.home / "prefect").resolve()


def _pid_file(settings: Settings) -> Path:
    return _dir(settings) / "server.pid"


def local_api_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.engine_port}/api"


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    try:
        return httpx.get(f"{api_url.rstrip('/')}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def _read_pid(settings: Settings) -> int | None:
    try:
        pid = int(_pid_file(settings).read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    return pid


def status(settings: Settings) -> EngineStatus:
    configured = os.environ.get("PREFECT_API_URL")
    url = configured or local_api_url(settings)
    pid = None if configured else _read_pid(settings)
    return EngineStatus(url=url, running=healthy(url), managed=not configured, pid=pid,
                        ui_url=url.removesuffix("/api"), log=None if configured else str(_dir(settings) / "server.log"))


def server_env(settings: Settings) -> dict[str, str]:
    home = _dir(settings)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(settings.engine_port),
        "PREFECT_API_DATABASE_CONNECTION_URL": settings.engine_database_url
        or f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        "PREFECT_UI_API_URL": local_api_url(settings),
    })
    return env


def start(settings: Settings) -> EngineStatus:
    """Start the local server unless one answers already; wait until it is healthy."""
    current = status(settings)
    if not current.managed:
        raise ParkLinkError(f"PREFECT_API_URL is set ({current.url}); that server is not ParkLink's to start")
    if current.running:
        return current
    home = _dir(settings)
    home.mkdir(parents=True, exist_ok=True)
    log = open(home / "server.log", "ab")  # noqa: SIM115 — handed to the child process
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port",
         str(settings.engine_port), "--analytics-off"],
        env=server_env(settings), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True, cwd=home,
    )
    _pid_file(settings).write_text(str(proc.pid))
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ParkLinkError(f"the Prefect server exited with code {proc.returncode}; see {home / 'server.log'}")
        if healthy(local_api_url(settings), timeout=1.0):
            return status(settings)
        time.sleep(0.5)
    raise ParkLinkError(f"the Prefect server did not answer within {START_TIMEOUT_S} s; see {home / 'server.log'}")


def stop(settings: Settings) -> bool:
    """Stop the server ParkLink started; True when one was running."""
    pid = _read_pid(settings)
    if pid is None:
        return False
    os.killpg(pid, signal.SIGTERM)
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.1)
    else:
        os.killpg(pid, signal.SIGKILL)
    _pid_file(settings).unlink(missing_ok=True)
    return True


def ensure(settings: Settings) -> EngineStatus:
    """Make this process talk to a running server: the configured one, or ParkLink's own (started if need be)."""
    current = status(settings)
    if not current.managed:
        if not current.running:
            raise ParkLinkError(f"the Prefect API at {current.url} does not answer; start it or unset PREFECT_API_URL")
        return current
    current = start(settings)
    os.environ["PREFECT_API_URL"] = current.url
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    _point_prefect_at(current.url)
    return current


_pointed: set[str] = set()  # the URLs this process pointed Prefect's settings at


def _point_prefect_at(url: str) -> None:
    """Prefect read its settings when it was first imported, before the engine's URL was known: without this its
    client would start a temporary server of its own (seconds on every command, its runs in another database
    than the UI's). Its global settings are read again from the environment — only when no API is set yet or the
    one set is ours: a server someone configured (or a test harness) is left alone."""
    if "prefect" not in sys.modules:
        return  # imported later, it reads the environment set above
    from prefect.context import refresh_global_settings_context
    from prefect.settings import get_current_settings

    configured = get_current_settings().api.url
    if configured is None or configured in _pointed:
        _pointed.add(url)
        refresh_global_settings_context()
