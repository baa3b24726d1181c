"""The run record as a typed contract: what a run's activity log (ICS 214) can say, one payload per kind.

    EventKind      every kind of entry; the `kind` column of `TimelineEvent`
    UnitStatus     how a unit's notification ended: acknowledged | escalated | unreachable
    Payload        base of the payload models; `text(lang)` is the entry as a person reads it (models.i18n)
    Event          what a phase produced: idempotency key, actor, time, payload — written by
                   `models.event_store.record_events`, read back typed by `models.event_store.events`

A phase never writes a kind as a string and a reader never parses one back: it writes `UnitAcknowledged(…)`
and reads `event.payload.acked_by`. Each payload's fields are exactly what its entry says, so the
timeline, the KPIs, the board and the reports are all read from the same facts.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from models.i18n import N_, is_english, listing, tr


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


class UnitStatus(StrEnum):
    """How one unit's notification ended (the chain of deputy → head → office included)."""

    acknowledged = "acknowledged"  # the primary liaison acknowledged
    escalated = "escalated"  # the primary stayed silent; someone up the chain was messaged
    unreachable = "unreachable"  # nobody in the chain acknowledged

    @property
    def event_kind(self) -> EventKind:
        return UNIT_EVENT[self]

    def label(self, lang: str) -> str:
        """The status as a table heading says it."""
        return tr(lang, STATUS_LABELS[self])


class Texts(BaseModel):
    """A text that comes with the record in both languages (a playbook's names, a grading reason)."""

    model_config = ConfigDict(frozen=True)
    zh: str
    en: str

    def pick(self, lang: str) -> str:
        return self.en if is_english(lang) else self.zh


class Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    kind: ClassVar[EventKind]

    def text(self, lang: str) -> str:  # pragma: no cover — every kind says its own
        raise NotImplementedError


class Opened(Payload):
    kind: ClassVar[EventKind] = EventKind.opened
    playbook: str
    hash: str
    title: Texts
    drill: bool

    def text(self, lang: str) -> str:
        return tr(lang, "playbook {title} launched ({mode}), hash {hash}", title=self.title.pick(lang),
                  mode=tr(lang, "drill") if self.drill else tr(lang, "live"), hash=self.hash[:12])


class Resumed(Payload):
    kind: ClassVar[EventKind] = EventKind.resumed

    def text(self, lang: str) -> str:
        return tr(lang, "run again with the same incident id: continuing, nothing notified or reserved twice")


class LevelSetBy(StrEnum):
    grading = "grading"
    operator = "operator"


class Graded(Payload):
    kind: ClassVar[EventKind] = EventKind.graded
    level: str
    set_by: LevelSetBy
    reason: Texts

    def text(self, lang: str) -> str:
        return tr(lang, "response level {level}: {reason}", level=self.level, reason=self.reason.pick(lang))


class CommandPostSet(Payload):
    kind: ClassVar[EventKind] = EventKind.command_post
    latitude: float
    longitude: float
    distance_m: float
    bearing_deg: float
    upwind: bool
    commander: Texts

    def text(self, lang: str) -> str:
        side = tr(lang, "upwind") if self.upwind else tr(lang, "crosswind")
        where = tr(lang, "{distance} m {side} of the source (bearing {bearing}°), outside the isolation zone",
                   distance=f"{self.distance_m:.0f}", side=side, bearing=f"{self.bearing_deg:.0f}")
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

    def text(self, lang: str) -> str:
        return tr(lang, "group {number} {name} activated: notifying {units}", number=self.number,
                  name=self.name.pick(lang), units=listing(lang, self.units))


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


class UnitAcknowledged(UnitOutcomeEvent):
    kind: ClassVar[EventKind] = EventKind.unit_acknowledged

    def text(self, lang: str) -> str:
        return tr(lang, "{unit} acknowledged ({who})", unit=self.unit, who=self.acked_by)


class UnitEscalated(UnitOutcomeEvent):
    kind: ClassVar[EventKind] = EventKind.unit_escalated

    def text(self, lang: str) -> str:
        text = tr(lang, "{unit}: primary silent, escalated to {people}", unit=self.unit,
                  people=listing(lang, self.escalated_to))
        return text + (tr(lang, "; {who} answered", who=self.acked_by) if self.acked_by else "")


class UnitUnreachable(UnitOutcomeEvent):
    kind: ClassVar[EventKind] = EventKind.unit_unreachable

    def text(self, lang: str) -> str:
        people = listing(lang, self.escalated_to) or tr(lang, "nobody")
        return tr(lang, "{unit} unreachable (escalated to {people})", unit=self.unit, people=people)


