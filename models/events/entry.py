"""An entry of the activity log as a reviewer reads it: when, who, what kind, the text, the payload's facts.

    TimelineEntry   {at, actor, kind, text, data}: `actor` and `text` in one language, units and people by name
    entries(events, names, lang)   the entries sorted by time (then by the order they were written)

The live view, the assessment's timeline and `parklink timeline` all show these, so they say the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from models.events import Event, EventKind
from models.events.names import Names


class TimelineEntry(BaseModel):
    model_config = ConfigDict(frozen=True)
    at: datetime
    actor: str
    kind: EventKind
    text: str
    data: dict[str, Any]


def in_time_order(events: Iterable[Event]) -> list[Event]:
    """Entries by time; those of the same instant in the order they were written."""
    return sorted(events, key=lambda e: (e.at is None, e.at.timestamp() if e.at else 0.0, e.id or 0))


def entries(events: Iterable[Event], names: Names, lang: str) -> list[TimelineEntry]:
    return [TimelineEntry(at=e.at, actor=e.actor_text(lang, names), kind=e.kind, text=e.text(lang, names),
                          data=e.payload.model_dump(mode="json", exclude={"who"}))
            for e in in_time_order(events)]
