"""The body of `POST /api/reports` and what it decides (pure: no I/O).

    parse_body(raw, playbooks=, chemicals=, now=) → ReportBody | list[FieldError]
        every bad field at once (pydantic collects them), in the body's field order: unknown fields, missing
        ones, wrong types and bounds, an unknown playbook id, an unknown UN number, a time in the future
    auto_launches(auto, colour=, level=) → bool
        whether the playbook's `auto_launch` (models/playbook/schema.py AutoLaunch) starts it without an operator
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from models.did_you_mean import did_you_mean
from models.incident_report import MAX_COUNT, MAX_LOSS_CNY
from models.playbook.plan import AutoLaunchPlan, normalise_un
from models.warning_kinds import Colour

FIELDS = ("playbook", "occurred_at", "latitude", "longitude", "description", "chemical", "deaths", "injured",
          "evacuated", "loss_cny", "colour")
MAX_DESCRIPTION = 4000
CLOCK_SKEW = timedelta(minutes=5)  # an enterprise's clock a little ahead is not an error


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class ReportBody(BaseModel):
    """What an enterprise reports; `colour` makes it a warning report."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    playbook: str = Field(max_length=60, description="the incident type (a playbook id), e.g. hazmat-leak")
    occurred_at: datetime = Field(description="when, ISO 8601 with its offset, e.g. 2026-12-01T08:00:00+08:00")
    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False, strict=True)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False, strict=True)
    description: str = Field(min_length=1, max_length=MAX_DESCRIPTION, description="what happened, measures taken")
    chemical: str | None = Field(default=None, max_length=16, description="UN number, e.g. UN1005")
    deaths: int = Field(default=0, ge=0, le=MAX_COUNT, strict=True)
    injured: int = Field(default=0, ge=0, le=MAX_COUNT, strict=True)
    evacuated: int = Field(default=0, ge=0, le=MAX_COUNT, strict=True)
    loss_cny: float = Field(default=0.0, ge=0, le=MAX_LOSS_CNY, allow_inf_nan=False, strict=True)
    colour: Colour | None = Field(default=None, description="blue, yellow, orange or red: a warning report")

    @field_validator("playbook")
    @classmethod
    def _known_playbook(cls, value: str, info: ValidationInfo) -> str:
        known = (info.context or {}).get("playbooks", ())
        if value not in known:
            raise ValueError(f"unknown playbook `{value}`{did_you_mean(value, known, list_up_to=12)}")
        return value

    @field_validator("occurred_at")
    @classmethod
    def _aware_and_past(cls, value: datetime, info: ValidationInfo) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give the time with its offset, e.g. 2026-12-01T08:00:00+08:00")
        now = (info.context or {}).get("now")
        if now is not None and value > now + CLOCK_SKEW:
            raise ValueError("is in the future")
        return value

    @field_validator("chemical")
    @classmethod
    def _known_chemical(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        known = (info.context or {}).get("chemicals", ())
        un = normalise_un(value)
        if un not in known:
            raise ValueError(f"unknown UN number `{value}`{did_you_mean(un, known)}")
        return un

    @property
    def is_warning(self) -> bool:
        return self.colour is not None


def _message(err: dict) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required"
    message = err["msg"]
    return message.removeprefix("Value error, ")


def parse_body(raw: bytes | str, *, playbooks: set[str], chemicals: set[str],
               now: datetime | None = None) -> ReportBody | list[FieldError]:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return [FieldError("body", "not JSON; send a JSON object")]
    if not isinstance(data, dict):
        return [FieldError("body", "give a JSON object")]
    try:
        return ReportBody.model_validate(data, context={"playbooks": playbooks, "chemicals": chemicals, "now": now})
    except ValidationError as exc:
        errors = [FieldError(".".join(str(p) for p in e["loc"]) or "body", _message(e)) for e in exc.errors()]
    order = {name: i for i, name in enumerate(FIELDS)}
    return sorted(errors, key=lambda e: (order.get(e.field.split(".")[0], len(order)), e.field))


def auto_launches(auto: AutoLaunchPlan, *, colour: Colour | None, level: str | None) -> bool:
    """A warning report launches when its colour is listed; an incident report when its graded level is."""
    if colour is not None:
        return str(colour) in auto.warning
    return level is not None and level in auto.response
