"""What the command-post board shows of one incident, computed from the record (pure).

    group_tile(group, messages, outcomes, now, time_scale)   one of the nine tiles: units notified /
        acknowledged / escalated / unreachable, the group's deadline and the time left to it
    report_line(report, now)     an upward report: due, sent, delivered k of n, its countdown and state
    countdown(seconds)           "12:05", "−03:10" (an overdue clock counts on, signed)

A unit counts as notified once a message about it reached someone (delivered), acknowledged once anyone of its
chain answered, escalated once its chain went past the primary liaison, unreachable once the group's outcome
says nobody answered. A tile is overdue when its deadline has passed and some unit has not acknowledged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class TileState(StrEnum):
    waiting = "waiting"  # inside the deadline, some units still silent
    complete = "complete"  # every unit acknowledged
    overdue = "overdue"  # past the deadline with units silent
    stood_down = "stood_down"


class ReportState(StrEnum):
    due = "due"  # not sent, deadline ahead
    overdue = "overdue"  # not sent, deadline passed
    on_time = "on_time"  # sent in time and delivered to every recipient
    late = "late"  # sent after its deadline
    undelivered = "undelivered"  # sent, but some recipient never got it


@dataclass(frozen=True)
class GroupFacts:
    key: str
    number: int
    name: str
    lead: str
    units: tuple[str, ...]
    activated_at: datetime | None
    deadline_min: float | None  # scenario minutes to acknowledge (the playbook's ack_deadline_min)
    stood_down: bool = False


@dataclass(frozen=True)
class MessageFacts:
    """One message of a group's chain (a notification row)."""

    unit: str
    step: int
    delivered: bool
    acked_at: datetime | None


@dataclass(frozen=True)
class Tile:
    key: str
    number: int
    name: str
    lead: str
    units: int
    notified: int
    acknowledged: int
    escalated: int
    unreachable: int
    deadline_at: datetime | None
    seconds_left: float | None
    state: TileState
    silent: tuple[str, ...] = field(default_factory=tuple)  # units not acknowledged yet

    @property
    def overdue(self) -> bool:
        return self.state is TileState.overdue


def countdown(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = int(abs(seconds) + (0 if seconds >= 0 else 0.999))
    hours, rest = divmod(total, 3600)
    text = f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"
    return text if seconds >= 0 else "−" + text


def deadline(start: datetime | None, minutes: float | None, time_scale: float) -> datetime | None:
    """A scenario deadline in real time: a drill on time scale 60 has one second for each minute."""
    if start is None or minutes is None:
        return None
    return start + timedelta(seconds=minutes * 60.0 / max(time_scale, 1e-9))


def group_tile(group: GroupFacts, messages: Iterable[MessageFacts], unreachable: Iterable[str], *, now: datetime,
               time_scale: float) -> Tile:
    units = list(dict.fromkeys(group.units))
    mine = [m for m in messages if m.unit in units]
    notified = {m.unit for m in mine if m.delivered}
    acked = {m.unit for m in mine if m.acked_at is not None}
    escalated = {m.unit for m in mine if m.step > 0}
    lost = set(unreachable) & set(units) - acked
    due = deadline(group.activated_at, group.deadline_min, time_scale)
    left = (due - now).total_seconds() if due is not None else None
    silent = tuple(u for u in units if u not in acked)
    if group.stood_down:
        state = TileState.stood_down
    elif units and not silent:
        state = TileState.complete
    elif left is not None and left < 0:
        state = TileState.overdue
    else:
        state = TileState.waiting
    return Tile(key=group.key, number=group.number, name=group.name, lead=group.lead, units=len(units),
                notified=len(notified), acknowledged=len(acked), escalated=len(escalated), unreachable=len(lost),
                deadline_at=due, seconds_left=left if state in (TileState.waiting, TileState.overdue) else None,
                state=state, silent=silent)


@dataclass(frozen=True)
class ReportFacts:
    seq: int
    due_at: datetime
    sent_at: datetime | None
    recipients: tuple[str, ...]
    delivered: int
    failed: int


@dataclass(frozen=True)
class ReportLine:
    seq: int
    due_at: datetime
    sent_at: datetime | None
    recipients: tuple[str, ...]
    delivered: int
    sent: int
    seconds_left: float | None  # to the deadline while it is not sent
    state: ReportState


def report_line(report: ReportFacts, *, now: datetime) -> ReportLine:
    sent = len(report.recipients)
    if report.sent_at is None:
        left = (report.due_at - now).total_seconds()
        state = ReportState.due if left >= 0 else ReportState.overdue
    else:
        left = None
        if report.sent_at > report.due_at:
            state = ReportState.late
        elif report.delivered < sent:
            state = ReportState.undelivered
        else:
            state = ReportState.on_time
    return ReportLine(seq=report.seq, due_at=report.due_at, sent_at=report.sent_at, recipients=report.recipients,
                      delivered=report.delivered, sent=sent, seconds_left=left, state=state)
