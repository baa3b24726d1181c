"""`parklink deploy` and `parklink worker`: ParkLink on many machines (parklink/deploy.py, parklink/worker.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from models.errors import InputError
from models.i18n import N_, tr, trc
from parklink import deploy as deploying
from parklink import engine, worker, zombie
from parklink.app import console, err_console, print_json, print_table, state
from parklink.watch import WATCH_S

STATUS = {"created": N_("created"), "updated": N_("updated"), "unchanged": N_("unchanged")}
PoolOpt = Annotated[str, typer.Option("--pool", help="the process work pool")]


def deploy(
    pool: PoolOpt = deploying.POOL,
    limit: Annotated[int, typer.Option("--limit", help="flow runs of the pool at a time")] = deploying.DEFAULT_LIMIT,
    source: Annotated[str, typer.Option("--source", help="local (this checkout) or git")] = "local",
    repo_url: Annotated[str | None, typer.Option("--repo-url", help="with --source git: the repository")] = None,
    branch: Annotated[str | None, typer.Option("--branch", help="with --source git: the branch")] = None,
    zombie_after: Annotated[int, typer.Option("--zombie-after", help="seconds without a heartbeat before a run "
                                              "is crashed")] = zombie.ZOMBIE_AFTER_S,
    pause_schedules: Annotated[bool, typer.Option("--pause-schedules", help="register the schedules paused (a test "
                                                  "or staging server: no live check fires by itself)")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Create or update the work pool, every deployment of prefect.yaml and the zombie-run automation."""
    if source not in ("local", "git"):
        raise InputError(f"--source {source}: choose local or git", exit_code=2)
    options = deploying.DeployOptions(pool=pool, limit=limit, source=source, repo_url=repo_url, branch=branch,
                                      zombie_after_s=zombie_after, schedules_active=not pause_schedules).check()
    from tasks.response.runtime import library

    settings = state.settings
    api_url = engine.ensure(settings).url
    _ = state.engine  # the database answers (one line if not): the playbooks are checked against its directory
    playbooks = library(settings)
    hashes = {p: playbooks.playbook_hash(p) for p in playbooks.ids()}
    result = deploying.deploy(options, api_url=api_url, playbook_hashes=hashes)
    if json_out:
        return print_json(result.as_dict())
    lang = state.lang
    columns = [trc(lang, "column", "deployment"), trc(lang, "column", "version"), trc(lang, "column", "pool"),
               trc(lang, "column", "status")]
    print_table(tr(lang, "Deployments on {url}", url=result.api_url), columns,
                [[a.deployment, a.version, a.pool, tr(lang, STATUS[a.status])] for a in result.deployments])
    for playbook in result.missing:
        err_console.print(tr(lang, "Warning: playbook {id} has no deployment in prefect.yaml", id=playbook),
                          markup=False, highlight=False, soft_wrap=True)
    changed = sum(a.status != "unchanged" for a in result.deployments)
    console.print(tr(lang, "{n} deployments ({changed} changed) on pool {pool} (limit {limit}, {pool_status}); "
                           "automation {automation}: crash after {s} s without a heartbeat ({automation_status})",
                     n=len(result.deployments), changed=changed, pool=result.pool, limit=result.limit,
                     pool_status=tr(lang, STATUS[result.pool_status]), automation=result.automation, s=result.zombie_after_s,
                     automation_status=tr(lang, STATUS[result.automation_status])), highlight=False, soft_wrap=True)


def worker_command(
    pool: PoolOpt = deploying.POOL,
    limit: Annotated[int, typer.Option("--limit", help="flow runs of this worker at a time")] = deploying.DEFAULT_LIMIT,
    name: Annotated[str | None, typer.Option("--name", help="the worker's name (default: Prefect's)")] = None,
    check: Annotated[bool, typer.Option("--check", help="only check this machine's environment")] = False,
    watch_every: Annotated[float, typer.Option("--watch-every", help="seconds between the watchdog's looks for "
                                                                     "lost runs (0: no watchdog here)", min=0)]
    = WATCH_S,
) -> None:
    """Start a Prefect process worker on ParkLink's pool, after checking what this machine needs."""
    if limit < 1:
        raise InputError(f"--limit {limit}: a worker runs at least 1 flow run at a time", exit_code=2)
    lang = state.lang
    found = worker.checks(state.settings, pool=pool)
    for item in found:
        if item.level == "ok":
            console.print(tr(lang, "ok: {text}", text=item.text), markup=False, highlight=False, soft_wrap=True)
        elif item.level == "warning":
            err_console.print(tr(lang, "Warning: {text}", text=item.text), markup=False, highlight=False, soft_wrap=True)
    errors = [item.text for item in found if item.level == "error"]
    if errors:
        raise worker.WorkerRefused(errors)
    if check:
        return
    console.print(tr(lang, "starting: {command}", command=" ".join(worker.worker_command(
        pool=pool, limit=limit, name=name))), markup=False, highlight=False, soft_wrap=True)
    code = worker.start(pool=pool, limit=limit, name=name, watch_s=watch_every)
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("deploy")(deploy)
    app.command("worker")(worker_command)