class GroupStoodDown(Payload):
    kind: ClassVar[EventKind] = EventKind.group_stood_down
    group: str
    number: int
    name: Texts
    level: str
    units: list[str]
    notified: int

    def text(self, lang: str) -> str:
        return tr(lang, "group {number} {name} stood down (level {level}), {n} notified", number=self.number,
                  name=self.name.pick(lang), level=self.level, n=self.notified)


class GroupFailed(Payload):
    kind: ClassVar[EventKind] = EventKind.group_failed
    group: str
    error: str

    def text(self, lang: str) -> str:
        return tr(lang, "group {group}: its task failed: {error}", group=self.group, error=self.error)


class Dispatched(Payload):
    kind: ClassVar[EventKind] = EventKind.dispatched
    level: str
    needs: list[str]
    reservations: int
    requisitions: int
    shortfall: int
    radius_m: float

    def text(self, lang: str) -> str:
        return tr(lang, "dispatch: {a} reserve allocations, {r} requisitions, shortfall {s} (no depot inside {radius} m)",
                  a=self.reservations, r=self.requisitions, s=self.shortfall, radius=f"{self.radius_m:g}")


class ApprovalOverdue(Payload):
    kind: ClassVar[EventKind] = EventKind.approval_overdue
    requisitions: list[int]

    def text(self, lang: str) -> str:
        return tr(lang, "requisition approval overdue, escalated to the leading-group office: {ids}",
                  ids=self.requisitions)


class UpwardReported(Payload):
    kind: ClassVar[EventKind] = EventKind.upward_report
    seq: int
    recipients: list[str]
    delivered: int
    sent: int
    on_time: bool

    def text(self, lang: str) -> str:
        label = tr(lang, "first report") if self.seq == 1 else tr(lang, "follow-up {n}", n=self.seq - 1)
        return tr(lang, "{report} sent upward ({recipients}), {delivered}/{sent} delivered", report=label,
                  recipients=listing(lang, self.recipients), delivered=self.delivered, sent=self.sent)


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

    def text(self, lang: str) -> str:
        none = tr(lang, "none")
        return tr(lang, "response level changed {before} → {after}: groups added {groups}, members added {members}, "
                        "{n} new resource needs", before=self.from_level, after=self.to_level,
                  groups=listing(lang, self.new_groups) or none, members=self.added_members or none,
                  n=len(self.new_needs))


class Released(Payload):
    kind: ClassVar[EventKind] = EventKind.released
    level: str
    needs: list[str]
    reduced: dict[str, int]
    released: int

    def text(self, lang: str) -> str:
        names = [*self.needs, *(f"{k}→{v}" for k, v in sorted(self.reduced.items()))]
        return tr(lang, "level lowered to {level}: {released} units no longer needed released ({needs})",
                  level=self.level, released=self.released, needs=listing(lang, names))


class StoodDown(Payload):
    kind: ClassVar[EventKind] = EventKind.stand_down
    released: int
    consumed: int
    cancelled_requisitions: list[int]
    open_requisitions: list[int]

    def text(self, lang: str) -> str:
        return tr(lang, "stand-down: {released} released, {consumed} consumed, {cancelled} undelivered requisitions "
                        "cancelled, {open} left for settlement", released=self.released, consumed=self.consumed,
                  cancelled=len(self.cancelled_requisitions), open=len(self.open_requisitions))


PAYLOADS: dict[EventKind, type[Payload]] = {
    cls.kind: cls for cls in (Opened, Resumed, Graded, CommandPostSet, GroupActivated, UnitAcknowledged,
                              UnitEscalated, UnitUnreachable, GroupStoodDown, GroupFailed, Dispatched,
                              ApprovalOverdue, UpwardReported, LevelChanged, Released, StoodDown)
}
UNIT_EVENT = {UnitStatus.acknowledged: EventKind.unit_acknowledged, UnitStatus.escalated: EventKind.unit_escalated,
              UnitStatus.unreachable: EventKind.unit_unreachable}
UNIT_PAYLOADS: dict[UnitStatus, type[UnitOutcomeEvent]] = {
    UnitStatus.acknowledged: UnitAcknowledged, UnitStatus.escalated: UnitEscalated,
    UnitStatus.unreachable: UnitUnreachable}
STATUS_LABELS = {UnitStatus.acknowledged: N_("acknowledged"), UnitStatus.escalated: N_("escalated"),
                 UnitStatus.unreachable: N_("unreachable")}
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

    @property
    def kind(self) -> EventKind:
        return self.payload.kind

    def text(self, lang: str) -> str:
        return self.payload.text(lang)


def parse_payload(kind: str, data: dict) -> Payload:
    """A stored entry's payload, typed (ValueError for a kind this version does not know)."""
    return PAYLOADS[EventKind(kind)].model_validate(data)
