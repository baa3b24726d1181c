"""A warning's result read back from its record (its log and row): `parklink warn show`, and a finished warning's
run. The same WarningResult a run returns, so the two always say the same."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import select

from models.db import session_scope
from models.event_store import events
from models.events import (
    ActionAssigned,
    ReserveChecked,
    StandbyCalled,
    UnitOutcomeEvent,
    UnitStatus,
    WarningChanged,
)
from models.notification import ContextKind, Notification
from models.warning_store import get_warning
from tasks.warning.results import ActionResult, ReserveCheckResult, StandbyResult, WarningResult


def read_back(engine: Engine, warning_id: str) -> WarningResult:
    with session_scope(engine) as session:
        row = get_warning(session=session, warning_id=warning_id)
        found = events(session=session, warning=warning_id)
        sent = session.exec(select(Notification).where(Notification.context_kind == ContextKind.warning,
                                                       Notification.context_id == warning_id)).all()
        # who was messaged and who answered, as the messages say (a wave stopped before its outcome was written
        # — the warning ended while it was chasing — still counts what it sent)
        delivered = {(r.group, r.unit) for r in sent if r.delivered_at is not None
                     and not r.message_kind.startswith(("release", "stand-down"))}
        acked = {(r.group, r.unit) for r in sent if r.acked_at is not None}
        result = WarningResult(warning=row.id, playbook=row.playbook_id, colour=row.colour, state=row.state,
                               drill=row.drill, flow_run_id=row.flow_run_id or "", incident=row.incident_id)
    assigned: dict[str, ActionAssigned] = {}
    answers: dict[str, UnitOutcomeEvent] = {}
    standby: dict[str, UnitOutcomeEvent] = {}
    reserve = ReserveCheckResult()
    called: set[str] = set()
    for event in found:
        p = event.payload
        if isinstance(p, ActionAssigned):
            assigned[p.action] = p
            answers.pop(p.action, None)  # assigned again (a colour raised again): its new answer counts
        elif isinstance(p, WarningChanged):
            for dropped in p.dropped_actions:
                assigned.pop(dropped, None)
        elif isinstance(p, UnitOutcomeEvent) and p.group.startswith("action:"):
            answers[p.group.removeprefix("action:")] = p
        elif isinstance(p, UnitOutcomeEvent) and p.group == "standby":
            standby[p.unit] = p
        elif isinstance(p, StandbyCalled):
            called.update(p.units)
        elif isinstance(p, ReserveChecked):
            reserve = ReserveCheckResult(levels=p.levels, shortfalls=p.shortfalls, requisitions=p.requisitions,
                                         sent_to=p.sent_to,
                                         delivered=p.delivered)
    actions = []
    for action_id, a in assigned.items():
        answer = answers.get(action_id)
        actions.append(ActionResult(id=action_id, colour=a.colour, owner=a.owner,
                                    acknowledged=(f"action:{action_id}", a.owner) in acked,
                                    status=answer.status if answer else None,
                                    acked_by=answer.acked_by if answer else None))
    stand = StandbyResult(units=len(called), notified=sum(("standby", u) in delivered for u in called),
                          acknowledged=sum(("standby", u) in acked for u in called),
                          unreached=sorted(u for u, p in standby.items() if p.status is UnitStatus.unreachable))
    return result.model_copy(update={"actions": actions, "standby": stand, "reserve_check": reserve})
