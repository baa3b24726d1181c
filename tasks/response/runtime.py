"""What every phase of a run shares: the run's identity, settings, the database, unit names, notice rendering."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine
from sqlmodel import select

from models.db import create_schema, get_engine, session_scope
from models.directory import Unit
from models.settings import Settings, get_settings
from models.templating import sandbox, template_path


class Run(BaseModel):
    """The identity of one response run, passed to every task (small: tasks re-read what they need)."""

    model_config = ConfigDict(frozen=True)

    incident_id: str
    playbook: str
    level: str
    lang: str = "zh-CN"
    time_scale: float = 1.0
    drill: bool = False
    enterprise: str | None = None

    def key(self, *parts: object) -> str:
        """An idempotency key of this incident: `INC-…:step:target`."""
        return ":".join([self.incident_id, *(str(p) for p in parts)])


def run_settings(lang: str = "zh-CN", time_scale: float = 1.0) -> Settings:
    return get_settings(lang=lang, time_scale=time_scale)


def db(settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    engine = get_engine(settings.db_url)
    _ensure_schema(settings.db_url)
    return engine


@lru_cache(maxsize=8)
def _ensure_schema(url: str) -> None:
    create_schema(get_engine(url))


def unit_names(engine: Engine) -> dict[str, tuple[str, str]]:
    with session_scope(engine) as session:
        return {u.code: (u.name_zh, u.name_en or u.name_zh) for u in session.exec(select(Unit)).all()}


def render_file(templates_dir: Path, name: str, lang: str, context: dict) -> str:
    """A template of `templates/` (sandboxed, StrictUndefined), trimmed."""
    path = template_path(templates_dir, name, lang)
    return sandbox(templates_dir).get_template(path.name).render(**context).strip()
