"""Persistence of incidents and their activity log: keyword-only functions that take the session.

The activity log has its own writer (models.event_store), reports and assessments theirs (models.report_store).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.day_ids import next_day_id
from models.errors import InputError, NotFound
from models.incident import Incident, IncidentStatus, LevelChange
from models.types import utcnow


def next_incident_id(*, session: Session, now: datetime | None = None) -> str:
    """INC-YYYYMMDD-NNNN, numbered per local (Asia/Shanghai) day."""
    return next_day_id(session=session, column=Incident.id, prefix="INC", now=now)


def get_incident(*, session: Session, incident_id: str) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"incident `{incident_id}` not found; see `parklink history`")
    return incident


def find_incident(*, session: Session, incident_id: str) -> Incident | None:
    return session.get(Incident, incident_id)


class IdTaken(Exception):
    """A newly numbered incident id was taken meanwhile by another run's new incident: number it again."""


def _continued(existing: Incident, incident: Incident, generated: bool) -> tuple[Incident, bool]:
    if generated:  # a new incident never continues another one that happened to get the same number
        raise IdTaken(incident.id)
    if existing.playbook_id != incident.playbook_id:
        raise InputError(f"incident `{incident.id}` runs playbook `{existing.playbook_id}`, "
                         f"not `{incident.playbook_id}`; use another --incident-id", exit_code=2)
    return existing, False


def open_incident(*, session: Session, incident: Incident, generated: bool = False) -> tuple[Incident, bool]:
    """Insert the incident, or return the one already there with that id (a re-run continues it). An id the
    caller numbered itself (`generated`) that is taken raises IdTaken: two new incidents at once (on two
    workers) each get their own number."""
    existing = session.get(Incident, incident.id)
    if existing is not None:
        return _continued(existing, incident, generated)
    try:
        with session.begin_nested():
            session.add(incident)
        return incident, True
    except IntegrityError:
        existing = session.get(Incident, incident.id)
        if existing is None:
            raise
        return _continued(existing, incident, generated)


def set_flow_run(*, session: Session, incident_id: str, flow_run_id: str) -> Incident:
    incident = get_incident(session=session, incident_id=incident_id)
    incident.flow_run_id = flow_run_id
    session.add(incident)
    return incident


def set_command_post(*, session: Session, incident_id: str, commander: str, at: datetime, latitude: float,
                     longitude: float) -> Incident:
    incident = get_incident(session=session, incident_id=incident_id)
    incident.commander, incident.command_post_at = commander, at
    incident.command_post_latitude, incident.command_post_longitude = latitude, longitude
    session.add(incident)
    return incident


def apply_level_change(*, session: Session, change_id: int, added: dict[str, Any],
                       now: datetime | None = None) -> LevelChange:
    """Mark a requested change applied (with what it added) and move the incident to its level."""
    change = session.get(LevelChange, change_id)
    incident = get_incident(session=session, incident_id=change.incident)
    change.applied_at, change.added = now or utcnow(), added
    incident.level = change.to_level
    session.add_all([change, incident])
    return change


def stand_down_requested(*, session: Session, incident_id: str) -> bool:
    return get_incident(session=session, incident_id=incident_id).stand_down_requested_at is not None


def close_incident(*, session: Session, incident_id: str, now: datetime | None = None,
                   outcome: str | None = None) -> Incident:
    """Stood down (or given up on a failed run: `outcome` says why): the time is kept from the first close."""
    incident = get_incident(session=session, incident_id=incident_id)
    if incident.stood_down_at is None:
        incident.stood_down_at = now or utcnow()
    incident.status = IncidentStatus.closed
    if outcome is not None:
        incident.outcome = outcome
    session.add(incident)
    return incident


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


def incident_closed(*, session: Session, incident_id: str) -> bool:
    """True when the incident exists and is stood down (closed): nothing more is acknowledged for it."""
    status = session.exec(select(Incident.status).where(Incident.id == incident_id)).first()
    return status == IncidentStatus.closed
