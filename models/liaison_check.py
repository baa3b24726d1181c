"""What each liaison check found, unit by unit, kept for every run (issue 12: liaisons 24 h, checked on a schedule).

    CheckReason        why a check ran: the weekly schedule, the days before an important holiday, by hand
    LiaisonCheckUnit   one row per (check, unit): how the unit's chain ended (models.events.UnitStatus), and
                       whether its head was told that it failed this check and the one before
    CheckRecord        one past check as `parklink directory checks` lists it (times in Asia/Shanghai)
    LiaisonCheckResult what one run of the `liaison-check` flow did (flows/liaison_check.py)

The check itself is `models.notification.LiaisonCheck` (its counts, its reason, its flow run).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.drill import GatewayCount
from models.events import UnitStatus
from models.types import enum_type


class CheckReason(StrEnum):
    weekly = "weekly"
    holiday = "holiday"
    manual = "manual"


class LiaisonCheckUnit(SQLModel, table=True):
    __tablename__ = "liaison_check_unit"
    __table_args__ = (UniqueConstraint("check_id", "unit", name="uq_liaison_check_unit"),)
    id: int | None = Field(default=None, primary_key=True)
    check_id: int = Field(foreign_key="liaison_check.id", index=True)
    unit: str = Field(max_length=40, index=True)
    status: UnitStatus = Field(sa_type=enum_type(UnitStatus))
    head_notified: bool = Field(default=False, description="failed two checks in a row: its head was messaged")


class CheckRecord(BaseModel):
    """One past liaison check."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    drill: bool
    reason: CheckReason | None
    checked: int
    acknowledged: int
    escalated: int
    unreachable: int
    units_unreached: list[str]
    flow_run_id: str | None


class LiaisonCheckResult(BaseModel):
    """What one run of the `liaison-check` flow did."""

    due: bool = True
    message: str = ""
    holiday: str | None = None  # the important holiday a holiday check ran before
    check: CheckRecord | None = None
    report: dict | None = None  # tasks.notify.check.CheckReport.as_dict(): the JSON of `directory check --live`
    stale: int = 0  # liaisons the office was told to verify or fix
    office_notified: bool = False
    heads_notified: list[str] = []
    drill_gateway: GatewayCount | None = None
    duty_gaps: int | None = None  # a holiday check: the unit-role-hours of the holiday without duty cover
    gaps_notified: bool = False  # … and the office's duty officer was told of them
