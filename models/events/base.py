"""The vocabulary of the run record: kinds of entries, unit statuses, the payload base, texts in two languages."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from models.events.names import Names
from models.events.texts import Texts
from models.i18n import N_, tr

__all__ = ["STATUS_LABELS", "UNIT_EVENT", "EventKind", "LevelSetBy", "Payload", "Texts", "UnitStatus"]


class EventKind(StrEnum):
    opened = "opened"
    resumed = "resumed"
    graded = "graded"
    command_post = "command_post"
    group_activated = "group_activated"
    unit_acknowledged = "unit_acknowledged"
    unit_escalated = "unit_escalated"
    unit_unreachable = "unit_unreachable"
    group_stood_down = "group_stood_down"
    group_failed = "group_failed"
    dispatched = "dispatched"
    approval_overdue = "approval_overdue"
    upward_report = "upward_report"
    level_changed = "level_changed"
    released = "released"
    stand_down = "stand_down"
    run_failed = "run_failed"
    run_lost = "run_lost"
    duty_handover = "duty_handover"
    warning_raised = "warning_raised"
    warning_action = "warning_action"
    standby = "standby"
    reserve_check = "reserve_check"
    duty_switched = "duty_switched"
    warning_changed = "warning_changed"
    warning_lifted = "warning_lifted"
    operator_action = "operator_action"  # a person acted on the board (models/events/board.py)


class UnitStatus(StrEnum):
    """How one unit's notification ended (the escalation chain included)."""

    acknowledged = "acknowledged"  # the primary liaison acknowledged
    escalated = "escalated"  # the primary stayed silent; someone up the chain was messaged
    unreachable = "unreachable"  # nobody in the chain acknowledged

    @property
    def event_kind(self) -> EventKind:
        return UNIT_EVENT[self]

    def label(self, lang: str) -> str:
        """The status as a table heading says it."""
        return tr(lang, STATUS_LABELS[self])


class Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    kind: ClassVar[EventKind]
    who: Names = Field(default_factory=Names, description="names of the units and people the entry names, as the "
                                                          "directory had them when it was written (none in older rows)")

    def names(self, names: Names | None) -> Names:
        """The names to say the entry with: the reader's (current) when given, else those written with it."""
        return self.who if names is None else names

    def text(self, lang: str, names: Names | None = None) -> str:  # pragma: no cover — every kind says its own
        """The entry as a person reads it in `lang`; units and people by name when `names` knows them."""
        raise NotImplementedError


class LevelSetBy(StrEnum):
    grading = "grading"
    operator = "operator"


UNIT_EVENT = {UnitStatus.acknowledged: EventKind.unit_acknowledged, UnitStatus.escalated: EventKind.unit_escalated,
              UnitStatus.unreachable: EventKind.unit_unreachable}
STATUS_LABELS = {UnitStatus.acknowledged: N_("acknowledged"), UnitStatus.escalated: N_("escalated"),
                 UnitStatus.unreachable: N_("unreachable")}
