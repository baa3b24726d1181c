"""The payloads of the response's entries (respond flow): one model per kind, with the text a person reads."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from models.events.base import EventKind, LevelSetBy, Payload, Texts, UnitStatus
from models.events.names import Names
from models.i18n import listing, tr


class Opened(Payload):
    kind: ClassVar[EventKind] = EventKind.opened
    playbook: str
    hash: str
    title: Texts
    drill: bool
    manual_approval: bool = Field(default=False, description="a drill whose requisitions all wait for the commander")

    def text(self, lang: str, names: Names | None = None) -> str:
        mode = tr(lang, "drill") if self.drill else tr(lang, "live")
        if self.manual_approval:
            mode = tr(lang, "drill, requisitions approved by the commander")
        return tr(lang, "playbook {title} launched ({mode}), hash {hash}", title=self.title.pick(lang), mode=mode,
                  hash=self.hash[:12])


class Resumed(Payload):
    kind: ClassVar[EventKind] = EventKind.resumed

    def text(self, lang: str, names: Names | None = None) -> str:
        return tr(lang, "run again with the same incident id: continuing, nothing notified or reserved twice")


class Graded(Payload):
    kind: ClassVar[EventKind] = EventKind.graded
    level: str
    set_by: LevelSetBy
    reason: Texts

    def text(self, lang: str, names: Names | None = None) -> str:
        return tr(lang, "response level {level}: {reason}", level=self.level, reason=self.reason.pick(lang))


def site_text(lang: str, *, distance_m: float, bearing_deg: float, upwind: bool) -> str:
    """Where the command post stands, as people read it (the siting's reason and the log entry say the same)."""
    side = tr(lang, "upwind") if upwind else tr(lang, "crosswind")
    return tr(lang, "{distance} m {side} of the source (bearing {bearing}°), outside the isolation zone",
              distance=format(distance_m, ".0f"), side=side, bearing=format(bearing_deg, ".0f"))


class CommandPostSet(Payload):
    kind: ClassVar[EventKind] = EventKind.command_post
    latitude: float
    longitude: float
    distance_m: float
    bearing_deg: float
    upwind: bool
    commander: Texts
    wind_from_deg: float | None = None  # the wind the siting used (None in records before it was kept)

    def text(self, lang: str, names: Names | None = None) -> str:
        where = site_text(lang, distance_m=self.distance_m, bearing_deg=self.bearing_deg, upwind=self.upwind)
        return tr(lang, "command post set up {where}; commander {commander}; the coordination group runs its office",
                  where=where, commander=self.commander.pick(lang))


class GroupActivated(Payload):
    kind: ClassVar[EventKind] = EventKind.group_activated
    group: str
    number: int
    name: Texts
    units: list[str]
    level: str
    added: bool = Field(default=False, description="only the members a raised level adds")

    def text(self, lang: str, names: Names | None = None) -> str:
        return tr(lang, "group {number} {name} activated: notifying {units}", number=self.number,
                  name=self.name.pick(lang), units=self.names(names).unit_list(self.units, lang))


class UnitOutcomeEvent(Payload):
    """How one unit of a group answered; one entry per (group, unit)."""

    group: str
    unit: str
    status: UnitStatus
    acked_by: str | None = None
    acked_at: datetime | None = None
    eta_min: int | None = None
    escalated_to: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    notifications: list[int] = Field(default_factory=list)

    def who_answered(self, lang: str, names: Names | None) -> str | None:
        """The person who acknowledged, by name when `names` knows the messages, else as recorded."""
        names = self.names(names)
        person = names.answered(self.notifications)
        return names.person(person, lang, of_unit=self.unit) if person else self.acked_by

    def people_messaged(self, lang: str, names: Names | None) -> list[str]:
        """Who was messaged up the chain, by name when `names` knows the messages, else as recorded."""
        names = self.names(names)
        people = names.escalated(self.notifications)
        return [names.person(p, lang, of_unit=self.unit) for p in people] if people else list(self.escalated_to)


class UnitAcknowledged(UnitOutcomeEvent):
    kind: ClassVar[EventKind] = EventKind.unit_acknowledged

    def text(self, lang: str, names: Names | None = None) -> str:
        return tr(lang, "{unit} acknowledged ({who})", unit=self.names(names).unit(self.unit, lang),
                  who=self.who_answered(lang, names))


class UnitEscalated(UnitOutcomeEvent):
    kind: ClassVar[EventKind] = EventKind.unit_escalated

    def text(self, lang: str, names: Names | None = None) -> str:
        text = tr(lang, "{unit}: primary silent, escalated to {people}", unit=self.names(names).unit(self.unit, lang),
                  people=listing(lang, self.people_messaged(lang, names)))
        who = self.who_answered(lang, names)
        return text + (tr(lang, "; {who} answered", who=who) if who else "")


class UnitUnreachable(UnitOutcomeEvent):
    kind: ClassVar[EventKind] = EventKind.unit_unreachable

    def text(self, lang: str, names: Names | None = None) -> str:
        people = listing(lang, self.people_messaged(lang, names)) or tr(lang, "nobody")
        return tr(lang, "{unit} unreachable (escalated to {people})", unit=self.names(names).unit(self.unit, lang),
                  people=people)


class GroupStoodDown(Payload):
    kind: ClassVar[EventKind] = EventKind.group_stood_down
    group: str
    number: int
    name: Texts
    level: str
    units: list[str]
    notified: int

    def text(self, lang: str, names: Names | None = None) -> str:
        return tr(lang, "group {number} {name} stood down (level {level}), {n} notified", number=self.number,
                  name=self.name.pick(lang), level=self.level, n=self.notified)


class GroupFailed(Payload):
    kind: ClassVar[EventKind] = EventKind.group_failed
    group: str
    error: str

    def text(self, lang: str, names: Names | None = None) -> str:
        return tr(lang, "group {group}: its task failed: {error}", group=self.group, error=self.error)


class Dispatched(Payload):
    kind: ClassVar[EventKind] = EventKind.dispatched
    level: str
    needs: list[str]
    reservations: int
    requisitions: int
    shortfall: int
    radius_m: float

    def text(self, lang: str, names: Names | None = None) -> str:
        return tr(lang, "dispatch: {a} reserve allocations, {r} requisitions, shortfall {s} (no depot inside {radius} m)",
                  a=self.reservations, r=self.requisitions, s=self.shortfall, radius=format(self.radius_m, "g"))


class ApprovalOverdue(Payload):
    kind: ClassVar[EventKind] = EventKind.approval_overdue
    requisitions: list[int]

    def text(self, lang: str, names: Names | None = None) -> str:
        return tr(lang, "requisition approval overdue, escalated to the leading-group office: {ids}",
                  ids=self.requisitions)


class UpwardReported(Payload):
    kind: ClassVar[EventKind] = EventKind.upward_report
    seq: int
    recipients: list[str]
    delivered: int
    sent: int
    on_time: bool  # sent before its deadline and delivered to every recipient
    undelivered: list[str] = Field(default_factory=list)  # recipients it never reached

    def text(self, lang: str, names: Names | None = None) -> str:
        label = tr(lang, "first report") if self.seq == 1 else tr(lang, "follow-up {n}", n=self.seq - 1)
        return tr(lang, "{report} sent upward ({recipients}), {delivered}/{sent} delivered", report=label,
                  recipients=self.names(names).unit_list(self.recipients, lang), delivered=self.delivered,
                  sent=self.sent)


class LevelChanged(Payload):
    kind: ClassVar[EventKind] = EventKind.level_changed
    change_id: int
    from_level: str
    to_level: str
    new_groups: list[str]
    added_members: dict[str, list[str]]
    new_needs: list[str]
    dropped_groups: list[str]
    dropped_needs: list[str]

    def text(self, lang: str, names: Names | None = None) -> str:
        none, names = tr(lang, "none"), self.names(names)
        members = listing(lang, [tr(lang, "{group}: {units}", group=group, units=names.unit_list(units, lang))
                                 for group, units in self.added_members.items()])
        return tr(lang, "response level changed {before} → {after}: groups added {groups}, members added {members}, "
                        "{n} new resource needs", before=self.from_level, after=self.to_level,
                  groups=listing(lang, self.new_groups) or none, members=members or none,
                  n=len(self.new_needs))


class Released(Payload):
    kind: ClassVar[EventKind] = EventKind.released
    level: str
    needs: list[str]
    reduced: dict[str, int]
    released: int

    def text(self, lang: str, names: Names | None = None) -> str:
        names = [*self.needs, *(f"{k}→{v}" for k, v in sorted(self.reduced.items()))]
        return tr(lang, "level lowered to {level}: {released} units no longer needed released ({needs})",
                  level=self.level, released=self.released, needs=listing(lang, names))


class StoodDown(Payload):
    kind: ClassVar[EventKind] = EventKind.stand_down
    released: int
    consumed: int
    cancelled_requisitions: list[int]
    open_requisitions: list[int]

    def text(self, lang: str, names: Names | None = None) -> str:
        return tr(lang, "stand-down: {released} released, {consumed} consumed, {cancelled} undelivered requisitions "
                        "cancelled, {open} left for settlement", released=self.released, consumed=self.consumed,
                  cancelled=len(self.cancelled_requisitions), open=len(self.open_requisitions))
