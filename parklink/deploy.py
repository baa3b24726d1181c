"""`parklink deploy`: the process work pool, one deployment per entry of `prefect.yaml`, the zombie automation.

Done through Prefect's Python client rather than `prefect deploy --all`: every deployment gets its version
(`<git short sha>-<playbook set hash prefix>`) and its job variables from code, nothing prompts, and the
result is typed (the table, `--json`). The pull steps are stored as written, templates unresolved, as
`prefect deploy` stores them, and resolved by the worker when a run starts:

    --source local   prefect.yaml's `set_working_directory` to `{{ prefect.variables.parklink_repo }}`; this
                     command sets that Prefect Variable to the checkout it runs from
    --source git     a `git_clone` of `--repo-url` (`--branch`); the clone is the run's working directory

Idempotent: the pool, the variable, each deployment and the automation are compared with what is wanted and
written only when they differ (`created`, `updated`, `unchanged`).

    InputError (exit 2)   a bad option; prefect.yaml unreadable; the pool exists with another type
    ParkLinkError         the Prefect API refused a step or went away (run it again: each step is idempotent)
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
import yaml

from models.errors import InputError, ParkLinkError
from models.settings import REPO_ROOT
from parklink import zombie
from parklink.deploy_schedules import CronSpec, cron_spec, crons, intervals, schedules
from parklink.versions import deploy_version, git_commit, playbook_set_hash

POOL = "parklink"
DEFAULT_LIMIT = 4
REPO_VARIABLE = "parklink_repo"
HEARTBEAT_ENV = {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(zombie.HEARTBEAT_S)}
Source = Literal["local", "git"]


@dataclass(frozen=True)
class DeployOptions:
    pool: str = POOL
    limit: int = DEFAULT_LIMIT
    source: Source = "local"
    repo_url: str | None = None
    branch: str | None = None
    zombie_after_s: int = zombie.ZOMBIE_AFTER_S
    schedules_active: bool = True  # False: the standing mechanisms' schedules registered paused (test clusters)

    def check(self) -> DeployOptions:
        if self.limit < 1:
            raise InputError(f"--limit {self.limit}: a pool runs at least 1 flow run at a time", exit_code=2)
        if self.zombie_after_s < 2 * zombie.HEARTBEAT_S:
            raise InputError(f"--zombie-after {self.zombie_after_s}: at least {2 * zombie.HEARTBEAT_S} s (two "
                             f"heartbeats of {zombie.HEARTBEAT_S} s), or live runs are crashed", exit_code=2)
        if self.source == "git" and not self.repo_url:
            raise InputError("--source git needs --repo-url URL (and --branch B for another than the default)",
                             exit_code=2)
        if self.source == "local" and (self.repo_url or self.branch):
            raise InputError("--repo-url and --branch go with --source git", exit_code=2)
        return self


@dataclass(frozen=True)
class DeploymentSpec:
    """One entry of prefect.yaml's `deployments`, anchors and `<<` merges applied."""

    name: str
    entrypoint: str
    pool: str
    description: str | None
    parameters: dict
    tags: list[str]
    job_variables: dict
    pull: list[dict]
    intervals_s: tuple[float, ...] = ()  # `schedules: [{interval: S}]`: the watchdog every S seconds
    concurrency_limit: int | None = None
    crons: tuple[CronSpec, ...] = ()


@dataclass
class Applied:
    deployment: str
    version: str
    pool: str
    status: str
    id: str = ""


@dataclass
class DeployResult:
    api_url: str
    pool: str
    limit: int
    pool_status: str
    source: str
    location: str
    version: str
    deployments: list[Applied] = field(default_factory=list)
    automation: str = zombie.NAME
    automation_status: str = ""
    zombie_after_s: int = zombie.ZOMBIE_AFTER_S
    missing: list[str] = field(default_factory=list)  # playbooks without a deployment in prefect.yaml

    def as_dict(self) -> dict:
        return asdict(self)


