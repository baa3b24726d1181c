"""Settings from the environment (pydantic-settings), built by a function, never at import.

    PARKLINK_HOME          where ParkLink keeps its state (default ./.parklink)
    PARKLINK_DATABASE_URL  SQLAlchemy URL (default: SQLite file parklink.db under PARKLINK_HOME)
    PARKLINK_LANG          zh-CN (default) or en
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

Lang = Literal["zh-CN", "en"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARKLINK_", extra="ignore")

    home: Path = Field(default=Path(".parklink"), description="state directory")
    database_url: str | None = Field(default=None, description="SQLAlchemy database URL")
    lang: Lang = "zh-CN"
    data_dir: Path = REPO_ROOT / "data"
    playbooks_dir: Path = REPO_ROOT / "playbooks"
    templates_dir: Path = REPO_ROOT / "templates"
    verify_max_age_days: int = Field(default=90, ge=1, description="a liaison unverified longer is stale")

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'parklink.db').resolve()}"


def get_settings(**overrides) -> Settings:
    """Read the environment now (tests change it between calls); keyword overrides win."""
    return Settings(**overrides)
