"""Phases 7–9 (pure): a level change applied, what a lowering released, stand-down, the assessment's input.

The assessment reads only the record: the typed entries of the activity log, the notification rows, the
upward reports and the dispatch rows — never a text parsed back.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from models.allocation import StandDownResult
from models.dispatch import DispatchNeed, Requisition, Reservation
from models.events import (
    SYSTEM,
    Event,
    EventKind,
    GroupActivated,
    GroupFailed,
    LevelChanged,
    Released,
    RunFailed,
    StoodDown,
    UnitOutcomeEvent,
    UnitUnreachable,
    UpwardReported,
)
from models.incident import Incident, LevelChange, UpwardReport
from models.notification import Notification
from models.playbook import ResolvedPlan
from tasks.assessment import AssessmentInput, DispatchFacts, GroupFacts, ReportFacts, UnitFacts
from tasks.response.levels import LevelDelta
from tasks.response.results import Undelivered, Unreached
from tasks.response.run import Run


def level_changed(run: Run, change: LevelChange, delta: LevelDelta) -> Event:
    summary = delta.summary()
    return Event(key=run.key("level", change.id), actor="commander",
                 payload=LevelChanged(change_id=change.id, from_level=change.from_level, to_level=change.to_level,
                                      **summary))


def released(run: Run, whole: list[str], reduce: dict[str, int], units: int) -> Event:
    return Event(key=run.key("release", run.level), actor="commander",
                 payload=Released(level=run.level, needs=whole, reduced=reduce, released=units))


def stood_down(run: Run, result: StandDownResult, at: datetime) -> Event:
    return Event(key=run.key("stand-down"), actor="commander", at=at,
                 payload=StoodDown(released=result.released, consumed=result.consumed,
                                   cancelled_requisitions=result.cancelled_requisitions,
                                   open_requisitions=result.open_requisitions))


def run_failed(run: Run, result: StandDownResult, error: str) -> Event:
    return Event(key=run.key("run-failed"), actor=SYSTEM,
                 payload=RunFailed(error=error, released=result.released,
                                   cancelled_requisitions=result.cancelled_requisitions))


def unreached(events: list[Event], plan: ResolvedPlan) -> list[Unreached]:
    """Every unit of the plan's groups whom nobody in its chain acknowledged."""
    keys = set(plan.group_keys)
    return [Unreached(group=e.payload.group, unit=e.payload.unit) for e in events
            if isinstance(e.payload, UnitUnreachable) and e.payload.group in keys]


def undelivered_reports(events: list[Event]) -> list[Undelivered]:
    return [Undelivered(seq=e.payload.seq, recipient=who) for e in events if isinstance(e.payload, UpwardReported)
            for who in e.payload.undelivered]


def failed_groups(events: list[Event]) -> dict[str, str]:
    return {e.payload.group: e.payload.error for e in events if isinstance(e.payload, GroupFailed)}


def assessment_input(incident: Incident, plan: ResolvedPlan, events: list[Event], *, notifications: list[Notification],
                     reports: list[UpwardReport], needs: list[DispatchNeed], reservations: list[Reservation],
                     requisitions: list[Requisition]) -> AssessmentInput:
    activated: dict[str, datetime] = {}
    units: dict[str, list[UnitFacts]] = {}
    for e in events:
        p = e.payload
        if isinstance(p, GroupActivated):
            activated.setdefault(p.group, e.at)
        elif isinstance(p, UnitOutcomeEvent):
            units.setdefault(p.group, []).append(UnitFacts(p.unit, p.status, p.acked_at, p.acked_by, p.escalated_to))
    errors = failed_groups(events)
    groups = [GroupFacts(g.key, g.name_zh, g.name_en, activated.get(g.key), units.get(g.key, []), error=errors.get(g.key))
              for g in plan.groups]
    dispatched = [e.at for e in events if e.kind is EventKind.dispatched]
    undelivered = {e.payload.seq: e.payload.undelivered for e in events if isinstance(e.payload, UpwardReported)}
    return AssessmentInput(
        incident=incident.id, level=incident.level, reported_at=incident.reported_at,
        command_post_at=incident.command_post_at, groups=groups,
        reports=[ReportFacts(r.seq, r.due_at, r.sent_at, r.delivered, len(r.recipients), undelivered.get(r.seq, []))
                 for r in reports],
        dispatch=DispatchFacts(requested=sum(n.quantity for n in needs), allocated=sum(n.allocated for n in needs),
                               requisitioned=sum(n.requisitioned for n in needs),
                               shortfall=sum(n.shortfall for n in needs),
                               etas_min=[r.eta_min for r in reservations if r.eta_min is not None],
                               requisitions_by_status=dict(Counter(str(q.status) for q in requisitions))),
        targets={k: float(v) for k, v in plan.assessment_targets.model_dump().items()}, time_scale=incident.time_scale,
        dispatched_at=min(dispatched) if dispatched else None,
        escalations=sum(r.step > 0 for r in notifications),
        failed_notifications=sum(r.delivered_at is None and r.failed_at is not None for r in notifications))
