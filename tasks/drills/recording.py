"""When a drill is assessed: the units it exercised and its score go into the drill record (issue 14).

    record_drill_run(engine, run, plan, assessment) → DrillRecorded

Called once from the assessment task (tasks/response/assessing.py), for drills only: a live run records nothing
here. The units are the incident's enterprise and every unit the run notified (models/notification, context the
incident); the score is the weighted share of the assessment's checks met (tasks/drills/scoring.py, weights from
the playbook's `assessment_weights`). Idempotent: a re-run or a retried task records the same rows once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from models.db import session_scope
from models.drill_store import record_drill
from models.incident_store import get_incident
from models.notification import ContextKind, Notification
from models.playbook import ResolvedPlan
from tasks.drills.scoring import score
from tasks.response.results import AssessmentResult
from tasks.response.run import Run


@dataclass(frozen=True)
class DrillRecorded:
    recorded: bool
    units: int = 0
    score: float | None = None


def _facts(check) -> dict:
    """What the drill report shows of a check beside its weight: the KPI, its value against the threshold."""
    return {"kpi": check.kpi, "value": check.value, "threshold": check.threshold, "sense": check.sense,
            "label_zh": check.label.zh, "label_en": check.label.en}


def record_drill_run(engine, run: Run, plan: ResolvedPlan, assessment: AssessmentResult) -> DrillRecorded:
    if not run.drill:
        return DrillRecorded(recorded=False)
    result = score(assessment.checks, getattr(plan, "assessment_weights", None))
    with session_scope(engine) as session:
        incident = get_incident(session=session, incident_id=run.incident_id)
        units = session.exec(select(Notification.unit).where(Notification.context_kind == ContextKind.incident,
                                                             Notification.context_id == run.incident_id)).all()
        record_drill(session=session, incident=incident, units=set(units), score=result.value, met=result.met,
                     checks=result.checks, detail=[{**d, **_facts(c)} for d, c in zip(result.detail, assessment.checks,
                                                                                      strict=True)])
    return DrillRecorded(recorded=True, units=len(set(units)) + bool(incident.enterprise), score=result.value)
