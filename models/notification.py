"""Who was told what, when, over which channel, and who answered: the notification record.

A `Notification` row exists once per (context, group, message kind, escalation step, subject unit, recipient):
its `idempotency_key` is built from exactly those and is UNIQUE, so a retried task or a re-run flow finds the
row it made before instead of writing (or sending) a second one. A `LiaisonCheck` is one run of the liaison
communication check (source document 一(二)4: the office keeps the directory current); once finished, a late
acknowledgement for it is refused.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_type, utcnow


class ContextKind(StrEnum):
    incident = "incident"
    check = "check"
    warning = "warning"
    report = "report"  # an enterprise's report (models/intake.py): the office's duty officer is told
    meeting = "meeting"  # a joint meeting's invitation (models/meeting.py): each unit answers whether it attends
    action = "action"  # a corrective action (models/action.py): its owner reminded, an overdue one escalated


def idempotency_key(*, context_kind: str, context_id: str, group: str, message_kind: str, step: int,
                    unit: str, liaison_id: int) -> str:
    """The same message to the same person in the same context always has the same key."""
    return f"{context_kind}:{context_id}:{group or '-'}:{message_kind}:{step}:{unit}:{liaison_id}"


def replay_identity(key: str) -> str:
    """The key without its context id: the same person and message in the next drill (the drill gateway's seed)."""
    parts = key.split(":")
    return ":".join(parts[:1] + parts[2:]) if len(parts) == 7 else key


def _time(nullable: bool = True):
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class LiaisonCheck(SQLModel, table=True):
    __tablename__ = "liaison_check"
    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    finished_at: datetime | None = _time()
    wait_s: float
    drill: bool = False
    checked: int = 0
    acknowledged: int = 0
    escalated: int = 0
    unreachable: int = 0
    reason: str | None = Field(default=None, max_length=16, description="models.liaison_check.CheckReason")
    flow_run_id: str | None = Field(default=None, max_length=64, description="the Prefect flow run that ran it")
    office_notified: bool | None = Field(default=None, description="the stale-liaison report reached the office")


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_context", "context_kind", "context_id", "group"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=255, unique=True)
    context_kind: ContextKind = Field(sa_type=enum_type(ContextKind))
    context_id: str = Field(max_length=64)
    check_id: int | None = Field(default=None, foreign_key="liaison_check.id")
    group: str = Field(default="", max_length=40)
    message_kind: str = Field(max_length=64)
    step: int = Field(default=0, ge=0, description="0 the first wave, then each escalation step")
    escalation_target: str = Field(default="primary", max_length=60, description="chain step that chose the recipient")
    parent_id: int | None = Field(default=None, foreign_key="notification.id")
    unit: str = Field(max_length=40, index=True, description="the unit the message is about")
    recipient_unit: str = Field(max_length=40)
    liaison_id: int = Field(foreign_key="liaison.id", index=True)
    liaison_name: str = Field(max_length=60)
    liaison_role: str = Field(max_length=16)
    channel: str | None = Field(default=None, max_length=16, description="channel delivered on (or last tried)")
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime | None = _time()
    lease_until: datetime | None = _time()
    lease_holder: str | None = Field(default=None, max_length=120, description="the sender holding the lease")
    sent_at: datetime | None = _time()
    delivered_at: datetime | None = _time()
    failed_at: datetime | None = _time()
    acked_at: datetime | None = _time()
    ack_eta_min: int | None = None
    ack_note: str | None = Field(default=None, max_length=500)
    ack_via: str | None = Field(default=None, max_length=16)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))

    @property
    def state(self) -> str:
        if self.acked_at:
            return "acked"
        if self.delivered_at:
            return "delivered"
        if self.failed_at:
            return "failed"
        return "pending"
