"""A warning's result read back from its record (its log and row): `parklink warn show`, and a finished warning's
run. The same WarningResult a run returns, so the two always say the same."""

from __future__ import annotations

from sqlalchemy import Engine

from models.db import session_scope
from models.event_store import events
from models.events import ActionAssigned, ReserveChecked, UnitOutcomeEvent, UnitStatus, WarningChanged
from models.warning_store import get_warning
from tasks.warning.results import ActionResult, ReserveCheckResult, StandbyResult, WarningResult


def read_back(engine: Engine, warning_id: str) -> WarningResult:
    with session_scope(engine) as session:
        row = get_warning(session=session, warning_id=warning_id)
        found = events(session=session, warning=warning_id)
        result = WarningResult(warning=row.id, playbook=row.playbook_id, colour=row.colour, state=row.state,
                               drill=row.drill, flow_run_id=row.flow_run_id or "", incident=row.incident_id)
    assigned: dict[str, ActionAssigned] = {}
    answers: dict[str, UnitOutcomeEvent] = {}
    standby: dict[str, UnitOutcomeEvent] = {}
    reserve = ReserveCheckResult()
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
        elif isinstance(p, ReserveChecked):
            reserve = ReserveCheckResult(levels=p.levels, shortfalls=p.shortfalls, requisitions=p.requisitions,
                                         sent_to=p.sent_to,
                                         delivered=p.delivered)
    actions = []
    for action_id, a in assigned.items():
        answer = answers.get(action_id)
        actions.append(ActionResult(id=action_id, colour=a.colour, owner=a.owner,
                                    acknowledged=answer is not None and answer.status is not UnitStatus.unreachable,
                                    status=answer.status if answer else None,
                                    acked_by=answer.acked_by if answer else None))
    stand = StandbyResult(units=len(standby), notified=sum(bool(p.notifications) for p in standby.values()),
                          acknowledged=sum(p.status is not UnitStatus.unreachable for p in standby.values()),
                          unreached=sorted(u for u, p in standby.items() if p.status is UnitStatus.unreachable))
    return result.model_copy(update={"actions": actions, "standby": stand, "reserve_check": reserve})
