"""Persistence of the intake from enterprises (models/intake.py): keyword-only functions that take the session.

    add_credential / revoke_credentials / credential_for(key_hash)     the enterprises' API keys (hashes only)
    log_request                                                         one row per request to the intake API
    add_report / get_report / list_reports                              the reports (ids RPT-YYYYMMDD-NNNN)
    record_notice / start_launch, finish_launch, launch_failed / dismiss_report   what became of a report
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from models.day_ids import insert_numbered
from models.errors import InputError, NotFound
from models.intake import (
    EnterpriseCredential,
    EnterpriseReport,
    IntakeRequest,
    LaunchedBy,
    ReportState,
)
from models.types import utcnow


def add_credential(*, session: Session, enterprise: str, key_hash: str, key_hint: str) -> EnterpriseCredential:
    row = EnterpriseCredential(enterprise=enterprise, key_hash=key_hash, key_hint=key_hint)
    session.add(row)
    session.flush()
    return row


def revoke_credentials(*, session: Session, enterprise: str, now: datetime | None = None) -> int:
    """Revoke every live key of the enterprise; how many."""
    rows = session.exec(select(EnterpriseCredential).where(EnterpriseCredential.enterprise == enterprise,
                                                           col(EnterpriseCredential.revoked_at).is_(None))).all()
    for row in rows:
        row.revoked_at = now or utcnow()
        session.add(row)
    return len(rows)


def credential_for(*, session: Session, key_hash: str) -> EnterpriseCredential | None:
    """The live credential with this hash, or None (unknown or revoked)."""
    return session.exec(select(EnterpriseCredential).where(EnterpriseCredential.key_hash == key_hash,
                                                           col(EnterpriseCredential.revoked_at).is_(None))).first()


def credentials(*, session: Session, enterprise: str) -> list[EnterpriseCredential]:
    return list(session.exec(select(EnterpriseCredential).where(EnterpriseCredential.enterprise == enterprise)
                             .order_by(EnterpriseCredential.id)).all())


def log_request(*, session: Session, enterprise: str | None, remote_addr: str | None, status: int,
                report_id: str | None = None, error: str | None = None) -> IntakeRequest:
    row = IntakeRequest(enterprise=enterprise, remote_addr=(remote_addr or None) and remote_addr[:64], status=status,
                        report_id=report_id, error=error)
    session.add(row)
    session.flush()
    return row


def intake_requests(*, session: Session) -> list[IntakeRequest]:
    return list(session.exec(select(IntakeRequest).order_by(IntakeRequest.id)).all())


def add_report(*, session: Session, report: EnterpriseReport, attempts: int = 20) -> EnterpriseReport:
    """Record a new report under the day's next id (two at once: the loser takes the next number)."""
    def numbered(report_id: str) -> EnterpriseReport:
        report.id = report_id
        return report

    return insert_numbered(session=session, make=numbered, column=EnterpriseReport.id, prefix="RPT",
                           now=report.received_at, attempts=attempts)


def get_report(*, session: Session, report_id: str) -> EnterpriseReport:
    row = session.get(EnterpriseReport, report_id)
    if row is None:
        raise NotFound(f"no report `{report_id}`; `parklink reports list` shows them")
    return row


def list_reports(*, session: Session, state: ReportState | None = None, limit: int = 200) -> list[EnterpriseReport]:
    query = select(EnterpriseReport).order_by(col(EnterpriseReport.received_at).desc()).limit(limit)
    if state is not None:
        query = query.where(EnterpriseReport.state == state)
    return list(session.exec(query).all())


def record_notice(*, session: Session, report_id: str, notified: bool, notification_id: int | None,
                  error: str | None) -> EnterpriseReport:
    row = get_report(session=session, report_id=report_id)
    row.notified, row.notification_id, row.notify_error = notified, notification_id, error
    session.add(row)
    return row


def start_launch(*, session: Session, report_id: str, by: LaunchedBy,
                 incident_id: str | None = None) -> EnterpriseReport:
    """Mark a received report launched, atomically (a conditional UPDATE: of two launchers at once, one wins);
    InputError (exit 2) when it is not received any more."""
    get_report(session=session, report_id=report_id)
    done = session.execute(update(EnterpriseReport)
                           .where(col(EnterpriseReport.id) == report_id,
                                  col(EnterpriseReport.state) == ReportState.received)
                           .values(state=ReportState.launched, launched_at=utcnow(), launched_by=by,
                                   incident_id=incident_id, launch_error=None)
                           .execution_options(synchronize_session=False))
    session.flush()
    row = session.get(EnterpriseReport, report_id, populate_existing=True)
    if done.rowcount != 1:
        where = row.warning_id or row.incident_id or row.dismissed_why or ""
        raise InputError(f"report {report_id} is already {row.state.value}" + (f" ({where})" if where else ""),
                         exit_code=2)
    return row


def finish_launch(*, session: Session, report_id: str, warning_id: str | None = None,
                  flow_run_id: str | None = None) -> EnterpriseReport:
    row = get_report(session=session, report_id=report_id)
    row.warning_id = warning_id or row.warning_id
    row.flow_run_id = flow_run_id or row.flow_run_id
    session.add(row)
    return row


def launch_failed(*, session: Session, report_id: str, error: str) -> EnterpriseReport:
    """The launch did not start: the report is received again, the reason kept."""
    row = get_report(session=session, report_id=report_id)
    row.state, row.launched_at, row.launched_by, row.launch_error = ReportState.received, None, None, error
    row.incident_id = None
    session.add(row)
    return row


def dismiss_report(*, session: Session, report_id: str, why: str) -> EnterpriseReport:
    row = get_report(session=session, report_id=report_id)
    if row.state is not ReportState.received:
        raise InputError(f"report {report_id} is already {row.state.value}", exit_code=2)
    row.state, row.dismissed_why = ReportState.dismissed, why
    session.add(row)
    return row
