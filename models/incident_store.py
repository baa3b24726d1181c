"""Persistence of incidents and their activity log: keyword-only functions that take the session.

Every effect the response has is written once: `record_event` inserts under a unique idempotency key and
returns the existing row when the key is already there (a retried task or a re-run flow).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.errors import InputError, NotFound
from models.incident import Incident, IncidentStatus, LevelChange, TimelineEvent
from models.types import SHANGHAI, utcnow


def next_incident_id(*, session: Session, now: datetime | None = None) -> str:
    """INC-YYYYMMDD-NNNN, numbered per local (Asia/Shanghai) day."""
    day = (now or utcnow()).astimezone(SHANGHAI).strftime("%Y%m%d")
    prefix = f"INC-{day}-"
    last = session.exec(select(Incident.id).where(col(Incident.id).startswith(prefix))
                        .order_by(col(Incident.id).desc())).first()
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def get_incident(*, session: Session, incident_id: str) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"incident `{incident_id}` not found; see `parklink history`")
    return incident


def open_incident(*, session: Session, incident: Incident) -> tuple[Incident, bool]:
    """Insert the incident, or return the one already there with that id (a re-run continues it)."""
    existing = session.get(Incident, incident.id)
    if existing is not None:
        if existing.playbook_id != incident.playbook_id:
            raise InputError(f"incident `{incident.id}` runs playbook `{existing.playbook_id}`, "
                             f"not `{incident.playbook_id}`; use another --incident-id", exit_code=2)
        return existing, False
    try:
        with session.begin_nested():
            session.add(incident)
        return incident, True
    except IntegrityError:
        existing = session.get(Incident, incident.id)
        if existing is None:
            raise
        return existing, False


def record_event(*, session: Session, incident: str, key: str, actor: str, kind: str, zh: str, en: str,
                 data: dict[str, Any] | None = None, at: datetime | None = None) -> tuple[TimelineEvent, bool]:
    """Append to the activity log once per key; returns (event, created)."""
    existing = session.exec(select(TimelineEvent).where(TimelineEvent.key == key)).first()
    if existing is not None:
        return existing, False
    event = TimelineEvent(incident=incident, key=key, actor=actor, kind=kind, summary_zh=zh, summary_en=en,
                          data=data or {}, at=at or utcnow())
    try:
        with session.begin_nested():
            session.add(event)
        return event, True
    except IntegrityError:
        return session.exec(select(TimelineEvent).where(TimelineEvent.key == key)).one(), False


def timeline(*, session: Session, incident: str) -> list[TimelineEvent]:
    return list(session.exec(select(TimelineEvent).where(TimelineEvent.incident == incident)
                             .order_by(TimelineEvent.at, TimelineEvent.id)).all())


def request_level_change(*, session: Session, incident_id: str, to_level: str, by: str = "operator",
                         reason: str = "") -> LevelChange:
    incident = get_incident(session=session, incident_id=incident_id)
    if incident.status is not IncidentStatus.open:
        raise InputError(f"incident `{incident_id}` is {incident.status.value}; its level can no longer change",
                         exit_code=2)
    pending = pending_level_changes(session=session, incident_id=incident_id)
    current = pending[-1].to_level if pending else incident.level
    if to_level == current:
        raise InputError(f"incident `{incident_id}` is already at level {to_level}", exit_code=2)
    change = LevelChange(incident=incident_id, from_level=current, to_level=to_level, requested_by=by, reason=reason)
    session.add(change)
    session.flush()
    return change


def pending_level_changes(*, session: Session, incident_id: str) -> list[LevelChange]:
    return list(session.exec(select(LevelChange).where(LevelChange.incident == incident_id,
                                                       col(LevelChange.applied_at).is_(None))
                             .order_by(LevelChange.id)).all())


def level_changes(*, session: Session, incident_id: str) -> list[LevelChange]:
    return list(session.exec(select(LevelChange).where(LevelChange.incident == incident_id)
                             .order_by(LevelChange.id)).all())


def request_stand_down(*, session: Session, incident_id: str, consumed: dict[str, int] | None = None) -> Incident:
    incident = get_incident(session=session, incident_id=incident_id)
    if incident.status is IncidentStatus.closed:
        raise InputError(f"incident `{incident_id}` is already closed", exit_code=2)
    if incident.stand_down_requested_at is None:
        incident.stand_down_requested_at = utcnow()
    if consumed:
        incident.consumed = {**incident.consumed, **consumed}
    return incident


def list_incidents(*, session: Session, limit: int = 200) -> list[Incident]:
    return list(session.exec(select(Incident).order_by(col(Incident.reported_at).desc()).limit(limit)).all())
