"""What a person did on the command-post board (issue 15): one entry per action, the user as its actor."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from models.events.base import EventKind, Payload
from models.events.names import Names
from models.i18n import tr


class BoardAction(StrEnum):
    level = "level"  # asked for another response level
    stand_down = "stand_down"
    approve = "approve"  # approved a requisition


class OperatorActed(Payload):
    kind: ClassVar[EventKind] = EventKind.operator_action
    action: BoardAction
    user: str
    role: str
    from_level: str | None = None
    to_level: str | None = None
    reason: str = ""
    requisition: int | None = None

    def text(self, lang: str, names: Names | None = None) -> str:
        if self.action is BoardAction.level:
            what = tr(lang, "asked for level {a} → {b}", a=self.from_level, b=self.to_level)
            what += tr(lang, " ({reason})", reason=self.reason) if self.reason else ""
        elif self.action is BoardAction.stand_down:
            what = tr(lang, "asked to stand down")
        else:
            what = tr(lang, "approved requisition {r}", r=self.requisition)
        return tr(lang, "on the board, {user} {what}", user=self.user, what=what)
