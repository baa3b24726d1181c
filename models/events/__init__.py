"""The run record as a typed contract: what a run's activity log (ICS 214) can say, one payload per kind.

    EventKind      every kind of entry; the `kind` column of `TimelineEvent`
    UnitStatus     how a unit's notification ended: acknowledged | escalated | unreachable
    Payload        base of the payload models; `text(lang)` is the entry as a person reads it (models.i18n)
    Event          what a phase produced: idempotency key, actor, time, payload — written by
                   `models.event_store.record_events`, read back typed by `models.event_store.events`

    base           EventKind, UnitStatus, Texts, Payload, LevelSetBy
    names          Names, Recipient: units and people by name, resolved when an entry is read
    response       the payloads of the response's entries (a new flow adds a module of its own)
    faults         what went wrong with a run itself (RunFailed, RunLost)
    duty           what the duty mechanisms did during an incident (DutyHandedOver)
    board          what a person did on the command-post board (OperatorActed)
    warning        the payloads of a warning's entries (the warn flow)

A phase never writes a kind as a string and a reader never parses one back: it writes `UnitAcknowledged(…)`
and reads `event.payload.acked_by`. Each payload's fields are exactly what its entry says, so the
timeline, the KPIs, the board and the reports are all read from the same facts.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from models.events.base import (
    STATUS_LABELS,
    UNIT_EVENT,
    EventKind,
    LevelSetBy,
    Payload,
    Texts,
    UnitStatus,
)
from models.events.board import BoardAction, OperatorActed
from models.events.duty import DutyHandedOver
from models.events.faults import RunFailed, RunLost
from models.events.names import NO_NAMES, Names, Recipient
from models.events.response import (
    ApprovalOverdue,
    CommandPostSet,
    Dispatched,
    Graded,
    GroupActivated,
    GroupFailed,
    GroupStoodDown,
    LevelChanged,
    Opened,
    Released,
    Resumed,
    StoodDown,
    UnitAcknowledged,
    UnitEscalated,
    UnitOutcomeEvent,
    UnitUnreachable,
    UpwardReported,
)
from models.events.warning import (
    ActionAssigned,
    DutySwitched,
    ReserveChecked,
    ShortfallLine,
    StandbyCalled,
    WarningChanged,
    WarningEnded,
    WarningRaised,
)

PAYLOADS: dict[EventKind, type[Payload]] = {
    cls.kind: cls for cls in (Opened, Resumed, Graded, CommandPostSet, GroupActivated, UnitAcknowledged,
                              UnitEscalated, UnitUnreachable, GroupStoodDown, GroupFailed, Dispatched,
                              ApprovalOverdue, UpwardReported, LevelChanged, Released, StoodDown, RunFailed,
                              RunLost, DutyHandedOver, WarningRaised, ActionAssigned, StandbyCalled, ReserveChecked,
                              DutySwitched, WarningChanged, WarningEnded, OperatorActed)
}
UNIT_PAYLOADS: dict[UnitStatus, type[UnitOutcomeEvent]] = {
    UnitStatus.acknowledged: UnitAcknowledged, UnitStatus.escalated: UnitEscalated,
    UnitStatus.unreachable: UnitUnreachable}
# The entries an upward report lists as measures taken.
MEASURES = (EventKind.command_post, EventKind.group_activated, EventKind.dispatched, EventKind.level_changed)
SYSTEM = "ParkLink"  # the actor of what ParkLink itself did


class Event(BaseModel):
    """One entry a phase produced, before (or as) it is written; `key` makes it happen once."""

    model_config = ConfigDict(frozen=True)
    key: str
    actor: str
    payload: Payload
    at: datetime | None = None
    id: int | None = None
    incident: str | None = None  # set when read back from the record

    @property
    def kind(self) -> EventKind:
        return self.payload.kind

    def text(self, lang: str, names: Names | None = None) -> str:
        return self.payload.text(lang, names)

    def actor_text(self, lang: str, names: Names | None = None) -> str:
        """Who did it, as a person reads it: the person who answered for a unit's entry, a unit by name."""
        names = self.payload.names(names)
        if isinstance(self.payload, UnitOutcomeEvent):
            person = names.answered(self.payload.notifications)
            if person is not None:
                return names.person(person, lang)
            if self.actor == self.payload.unit:
                return names.unit_with_code(self.actor, lang)
        return names.actor(self.actor, lang)


def parse_payload(kind: str, data: dict) -> Payload:
    """A stored entry's payload, typed (ValueError for a kind this version does not know)."""
    return PAYLOADS[EventKind(kind)].model_validate(data)


__all__ = [
    "ActionAssigned",
    "DutySwitched",
    "ReserveChecked",
    "ShortfallLine",
    "StandbyCalled",
    "WarningChanged",
    "WarningEnded",
    "WarningRaised",
    "ApprovalOverdue",
    "BoardAction",
    "OperatorActed",
    "CommandPostSet",
    "Dispatched",
    "DutyHandedOver",
    "Event",
    "EventKind",
    "Graded",
    "GroupActivated",
    "GroupFailed",
    "GroupStoodDown",
    "LevelChanged",
    "LevelSetBy",
    "MEASURES",
    "NO_NAMES",
    "Names",
    "Opened",
    "PAYLOADS",
    "Payload",
    "Recipient",
    "Released",
    "Resumed",
    "RunFailed",
    "RunLost",
    "STATUS_LABELS",
    "SYSTEM",
    "StoodDown",
    "Texts",
    "UNIT_EVENT",
    "UNIT_PAYLOADS",
    "UnitAcknowledged",
    "UnitEscalated",
    "UnitOutcomeEvent",
    "UnitStatus",
    "UnitUnreachable",
    "UpwardReported",
    "parse_payload",
]
