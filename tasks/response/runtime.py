"""What every phase of a run shares: the run's identity, settings, the database, unit names, notice rendering."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import httpx
from sqlalchemy import Engine

from models.db import create_schema, get_engine, session_scope
from models.errors import ParkLinkError
from models.park_store import get_park, playbook_catalog
from models.park_store import unit_names as store_unit_names
from models.playbook import Catalog, PlaybookSet, load_playbooks
from models.settings import Settings, get_settings
from models.templating import sandbox, template_path
from tasks.response.run import Run
from tasks.secret_blocks import with_block_secrets

__all__ = ["Run", "catalog", "close_http_client", "db", "drill_of", "http_client", "library", "render_file",
           "run_settings", "settings_for", "settings_of", "unit_names"]


def run_settings(lang: str = "zh-CN", time_scale: float = 1.0) -> Settings:
    """Settings of a run: the environment as it is now, with the run's language and time scale, and each secret
    named by a `PARKLINK_<NAME>_BLOCK` read from its Prefect Secret block (tasks/secret_blocks.py)."""
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("PARKLINK_")))
    return with_block_secrets(_settings(env, lang, time_scale))


@lru_cache(maxsize=16)
def _settings(env: tuple, lang: str, time_scale: float) -> Settings:
    return get_settings(lang=lang, time_scale=time_scale)


# incident id → what its drill environment overrides (gateway, ack service, drill-only keys), in the process of the
# drill's flow run, where its tasks run. Set by `drill_of` for the run's lifetime.
_drills: dict[str, dict] = {}


@contextmanager
def drill_of(incident_id: str, overrides: dict) -> Iterator[None]:
    """While the block runs, the incident's tasks send through this drill environment."""
    _drills[incident_id] = overrides
    try:
        yield
    finally:
        if _drills.get(incident_id) is overrides:
            del _drills[incident_id]


def settings_for(run: Run) -> Settings:
    """The settings a task of `run` sends with. A drill: its own drill environment's, never a configured channel
    endpoint (no environment → ParkLinkError, nothing sent). A live run: the machine's, never a drill gateway."""
    return settings_of(run.incident_id, lang=run.lang, time_scale=run.time_scale, drill=run.drill)


def settings_of(context_id: str, *, lang: str, time_scale: float, drill: bool) -> Settings:
    """`settings_for` of any run that sends: an incident's, a warning's (by its id)."""
    settings = run_settings(lang, time_scale)
    if not drill:
        return settings.model_copy(update={"drill_base_url": None}) if settings.drill_base_url else settings
    overrides = _drills.get(context_id)
    if overrides is None or not overrides.get("drill_base_url"):
        raise ParkLinkError(f"drill {context_id}: no drill gateway in this process (a drill's tasks run in "
                            "its flow run's process); nothing was sent")
    return settings.model_copy(update=overrides)


_clients: dict[int, httpx.AsyncClient] = {}


def http_client(settings: Settings) -> httpx.AsyncClient:
    """One AsyncClient per event loop, shared by every group of a run (a client costs an SSL context)."""
    loop = asyncio.get_running_loop()
    client = _clients.get(id(loop))
    if client is None or client.is_closed:
        client = httpx.AsyncClient(timeout=settings.notify_timeout_s, follow_redirects=False,
                                   headers={"User-Agent": "ParkLink/0.1"})
        _clients[id(loop)] = client
    return client


async def close_http_client() -> None:
    client = _clients.pop(id(asyncio.get_running_loop()), None)
    if client is not None:
        await client.aclose()


def db(settings: Settings | None = None) -> Engine:
    settings = settings or run_settings()
    engine = get_engine(settings.db_url)
    _ensure_schema(settings.db_url)
    return engine


@lru_cache(maxsize=8)
def _ensure_schema(url: str) -> None:
    create_schema(get_engine(url))


def unit_names(engine: Engine) -> dict[str, tuple[str, str]]:
    """code → (zh, en) name of every unit in the directory."""
    with session_scope(engine) as session:
        return store_unit_names(session=session)


def park_context(settings: Settings, engine: Engine) -> dict[str, str]:
    """The park as notices and reports name it: the settings' names, else the directory's."""
    with session_scope(engine) as session:
        park = get_park(session=session)
    zh = settings.park_name_zh or park.name_zh
    return {"name_zh": zh, "name_en": settings.park_name_en or park.name_en or zh}


@lru_cache(maxsize=4)
def _templates(templates_dir: Path):
    return sandbox(templates_dir)  # compiled templates are cached, and reloaded when a file changes


def render_file(templates_dir: Path, name: str, lang: str, context: dict) -> str:
    """A template of `templates/` (sandboxed, StrictUndefined), trimmed."""
    path = template_path(templates_dir, name, lang)
    return _templates(Path(templates_dir)).get_template(path.name).render(**context).strip()


def _signature(*folders: Path) -> tuple:
    """What a loaded playbook set depends on: every file's name, size and modification time."""
    out = []
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                st = path.stat()
                out.append((str(path), st.st_size, st.st_mtime_ns))
    return tuple(out)


_catalogs: dict[tuple, Catalog] = {}


@lru_cache(maxsize=4)
def _library(playbooks_dir: Path, templates_dir: Path, signature: tuple) -> PlaybookSet:
    return load_playbooks(playbooks_dir, catalog=_catalogs[signature], templates_dir=templates_dir)


def catalog(settings: Settings) -> Catalog:
    """What playbooks may name: the database's directory and catalogue (the sample park's before `init`)."""
    with session_scope(db(settings)) as session:
        found = playbook_catalog(session=session)
    if not found.units:
        found = Catalog.from_sample_park(settings.data_dir / "sample-park")
    return found.with_templates(settings.templates_dir)


def library(settings: Settings | None = None) -> PlaybookSet:
    """The validated playbooks, checked against the directory in the database; loaded once per process and
    again whenever a playbook or template file or the directory changes (no redeploy)."""
    settings = settings or run_settings()
    refs = catalog(settings)
    signature = (_signature(settings.playbooks_dir, settings.templates_dir),
                 tuple(sorted(refs.units)), tuple(sorted(refs.resource_types)))
    _catalogs.setdefault(signature, refs)
    return _library(Path(settings.playbooks_dir), Path(settings.templates_dir), signature)
