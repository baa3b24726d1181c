"""Persistence of notifications and liaison checks: keyword-only functions that take the session.

Every state change is one conditional UPDATE, so two processes (a re-run flow, the acknowledgement service
in another thread) can never both win: a delivered message is never claimed again, an acknowledgement is
recorded once, and an acknowledgement for a finished check is refused in the same statement.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import exists, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.directory import Liaison
from models.incident import Incident, IncidentStatus
from models.message_log import MessageRow, MessageStatus
from models.notification import ContextKind, LiaisonCheck, Notification
from models.types import utcnow


def get_or_create_notification(*, session: Session, row: Notification) -> tuple[Notification, bool]:
    """The row with `row.idempotency_key` — the existing one if any (a retry or re-run), else `row` inserted."""
    existing = session.exec(select(Notification).where(Notification.idempotency_key == row.idempotency_key)).first()
    if existing is not None:
        return existing, False
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # a concurrent run inserted it between our read and our write
        existing = session.exec(select(Notification).where(Notification.idempotency_key == row.idempotency_key)).one()
        return existing, False
    return row, True


def claim_for_sending(*, session: Session, notification_id: int, holder: str, lease_s: float,
                      take_from: str | None = None, now: datetime | None = None) -> Notification | None:
    """Take the lease on an undelivered message for `holder`; None when it is delivered or leased to another.

    A lease is free when there is none or it has expired; `take_from` names a holder known to be gone, whose
    lease is taken over even before it expires (a re-run after a crash).
    """
    now = now or utcnow()
    free = Notification.lease_until.is_(None) | (Notification.lease_until < now)
    if take_from is not None:
        free = free | (Notification.lease_holder == take_from)
    result = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.delivered_at.is_(None), free)
        .values(lease_until=now + timedelta(seconds=lease_s), lease_holder=holder, sent_at=now, failed_at=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    session.flush()
    return session.get(Notification, notification_id, populate_existing=True)


def unsettled(*, session: Session, context_kind: str, context_id: str) -> list[Notification]:
    """The context's messages neither delivered nor recorded failed (queued, or leased to a sender)."""
    return list(session.exec(select(Notification).where(
        Notification.context_kind == context_kind, Notification.context_id == context_id,
        Notification.delivered_at.is_(None), Notification.failed_at.is_(None)).order_by(Notification.id)).all())


def renew_leases(*, session: Session, ids: Iterable[int], holder: str, lease_s: float,
                 now: datetime | None = None) -> int:
    """The heartbeat: lengthen `holder`'s leases on those of `ids` still undelivered; how many it still holds."""
    ids = list(ids)
    if not ids:
        return 0
    now = now or utcnow()
    result = session.execute(
        update(Notification)
        .where(Notification.id.in_(ids), Notification.lease_holder == holder, Notification.delivered_at.is_(None))
        .values(lease_until=now + timedelta(seconds=lease_s))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def record_outcome(*, session: Session, notification_id: int, delivered: bool, channel: str | None,
                   attempts: int, error: str | None, holder: str | None = None,
                   now: datetime | None = None) -> Notification:
    """Record one sender's outcome. A delivered row stays delivered; the lease is released if `holder` has it."""
    now = now or utcnow()
    row = session.get(Notification, notification_id, populate_existing=True)
    row.attempts += attempts
    mine = row.lease_holder in (holder, None)  # else another sender took the lease over: its outcome counts
    if mine:
        row.lease_until, row.lease_holder = None, None
    if row.delivered_at is None and (delivered or mine):
        row.channel, row.last_error = channel, error[:2000] if error else None
        if delivered:
            row.delivered_at, row.failed_at = now, None
        else:
            row.failed_at = now
    session.add(row)
    session.flush()
    return row


def record_ack(*, session: Session, notification_id: int, eta_min: int | None, note: str | None, via: str,
               now: datetime | None = None) -> bool:
    """Record the acknowledgement once. False when already acknowledged, never delivered (neither delivered nor
    under way: a message being sent may be read before its delivery is recorded), its check finished or its
    incident stood down (closed).

    On PostgreSQL the check or incident row is share-locked, so closing it and acknowledging for it serialise.
    """
    now = now or utcnow()
    check_open = exists(
        sa_select(LiaisonCheck.id)
        .where(LiaisonCheck.id == Notification.check_id, LiaisonCheck.finished_at.is_(None))
        .with_for_update(read=True)
    )
    incident_closed = exists(
        sa_select(Incident.id)
        .where(Incident.id == Notification.context_id, Incident.status == IncidentStatus.closed)
        .with_for_update(read=True)
    )
    result = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.acked_at.is_(None),
               Notification.delivered_at.is_not(None) | Notification.lease_until.is_not(None),
               Notification.check_id.is_(None) | check_open,
               (Notification.context_kind != ContextKind.incident) | ~incident_closed)
        .values(acked_at=now, ack_eta_min=eta_min, ack_note=note, ack_via=via)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def get_notification(*, session: Session, notification_id: int) -> Notification | None:
    return session.get(Notification, notification_id, populate_existing=True)


