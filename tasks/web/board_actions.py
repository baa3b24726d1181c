"""What the board's buttons do, each checked against the record before it changes anything.

    ACTIONS[name] → ActionSpec(permission)       level (raise/lower), stand_down, approve
    run_action(engine, settings, name, incident_id, target, fields, user=, lang=) → the line the notice shows
    Refused(status, message)                     nothing was changed: 404 unknown, 409 no longer possible, 422 bad

The same store functions as `parklink escalate|stand-down|approve` do the work, in one transaction; the running
response applies them (a level change only its difference, a stand-down at its next check, an approval when it
polls).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from models.db import session_scope
from models.dispatch import RequisitionStatus
from models.errors import NotFound, ParkLinkError
from models.event_store import record_events
from models.events import BoardAction, Event, OperatorActed
from models.i18n import tr
from models.incident import IncidentStatus
from models.incident_store import get_incident, request_level_change, request_stand_down
from models.requisition_store import approve, list_requisitions
from models.roles import Permission

MAX_REASON = 500


def _entry(session, incident_id: str, user, action: BoardAction, target: object, **facts) -> None:
    """The action in the incident's activity log (ICS 214: who did what when), once per key."""
    record_events(session=session, incident=incident_id, events=[Event(
        key=f"{incident_id}:board:{action.value}:{target}", actor=user.name,
        payload=OperatorActed(action=action, user=user.name, role=str(user.role), **facts))])


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ActionSpec:
    permission: Permission


ACTIONS = {
    "level": ActionSpec(Permission.change_level),
    "stand_down": ActionSpec(Permission.stand_down),
    "approve": ActionSpec(Permission.approve),
}


def _level(session, settings, incident_id: str, fields: dict[str, str], user, lang: str) -> str:
    from tasks.response.runtime import library

    to_level = (fields.get("level") or "").strip()
    reason = (fields.get("reason") or "").strip()
    if len(reason) > MAX_REASON:
        raise Refused(422, tr(lang, "The reason is too long (at most {n} characters)", n=MAX_REASON))
    incident = get_incident(session=session, incident_id=incident_id)
    levels = library(settings).levels(incident.playbook_id)
    if to_level not in levels:
        raise Refused(422, tr(lang, "Level {level} is not one of {levels}", level=to_level or "—",
                              levels=", ".join(levels)))
    change = request_level_change(session=session, incident_id=incident_id, to_level=to_level, by=user.name,
                                  reason=reason)
    _entry(session, incident_id, user, BoardAction.level, change.id, from_level=change.from_level,
           to_level=change.to_level, reason=reason)
    return tr(lang, "Requested: level {a} → {b}; the running response applies only the difference",
              a=change.from_level, b=change.to_level)


def _stand_down(session, incident_id: str, user, lang: str) -> str:
    incident = get_incident(session=session, incident_id=incident_id)
    if incident.status is not IncidentStatus.open or incident.stand_down_requested_at is not None:
        raise Refused(409, tr(lang, "Stand-down was requested already"))
    request_stand_down(session=session, incident_id=incident_id)
    _entry(session, incident_id, user, BoardAction.stand_down, "-")
    return tr(lang, "Stand-down requested; the response releases resources and writes the assessment")


def _approve(session, incident_id: str, target: str | None, user, lang: str) -> str:
    get_incident(session=session, incident_id=incident_id)
    waiting = {r.id: r for r in list_requisitions(session=session, incident_id=incident_id)}
    req = waiting.get(int(target)) if target and target.isdigit() else None
    if req is None:
        raise Refused(404, tr(lang, "No requisition {r} in this incident", r=target))
    if req.status is not RequisitionStatus.requested:
        raise Refused(409, tr(lang, "Requisition {r} is {status} already", r=req.id, status=req.status.value))
    approve(session=session, requisition_id=req.id)
    _entry(session, incident_id, user, BoardAction.approve, req.id, requisition=req.id)
    return tr(lang, "Requisition {r} approved", r=req.id)


def run_action(engine: Engine, settings, name: str, incident_id: str, target: str | None, fields: dict[str, str], *,
               user, lang: str) -> str:
    try:
        with session_scope(engine) as session:
            if name == "level":
                return _level(session, settings, incident_id, fields, user, lang)
            if name == "stand_down":
                return _stand_down(session, incident_id, user, lang)
            return _approve(session, incident_id, target, user, lang)
    except NotFound as exc:
        raise Refused(404, str(exc)) from None
    except ParkLinkError as exc:  # the store's own refusal (already at that level, closed …)
        raise Refused(409, str(exc)) from None
