"""The payloads of the standing duty mechanisms that reach a running incident's record (issue 12)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from models.events.base import EventKind, Payload
from models.events.names import Names
from models.i18n import tr
from models.types import SHANGHAI


class DutyHandedOver(Payload):
    """A shift change during the incident: the incoming duty officer of a unit was sent the incident's state."""

    kind: ClassVar[EventKind] = EventKind.duty_handover
    unit: str
    role: str
    incoming: str
    outgoing: str | None = None
    shift_start: datetime
    delivered: bool
    notification_id: int | None = None

    def text(self, lang: str, names: Names | None = None) -> str:
        names = self.names(names)
        return tr(lang, "duty handover at {unit} ({start}): {outgoing} → {incoming}, sent the incident's state "
                        "({how})", unit=names.unit(self.unit, lang),
                  start=self.shift_start.astimezone(SHANGHAI).strftime("%H:%M"),
                  outgoing=self.outgoing or tr(lang, "no outgoing officer"), incoming=self.incoming,
                  how=tr(lang, "delivered") if self.delivered else tr(lang, "not delivered"))
