"""Phase 9 as a Prefect task: the after-action assessment, from the record, in Markdown and HTML.

`render_assessment` reads the incident's record through the store functions, assesses it (tasks.assessment,
pure) and renders it (tasks.documents) in the run's language, writing nothing: `parklink report --lang` calls
it for another language. With `propose` (the run's own assessment), every KPI not met first proposes its
corrective action, once per incident and target (tasks/actions/proposals.py); the report and the result list
the incident's actions. `write_assessment` also stores it (`AssessmentRecord`: the report, read from the
database on any machine) and, only when PARKLINK_REPORTS_DIR is set, writes the files under it (the record
keeps their paths relative to that directory, never one machine's absolute path). The report shows the
incident's figures (tasks/maps/figures.py: the site map, the acknowledgement chart): inline in the HTML,
linked from the Markdown, and written as SVG files beside it (`<id>/site-map.svg`, `<id>/ack-chart.svg`).
The task also records groups whose task failed and publishes the artifacts `assessment-<id>`, `kpis-<id>`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from prefect import task
from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from prefect.cache_policies import NO_CACHE

from models.db import session_scope
from models.dispatch_store import list_dispatch_needs, list_reservations
from models.errors import ParkLinkError
from models.event_store import events, timeline
from models.i18n import tr
from models.incident_store import get_incident
from models.notification import ContextKind
from models.notification_store import notifications
from models.playbook import ResolvedPlan
from models.report_store import save_assessment, upward_reports
from models.requisition_store import list_requisitions
from tasks.actions.proposals import kpi_actions
from tasks.assessment import assess
from tasks.documents import figure_file, render_html, render_markdown
from tasks.drills.recording import record_drill_run
from tasks.maps.figures import Figure, incident_figures
from tasks.response.context import pick
from tasks.response.phases import closing as closing_phase
from tasks.response.phases import groups as groups_phase
from tasks.response.phases.story import assessment_line
from tasks.response.results import AssessmentResult
from tasks.response.run import Run
from tasks.response.runtime import db, settings_for, unit_names
from tasks.run_log import record, say

log = logging.getLogger(__name__)


def report_figures(engine, settings, incident_id: str, lang: str) -> list[Figure]:
    """The figures of the report; a site file that cannot be read costs the pictures, never the assessment."""
    try:
        return incident_figures(engine, settings, incident_id, lang)
    except ParkLinkError as exc:
        log.warning("the assessment of %s goes without its figures: %s", incident_id, exc)
        return []


def render_assessment(engine, settings, run: Run, plan: ResolvedPlan, *, propose: bool = False) -> AssessmentResult:
    """Assess the incident from its records and render Markdown and HTML in `run.lang`; nothing is written but,
    with `propose`, the corrective actions of the KPIs not met."""
    lang, incident_id = run.lang, run.incident_id
    names = unit_names(engine)
    figures = report_figures(engine, settings, incident_id, lang)
    with session_scope(engine) as session:
        incident = get_incident(session=session, incident_id=incident_id)
        record = events(session=session, incident=incident_id)
        data = closing_phase.assessment_input(
            incident, plan, record,
            notifications=notifications(session=session, context_kind=ContextKind.incident, context_id=incident_id),
            reports=upward_reports(session=session, incident=incident_id),
            needs=list_dispatch_needs(session=session, incident_id=incident_id),
            reservations=list_reservations(session=session, incident_id=incident_id),
            requisitions=list_requisitions(session=session, incident_id=incident_id))
        result = assess(data)
        actions = kpi_actions(session, run=run, plan=plan, checks=result.checks, groups=data.groups,
                              settings=settings, propose=propose)
        context = {"incident": incident, "plan_title": pick((plan.title_zh, plan.title_en), lang),
                   "enterprise_name": pick(names.get(incident.enterprise or "", ("", "")), lang),
                   "kpis": result.kpis, "checks": result.checks, "findings": result.findings,
                   "recommendations": result.recommendations, "groups": data.groups,
                   "timeline": timeline(session=session, incident=incident_id, lang=lang), "actions": actions,
                   "figures": {f.key: f for f in figures}}
        title = tr(lang, "After-action assessment {incident}", incident=incident_id)
        markdown = render_markdown(settings.templates_dir, "assessment", lang, context)
        html = render_html(settings.templates_dir, "assessment", lang, context, title=title)
    return AssessmentResult(kpis=result.kpis, markdown=None, html=None, checks=result.checks,
                            recommendations=result.recommendations, title=title, markdown_text=markdown,
                            html_text=html, findings={k: v.model_dump() for k, v in result.findings.items()},
                            unreached=closing_phase.unreached(record, plan),
                            undelivered_reports=closing_phase.undelivered_reports(record),
                            actions=[a.id for a in actions], figures={f.key: f.svg for f in figures})


def report_files(reports_dir: Path | None, incident_id: str, lang: str) -> tuple[str, str] | None:
    """Where the report's files go, relative to PARKLINK_REPORTS_DIR (None when it is not set: no files)."""
    if reports_dir is None:
        return None
    return f"{incident_id}/assessment.{lang}.md", f"{incident_id}/assessment.{lang}.html"


