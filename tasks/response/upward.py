"""Phase 5 as a Prefect task: reports upward — the first within its deadline, follow-ups on the interval.

Each report is one `UpwardReport` row (incident, seq): a retried task or a re-run never sends it twice.
Recipients are unit codes; each unit's primary liaison receives the rendered report (the template the
playbook names). When it is due and what it records come from tasks.response.phases.upward.
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from models.db import session_scope
from models.event_store import events
from models.events import MEASURES
from models.incident_store import get_incident
from models.notification import ContextKind
from models.park_store import primary_liaison
from models.playbook import ResolvedPlan
from models.report_store import ensure_upward_report, mark_report_sent
from models.types import utcnow
from tasks.assessment import ReportFacts
from tasks.notify.escalation import send_wave
from tasks.notify.texts import Message
from tasks.response.phases.story import late_line
from tasks.response.phases.upward import due_at, report_context, report_sent
from tasks.response.results import UpwardReportResult
from tasks.response.run import Run
from tasks.response.runtime import db, http_client, park_context, render_file, settings_for, unit_names
from tasks.run_log import record, say

MAX_MEASURES = 12  # entries of the activity log a report lists as measures taken


def report_text(run: Run, plan: ResolvedPlan, seq: int, settings, engine) -> str:
    names = unit_names(engine)
    park = park_context(settings, engine)
    with session_scope(engine) as session:
        incident = get_incident(session=session, incident_id=run.incident_id)
        measures = [e.text(run.lang) for e in events(session=session, incident=run.incident_id, kinds=MEASURES)]
        office = primary_liaison(session=session, unit=plan.office_unit)
        context = report_context(run, plan, seq, incident=incident, names=names, park=park,
                                 reporter=(office.name, office.phone) if office else ("ParkLink", ""),
                                 measures=measures[:MAX_MEASURES], now=utcnow())
    return render_file(settings.templates_dir, plan.upward_reporting.template, run.lang, context)


def _result(row) -> UpwardReportResult:
    facts = ReportFacts(row.seq, row.due_at, row.sent_at, row.delivered, len(row.recipients))
    return UpwardReportResult(seq=row.seq, due_at=row.due_at, sent_at=row.sent_at, on_time=facts.on_time,
                              delivered=row.delivered, failed=row.failed)


@task(name="upward report", cache_policy=NO_CACHE)
async def upward_report(run: Run, plan: ResolvedPlan, seq: int = 1) -> UpwardReportResult:
    settings = settings_for(run)
    engine = db(settings)
    with session_scope(engine) as session:
        incident = get_incident(session=session, incident_id=run.incident_id)
        row = ensure_upward_report(session=session, incident=run.incident_id, seq=seq,
                                   recipients=plan.upward_reporting.recipients,
                                   due_at=due_at(incident.reported_at, plan, seq, run.time_scale))
        if row.sent_at is not None:
            return _result(row)
        due = row.due_at
    text = report_text(run, plan, seq, settings, engine)
    rows = await send_wave(engine, context_kind=ContextKind.incident, context_id=run.incident_id,
                           group="upward-report", units=plan.upward_reporting.recipients,
                           message=Message(f"report-{seq}", text), settings=settings, client=http_client(settings))
    reached = sorted({r.unit for r in rows if r.delivered_at is not None})
    outcome = report_sent(run, plan, seq, due=due, reached=reached, sent=len(rows), now=utcnow())
    with session_scope(engine) as session:
        mark_report_sent(session=session, incident=run.incident_id, seq=seq, body=text, sent_at=outcome.result.sent_at,
                         delivered=outcome.result.delivered, failed=outcome.result.failed)
        record(session, incident=run.incident_id, lang=run.lang, events=outcome.events)
    if (late := late_line(run.lang, seq, due, outcome.result.sent_at)) is not None:
        say(late)
    return outcome.result
