"""The payloads of what went wrong with a run itself (not with a unit or a group: those are response entries)."""

from __future__ import annotations

from typing import ClassVar

from models.events.base import EventKind, Payload
from models.events.names import Names
from models.i18n import tr


class RunFailed(Payload):
    """The run stopped on an error: what it held went back to the depots, and the incident was closed."""

    kind: ClassVar[EventKind] = EventKind.run_failed
    error: str
    released: int
    cancelled_requisitions: list[int]

    def text(self, lang: str, names: Names | None = None) -> str:
        return tr(lang, "the run failed ({error}); {released} reserved units went back to the depots, "
                        "{cancelled} undelivered requisitions cancelled; the incident is closed",
                  error=self.error, released=self.released, cancelled=len(self.cancelled_requisitions))
