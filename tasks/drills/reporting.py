"""The report to the county department per drill (decree 708 art. 8: 应急演练 … 报送县级应急管理部门), from the
drill record: unit, date, scenario, participants, KPIs, findings, score and the unit's previous scores.

    drill_report(engine, settings, incident, lang) → DrillReport(markdown, context)

Rendered from templates/drill-report.<lang>.md.j2 (sandboxed Jinja2, like the assessment). The previous scores are
those of the drills the same enterprise hosted before this one, oldest first, so a reviewer sees the trend.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.db import session_scope
from models.drill_store import get_score, participants, unit_history
from models.errors import InputError
from models.events import Texts
from models.i18n import localized
from models.incident_store import find_incident
from models.park_store import unit_names
from models.report_store import assessments
from tasks.documents import render_markdown
from tasks.response.context import pick
from tasks.response.runtime import library


@dataclass(frozen=True)
class DrillReport:
    incident: str
    markdown: str
    score: float | None
    previous: list[float | None]


def _title(settings, playbook: str, level: str, lang: str) -> str:
    try:
        plan = library(settings).resolve(playbook, level)
    except Exception:  # noqa: BLE001 — a playbook changed or gone since: its id still names the scenario
        return playbook
    return pick((plan.title_zh, plan.title_en), lang)


def drill_report(engine, settings, incident_id: str, lang: str) -> DrillReport:
    with session_scope(engine) as session:
        incident = find_incident(session=session, incident_id=incident_id)
        score = get_score(session=session, incident=incident_id)
        if incident is None or not incident.drill or score is None:
            raise InputError(f"incident `{incident_id}` is not an assessed drill; see `parklink drills history UNIT`",
                             exit_code=2)
        names = unit_names(session=session)
        people = [{"unit": p.unit, "name": pick(names.get(p.unit, (p.unit, p.unit)), lang), "role": p.role.value}
                  for p in participants(session=session, incident=incident_id)]
        history = unit_history(session=session, unit=incident.enterprise) if incident.enterprise else []
        records = {a.lang: a for a in assessments(session=session, incident=incident_id)}
    record = records.get(lang) or next(iter(records.values()), None)
    findings = {k: Texts.model_validate(v).pick(lang) for k, v in (record.findings if record else {}).items()}
    previous = [h for h in history if h.role.value == "enterprise" and h.at < incident.reported_at]
    context = {"incident": incident, "unit": pick(names.get(incident.enterprise or "", ("—", "—")), lang),
               "scenario": _title(settings, incident.playbook_id, incident.level, lang), "participants": people,
               "checks": [{**d, "label": localized(lang, d, "label")} for d in score.detail],
               "score": score, "findings": findings,
               "recommendations": record.recommendations if record and record.lang == lang else [],
               "previous": previous}
    markdown = render_markdown(settings.templates_dir, "drill-report", lang, context)
    return DrillReport(incident=incident_id, markdown=markdown, score=score.score, previous=[p.score for p in previous])
