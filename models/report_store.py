"""Persistence of what a run reports: upward reports and after-action assessments (keyword-only, session first).

An `UpwardReport` exists once per (incident, seq) and is sent once (`sent_at`); an `AssessmentRecord` once per
(incident, language), rewritten when the incident is assessed again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from models.incident import AssessmentRecord, UpwardReport
from models.types import utcnow


def get_upward_report(*, session: Session, incident: str, seq: int) -> UpwardReport | None:
    return session.exec(select(UpwardReport).where(UpwardReport.incident == incident,
                                                   UpwardReport.seq == seq)).first()


def ensure_upward_report(*, session: Session, incident: str, seq: int, recipients: list[str],
                         due_at: datetime) -> UpwardReport:
    """The report (incident, seq), created with its recipients and deadline the first time it is asked for."""
    row = get_upward_report(session=session, incident=incident, seq=seq)
    if row is None:
        row = UpwardReport(incident=incident, seq=seq, recipients=list(recipients), due_at=due_at)
        session.add(row)
        session.flush()
    return row


def mark_report_sent(*, session: Session, incident: str, seq: int, body: str, sent_at: datetime, delivered: int,
                     failed: int) -> UpwardReport:
    row = get_upward_report(session=session, incident=incident, seq=seq)
    row.body, row.sent_at, row.delivered, row.failed = body, sent_at, delivered, failed
    session.add(row)
    session.flush()
    return row


def upward_reports(*, session: Session, incident: str) -> list[UpwardReport]:
    return list(session.exec(select(UpwardReport).where(UpwardReport.incident == incident)
                             .order_by(UpwardReport.seq)).all())


def last_report_seq(*, session: Session, incident: str) -> int:
    """The highest report number asked for so far (1 when none: the first report is always number 1)."""
    seqs = session.exec(select(UpwardReport.seq).where(UpwardReport.incident == incident)
                        .order_by(col(UpwardReport.seq).desc()).limit(1)).all()
    return seqs[0] if seqs else 1


def save_assessment(*, session: Session, incident: str, lang: str, kpis: dict[str, Any], findings: dict[str, Any],
                    recommendations: list[str], markdown: str, html: str, markdown_path: str | None,
                    html_path: str | None) -> AssessmentRecord:
    record = session.exec(select(AssessmentRecord).where(AssessmentRecord.incident == incident,
                                                         AssessmentRecord.lang == lang)).first()
    if record is None:
        record = AssessmentRecord(incident=incident, lang=lang)
    record.created_at, record.kpis, record.findings, record.recommendations = utcnow(), kpis, findings, recommendations
    record.markdown, record.html, record.markdown_path, record.html_path = markdown, html, markdown_path, html_path
    session.add(record)
    session.flush()
    return record


def assessments(*, session: Session, incident: str) -> list[AssessmentRecord]:
    return list(session.exec(select(AssessmentRecord).where(AssessmentRecord.incident == incident)).all())
