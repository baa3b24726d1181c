"""The CAP alerts ParkLink has received (issue 13, item 3): one row per alert, so the same alert is applied once.

    CapAlertRecord   table `cap_alert`: the alert's key (sender, identifier, sent — unique), its msgType and status,
                     what became of it (models.cap_kinds.CapOutcome), the warning it raised or changed (an id of the
                     warning table, no foreign key), when it was received, and its XML as received

Store functions: models/cap_store.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.cap_kinds import CapMsgType, CapOutcome, CapStatus
from models.types import UTCDateTime, enum_type, utcnow


class CapAlertRecord(SQLModel, table=True):
    __tablename__ = "cap_alert"
    __table_args__ = (UniqueConstraint("sender", "identifier", "sent", name="uq_cap_alert_key"),)

    id: int | None = Field(default=None, primary_key=True)
    sender: str = Field(max_length=120, index=True)
    identifier: str = Field(max_length=120)
    sent: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    msg_type: CapMsgType = Field(sa_type=enum_type(CapMsgType))
    status: CapStatus = Field(sa_type=enum_type(CapStatus))
    outcome: CapOutcome = Field(sa_type=enum_type(CapOutcome))
    warning_id: str | None = Field(default=None, max_length=40, index=True)
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    raw: str = Field(default="", sa_column=Column(Text, nullable=False))
