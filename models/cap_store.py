"""Persistence of the CAP alerts received: keyword-only functions that take the session first.

    seen(session=, key=)                      → CapAlertRecord | None   the alert received before, if it was
    record_alert(session=, key=, msg_type=, status=, outcome=, raw=, warning_id=None, received_at=None)
                                              → CapOutcome   `outcome`, or `duplicate` when the key was there
                                                already (the row is left as it was; a concurrent poller lost)
    set_warning(session=, key=, warning_id=)  the warning an applied alert raised or changed, once it exists
    warning_for(session=, refs=, where=…)     → str | None   the warning of the newest referenced alert that has
                                                one (Update, Cancel); None when they were received but raised
                                                none (out of area, ignored); InputError (exit 2) when none of them
                                                was ever received: "unknown reference"
    list_alerts(session=, limit=50)           → [CapAlertRecord]   newest first
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.cap_alert import CapAlertRecord
from models.cap_kinds import CapKey, CapMsgType, CapOutcome, CapStatus
from models.errors import InputError, one_line

UNKNOWN_REFERENCE_EXIT = 2


def _where(key: CapKey):
    return (CapAlertRecord.sender == key.sender, CapAlertRecord.identifier == key.identifier,
            CapAlertRecord.sent == key.sent)


def seen(*, session: Session, key: CapKey) -> CapAlertRecord | None:
    return session.exec(select(CapAlertRecord).where(*_where(key))).first()


def record_alert(*, session: Session, key: CapKey, msg_type: CapMsgType, status: CapStatus, outcome: CapOutcome,
                 raw: str = "", warning_id: str | None = None, received_at: datetime | None = None) -> CapOutcome:
    if outcome is CapOutcome.duplicate:
        raise ValueError("a duplicate is not recorded: the alert it repeats is")
    if seen(session=session, key=key) is not None:
        return CapOutcome.duplicate
    row = CapAlertRecord(sender=key.sender, identifier=key.identifier, sent=key.sent, msg_type=msg_type,
                         status=status, outcome=outcome, raw=raw, warning_id=warning_id)
    if received_at is not None:
        row.received_at = received_at
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another poller recorded the same alert between our read and our write
        return CapOutcome.duplicate
    return outcome


def set_warning(*, session: Session, key: CapKey, warning_id: str) -> None:
    row = seen(session=session, key=key)
    if row is None:
        raise InputError(one_line(f"CAP alert {key} was never recorded; record it before linking its warning"))
    row.warning_id = warning_id
    session.add(row)
    session.flush()


def warning_for(*, session: Session, refs: Iterable[CapKey], where: str = "") -> str | None:
    refs = list(refs)
    rows = [row for ref in refs if (row := seen(session=session, key=ref)) is not None]
    if not rows:
        shown = " ".join(str(r) for r in refs) or "(none)"
        prefix = f"{where}: " if where else ""
        raise InputError(one_line(f"{prefix}unknown reference {shown[:300]}: no such alert was received; ingest the "
                                  "alert it changes first, or raise the warning by hand (parklink warn --type)"),
                         exit_code=UNKNOWN_REFERENCE_EXIT)
    linked = sorted((row for row in rows if row.warning_id), key=lambda r: (r.sent, r.id))
    return linked[-1].warning_id if linked else None


def list_alerts(*, session: Session, limit: int = 50) -> list[CapAlertRecord]:
    return list(session.exec(select(CapAlertRecord).order_by(col(CapAlertRecord.received_at).desc(),
                                                             col(CapAlertRecord.id).desc()).limit(limit)).all())
