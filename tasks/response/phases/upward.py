"""Phase 5 (pure): when each upward report is due, what it says, and what sending it put on record.

Report 1 is due `first_report_deadline_min` after the incident was reported, each follow-up
`followup_interval_min` later (scenario minutes: a drill divides them by its time scale).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from models.events import Event, UpwardReported
from models.incident import Incident
from models.playbook import ResolvedPlan
from tasks.assessment import ReportFacts
from tasks.response.context import incident_context, local, pick, plan_context
from tasks.response.results import Outcome, UpwardReportResult
from tasks.response.run import Run


def due_at(reported_at: datetime, plan: ResolvedPlan, seq: int, time_scale: float) -> datetime:
    minutes = plan.upward_reporting.first_report_deadline_min + (seq - 1) * plan.upward_reporting.followup_interval_min
    return reported_at + timedelta(minutes=minutes / time_scale)


def report_context(run: Run, plan: ResolvedPlan, seq: int, *, incident: Incident, names: dict[str, tuple[str, str]],
                   park: dict[str, str], reporter: tuple[str, str], measures: list[str],
                   now: datetime) -> dict[str, Any]:
    """What the upward-report template may say (models.templating.FILE_CONTEXT names); `reporter` is the
    office's duty liaison (name, phone) who signs it."""
    office_names = names.get(plan.office_unit, (plan.office_unit, plan.office_unit))
    return {
        "park": park, "incident": incident_context(incident, names, run.lang), "plan": plan_context(plan),
        "report": {"number": seq, "kind": "first" if seq == 1 else "followup", "reported_at": local(now),
                   "reporter_unit": plan.office_unit,
                   "reporter_unit_name": pick(office_names, run.lang),
                   "reporter_name": reporter[0], "reporter_phone": reporter[1], "casualties_note": "",
                   "loss_estimate_note": "", "measures": measures or ["—"], "other": "",
                   "next_report_at": local(due_at(incident.reported_at, plan, seq + 1, run.time_scale))},
    }


def report_sent(run: Run, plan: ResolvedPlan, seq: int, *, due: datetime, reached: list[str], sent: int,
                now: datetime) -> Outcome[UpwardReportResult]:
    """The result of sending report `seq`: `reached` are the recipients it was delivered to, of `sent` messages.
    On time only when it was sent before its deadline and reached every recipient."""
    recipients = plan.upward_reporting.recipients
    undelivered = [u for u in recipients if u not in reached]
    on_time = ReportFacts(seq, due, now, len(recipients) - len(undelivered), len(recipients)).on_time
    event = Event(key=run.key("report", seq), actor=plan.office_unit, at=now,
                  payload=UpwardReported(seq=seq, recipients=recipients, delivered=len(reached), sent=sent,
                                         on_time=on_time, undelivered=undelivered))
    return Outcome(UpwardReportResult(seq=seq, due_at=due, sent_at=now, on_time=on_time, delivered=len(reached),
                                      failed=len(undelivered)), [event])
