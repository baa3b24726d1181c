"""The warnings' records: keyword-only functions that take the session (models/warning.py's tables).

    create_warning     number a new warning (WRN-YYYYMMDD-NNNN, per local day) and write it
    get_warning        one warning (NotFound, one line, when there is none)
    list_warnings      newest first, optionally the active ones only
    request_change     an operator's (or a CAP Update's) raise / lower / cancel, checked against the warning's
                       current colour and the changes already asked for; applied later by the warning's run
    pending_changes, mark_applied, set_colour, finish, set_flow_run, set_reserve_check, set_incident
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from models.day_ids import insert_numbered, next_day_id
from models.errors import InputError, NotFound
from models.types import utcnow
from models.warning import ChangeKind, WarningChange, WarningRecord
from models.warning_kinds import Colour, WarningRequest, WarningState


def next_warning_id(*, session: Session, now: datetime | None = None) -> str:
    return next_day_id(session=session, column=WarningRecord.id, prefix="WRN", now=now)


def create_warning(*, session: Session, request: WarningRequest, drill: bool, lang: str,
                   time_scale: float) -> WarningRecord:
    """Write a new warning under a fresh number (numbered again when a concurrent writer took it)."""
    return insert_numbered(session=session, column=WarningRecord.id, prefix="WRN", make=lambda id_: WarningRecord(
        id=id_, playbook_id=request.playbook, colour=request.colour, drill=drill, lang=lang, time_scale=time_scale,
        latitude=request.latitude, longitude=request.longitude, enterprise=request.enterprise, onset=request.onset,
        expires=request.expires, source=request.source, source_ref=request.source_ref, text=request.text))


def get_warning(*, session: Session, warning_id: str) -> WarningRecord:
    row = session.get(WarningRecord, warning_id)
    if row is None:
        raise NotFound(f"warning `{warning_id}` not found; see `parklink warn list`")
    return row


def find_warning(*, session: Session, warning_id: str) -> WarningRecord | None:
    return session.get(WarningRecord, warning_id)


def list_warnings(*, session: Session, active_only: bool = False) -> list[WarningRecord]:
    query = select(WarningRecord)
    if active_only:
        query = query.where(WarningRecord.state == WarningState.active)
    return list(session.exec(query.order_by(col(WarningRecord.raised_at).desc(), col(WarningRecord.id).desc())).all())


def pending_changes(*, session: Session, warning_id: str) -> list[WarningChange]:
    return list(session.exec(select(WarningChange).where(WarningChange.warning == warning_id,
                                                         col(WarningChange.applied_at).is_(None))
                             .order_by(WarningChange.id)).all())


def changes(*, session: Session, warning_id: str) -> list[WarningChange]:
    return list(session.exec(select(WarningChange).where(WarningChange.warning == warning_id)
                             .order_by(WarningChange.id)).all())


def request_change(*, session: Session, warning_id: str, kind: ChangeKind, to_colour: Colour | None = None,
                   by: str = "operator", reason: str = "") -> WarningChange:
    """Ask the warning's run to raise, lower or cancel it; refused (exit 2, nothing written) when it would not
    change anything."""
    warning = get_warning(session=session, warning_id=warning_id)
    if warning.state is not WarningState.active:
        raise InputError(f"warning `{warning_id}` is {warning.state.value}; it can no longer change", exit_code=2)
    pending = pending_changes(session=session, warning_id=warning_id)
    if any(c.kind is ChangeKind.cancel for c in pending):
        raise InputError(f"warning `{warning_id}` is being cancelled already", exit_code=2)
    current = pending[-1].to_colour if pending else warning.colour
    if kind is not ChangeKind.cancel:
        if to_colour is None or to_colour == current:
            raise InputError(f"warning `{warning_id}` is {current.value} already", exit_code=2)
        if (kind is ChangeKind.raise_) != (to_colour > current):
            word = "raise" if to_colour > current else "lower"
            raise InputError(f"warning `{warning_id}` is {current.value}: {to_colour.value} is not a "
                             f"{kind.value}; use `parklink warn {word}`", exit_code=2)
    change = WarningChange(warning=warning_id, kind=kind, from_colour=current, to_colour=to_colour, requested_by=by,
                           reason=reason)
    session.add(change)
    session.flush()
    return change


def mark_applied(*, session: Session, change_id: int) -> None:
    change = session.get(WarningChange, change_id)
    if change.applied_at is None:
        change.applied_at = utcnow()
        session.add(change)


def set_colour(*, session: Session, warning_id: str, colour: Colour) -> None:
    row = get_warning(session=session, warning_id=warning_id)
    row.colour = colour
    session.add(row)


def finish(*, session: Session, warning_id: str, state: WarningState, reason: str) -> WarningRecord:
    """The warning ends (lifted, expired or promoted), once: a second call keeps the first end."""
    row = get_warning(session=session, warning_id=warning_id)
    if row.lifted_at is None:
        row.state, row.lift_reason, row.lifted_at = state, reason[:300], utcnow()
        session.add(row)
    return row


def set_flow_run(*, session: Session, warning_id: str, flow_run_id: str) -> None:
    row = get_warning(session=session, warning_id=warning_id)
    row.flow_run_id = flow_run_id
    session.add(row)


def set_reserve_check(*, session: Session, warning_id: str, shortfalls: dict) -> None:
    row = get_warning(session=session, warning_id=warning_id)
    row.reserve_check = shortfalls
    session.add(row)


def set_incident(*, session: Session, warning_id: str, incident_id: str) -> None:
    """The warning was promoted to this response (the incident's description names the warning)."""
    row = get_warning(session=session, warning_id=warning_id)
    row.incident_id = incident_id
    session.add(row)