def find_spec_file() -> Path:
    """prefect.yaml of the working directory, else of the checkout ParkLink runs from."""
    for candidate in (Path.cwd() / "prefect.yaml", REPO_ROOT / "prefect.yaml"):
        if candidate.is_file():
            return candidate.resolve()
    raise InputError("no prefect.yaml in the working directory nor in the ParkLink checkout; run `parklink "
                     "deploy` from the repository root", exit_code=2)


def load_specs(path: Path) -> list[DeploymentSpec]:
    """The deployments of a prefect.yaml (each one's `pull`, else the file's)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        top_pull = data.get("pull") or []
        specs = [DeploymentSpec(
            name=d["name"], entrypoint=d["entrypoint"], pool=(d.get("work_pool") or {}).get("name") or POOL,
            description=d.get("description"), parameters=dict(d.get("parameters") or {}),
            tags=list(d.get("tags") or []), job_variables=dict((d.get("work_pool") or {}).get("job_variables") or {}),
            pull=list(d.get("pull", top_pull) or []),
            intervals_s=tuple(float(x["interval"]) for x in d.get("schedules") or [] if "interval" in x),
            crons=tuple(cron_spec(x) for x in d.get("schedules") or [] if "interval" not in x),
            concurrency_limit=d.get("concurrency_limit"),
        ) for d in data.get("deployments") or []]
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{path}: not a prefect.yaml with deployments ({exc.__class__.__name__}: {exc})".replace(
            "\n", " "), exit_code=2) from None
    if not specs:
        raise InputError(f"{path}: lists no deployments", exit_code=2)
    return specs


def pull_steps(spec: DeploymentSpec, options: DeployOptions) -> list[dict]:
    if options.source == "local":
        return spec.pull
    clone: dict[str, Any] = {"repository": options.repo_url}
    if options.branch:
        clone["branch"] = options.branch
    return [{"prefect.deployments.steps.git_clone": clone}]


def job_variables(spec: DeploymentSpec) -> dict:
    env = {**dict(spec.job_variables.get("env") or {}), **HEARTBEAT_ENV}
    return {**spec.job_variables, "env": env}


def load_flow(entrypoint: str, root: Path) -> Any:
    """The flow object of `path/to/module.py:name`, imported as a module of the checkout."""
    path, _, name = entrypoint.partition(":")
    module_path = (root / path).resolve()
    try:
        dotted = ".".join(module_path.relative_to(REPO_ROOT).with_suffix("").parts)
        return getattr(importlib.import_module(dotted), name)
    except (ValueError, ImportError, AttributeError) as exc:
        raise InputError(f"entrypoint {entrypoint}: cannot load the flow ({exc})", exit_code=2) from None


def ensure_pool(client: Any, *, name: str, limit: int) -> str:
    from prefect.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    try:
        pool = client.read_work_pool(name)
    except ObjectNotFound:
        client.create_work_pool(WorkPoolCreate(name=name, type="process", concurrency_limit=limit,
                                               base_job_template=ProcessWorker.get_default_base_job_template()))
        return "created"
    if pool.type != "process":
        raise InputError(f"work pool `{name}` is of type {pool.type}; ParkLink needs a process pool (choose "
                         "another --pool or delete that one)", exit_code=2)
    if pool.concurrency_limit == limit:
        return "unchanged"
    client.update_work_pool(name, WorkPoolUpdate(concurrency_limit=limit))
    return "updated"


def ensure_variable(client: Any, *, name: str, value: str) -> str:
    from prefect.client.schemas.actions import VariableCreate, VariableUpdate

    current = client.read_variable_by_name(name)
    if current is None:
        client.create_variable(VariableCreate(name=name, value=value))
        return "created"
    if current.value == value:
        return "unchanged"
    client.update_variable(VariableUpdate(name=name, value=value))
    return "updated"


def apply_deployment(client: Any, *, flow: Any, spec: DeploymentSpec, pool: str, version: str,
                     pull: list[dict], active: bool = True) -> Applied:
    from prefect.exceptions import ObjectNotFound
    from prefect.utilities.callables import parameter_schema

    wanted = {
        "version": version, "description": spec.description, "parameters": spec.parameters, "tags": spec.tags,
        "work_pool_name": pool, "entrypoint": spec.entrypoint, "pull_steps": pull,
        "job_variables": job_variables(spec), "enforce_parameter_schema": True,
        "parameter_openapi_schema": parameter_schema(flow).model_dump(exclude_unset=True),
    }
    try:
        current = client.read_deployment_by_name(f"{flow.name}/{spec.name}")
    except ObjectNotFound:
        current = None
    if (current is not None and all(_same(getattr(current, k), v) for k, v in wanted.items())
            and intervals(current) == spec.intervals_s and crons(current) == set(spec.crons)
            and _limit(current) == spec.concurrency_limit
            and all(sch.active == active for sch in current.schedules or [])):
        return Applied(spec.name, version, pool, "unchanged", str(current.id))
    flow_id = client.create_flow_from_name(flow.name)
    deployment_id = client.create_deployment(flow_id=flow_id, name=spec.name, schedules=schedules(spec.intervals_s, spec.crons, active),
                                             concurrency_limit=spec.concurrency_limit, **wanted)
    return Applied(spec.name, version, pool, "created" if current is None else "updated", str(deployment_id))


def _limit(current: Any) -> int | None:
    """The deployment's concurrency limit (Prefect 3 answers it as a global concurrency limit object)."""
    return current.global_concurrency_limit.limit if current.global_concurrency_limit else None


