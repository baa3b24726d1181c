"""The drill record (issue 14): which units each drill exercised, its score, and the planned calendar.

    DrillParticipation   one unit exercised by one drill run: the incident's enterprise, or a unit notified in
                         the run (`role`); written when the run is assessed, one row per (incident, unit)
    DrillScore           one drill's score: the weighted share of the assessment's KPI checks it met, with the
                         checks behind it (the trend a reviewer reads beside the unit's previous drills)
    DrillPlanEntry       one drill of the legal calendar (`parklink drills plan/schedule`): unit, day, scenario
                         and, once scheduled, the flow run of the playbook's deployment; one row per (year, unit, n)
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_type, utcnow


class ParticipantRole(StrEnum):
    enterprise = "enterprise"  # the enterprise where the scenario happens
    notified = "notified"  # a unit the run notified (a group's lead or member, an upward report's recipient)


class DrillParticipation(SQLModel, table=True):
    __tablename__ = "drill_participation"
    __table_args__ = (UniqueConstraint("incident", "unit", name="uq_drill_participation"),)
    id: int | None = Field(default=None, primary_key=True)
    incident: str = Field(foreign_key="incident.id", index=True, max_length=40)
    unit: str = Field(foreign_key="unit.code", index=True, max_length=40)
    role: ParticipantRole = Field(sa_type=enum_type(ParticipantRole))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False), description="when the drill began")


class DrillScore(SQLModel, table=True):
    __tablename__ = "drill_score"
    incident: str = Field(primary_key=True, foreign_key="incident.id", max_length=40)
    playbook_id: str = Field(max_length=60)
    level: str = Field(max_length=8)
    enterprise: str | None = Field(default=None, foreign_key="unit.code", max_length=40)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    score: float | None = Field(default=None, ge=0, le=1, description="weighted share of checks met; none: no check")
    met: int = 0
    checks: int = 0
    detail: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False),
                                         description="[{target, weight, met}]")
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class DrillPlanEntry(SQLModel, table=True):
    __tablename__ = "drill_plan"
    __table_args__ = (UniqueConstraint("year", "unit", "seq", name="uq_drill_plan"),)
    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    unit: str = Field(foreign_key="unit.code", max_length=40)
    seq: int = Field(ge=1, description="the unit's n-th drill of the year")
    day: date
    playbook_id: str = Field(max_length=60)
    site: str = Field(foreign_key="unit.code", max_length=40, description="the enterprise where the scenario happens")
    incident_id: str = Field(max_length=40, description="the incident id the scheduled run will carry")
    flow_run_id: str | None = Field(default=None, max_length=40)
    scheduled_for: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
