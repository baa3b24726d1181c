"""Every message of an incident as a reviewer audits it: who it went to, over what, when, and how it ended.

    MessageStatus   acked | delivered | failed | pending (the furthest a message got)
    MessageRow      one message: {unit, liaison, role, step, channel, message_kind, queued_at, delivered_at,
                    acked_at, status, error}, plus its group and the unit that received it

Read by `models.notification_store.incident_messages`; shown by `parklink notifications`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from models.i18n import N_, tr


class MessageStatus(StrEnum):
    acked = "acked"
    delivered = "delivered"
    failed = "failed"
    pending = "pending"

    def label(self, lang: str) -> str:
        return tr(lang, _LABELS[self])


_LABELS = {MessageStatus.acked: N_("acknowledged"), MessageStatus.delivered: N_("delivered"),
           MessageStatus.failed: N_("failed"), MessageStatus.pending: N_("pending")}


class MessageRow(BaseModel):
    model_config = ConfigDict(frozen=True)
    unit: str
    liaison: str
    role: str
    step: int
    channel: str | None
    message_kind: str
    queued_at: datetime
    delivered_at: datetime | None
    acked_at: datetime | None
    status: MessageStatus
    error: str | None
    group: str
    recipient_unit: str
