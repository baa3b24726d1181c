"""Information intake from enterprises (issue 13 item 5): their keys, every request to the intake API, their reports.

    EnterpriseCredential  one issued API key of a resident enterprise: only its SHA-256 is kept (the key is
                          shown once), with when it was issued and revoked
    IntakeRequest         every request to `POST /api/reports`, refused ones too: when, from where, whose key
                          (null when none matched), the status code answered, the report it recorded
    EnterpriseReport      a valid report: an incident report, or a warning report when it gives a `colour`;
                          received → launched (its warning or incident linked) or dismissed (with why)
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_type, utcnow

REPORT_ID = r"^RPT-[0-9]{8}-[0-9]{4,}$"


class ReportKind(StrEnum):
    report = "report"  # an incident: `respond` for its playbook
    warning = "warning"  # a colour warning: the `warn` flow


class ReportState(StrEnum):
    received = "received"
    launched = "launched"
    dismissed = "dismissed"


class LaunchedBy(StrEnum):
    auto = "auto"  # the playbook's `auto_launch` said so
    operator = "operator"  # `parklink reports launch`


def _time(nullable: bool = True):
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class EnterpriseCredential(SQLModel, table=True):
    __tablename__ = "enterprise_credential"
    id: int | None = Field(default=None, primary_key=True)
    enterprise: str = Field(foreign_key="unit.code", index=True, max_length=40)
    key_hash: str = Field(max_length=64, unique=True, description="hex SHA-256 of the key")
    key_hint: str = Field(max_length=8, description="the key's first characters, to tell keys apart")
    issued_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = _time()


class IntakeRequest(SQLModel, table=True):
    __tablename__ = "intake_request"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    enterprise: str | None = Field(default=None, max_length=40, index=True, description="whose key; null: none")
    remote_addr: str | None = Field(default=None, max_length=64)
    status: int
    report_id: str | None = Field(default=None, max_length=24)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class EnterpriseReport(SQLModel, table=True):
    __tablename__ = "enterprise_report"
    __table_args__ = (CheckConstraint("deaths >= 0 AND injured >= 0 AND evacuated >= 0 AND loss_cny >= 0",
                                      name="ck_enterprise_report_counts"),)
    id: str = Field(primary_key=True, max_length=24, description="RPT-YYYYMMDD-NNNN (Asia/Shanghai day)")
    enterprise: str = Field(foreign_key="unit.code", index=True, max_length=40)
    playbook: str = Field(max_length=60)
    kind: ReportKind = Field(sa_type=enum_type(ReportKind))
    colour: str | None = Field(default=None, max_length=8, description="models.warning_kinds.Colour")
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    latitude: float
    longitude: float
    description: str = Field(sa_column=Column(Text, nullable=False))
    chemical: str | None = Field(default=None, max_length=16)
    deaths: int = 0
    injured: int = 0
    evacuated: int = 0
    loss_cny: float = 0.0
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    state: ReportState = Field(default=ReportState.received, sa_type=enum_type(ReportState))
    launched_at: datetime | None = _time()
    launched_by: LaunchedBy | None = Field(default=None, sa_type=enum_type(LaunchedBy))
    warning_id: str | None = Field(default=None, max_length=40, description="the warning it launched")
    incident_id: str | None = Field(default=None, max_length=40, description="the incident it launched")
    flow_run_id: str | None = Field(default=None, max_length=64)
    launch_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    dismissed_why: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    notified: bool | None = Field(default=None, description="the office's duty officer got the notice; null: not yet")
    notification_id: int | None = Field(default=None, foreign_key="notification.id")
    notify_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
