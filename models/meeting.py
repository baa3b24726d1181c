"""The joint meeting of the linkage units (联席会议制度, source document 二(一); issue 14).

    Meeting             one meeting: MTG-YYYYMMDD-NNNN (numbered on the day it was scheduled, Asia/Shanghai), the
                        day it is held, annual or ad hoc (with its reason), drill or not, its state, the minutes,
                        the agenda it was sent with, the flow run that invited
    MeetingAttendance   one row per (meeting, unit): what the unit answered to the invitation — will attend,
                        sends a delegate (named), absent (with a reason) — or no answer yet; when it answered
    MeetingResult       what one run of the `meeting` flow did (flows/meeting.py)

States: `scheduled` → `invited` (the invitations went out and the answers were collected) → `held` (its minutes
were recorded) | `cancelled`. A unit's first answer stands: a later one (another liaison of the same unit) is kept
on its notification only. Resolutions are corrective actions (models/action.py, source `meeting`).
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.drill import GatewayCount
from models.types import UTCDateTime, enum_type, utcnow

MEETING_ID = r"^MTG-[0-9]{8}-[0-9]{4,}$"


class MeetingKind(StrEnum):
    annual = "annual"
    ad_hoc = "ad_hoc"


class MeetingState(StrEnum):
    scheduled = "scheduled"
    invited = "invited"
    held = "held"
    cancelled = "cancelled"


class AttendanceAnswer(StrEnum):
    will_attend = "will_attend"
    delegate = "delegate"
    absent = "absent"
    no_answer = "no_answer"


class Meeting(SQLModel, table=True):
    __tablename__ = "meeting"
    id: str = Field(primary_key=True, max_length=24, description="MTG-YYYYMMDD-NNNN (Asia/Shanghai day)")
    date: dt.date
    kind: MeetingKind = Field(sa_type=enum_type(MeetingKind))
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    drill: bool = False
    lang: str = Field(default="zh-CN", max_length=8)
    state: MeetingState = Field(default=MeetingState.scheduled, sa_type=enum_type(MeetingState), index=True)
    minutes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    agenda: str | None = Field(default=None, sa_column=Column(Text, nullable=True),
                               description="the agenda sent with the invitations (tasks.meeting.agenda.Agenda, JSON)")
    flow_run_id: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class MeetingAttendance(SQLModel, table=True):
    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting", "unit", name="uq_meeting_attendance"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting: str = Field(foreign_key="meeting.id", index=True, max_length=24)
    unit: str = Field(foreign_key="unit.code", max_length=40)
    answer: AttendanceAnswer = Field(default=AttendanceAnswer.no_answer, sa_type=enum_type(AttendanceAnswer))
    delegate: str | None = Field(default=None, max_length=60, description="who attends in the unit's stead")
    reason: str | None = Field(default=None, max_length=500, description="why the unit is absent")
    answered_by: str | None = Field(default=None, max_length=60, description="the liaison who answered")
    answered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class AttendanceCounts(BaseModel):
    will_attend: int = 0
    delegate: int = 0
    absent: int = 0
    no_answer: int = 0


class MeetingResult(BaseModel):
    """What one run of the `meeting` flow did."""

    meeting: str
    date: dt.date
    kind: MeetingKind
    drill: bool
    invited: int = 0  # units whose liaison was sent the invitation
    reminded: int = 0  # units sent the one reminder
    counts: AttendanceCounts = AttendanceCounts()
    uninvited: list[str] = []  # active units with no active primary liaison
    flow_run_id: str | None = None
    drill_gateway: GatewayCount | None = None
    message: str = ""
