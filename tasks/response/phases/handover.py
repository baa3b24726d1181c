"""Duty handover during a running incident, pure: which shift changes are due, what the incoming officer is told.

    due_handovers(rosters, units, reported_at, now, done, incident_id)  [HandoverDue]: each watched unit whose
        duty officer's shift began after the incident was reported, and is not yet handed over (`done` keys)
    handover_key(incident_id, unit, role, shift_start)   the idempotency key of one handover
    group_states(plan_groups, enterprise, acked, activated_at, time_scale)   [GroupState] for the message
    handover_event(run, due, notification)               the timeline entry (EventKind.duty_handover)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from models.duty import DutyRole
from models.events import SYSTEM, DutyHandedOver, Event
from models.playbook import GroupPlan
from tasks.duty.roster import UnitRoster, on_duty
from tasks.response.context import unit_codes
from tasks.response.run import Run

ROLE = DutyRole.duty_officer


@dataclass(frozen=True)
class HandoverDue:
    unit: str
    role: DutyRole
    incoming: str
    outgoing: str | None
    shift_start: datetime
    key: str


@dataclass(frozen=True)
class ActionState:
    id: str
    item_zh: str
    item_en: str
    owner: str
    due_at: datetime | None


@dataclass(frozen=True)
class GroupState:
    key: str
    number: int
    name_zh: str
    name_en: str
    acked: int
    total: int
    open_actions: list[ActionState] = field(default_factory=list)


def handover_key(incident_id: str, unit: str, role: DutyRole, shift_start: datetime) -> str:
    return f"{incident_id}:handover:{unit}:{role.value}:{shift_start.isoformat()}"


def due_handovers(rosters: dict[str, UnitRoster], units: list[str], *, reported_at: datetime, now: datetime,
                  done: set[str], incident_id: str) -> list[HandoverDue]:
    out = []
    for unit in dict.fromkeys(units):
        roster = rosters.get(unit)
        if roster is None:
            continue
        current = on_duty(roster, now).get(ROLE)
        if current is None or current.start <= reported_at:
            continue
        key = handover_key(incident_id, unit, ROLE, current.start)
        if key in done:
            continue
        before = on_duty(roster, current.start - timedelta(microseconds=1)).get(ROLE)
        out.append(HandoverDue(unit, ROLE, current.name, before.name if before else None, current.start, key))
    return out


def watched_units(groups: list[GroupPlan], enterprise: str | None, office: str | None) -> list[str]:
    """The incident's units (every group's, the enterprise filled in) and the office."""
    units = [u for g in groups for u in unit_codes(g.units, enterprise)]
    return list(dict.fromkeys([*units, *([office] if office else [])]))


def group_states(groups: list[GroupPlan], enterprise: str | None, *, acked: dict[str, set[str]],
                 activated_at: dict[str, datetime], time_scale: float) -> list[GroupState]:
    """Each activated group: its units that acknowledged of all, and its check-list (no item is recorded as
    done, so every item is open) with the time each is due."""
    out = []
    for g in sorted(groups, key=lambda g: g.number):
        if g.key not in activated_at:
            continue
        units = unit_codes(g.units, enterprise)
        start = activated_at[g.key]
        actions = [ActionState(a.id, a.item_zh, a.item_en, unit_codes([a.owner], enterprise)[0]
                               if unit_codes([a.owner], enterprise) else a.owner,
                               start + timedelta(minutes=a.deadline_min / time_scale)) for a in g.actions]
        out.append(GroupState(g.key, g.number, g.name_zh, g.name_en, len(acked.get(g.key, set()) & set(units)),
                              len(units), actions))
    return out


def handover_event(run: Run, due: HandoverDue, *, delivered: bool, notification_id: int | None,
                   at: datetime) -> Event:
    return Event(key=due.key, actor=SYSTEM, at=at,
                 payload=DutyHandedOver(unit=due.unit, role=due.role.value, incoming=due.incoming,
                                        outgoing=due.outgoing, shift_start=due.shift_start, delivered=delivered,
                                        notification_id=notification_id))
