"""Phase 4 (pure): what a group's activation, its units' answers, a stand-down and a failure put on record."""

from __future__ import annotations

from datetime import datetime

from models.events import (
    SYSTEM,
    UNIT_PAYLOADS,
    Event,
    GroupActivated,
    GroupFailed,
    GroupStoodDown,
    Texts,
    UnitStatus,
)
from models.playbook import GroupPlan
from tasks.notify.outcome import UnitOutcome
from tasks.response.results import GroupResult, Outcome, UnitResult
from tasks.response.run import Run


def names(group: GroupPlan) -> Texts:
    return Texts(zh=group.name_zh, en=group.name_en)


def activation(run: Run, group: GroupPlan, units: list[str], *, commander_unit: str, added: bool) -> Event:
    """The entry that the group was activated — whole at its level, or (a raised level) its new members."""
    target = "+" + ",".join(units) if added else run.level
    return Event(key=run.key("group", group.key, "activated", target), actor=commander_unit,
                 payload=GroupActivated(group=group.key, number=group.number, name=names(group), units=units,
                                        level=run.level, added=added))


def group_outcome(run: Run, group: GroupPlan, units: list[str], outcomes: list[UnitOutcome],
                  now: datetime) -> Outcome[GroupResult]:
    """The group's result and one entry per unit: acknowledged, escalated or unreachable, and by whom."""
    events, results = [], []
    for out in outcomes:
        who = out.acked_by.label() if out.acked_by else None
        escalated = [p.label() for p in out.escalated_to]
        payload = UNIT_PAYLOADS[out.status](
            group=group.key, unit=out.unit, status=out.status, acked_by=who, acked_at=out.acked_at,
            eta_min=out.eta_min, escalated_to=escalated, problems=out.problems, notifications=out.notifications)
        events.append(Event(key=run.key("group", group.key, "unit", out.unit), actor=who or out.unit,
                            at=out.acked_at or now, payload=payload))
        results.append(UnitResult(unit=out.unit, status=out.status, acked_by=who, escalated_to=escalated,
                                  problems=out.problems))
    result = GroupResult(
        key=group.key, name=names(group).pick(run.lang), units=units,
        notified=sum(o.delivered for o in outcomes),
        acknowledged=sum(o.status is UnitStatus.acknowledged for o in outcomes),
        escalated=sum(o.status is UnitStatus.escalated for o in outcomes),
        unreachable=sum(o.status is UnitStatus.unreachable for o in outcomes), outcomes=results)
    return Outcome(result, events)


def stood_down(run: Run, group: GroupPlan, units: list[str], notified: int) -> Event:
    """A lowered level no longer has the group: its units were told (`notified` people)."""
    return Event(key=run.key("group", group.key, "stood-down", run.level), actor="commander",
                 payload=GroupStoodDown(group=group.key, number=group.number, name=names(group), level=run.level,
                                        units=units, notified=notified))


def failed(run: Run, errors: dict[str, str]) -> list[Event]:
    """One entry per group whose task failed (the others went on)."""
    return [Event(key=run.key("group", key, "failed"), actor=SYSTEM, payload=GroupFailed(group=key, error=error))
            for key, error in sorted(errors.items())]
