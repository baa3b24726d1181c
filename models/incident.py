"""An incident and everything the response records about it.

    Incident         one per incident id; a second run with the same id continues it
    LevelChange      every change of response level (requested by an operator, applied by the run)
    TimelineEvent    the activity log (ICS 214): who did what when; each effect once, by idempotency key
    UpwardReport     reports to the county and above: first report and follow-ups, due and sent times
    AssessmentRecord the after-action assessment (domain-notes §4): KPIs, findings, rendered documents
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_type, utcnow


class IncidentStatus(StrEnum):
    open = "open"
    standing_down = "standing_down"
    closed = "closed"


class Incident(SQLModel, table=True):
    __tablename__ = "incident"
    __table_args__ = (
        CheckConstraint("deaths >= 0 AND injured >= 0 AND evacuated >= 0 AND loss_cny >= 0", name="ck_incident_counts"),
    )
    id: str = Field(primary_key=True, max_length=40)
    playbook_id: str = Field(index=True, max_length=60)
    playbook_hash: str = Field(max_length=80)
    level: str = Field(max_length=8)
    level_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    level_set_by: str = Field(default="grading", max_length=20, description="grading | operator")
    status: IncidentStatus = Field(default=IncidentStatus.open, sa_type=enum_type(IncidentStatus))
    drill: bool = False
    lang: str = Field(default="zh-CN", max_length=8)
    time_scale: float = 1.0
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    enterprise: str | None = Field(default=None, foreign_key="unit.code", max_length=40)
    chemical: str | None = Field(default=None, max_length=16)
    deaths: int = 0
    injured: int = 0
    evacuated: int = 0
    loss_cny: float = 0.0
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    reported_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    commander: str | None = Field(default=None, max_length=120)
    command_post_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    command_post_latitude: float | None = None
    command_post_longitude: float | None = None
    stand_down_requested_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    stood_down_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    consumed: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False),
                                     description="need id → units consumed, given at stand-down")
    flow_run_id: str | None = Field(default=None, max_length=40)
    outcome: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class LevelChange(SQLModel, table=True):
    __tablename__ = "level_change"
    id: int | None = Field(default=None, primary_key=True)
    incident: str = Field(foreign_key="incident.id", index=True, max_length=40)
    from_level: str = Field(max_length=8)
    to_level: str = Field(max_length=8)
    requested_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    requested_by: str = Field(default="operator", max_length=60)
    reason: str = Field(default="", max_length=500)
    applied_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    added: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class TimelineEvent(SQLModel, table=True):
    __tablename__ = "timeline_event"
    __table_args__ = (UniqueConstraint("key", name="uq_timeline_event_key"),)
    id: int | None = Field(default=None, primary_key=True)
    incident: str = Field(foreign_key="incident.id", index=True, max_length=40)
    key: str = Field(max_length=200, description="idempotency key: incident:step:target")
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    actor: str = Field(max_length=120)
    kind: str = Field(max_length=40)
    summary_zh: str = Field(sa_column=Column(Text, nullable=False))
    summary_en: str = Field(sa_column=Column(Text, nullable=False))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class UpwardReport(SQLModel, table=True):
    __tablename__ = "upward_report"
    __table_args__ = (UniqueConstraint("incident", "seq", name="uq_upward_report_seq"),)
    id: int | None = Field(default=None, primary_key=True)
    incident: str = Field(foreign_key="incident.id", index=True, max_length=40)
    seq: int = Field(ge=1, description="1 = first report, then follow-ups")
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    recipients: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    delivered: int = 0
    failed: int = 0


class AssessmentRecord(SQLModel, table=True):
    __tablename__ = "assessment_record"
    __table_args__ = (UniqueConstraint("incident", "lang", name="uq_assessment_incident_lang"),)
    id: int | None = Field(default=None, primary_key=True)
    incident: str = Field(foreign_key="incident.id", index=True, max_length=40)
    lang: str = Field(default="zh-CN", max_length=8)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    kpis: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    findings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    recommendations: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    markdown: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    html: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    markdown_path: str | None = Field(default=None, max_length=500)
    html_path: str | None = Field(default=None, max_length=500)
