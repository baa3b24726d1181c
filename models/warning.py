"""A warning and what the warning response records about it (预警联动, source document 二(四)1).

    WarningRecord   one per warning id (WRN-YYYYMMDD-NNNN): type (playbook), colour, where, onset/expires,
                    source, state, the run that handles it, the response it was promoted to, its reserve check
    WarningChange   every change asked for by an operator or a CAP Update/Cancel: raise, lower, cancel;
                    applied by the warning's run (like a response's level change)
    WarningEvent    the warning's activity log, the same shape as an incident's (models.incident.TimelineEvent):
                    each effect once, by idempotency key
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_type, utcnow
from models.warning_kinds import Colour, WarningSource, WarningState


class ChangeKind(StrEnum):
    raise_ = "raise"
    lower = "lower"
    cancel = "cancel"


class WarningRecord(SQLModel, table=True):
    __tablename__ = "warning"
    id: str = Field(primary_key=True, max_length=40)
    playbook_id: str = Field(index=True, max_length=60)
    colour: Colour = Field(sa_type=enum_type(Colour))
    state: WarningState = Field(default=WarningState.active, sa_type=enum_type(WarningState))
    drill: bool = False
    lang: str = Field(default="zh-CN", max_length=8)
    time_scale: float = 1.0
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    enterprise: str | None = Field(default=None, foreign_key="unit.code", max_length=40)
    onset: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    expires: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    source: WarningSource = Field(default=WarningSource.manual, sa_type=enum_type(WarningSource))
    source_ref: str | None = Field(default=None, max_length=300)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    raised_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    lifted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    lift_reason: str = Field(default="", max_length=300)
    flow_run_id: str | None = Field(default=None, max_length=40)
    incident_id: str | None = Field(default=None, max_length=40, description="the response it was promoted to "
                                    "(named before that run opens the incident, so no foreign key)")
    reserve_check: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False),
                                          description="level → shortfalls found by the reserve check")


class WarningChange(SQLModel, table=True):
    __tablename__ = "warning_change"
    id: int | None = Field(default=None, primary_key=True)
    warning: str = Field(foreign_key="warning.id", index=True, max_length=40)
    kind: ChangeKind = Field(sa_type=enum_type(ChangeKind))
    from_colour: Colour = Field(sa_type=enum_type(Colour))
    to_colour: Colour | None = Field(default=None, sa_type=enum_type(Colour, "ck_to_colour"))
    requested_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    requested_by: str = Field(default="operator", max_length=60)
    reason: str = Field(default="", max_length=500)
    applied_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class WarningEvent(SQLModel, table=True):
    __tablename__ = "warning_event"
    __table_args__ = (UniqueConstraint("key", name="uq_warning_event_key"),)
    id: int | None = Field(default=None, primary_key=True)
    warning: str = Field(foreign_key="warning.id", index=True, max_length=40)
    key: str = Field(max_length=200, description="idempotency key: warning:step:target")
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    actor: str = Field(max_length=120)
    kind: str = Field(max_length=40)
    summary_zh: str = Field(sa_column=Column(Text, nullable=False))
    summary_en: str = Field(sa_column=Column(Text, nullable=False))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
