"""A joint meeting's agenda, built from typed inputs (pure: no database, no Prefect).

    AgendaInputs   what the gathering step read: the year's incidents (real and drills: the 12 months up to the
                   meeting, `since`–`until`), corrective actions
                   not closed, the latest liaison check, drill compliance (models.drill_due.DrillDue lines)
    Agenda         the sections the meeting goes through, in order; `build_agenda(inputs, today)`
    agenda_text    the agenda in a few lines, for the invitation (SMS is one of the channels)
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from pydantic import BaseModel

from models.drill_due import DrillDue
from models.i18n import tr


class AgendaIncident(BaseModel):
    id: str
    type: str  # the playbook id
    level: str
    drill: bool
    reported_on: date
    status: str


class AgendaAction(BaseModel):
    id: str
    source: str
    source_id: str
    text: str
    owner: str
    due: date
    state: str


class AgendaCheck(BaseModel):
    id: int
    on: date
    drill: bool
    checked: int
    acknowledged: int
    escalated: int
    unreachable: int
    units_unreached: list[str] = []


class AgendaInputs(BaseModel):
    since: date
    until: date
    incidents: list[AgendaIncident] = []
    actions: list[AgendaAction] = []  # open and overdue (closed ones are not on the agenda)
    check: AgendaCheck | None = None
    drills_due: list[DrillDue] = []


class TypeCount(BaseModel):
    type: str
    real: int
    drills: int


class Agenda(BaseModel):
    since: date
    until: date
    incidents: list[AgendaIncident] = []  # real ones, by day
    drills: list[AgendaIncident] = []
    by_type: list[TypeCount] = []
    open_actions: list[AgendaAction] = []
    overdue_actions: list[AgendaAction] = []
    check: AgendaCheck | None = None
    compliance: list[DrillDue] = []
    compliance_overdue: list[DrillDue] = []


def build_agenda(inputs: AgendaInputs, today: date) -> Agenda:
    """The year's incidents and drills (by day), actions (overdue: past their due day on `today`), the check,
    drill compliance (the overdue units first)."""
    year = [i for i in sorted(inputs.incidents, key=lambda i: (i.reported_on, i.id))
            if inputs.since <= i.reported_on <= inputs.until]
    counts = Counter((i.type, i.drill) for i in year)
    types = sorted({i.type for i in year})
    actions = sorted(inputs.actions, key=lambda a: (a.due, a.id))
    overdue = [a for a in actions if a.state == "overdue" or (a.state == "open" and a.due < today)]
    compliance = sorted(inputs.drills_due, key=lambda d: (not d.overdue, d.next_due, d.unit))
    return Agenda(since=inputs.since, until=inputs.until, incidents=[i for i in year if not i.drill], drills=[i for i in year if i.drill],
                  by_type=[TypeCount(type=t, real=counts[(t, False)], drills=counts[(t, True)]) for t in types],
                  open_actions=[a for a in actions if a not in overdue], overdue_actions=overdue, check=inputs.check,
                  compliance=compliance, compliance_overdue=[d for d in compliance if d.overdue])


def agenda_text(lang: str, agenda: Agenda) -> str:
    """Four numbered lines: incidents and drills, actions, the liaison check, drill compliance."""
    lines = [tr(lang, "1. The year {since} – {until}: {real} incident(s), {drills} drill(s)",
                since=agenda.since.isoformat(), until=agenda.until.isoformat(), real=len(agenda.incidents),
                drills=len(agenda.drills)),
             tr(lang, "2. Corrective actions: {open} open, {overdue} overdue", open=len(agenda.open_actions),
                overdue=len(agenda.overdue_actions))]
    if agenda.check is None:
        lines.append(tr(lang, "3. Liaison directory check: none yet"))
    else:
        c = agenda.check
        lines.append(tr(lang, "3. Liaison directory check #{id} ({on}): {a}/{n} acknowledged, {u} unit(s) reached "
                        "nobody", id=c.id, on=c.on.isoformat(), a=c.acknowledged, n=c.checked,
                        u=len(c.units_unreached)))
    if not agenda.compliance:
        lines.append(tr(lang, "4. Drill compliance: no drill compliance data"))
    else:
        lines.append(tr(lang, "4. Drill compliance: {n} unit(s) overdue of {total}",
                        n=len(agenda.compliance_overdue), total=len(agenda.compliance)))
    return "\n".join(lines)
