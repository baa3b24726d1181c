"""Phase 5: reports upward — the first report within its deadline, follow-ups on the playbook's interval.

Each report is one `UpwardReport` row (incident, seq): a retried task or a re-run never sends it twice.
Recipients are unit codes; each unit's primary liaison receives the rendered report.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlmodel import select

from models.db import session_scope
from models.incident import UpwardReport
from models.incident_store import get_incident, record_event, timeline
from models.playbook import ResolvedPlan
from models.types import utcnow
from tasks.notify.escalation import send_wave
from tasks.notify.texts import Message
from tasks.response.context import PARK, incident_context, local, plan_context
from tasks.response.runtime import Run, db, http_client, render_file, run_settings, unit_names


def due_at(reported_at: datetime, plan: ResolvedPlan, seq: int, time_scale: float) -> datetime:
    minutes = plan.upward_reporting.first_report_deadline_min + (seq - 1) * plan.upward_reporting.followup_interval_min
    return reported_at + timedelta(minutes=minutes / time_scale)


def report_text(run: Run, plan: ResolvedPlan, seq: int, settings, engine) -> str:
    names = unit_names(engine)
    with session_scope(engine) as session:
        incident = get_incident(session=session, incident_id=run.incident_id)
        measures = [e.summary_en if run.lang == "en" else e.summary_zh
                    for e in timeline(session=session, incident=run.incident_id)
                    if e.kind in ("command_post", "group_activated", "dispatched", "level_changed")][:12]
        reporter = names.get(plan.office_unit, (plan.office_unit, plan.office_unit))
        context = {
            "park": PARK, "incident": incident_context(incident, names, run.lang), "plan": plan_context(plan),
            "report": {"number": seq, "kind": "first" if seq == 1 else "followup", "reported_at": local(utcnow()),
                       "reporter_unit": plan.office_unit,
                       "reporter_unit_name": reporter[1] if run.lang == "en" else reporter[0],
                       "reporter_name": "ParkLink", "reporter_phone": "", "casualties_note": "",
                       "loss_estimate_note": "", "measures": measures or ["—"], "other": "",
                       "next_report_at": local(due_at(incident.reported_at, plan, seq + 1, run.time_scale))},
        }
    return render_file(settings.templates_dir, plan.upward_reporting.template, run.lang, context)


@task(name="upward report", cache_policy=NO_CACHE)
async def upward_report(run: Run, plan: ResolvedPlan, seq: int = 1) -> dict:
    settings = run_settings(run.lang, run.time_scale)
    engine = db(settings)
    with session_scope(engine) as session:
        incident = get_incident(session=session, incident_id=run.incident_id)
        row = session.exec(select(UpwardReport).where(UpwardReport.incident == run.incident_id,
                                                      UpwardReport.seq == seq)).first()
        if row is None:
            row = UpwardReport(incident=run.incident_id, seq=seq, recipients=plan.upward_reporting.recipients,
                               due_at=due_at(incident.reported_at, plan, seq, run.time_scale))
            session.add(row)
        if row.sent_at is not None:
            return _summary(row)
    text = report_text(run, plan, seq, settings, engine)
    rows = await send_wave(engine, context_kind="incident", context_id=run.incident_id, group="upward-report",
                           units=plan.upward_reporting.recipients, message=Message(f"report-{seq}", text),
                           settings=settings, client=http_client(settings))
    now = utcnow()
    with session_scope(engine) as session:
        row = session.exec(select(UpwardReport).where(UpwardReport.incident == run.incident_id,
                                                      UpwardReport.seq == seq)).one()
        row.body, row.sent_at = text, now
        row.delivered = sum(r.delivered_at is not None for r in rows)
        row.failed = len(rows) - row.delivered
        label_zh, label_en = ("首报", "first report") if seq == 1 else (f"第 {seq - 1} 次续报", f"follow-up {seq - 1}")
        record_event(session=session, incident=run.incident_id, key=run.key("report", seq), actor=plan.office_unit,
                     kind="upward_report", at=now,
                     zh=f"向上级报送{label_zh}（{'、'.join(row.recipients)}），送达 {row.delivered}/{len(rows)}",
                     en=f"{label_en} sent upward ({', '.join(row.recipients)}), {row.delivered}/{len(rows)} delivered",
                     data={"seq": seq, "on_time": now <= row.due_at})
        return _summary(row)


def _summary(row: UpwardReport) -> dict:
    return {"seq": row.seq, "due_at": row.due_at.isoformat(), "sent_at": row.sent_at.isoformat() if row.sent_at else None,
            "on_time": bool(row.sent_at and row.sent_at <= row.due_at), "delivered": row.delivered, "failed": row.failed}
