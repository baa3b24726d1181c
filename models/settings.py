"""Settings from the environment (pydantic-settings), built by a function, never at import.

    PARKLINK_HOME          where ParkLink keeps its state (default ./.parklink)
    PARKLINK_DATABASE_URL  SQLAlchemy URL (default: SQLite file parklink.db under PARKLINK_HOME)
    PARKLINK_LANG          zh-CN (default) or en
    PARKLINK_HOLIDAYS_FILE the park's table of holiday years chinesecalendar does not hold yet (README "Duty")
    PARKLINK_DUTY_HOLIDAYS the important holidays that need day-and-night duty (default: spring_festival,
                           labour_day,national_day); PARKLINK_DUTY_HOLIDAY_MARGIN_DAYS the days around them (1)
    PARKLINK_DISPATCH_SPEED_KMH  road speed for the straight-line travel estimate (default 40)
    PARKLINK_PARK_NAME_ZH, PARKLINK_PARK_NAME_EN  the park's name in notices and reports (default: the
                           directory's `park:` section, else its top park body's name)
    PARKLINK_RUN_BEAT_S    seconds between a run's heartbeats on its incident's lease (default 5)
    PARKLINK_RUN_STALE_S   a lease whose heartbeat is older is lost: taken over, or resumed by the watchdog (30)
    PARKLINK_SITE_FILE     the park's site map, GeoJSON: outline, roads, places (default: site.geojson beside the
                           directory, data/sample-park/site.geojson; tasks/park_io/site.py)
    PARKLINK_REPORTS_DIR   where the after-action report is also written as files (default: unset, no files;
                           the database holds the report and `parklink report` reads it there, on any machine)
    PARKLINK_CAP_SEVERITY_MAP  JSON {"Severity": "colour"} laid over Minor→blue, Moderate→yellow, Severe→orange,
                           Extreme→red (tasks/cap/maps.py; e.g. {"Unknown": "blue"})
    PARKLINK_CAP_EVENT_MAP JSON {"event word": "playbook"}, tried before the defaults (e.g. {"化工": "hazmat-leak"})
    PARKLINK_PARK_GEOCODES the park's geocodes a CAP area may name: `141026` or `GB/T 2260=141026`, comma-separated
                           (or a JSON list); a larger division's code (141000, 140000) covers them too
    PARKLINK_CAP_FEED      the CAP feed the feed deployment polls: an Atom/RSS URL or a folder (default: unset)
    PARKLINK_INTAKE_RATE   reports one enterprise may send to `POST /api/reports`, in the notation of the `limits`
                           library: "10/minute" (default), "100/hour", "5 per 10 seconds"; more: 429 + Retry-After
    PARKLINK_INTAKE_MAX_BODY  bytes a report's body may have (default 32768; a longer one: 413)
    PARKLINK_ACTION_DUE_DAYS  a corrective action an assessment proposes is due this many days later (default 30)
    PARKLINK_ACTION_REMIND_DAYS  days before its due day an action's owner is reminded (default "7,1")
    PARKLINK_ACTION_ACK_MIN   minutes (park time) each step of an overdue action's escalation is given (default 60)
    PARKLINK_SESSION_SECRET   the key that signs the board's session cookies (secret); unset: derived from
                           PARKLINK_ACK_SECRET with HMAC-SHA256 under a fixed label (tasks/web/sessions.py); neither
                           set: `parklink serve` refuses to start
    PARKLINK_SESSION_MAX_AGE_S  how long a login lasts (default 43200 s: a 12-hour duty shift)
    PARKLINK_LOGIN_RATE    failed logins allowed per user name and per client address, `limits` notation
                           (default "5/minute"); more: 429
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from models.notify_settings import NotifySettings

REPO_ROOT = Path(__file__).resolve().parent.parent

Lang = Literal["zh-CN", "en"]


class Settings(NotifySettings, BaseSettings):  # channel, acknowledgement and drill settings: models/notify_settings.py
    model_config = SettingsConfigDict(env_prefix="PARKLINK_", extra="ignore")

    home: Path = Field(default=Path(".parklink"), description="state directory")
    database_url: str | None = Field(default=None, description="SQLAlchemy database URL")
    lang: Lang = "zh-CN"
    data_dir: Path = REPO_ROOT / "data"
    playbooks_dir: Path = REPO_ROOT / "playbooks"
    templates_dir: Path = REPO_ROOT / "templates"
    verify_max_age_days: int = Field(default=90, ge=1, description="a liaison unverified longer is stale")
    holidays_file: Path | None = Field(default=None, description="the park's table of holiday years not yet in "
                                       "chinesecalendar (README \"Duty\"); it wins over the library")
    duty_holidays: str = Field(default="spring_festival,labour_day,national_day",
                               description="the important holidays (day-and-night duty): chinesecalendar's names "
                               "(spring_festival, national_day, …) or the Chinese ones (春节, 国庆节, …), comma-separated")
    duty_holiday_margin_days: int = Field(default=1, ge=0, le=7, description="days before and after an important "
                                          "holiday that are special too")
    engine_port: int = Field(default=4200, ge=1, le=65535, description="port of ParkLink's local Prefect server")
    engine_database_url: str | None = Field(default=None, description="database of the local Prefect server "
                                            "(default: SQLite under PARKLINK_HOME/prefect)")
    park_name_zh: str | None = Field(default=None, description="the park's name in notices and reports "
                                     "(default: the directory's `park:` section)")
    park_name_en: str | None = Field(default=None, description="its English name")
    park_doc_code: str | None = Field(default=None, max_length=40, description="the issuer's code in the printed "
                                      "report's document number (文号), e.g. 安泽化园应急评 (default: from the "
                                      "park's Chinese name)")
    dispatch_speed_kmh: float = Field(default=40.0, gt=0, le=200,
                                      description="road speed for the straight-line travel estimate")
    run_beat_s: float = Field(default=5.0, gt=0, le=300, description="seconds between a run's heartbeats")
    run_stale_s: float = Field(default=30.0, gt=0, le=3600, description="a run lease's heartbeat older than "
                               "this is lost")
    site_file: Path | None = Field(default=None, description="the park's site map (GeoJSON); default: "
                                   "site.geojson beside the directory under data_dir")
    reports_dir: Path | None = Field(default=None, description="the after-action report is also written "
                                     "under this directory (unset: no files, the database only)")
    cap_severity_map: dict[str, str] = Field(default_factory=dict, description="CAP severity → colour, over the "
                                             "defaults of tasks/cap/maps.py")
    cap_event_map: dict[str, str] = Field(default_factory=dict, description="CAP event substring → playbook, "
                                          "tried before the defaults")
    park_geocodes: Annotated[list[str], NoDecode] = Field(default_factory=list, description="the park's geocodes "
                                                          "(VALUE or NAME=VALUE)")
    cap_feed: str | None = Field(default=None, description="the CAP feed to poll: an Atom/RSS URL or a folder")

    @field_validator("park_geocodes", mode="before")
    @classmethod
    def _geocodes(cls, value):
        if isinstance(value, str):
            value = json.loads(value) if value.strip().startswith("[") else value.split(",")
        return [str(v).strip() for v in value if str(v).strip()]

    intake_rate: str = Field(default="10/minute", description="per enterprise, `limits` notation")
    intake_max_body: int = Field(default=32 * 1024, ge=1024, le=1024 * 1024, description="bytes per report body")

    session_secret: SecretStr | None = Field(default=None, description="signs the board's session cookies")
    session_max_age_s: int = Field(default=12 * 3600, ge=60, le=7 * 24 * 3600, description="a login lasts this long")
    login_rate: str = Field(default="5/minute", description="failed logins per user name and per address")

    @field_validator("intake_rate", "login_rate")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError:
            raise ValueError(f"`{value}`: give e.g. 10/minute, 100/hour or 5 per 10 seconds") from None
        return value

    action_due_days: int = Field(default=30, ge=1, le=3650, description="days from an assessment to the due day of "
                                 "a corrective action it proposes")
    action_remind_days: Annotated[tuple[int, ...], NoDecode] = Field(default=(7, 1), description="days before the "
                                                                     "due day the owner is reminded")
    action_ack_min: float = Field(default=60.0, gt=0, le=24 * 60, description="minutes each step of an overdue "
                                  "action's escalation is given to acknowledge")

    @field_validator("action_remind_days", mode="before")
    @classmethod
    def _remind_days(cls, value):
        items = value.split(",") if isinstance(value, str) else value
        try:
            days = {int(str(v).strip()) for v in items if str(v).strip()}
        except ValueError:
            days = {-1}
        if any(not 0 <= d <= 365 for d in days):
            raise ValueError(f"`{value}`: give whole days (0–365) before the due day, comma-separated, e.g. 7,1")
        return tuple(sorted(days, reverse=True))

    @property
    def site_path(self) -> Path:
        """The site map file: PARKLINK_SITE_FILE, else site.geojson beside the sample park's directory."""
        return self.site_file or self.data_dir / "sample-park" / "site.geojson"

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'parklink.db').resolve()}"


def get_settings(**overrides) -> Settings:
    """Read the environment now (tests change it between calls); keyword overrides win."""
    return Settings(**overrides)
