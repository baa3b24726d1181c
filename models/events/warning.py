"""The payloads of a warning's entries (the warn flow, issue 13): one model per kind, with the text a person reads.

How each action owner and each unit on standby answered is written with the response's unit payloads
(`UNIT_PAYLOADS`, group `action:<id>` or `standby`), so the same words say who acknowledged or was escalated to.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from models.events.base import EventKind, Payload, Texts
from models.events.names import Names
from models.i18n import N_, listing, tr
from models.types import SHANGHAI
from models.warning_kinds import Colour, WarningSource, WarningState

COLOUR_WORDS = {Colour.blue: N_("blue"), Colour.yellow: N_("yellow"), Colour.orange: N_("orange"),
                Colour.red: N_("red")}


SOURCE_WORDS = {WarningSource.manual: N_("an operator"), WarningSource.cap: N_("a CAP alert"),
                WarningSource.enterprise: N_("an enterprise's report")}


def colour_text(colour: Colour, lang: str) -> str:
    return tr(lang, COLOUR_WORDS[Colour(colour)])


class WarningRaised(Payload):
    kind: ClassVar[EventKind] = EventKind.warning_raised
    playbook: str
    title: Texts
    colour: Colour
    drill: bool
    source: str
    where: str = ""
    expires: datetime | None = None

    def text(self, lang: str, names: Names | None = None) -> str:
        until = (tr(lang, ", until {t}", t=self.expires.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"))
                 if self.expires else "")
        return tr(lang, "{colour} warning for {title} ({mode}, from {source}){until}",
                  colour=colour_text(self.colour, lang), title=self.title.pick(lang),
                  mode=tr(lang, "drill") if self.drill else tr(lang, "live"),
                  source=tr(lang, SOURCE_WORDS[WarningSource(self.source)]), until=until)


class ActionAssigned(Payload):
    kind: ClassVar[EventKind] = EventKind.warning_action
    action: str
    colour: Colour
    owner: str
    what: Texts
    deadline_min: float

    def text(self, lang: str, names: Names | None = None) -> str:
        return tr(lang, "{colour} action {action} to {owner}: {what} (acknowledge within {m} min)",
                  colour=colour_text(self.colour, lang), action=self.action,
                  owner=self.names(names).unit(self.owner, lang), what=self.what.pick(lang),
                  m=format(self.deadline_min, "g"))


class StandbyCalled(Payload):
    kind: ClassVar[EventKind] = EventKind.standby
    colour: Colour
    units: list[str]
    all_units: bool

    def text(self, lang: str, names: Names | None = None) -> str:
        scope = tr(lang, "every linked unit") if self.all_units else tr(lang, "the units of the lowest response level")
        return tr(lang, "standby ({scope}): {n} unit(s) told to stand by", scope=scope, n=len(self.units))


class ShortfallLine(BaseModel):
    model_config = ConfigDict(frozen=True)
    level: str
    resource_type: str
    quantity: int


class ReserveChecked(Payload):
    kind: ClassVar[EventKind] = EventKind.reserve_check
    levels: list[str]
    shortfalls: list[ShortfallLine] = Field(default_factory=list)
    requisitions: list[ShortfallLine] = Field(default_factory=list)  # covered only by requisitioning (先征用)
    sent_to: str | None = None
    delivered: bool = False

    def text(self, lang: str, names: Names | None = None) -> str:
        if not self.shortfalls:
            found = tr(lang, "no shortfall at any level ({levels})", levels=", ".join(self.levels))
        else:
            found = listing(lang, [f"{s.level}: {s.resource_type} × {s.quantity}" for s in self.shortfalls])
            found = tr(lang, "shortfalls {found}", found=found)
        if self.requisitions:
            found += tr(lang, "; to requisition: {what}", what=listing(
                lang, [f"{s.level}: {s.resource_type} × {s.quantity}" for s in self.requisitions]))
        to = (tr(lang, "; sent to {unit}", unit=self.names(names).unit(self.sent_to, lang)) if self.sent_to and
              self.delivered else tr(lang, "; not delivered to the logistics lead"))
        return tr(lang, "reserve check: {found}", found=found) + to


class DutySwitched(Payload):
    kind: ClassVar[EventKind] = EventKind.duty_switched
    on: bool
    drill: bool

    def text(self, lang: str, names: Names | None = None) -> str:
        if self.drill:
            return tr(lang, "duty: special period rehearsed (a drill changes no real roster)")
        return (tr(lang, "duty: special period (day-and-night duty) until the warning is lifted") if self.on
                else tr(lang, "duty: back to the normal roster"))


class WarningChanged(Payload):
    kind: ClassVar[EventKind] = EventKind.warning_changed
    from_colour: Colour
    to_colour: Colour
    added_actions: list[str] = Field(default_factory=list)
    dropped_actions: list[str] = Field(default_factory=list)
    added_standby: int = 0
    released_standby: int = 0

    def text(self, lang: str, names: Names | None = None) -> str:
        text = tr(lang, "warning {a} → {b}", a=colour_text(self.from_colour, lang), b=colour_text(self.to_colour, lang))
        if self.added_actions:
            text += tr(lang, "; actions added: {ids}", ids=", ".join(self.added_actions))
        if self.dropped_actions:
            text += tr(lang, "; actions stood down: {ids}", ids=", ".join(self.dropped_actions))
        if self.added_standby:
            text += tr(lang, "; {n} more unit(s) on standby", n=self.added_standby)
        if self.released_standby:
            text += tr(lang, "; {n} unit(s) released from standby", n=self.released_standby)
        return text


class WarningEnded(Payload):
    kind: ClassVar[EventKind] = EventKind.warning_lifted
    state: WarningState
    reason: str
    released: int = 0
    closed_actions: list[str] = Field(default_factory=list)
    incident: str | None = None

    def text(self, lang: str, names: Names | None = None) -> str:
        head = {WarningState.lifted: tr(lang, "warning lifted"), WarningState.expired: tr(lang, "warning expired"),
                WarningState.promoted: tr(lang, "warning promoted to response {i}", i=self.incident or "")}
        text = head.get(self.state, self.state.value) + (f" ({self.reason})" if self.reason else "")
        text += tr(lang, "; {n} unit(s) released from standby", n=self.released)
        if self.closed_actions:
            text += tr(lang, "; open actions closed: {ids}", ids=", ".join(self.closed_actions))
        return text
