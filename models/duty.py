"""Duty around the clock (值守应急制度, source document 二(二)–(三)): rosters, overrides, swaps, special periods.

    DutyRoster     a unit's roster as imported: its shift pattern, rotations and fixed shifts (the validated
                   document, JSON; tasks/duty/roster.py is its typed form and computes who is on duty)
    DutyOverride   a named person replaces another (or whoever is on) for a period
    DutySwap       two people swap one shift: who asked, who approved
    DutyEvent      a declared special period: a major event (`parklink duty event`), a warning (issue 13)
    DutyHandover   a shift change during a running incident: the incoming duty officer was told its state

Every time is stored in UTC and shown in Asia/Shanghai. The people named are liaisons of the unit in the
directory (any role; duty staff have the role `duty_staff`), so contact details live in one place.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Text
from sqlmodel import Field, SQLModel

from models.duty_kinds import DutyRole, PeriodKind, Turn
from models.types import UTCDateTime, enum_type, utcnow

__all__ = ["DutyEvent", "DutyHandover", "DutyOverride", "DutyRole", "DutyRoster", "DutySwap", "PeriodKind", "Turn"]


def _time(nullable: bool = False):
    return Field(default=None if nullable else ..., sa_column=Column(UTCDateTime(), nullable=nullable))


class DutyRoster(SQLModel, table=True):
    __tablename__ = "duty_roster"
    unit: str = Field(primary_key=True, foreign_key="unit.code", max_length=40)
    body: str = Field(sa_column=Column(Text, nullable=False), description="the roster document, JSON")
    source: str = Field(default="", max_length=300, description="the file it was imported from")
    imported_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class DutyOverride(SQLModel, table=True):
    __tablename__ = "duty_override"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ck_duty_override_order"),)
    id: int | None = Field(default=None, primary_key=True)
    unit: str = Field(foreign_key="unit.code", index=True, max_length=40)
    role: DutyRole = Field(sa_type=enum_type(DutyRole))
    name: str = Field(max_length=60, description="who is on duty instead")
    replaces: str | None = Field(default=None, max_length=60, description="whom (none: whoever is on)")
    starts_at: datetime = _time()
    ends_at: datetime = _time()
    reason: str = Field(default="", max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class DutySwap(SQLModel, table=True):
    __tablename__ = "duty_swap"
    id: int | None = Field(default=None, primary_key=True)
    unit: str = Field(foreign_key="unit.code", index=True, max_length=40)
    role: DutyRole = Field(sa_type=enum_type(DutyRole))
    shift_start: datetime = _time()
    from_name: str = Field(max_length=60, description="who was on the roster for that shift")
    to_name: str = Field(max_length=60, description="who takes it")
    requested_by: str = Field(max_length=60)
    approved_by: str = Field(max_length=60)
    reason: str = Field(default="", max_length=200)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class DutyEvent(SQLModel, table=True):
    __tablename__ = "duty_event"
    id: int | None = Field(default=None, primary_key=True)
    kind: PeriodKind = Field(sa_type=enum_type(PeriodKind))
    starts_at: datetime = _time()
    ends_at: datetime | None = _time(nullable=True)  # none: until lifted
    reason: str = Field(max_length=200)
    source_id: str | None = Field(default=None, max_length=64, description="the warning's id, for a warning")
    declared_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    lifted_at: datetime | None = _time(nullable=True)


class DutyHandover(SQLModel, table=True):
    __tablename__ = "duty_handover"
    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=255, unique=True)
    incident_id: str = Field(max_length=64, index=True)
    unit: str = Field(max_length=40)
    role: DutyRole = Field(sa_type=enum_type(DutyRole))
    outgoing: str | None = Field(default=None, max_length=60)
    incoming: str = Field(max_length=60)
    shift_start: datetime = _time()
    handed_over_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    notification_id: int | None = Field(default=None, foreign_key="notification.id")
