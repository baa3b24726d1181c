"""What a joint meeting's agenda is built from, read from the database (tasks/meeting/agenda.py builds it).

    gather_inputs(engine, since=…, until=…, drills_due=None) → AgendaInputs

Drill compliance is another part of issue 14's: `drills_due` is its list of `models.drill_due.DrillDue` lines,
or a callable that returns them; without it the agenda says there is no drill compliance data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import Engine
from sqlmodel import select

from models.action import LIVE_STATES
from models.action_store import list_actions
from models.check_store import list_checks
from models.db import session_scope
from models.drill_due import DrillDue
from models.incident import Incident
from models.types import SHANGHAI
from tasks.meeting.agenda import AgendaAction, AgendaCheck, AgendaIncident, AgendaInputs

DrillsDue = Sequence[DrillDue] | Callable[[], Sequence[DrillDue]] | None


def gather_inputs(engine: Engine, *, since: date, until: date, drills_due: DrillsDue = None) -> AgendaInputs:
    due = drills_due() if callable(drills_due) else drills_due
    with session_scope(engine) as session:
        incidents = [AgendaIncident(id=i.id, type=i.playbook_id, level=i.level, drill=i.drill, status=str(i.status),
                                    reported_on=i.reported_at.astimezone(SHANGHAI).date())
                     for i in session.exec(select(Incident)).all()]
        actions = [AgendaAction(id=a.id, source=str(a.source), source_id=a.source_id, text=a.text, owner=a.owner,
                                due=a.due, state=str(a.state))
                   for a in list_actions(session=session, states=LIVE_STATES)]
        finished = [c for c in list_checks(session=session, limit=20) if c.finished_at is not None]
        check = None
        if finished:
            c = finished[0]
            check = AgendaCheck(id=c.id, on=c.started_at.date(), drill=c.drill, checked=c.checked,
                                acknowledged=c.acknowledged, escalated=c.escalated, unreachable=c.unreachable,
                                units_unreached=c.units_unreached)
    return AgendaInputs(since=since, until=until, incidents=[i for i in incidents if since <= i.reported_on <= until],
                        actions=actions,
                        check=check, drills_due=list(due or []))