def _same(a: Any, b: Any) -> bool:
    return zombie.signature(a) == zombie.signature(b)


def deploy(options: DeployOptions, *, api_url: str, playbook_hashes: Mapping[str, str]) -> DeployResult:
    """Apply prefect.yaml to the server this process's Prefect client talks to."""
    from prefect.exceptions import PrefectHTTPStatusError

    options.check()
    spec_file = find_spec_file()
    root = spec_file.parent
    specs = load_specs(spec_file)
    version = deploy_version(git_commit(root), playbook_set_hash(playbook_hashes))
    location = str(root) if options.source == "local" else f"{options.repo_url}@{options.branch or 'default'}"
    covered = {s.parameters.get("playbook") for s in specs}
    result = DeployResult(api_url=api_url, pool=options.pool, limit=options.limit, pool_status="",
                          source=options.source, location=location, version=version,
                          zombie_after_s=options.zombie_after_s,
                          missing=sorted(p for p in playbook_hashes if p not in covered))
    flows = {s.entrypoint: load_flow(s.entrypoint, root) for s in specs}
    try:
        _apply(result, options, specs, flows, root)
    except (PrefectHTTPStatusError, httpx.HTTPError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise ParkLinkError(f"the Prefect API at {api_url} refused or lost the deployment ({detail}); "
                            "nothing after that step was applied — run `parklink deploy` again") from None
    return result


def _apply(result: DeployResult, options: DeployOptions, specs: list[DeploymentSpec], flows: dict,
           root: Path) -> None:
    from prefect.client.orchestration import get_client

    version = result.version
    with get_client(sync_client=True) as client:
        result.pool_status = ensure_pool(client, name=options.pool, limit=options.limit)
        if options.source == "local":
            ensure_variable(client, name=REPO_VARIABLE, value=str(root))
        for spec in specs:
            result.deployments.append(apply_deployment(
                client, flow=flows[spec.entrypoint], spec=spec, pool=options.pool, version=version,
                pull=pull_steps(spec, options), active=options.schedules_active))
        result.automation_status = zombie.ensure_automation(
            client, within_s=options.zombie_after_s,
            deployment_ids=sorted(a.id for a in result.deployments))
