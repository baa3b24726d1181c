"""What a joint meeting's agenda is built from, read from the database (tasks/meeting/agenda.py builds it).

    gather_inputs(engine, since=…, until=…) → AgendaInputs

Drill compliance is every active unit's line on the day of the meeting (models/drill_store.drill_compliance).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine
from sqlmodel import select

from models.action import LIVE_STATES
from models.action_store import list_actions
from models.check_store import list_checks
from models.db import session_scope
from models.drill_store import drill_compliance
from models.incident import Incident
from models.types import SHANGHAI
from tasks.meeting.agenda import AgendaAction, AgendaCheck, AgendaIncident, AgendaInputs


def gather_inputs(engine: Engine, *, since: date, until: date) -> AgendaInputs:
    with session_scope(engine) as session:
        due = drill_compliance(session, until)
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
                        check=check, drills_due=due)