def notifications(*, session: Session, context_kind: str | None = None, context_id: str | None = None,
                  group: str | None = None, ids: Iterable[int] | None = None) -> list[Notification]:
    query = select(Notification).order_by(Notification.id)
    if context_kind is not None:
        query = query.where(Notification.context_kind == context_kind)
    if context_id is not None:
        query = query.where(Notification.context_id == context_id)
    if group is not None:
        query = query.where(Notification.group == group)
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    return list(session.exec(query).all())


def acked_ids(*, session: Session, ids: Iterable[int]) -> dict[int, datetime]:
    ids = list(ids)
    if not ids:
        return {}
    rows = session.exec(select(Notification.id, Notification.acked_at)
                        .where(Notification.id.in_(ids), Notification.acked_at.is_not(None))).all()
    return {i: at for i, at in rows}


def create_check(*, session: Session, wait_s: float, drill: bool) -> LiaisonCheck:
    check = LiaisonCheck(wait_s=wait_s, drill=drill)
    session.add(check)
    session.flush()
    return check


def get_check(*, session: Session, check_id: int) -> LiaisonCheck | None:
    return session.get(LiaisonCheck, check_id, populate_existing=True)


def finish_check(*, session: Session, check_id: int, now: datetime | None = None) -> LiaisonCheck:
    """Close the check (later acknowledgements are refused) and mark every liaison who answered as verified."""
    now = now or utcnow()
    check = session.exec(select(LiaisonCheck).where(LiaisonCheck.id == check_id).with_for_update()).one()
    if check.finished_at is None:
        check.finished_at = now
        session.add(check)
        session.flush()
    acked = session.exec(select(Notification).where(Notification.check_id == check_id,
                                                    Notification.acked_at.is_not(None))).all()
    for row in acked:
        liaison = session.get(Liaison, row.liaison_id)
        if liaison is not None and (liaison.last_verified_at is None or liaison.last_verified_at < row.acked_at):
            liaison.last_verified_at = row.acked_at
            session.add(liaison)
    session.flush()
    return check


def save_check_counts(*, session: Session, check_id: int, **counts: int) -> None:
    check = session.get(LiaisonCheck, check_id)
    for key, value in counts.items():
        setattr(check, key, value)
    session.add(check)


def incident_messages(*, session: Session, incident: str) -> list[MessageRow]:
    """Every message of the incident (first waves, escalations, upward reports) in the order they were queued."""
    rows = session.exec(select(Notification).where(Notification.context_kind == ContextKind.incident,
                                                   Notification.context_id == incident)
                        .order_by(Notification.created_at, Notification.id)).all()
    return [MessageRow(unit=r.unit, liaison=r.liaison_name, role=r.liaison_role, step=r.step, channel=r.channel,
                       message_kind=r.message_kind, queued_at=r.created_at, delivered_at=r.delivered_at,
                       acked_at=r.acked_at, status=MessageStatus(r.state), error=r.last_error, group=r.group,
                       recipient_unit=r.recipient_unit) for r in rows]
