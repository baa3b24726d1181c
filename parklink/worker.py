"""`parklink worker`: a Prefect process worker on ParkLink's pool, with the environment ParkLink's runs need.

Before it starts, each thing a worker machine needs is checked and said in one line: the shared Prefect
server (`PREFECT_API_URL`, refused when unset or silent), the heartbeat interval, the shared database
(`PARKLINK_DATABASE_URL`: SQLite is this machine's alone), the acknowledgement service every message links to
(`PARKLINK_ACK_BASE_URL`, `PARKLINK_ACK_SECRET` or its Secret block), the work pool. Then the process becomes
`prefect worker start --pool … --type process --limit N` (exec: signals reach the worker itself), with
`PREFECT_WORKER_QUERY_SECONDS` (2) and `PREFECT_FLOWS_HEARTBEAT_FREQUENCY` (30) unless set, analytics off.

    WorkerRefused (exit 2)   a check that fails: one line each
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from models.errors import ParkLinkError
from models.i18n import tr
from models.settings import Settings
from parklink import zombie
from parklink.engine import healthy

QUERY_SECONDS = "2"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


@dataclass(frozen=True)
class Check:
    level: Literal["ok", "warning", "error"]
    text: str


class WorkerRefused(ParkLinkError):
    exit_code = 2

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))

    def lines(self) -> list[str]:
        return list(self.errors)


def _api(environ: Mapping[str, str], lang: str) -> Check:
    api = environ.get("PREFECT_API_URL", "").strip()
    if not api:
        return Check("error", tr(lang, "PREFECT_API_URL is not set: a worker takes its runs from the shared "
                                       "Prefect server; export PREFECT_API_URL=http://<server>:4200/api"))
    if not healthy(api):
        return Check("error", tr(lang, "the Prefect API at {url} does not answer; start the server or fix "
                                       "PREFECT_API_URL", url=api))
    return Check("ok", tr(lang, "Prefect API {url} answers", url=api))


def _heartbeat(environ: Mapping[str, str], lang: str) -> Check:
    value = environ.get("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", str(zombie.HEARTBEAT_S)).strip()
    if not value.isdigit() or int(value) < zombie.HEARTBEAT_S:
        return Check("error", tr(lang, "PREFECT_FLOWS_HEARTBEAT_FREQUENCY={value}: Prefect needs a whole number "
                                       "of at least {min} seconds", value=value, min=zombie.HEARTBEAT_S))
    if int(value) * 2 > zombie.ZOMBIE_AFTER_S:
        return Check("warning", tr(lang, "PREFECT_FLOWS_HEARTBEAT_FREQUENCY={value}: runs that beat this seldom "
                                         "are crashed by parklink-zombie-runs unless `parklink deploy "
                                         "--zombie-after` is at least twice as long", value=value))
    return Check("ok", tr(lang, "flow runs send a heartbeat every {s} s", s=value))


def _database(settings: Settings, lang: str) -> Check:
    url = settings.database_url
    if not url:
        return Check("warning", tr(lang, "PARKLINK_DATABASE_URL is not set: runs here would write to this "
                                         "machine's SQLite file, which other machines cannot share"))
    if url.startswith("sqlite"):
        return Check("warning", tr(lang, "PARKLINK_DATABASE_URL is SQLite: other machines cannot share it; "
                                         "point every machine at the same PostgreSQL"))
    parts = urlsplit(url)
    shown = f"{parts.scheme}://{parts.hostname}:{parts.port or ''}{parts.path}"  # no password
    return Check("ok", tr(lang, "database {url}", url=shown))


def _ack(settings: Settings, lang: str, api_ok: bool) -> Check:
    from tasks.secret_blocks import with_block_secrets

    if api_ok:
        try:
            settings = with_block_secrets(settings)
        except ParkLinkError as exc:
            return Check("error", str(exc))
    if not settings.ack_base_url or settings.ack_secret is None:
        return Check("warning", tr(lang, "PARKLINK_ACK_BASE_URL or PARKLINK_ACK_SECRET (or PARKLINK_ACK_SECRET_BLOCK)"
                                         " is missing: live runs will be refused here; drills still work"))
    if (urlsplit(settings.ack_base_url).hostname or "") in LOOPBACK:
        return Check("warning", tr(lang, "PARKLINK_ACK_BASE_URL={url} is this machine: liaisons cannot open "
                                         "its links; use the park's public URL of `parklink serve`",
                                   url=settings.ack_base_url))
    return Check("ok", tr(lang, "acknowledgement links point at {url}", url=settings.ack_base_url))


def _pool(pool: str, lang: str) -> Check:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    try:
        with get_client(sync_client=True) as client:
            found = client.read_work_pool(pool)
    except ObjectNotFound:
        return Check("warning", tr(lang, "work pool {pool} does not exist yet: run `parklink deploy` first",
                                   pool=pool))
    limit = found.concurrency_limit if found.concurrency_limit is not None else "∞"
    return Check("ok", tr(lang, "work pool {pool} (process, at most {limit} runs at a time)", pool=pool,
                          limit=limit))


def checks(settings: Settings, *, pool: str, environ: Mapping[str, str] | None = None) -> list[Check]:
    """Every check of a worker machine, in the order they are shown."""
    environ = os.environ if environ is None else environ
    lang = settings.lang
    api = _api(environ, lang)
    out = [api, _heartbeat(environ, lang), _database(settings, lang), _ack(settings, lang, api.level == "ok")]
    if api.level == "ok":
        out.append(_pool(pool, lang))
    return out


def worker_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if environ is None else environ)
    env.setdefault("PREFECT_WORKER_QUERY_SECONDS", QUERY_SECONDS)
    env.setdefault("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", str(zombie.HEARTBEAT_S))
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    return env


def worker_command(*, pool: str, limit: int, name: str | None) -> list[str]:
    command = [sys.executable, "-m", "prefect", "worker", "start", "--pool", pool, "--type", "process",
               "--limit", str(limit)]
    return command + (["--name", name] if name else [])


def start(*, pool: str, limit: int, name: str | None, watch_s: float = 0.0) -> int:
    """Run the Prefect worker: Ctrl-C or SIGTERM stop it as they stop `prefect worker`. With `watch_s`, as a
    child process beside the watchdog (parklink/watch.py), returning its exit code; without, become it (exec)."""
    command = worker_command(pool=pool, limit=limit, name=name)
    sys.stdout.flush()
    sys.stderr.flush()
    for signum in (signal.SIGINT, signal.SIGTERM):  # an ignored signal stays ignored across exec (a shell's `&`)
        signal.signal(signum, signal.SIG_DFL)
    if watch_s > 0:
        from parklink.watch import run_beside

        return run_beside(command, worker_env(), watch_s)
    os.execve(command[0], command, worker_env())
