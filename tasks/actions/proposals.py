"""An assessment's KPIs not met become proposed corrective actions; the actions its report lists.

    kpi_actions(session, run=, plan=, checks=, groups=, settings=, propose=True) → [ActionLine]

Each target the assessment marked not met proposes one action (models.action_store.propose_action) under the key
`<incident>:kpi:<target>`, so assessing the same incident again proposes none: the source is `drill` for a drill
and `incident` for a real response, the text the target's recommendation (in the run's language), the owner the
unit the KPI points at (tasks/actions/owners.py), the due day PARKLINK_ACTION_DUE_DAYS after today in the park.
With `propose=False` (a report rendered again, in another language) nothing is written: the lines are read.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from models.action import ActionSource
from models.action_store import list_actions, propose_action
from models.events import Texts
from models.park_store import list_units, unit_names
from models.playbook import ResolvedPlan
from models.types import park_today
from tasks.actions.owners import kpi_owner
from tasks.actions.results import ActionLine
from tasks.assessment import GroupFacts, KpiCheck, recommendation
from tasks.response.run import Run


def kpi_key(incident: str, target: str) -> str:
    return f"{incident}:kpi:{target}"


def kpi_actions(session: Session, *, run: Run, plan: ResolvedPlan, checks: list[KpiCheck], groups: list[GroupFacts],
                settings, propose: bool = True) -> list[ActionLine]:
    missed = [c for c in checks if not c.met]
    if propose and missed:
        known = {u.code for u in list_units(session=session)}
        due = park_today() + timedelta(days=settings.action_due_days)
        source = ActionSource.drill if run.drill else ActionSource.incident
        for check in missed:
            owner = kpi_owner(check.target, plan=plan, groups=groups, enterprise=run.enterprise, known=known)
            propose_action(session=session, key=kpi_key(run.incident_id, check.target), source=source,
                           source_id=run.incident_id, text=recommendation(check).pick(run.lang), owner=owner,
                           due=due, kpi=check.target)
    labels, names, today = {c.target: c.label for c in checks}, unit_names(session=session), park_today()

    def named(code: str) -> Texts:
        zh, en = names.get(code, (code, code))
        return Texts(zh=zh, en=en)

    return [ActionLine(id=r.id, target=r.kpi, label=labels.get(r.kpi, Texts(zh=r.kpi, en=r.kpi)), owner=r.owner,
                       owner_name=named(r.owner), due=r.due, state=r.state_on(today))
            for r in list_actions(session=session, source_id=run.incident_id)
            if r.kpi is not None and r.key == kpi_key(run.incident_id, r.kpi)]
