"""Acknowledging a message by its token: shared by the web service, the JSON API and `parklink ack`.

    AckRefused(ParkLinkError)   nothing was changed; `reason` (a `Refusal`) and the HTTP `status` say why:
        malformed 400 · forged 403 · cross_origin 403 (a POST from another site) · expired 410 · used 409 ·
        undelivered 409 (the message never reached anyone) · finished 410 (the check is over) ·
        closed 410 (the incident is stood down) · lifted 410 (the warning has ended) · invalid 422

A joint meeting's invitation (context `meeting`) is answered as it is acknowledged: `answer` will_attend (the
default), delegate (with the delegate's name) or absent (with a reason), recorded on the unit's attendance row
(models/meeting_store.py) in the same transaction. Any other message refuses an answer (invalid): its
acknowledgement is as it always was.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine

from models.db import session_scope
from models.errors import ParkLinkError
from models.incident_store import incident_closed
from models.meeting import AttendanceAnswer
from models.meeting_store import record_answer
from models.notification import ContextKind, Notification
from models.notification_store import get_check, get_notification, record_ack
from models.types import utcnow
from models.warning_store import find_warning
from tasks.notify.sender import ack_secret
from tasks.notify.tokens import TokenError, read_token, verify_token


class Refusal(StrEnum):
    malformed = "malformed"
    forged = "forged"
    cross_origin = "cross_origin"
    expired = "expired"
    used = "used"
    undelivered = "undelivered"
    finished = "finished"
    closed = "closed"
    lifted = "lifted"
    invalid = "invalid"


STATUS = {Refusal.malformed: 400, Refusal.forged: 403, Refusal.cross_origin: 403, Refusal.expired: 410,
          Refusal.used: 409, Refusal.undelivered: 409, Refusal.finished: 410, Refusal.closed: 410, Refusal.lifted: 410,
          Refusal.invalid: 422}
MAX_ETA_MIN = 24 * 60
MAX_NOTE = 500
MAX_DELEGATE = 60
ANSWERS = (AttendanceAnswer.will_attend, AttendanceAnswer.delegate, AttendanceAnswer.absent)
_MINUTES = re.compile(r"0|[1-9][0-9]{0,4}", re.ASCII)  # one spelling per number: no sign, no leading zero


class AckRefused(ParkLinkError):
    def __init__(self, reason: str, message: str, row: Notification | None = None):
        super().__init__(message)
        self.reason = Refusal(reason)
        self.status, self.row = STATUS[self.reason], row


def _load(session, token: str, secret: str, now: datetime) -> Notification:
    try:
        claims = read_token(token)
        row = get_notification(session=session, notification_id=claims.notification_id)
        verify_token(secret, token, row.idempotency_key if row else None, now=now)
    except TokenError as exc:
        raise AckRefused(exc.reason, str(exc)) from None
    return row


def inspect(engine: Engine, token: str, *, settings, now: datetime | None = None) -> Notification:
    """The notification a genuine, unexpired, unused token names; AckRefused otherwise."""
    now = now or utcnow()
    secret = ack_secret(settings)
    return _run(engine, lambda session: _open(session, token, secret, now))


def _run(engine: Engine, work):
    """Run `work(session)`; an AckRefused leaves the session untouched and keeps its row readable."""
    with session_scope(engine) as session:
        try:
            return work(session)
        except AckRefused as exc:
            refusal = exc
            if exc.row is not None:
                session.expunge(exc.row)
    raise refusal


def _open(session, token: str, secret: str, now: datetime) -> Notification:
    row = _load(session, token, secret, now)
    _refuse_if_closed(session, row)
    return row


def _refuse_if_closed(session, row: Notification) -> None:
    if row.acked_at is not None:
        raise AckRefused(Refusal.used, f"already acknowledged at {row.acked_at.isoformat(timespec='seconds')}", row)
    if row.delivered_at is None and row.lease_until is None:  # under way, it may be read before it is recorded
        raise AckRefused(Refusal.undelivered, "this message was never delivered", row)
    if row.check_id is not None:
        check = get_check(session=session, check_id=row.check_id)
        if check is not None and check.finished_at is not None:
            raise AckRefused(Refusal.finished, "this liaison check is already finished", row)
    if row.context_kind == ContextKind.incident and incident_closed(session=session, incident_id=row.context_id):
        raise AckRefused(Refusal.closed, f"incident {row.context_id} is already stood down", row)
    if row.context_kind == ContextKind.warning:
        warning = find_warning(session=session, warning_id=row.context_id)
        if warning is not None and warning.lifted_at is not None:
            raise AckRefused(Refusal.lifted, f"warning {row.context_id} has ended ({warning.state.value})", row)


def _minutes(eta_min) -> int:
    """Whole minutes as JSON gives them (an int) or as a form does (ASCII digits, no sign, no leading zero)."""
    if isinstance(eta_min, int) and not isinstance(eta_min, bool):
        return eta_min
    text = eta_min.strip() if isinstance(eta_min, str) else None
    if text is None or not _MINUTES.fullmatch(text):
        raise AckRefused(Refusal.invalid, f"ETA `{eta_min}`: give whole minutes, 0–{MAX_ETA_MIN}")
    return int(text)


def _text(name: str, value, limit: int) -> str | None:
    if value is not None and not isinstance(value, str):
        raise AckRefused(Refusal.invalid, f"{name}: give text")
    text = (value or "").strip() or None
    if text is not None and len(text) > limit:
        raise AckRefused(Refusal.invalid, f"{name}: {len(text)} characters; at most {limit}")
    return text


def validate(eta_min, note) -> tuple[int | None, str | None]:
    if eta_min in ("", None):
        eta = None
    else:
        eta = _minutes(eta_min)
        if not 0 <= eta <= MAX_ETA_MIN:
            raise AckRefused(Refusal.invalid, f"ETA {eta}: give whole minutes, 0–{MAX_ETA_MIN}")
    return eta, _text("note", note, MAX_NOTE)


def validate_answer(answer, delegate, reason) -> tuple[AttendanceAnswer | None, str | None, str | None]:
    """A meeting invitation's answer: (answer or None when not given, the delegate's name, the reason)."""
    if answer in ("", None):
        return None, None, None
    if answer not in [a.value for a in ANSWERS]:
        raise AckRefused(Refusal.invalid, f"answer `{answer}`: give will_attend, delegate or absent")
    answer = AttendanceAnswer(answer)
    name, why = _text("delegate", delegate, MAX_DELEGATE), _text("reason", reason, MAX_NOTE)
    if answer is AttendanceAnswer.delegate and name is None:
        raise AckRefused(Refusal.invalid, "delegate: give the name of who attends in your stead")
    if answer is AttendanceAnswer.absent and why is None:
        raise AckRefused(Refusal.invalid, "reason: say why your unit cannot attend")
    return answer, name, why


def acknowledge(engine: Engine, token: str, *, settings, eta_min=None, note: str | None = None, via: str = "web",
                now: datetime | None = None, answer=None, delegate=None, reason=None) -> Notification:
    """Record the acknowledgement once (and a meeting invitation's answer); return the row as recorded.
    AckRefused changes nothing."""
    eta, text = validate(eta_min, note)
    choice, name, why = validate_answer(answer, delegate, reason)
    now = now or utcnow()
    secret = ack_secret(settings)

    def work(session) -> Notification:
        row = _open(session, token, secret, now)
        meeting = row.context_kind == ContextKind.meeting
        if choice is not None and not meeting:
            raise AckRefused(Refusal.invalid, "answer: only a meeting invitation takes an answer", row)
        if not record_ack(session=session, notification_id=row.id, eta_min=eta, note=text or why, via=via, now=now):
            current = get_notification(session=session, notification_id=row.id)  # lost a race, or the check closed
            _refuse_if_closed(session, current)
            raise AckRefused(Refusal.used, "already acknowledged", current)
        if meeting:
            record_answer(session=session, meeting_id=row.context_id, unit=row.unit, by=row.liaison_name,
                          answer=choice or AttendanceAnswer.will_attend, delegate=name, reason=why, now=now)
        return get_notification(session=session, notification_id=row.id)

    return _run(engine, work)
