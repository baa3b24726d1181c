"""The incident report: what happened, where, to whom — the operator's input, and what grading reads.

Checked whole before anything is written. The statutory grading criteria (deaths, serious injuries, direct
loss, people evacuated) and flags (a chemical released, a drinking-water intake cut, effects beyond the
park) are read through `criterion(name)` and `flag(name)`, named as in the playbooks' grading rules.

Bounds (every place a run is launched checks the same): an incident id is `INCIDENT_ID` (letters, digits,
`.`, `_`, `-`, starting with a letter or digit, at most 40 characters: the column, and a folder name under
reports/); counts are whole numbers up to MAX_COUNT; money and angles are finite; a run's time scale is
between TIME_SCALE_MIN and TIME_SCALE_MAX (`check_time_scale`), so no deadline overflows.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from models.errors import InputError

CRITERIA_FIELDS = {"serious_injuries": "injured", "direct_loss_cny": "loss_cny"}  # grading name → field
INCIDENT_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"
MAX_COUNT = 10_000_000  # people: above every statutory threshold by far, below any typing slip's 10¹⁸
MAX_LOSS_CNY = 1e13
TIME_SCALE_MIN, TIME_SCALE_MAX = 0.001, 1_000_000.0  # a drill may run 10⁶ × faster, a demo 1000 × slower
# The option each field is given with, for error lines.
OPTIONS = {"incident_id": "--incident-id", "deaths": "--deaths", "injured": "--injured", "evacuated": "--evacuated",
           "loss_cny": "--loss", "wind_from_deg": "--wind-from", "latitude": "--at", "longitude": "--at",
           "description": "--description", "enterprise": "--enterprise", "chemical": "--chemical"}


def check_incident_id(value: str, option: str = "--incident-id") -> str:
    if not isinstance(value, str) or not re.fullmatch(INCIDENT_ID, value):
        raise InputError(f"{option} `{str(value)[:80]}`: give 1–40 letters, digits, `.`, `_` or `-`, starting with "
                         "a letter or digit (e.g. INC-20261201-0001)", exit_code=2)
    return value


def check_time_scale(value: float, option: str = "--time-scale") -> float:
    """A run's time scale, or InputError: NaN, infinities, ≤ 0 and factors that overflow a deadline."""
    if not (isinstance(value, int | float) and TIME_SCALE_MIN <= value <= TIME_SCALE_MAX):
        raise InputError(f"{option} {value}: give a factor from {TIME_SCALE_MIN:g} to {TIME_SCALE_MAX:g} "
                         "(1 is real time; a drill at 60 runs an hour in a minute)", exit_code=2)
    return float(value)


class IncidentReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    incident_id: str | None = Field(default=None, pattern=INCIDENT_ID,
                                    description="continue (or name) this incident; empty: a new id")
    enterprise: str | None = Field(default=None, max_length=40,
                                   description="the incident enterprise's unit code (or give latitude/longitude)")
    latitude: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False,
                                   description="where, when not at an enterprise's site (WGS-84)")
    longitude: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False,
                                    description="where, when not at an enterprise's site (WGS-84)")
    chemical: str | None = Field(default=None, max_length=16, description="UN number, e.g. UN1005")
    deaths: int = Field(default=0, ge=0, le=MAX_COUNT, strict=True, description="people killed")
    injured: int = Field(default=0, ge=0, le=MAX_COUNT, strict=True,
                         description="serious injuries incl. acute poisoning")
    loss_cny: float = Field(default=0.0, ge=0, le=MAX_LOSS_CNY, allow_inf_nan=False,
                            description="first estimate of direct loss, CNY")
    evacuated: int = Field(default=0, ge=0, le=MAX_COUNT, strict=True, description="people evacuated")
    description: str = Field(default="", max_length=4000, description="what happened, as reported")
    wind_from_deg: float = Field(default=315.0, ge=0, lt=360, allow_inf_nan=False,
                                 description="direction the wind blows from")
    place: str = Field(default="", max_length=200, description="the place in words")
    drinking_water_cut: bool = Field(default=False, description="a drinking-water source is cut off")
    outside_park: bool = Field(default=False, description="the effects reach beyond the park")

    @property
    def hazmat_release(self) -> bool:
        return bool(self.chemical)

    def criterion(self, name: str) -> float:
        """A grading criterion by its name in the playbooks (`serious_injuries`, `direct_loss_cny`, …)."""
        return getattr(self, CRITERIA_FIELDS.get(name, name))

    def flag(self, name: str) -> bool:
        return bool(getattr(self, name))

    def require_place(self) -> IncidentReport:
        """The report a response can start from: it says where (grading alone does not need to know)."""
        if self.enterprise is None and (self.latitude is None or self.longitude is None):
            raise InputError("say where: --enterprise CODE or --at LAT,LON", exit_code=2)
        return self


def validated_report(values: dict) -> IncidentReport:
    """The report from a launcher's values (the CLI, a deployment's parameters), or one InputError line naming
    the option to fix."""
    try:
        return IncidentReport.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        if field == "incident_id":
            check_incident_id(first.get("input"))
        got = f" (got `{str(first['input'])[:80]}`)" if "input" in first and first["type"] != "missing" else ""
        raise InputError(f"{OPTIONS.get(field, field or 'report')}: {first['msg']}{got}", exit_code=2) from None