def write_assessment(engine, settings, run: Run, plan: ResolvedPlan) -> AssessmentResult:
    """Render the assessment (render_assessment), store it (`AssessmentRecord`, the report every machine reads)
    and, when PARKLINK_REPORTS_DIR is set, write it there too: the record keeps the paths relative to it."""
    out = render_assessment(engine, settings, run, plan, propose=True)
    files = report_files(settings.reports_dir, run.incident_id, run.lang)
    if files is not None:
        root = Path(settings.reports_dir)
        for relative, text in zip(files, (out.markdown_text, out.html_text), strict=True):
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text, encoding="utf-8")
        for key, svg in out.figures.items():  # beside the Markdown, which links them by these names
            (root / run.incident_id / figure_file(key)).write_text(svg, encoding="utf-8")
    md_path, html_path = files or (None, None)
    with session_scope(engine) as session:
        save_assessment(session=session, incident=run.incident_id, lang=run.lang, kpis=out.kpis,
                        findings=out.findings, recommendations=[r.pick(run.lang) for r in out.recommendations],
                        markdown=out.markdown_text, html=out.html_text, markdown_path=md_path, html_path=html_path)
    return out.model_copy(update={"markdown": md_path, "html": html_path})


def kpi_table(result: AssessmentResult) -> list[dict[str, object]]:
    """The rows of the `kpis-<id>` table artifact: every target checked, then every scalar KPI."""
    return ([{"target": c.target, "value": c.value, "threshold": c.threshold, "met": c.met} for c in result.checks]
            + [{"target": k, "value": v, "threshold": None, "met": None}
               for k, v in result.kpis.items() if not isinstance(v, dict | list)])


@task(name="assessment", cache_policy=NO_CACHE)
async def assessment_step(run: Run, plan: ResolvedPlan, failed_groups: dict[str, str]) -> AssessmentResult:
    settings = settings_for(run)
    engine = db(settings)
    with session_scope(engine) as session:
        record(session, incident=run.incident_id, lang=run.lang, events=groups_phase.failed(run, failed_groups))
    out = write_assessment(engine, settings, run, plan)
    record_drill_run(engine, run, plan, out)  # a drill: the units it exercised and its score (issue 14)
    slug = run.incident_id.lower()
    await acreate_markdown_artifact(key=f"assessment-{slug}", markdown=out.markdown_text, description=out.title)
    await acreate_table_artifact(key=f"kpis-{slug}", description=f"KPIs {run.incident_id}", table=kpi_table(out))
    say(assessment_line(run.lang, out.title, f"assessment-{slug}"))
    return out
