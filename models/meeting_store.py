"""Persistence of joint meetings and their attendance (models/meeting.py): keyword-only, session first.

    create_meeting / get_meeting / list_meetings   a meeting under the day's next MTG number; read
    set_meeting                                    its flow run, its state
    invite_units / attendance / attendance_counts  one attendance row per invited unit (no answer yet); read
    record_answer                                  a unit's answer to the invitation (the first one stands)
    record_minutes                                 the minutes: the meeting is held
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from models.day_ids import insert_numbered
from models.errors import InputError, NotFound
from models.meeting import (
    AttendanceAnswer,
    AttendanceCounts,
    Meeting,
    MeetingAttendance,
    MeetingKind,
    MeetingState,
)
from models.types import utcnow


def create_meeting(*, session: Session, day: date, kind: MeetingKind, reason: str | None, drill: bool,
                   lang: str, now: datetime | None = None) -> Meeting:
    now = now or utcnow()
    return insert_numbered(session=session, column=Meeting.id, prefix="MTG", now=now, make=lambda id_: Meeting(
        id=id_, date=day, kind=kind, reason=reason, drill=drill, lang=lang, created_at=now))


def get_meeting(*, session: Session, meeting_id: str) -> Meeting:
    row = session.get(Meeting, meeting_id, populate_existing=True)
    if row is None:
        raise NotFound(f"meeting `{meeting_id}` not found; see `parklink meeting list`")
    return row


def list_meetings(*, session: Session, year: int | None = None) -> list[Meeting]:
    """Meetings by date (newest first), then id."""
    rows = session.exec(select(Meeting).order_by(Meeting.date.desc(), Meeting.id.desc())).all()
    return [m for m in rows if year is None or m.date.year == year]


def set_meeting(*, session: Session, meeting_id: str, state: MeetingState | None = None,
                flow_run_id: str | None = None, agenda: str | None = None) -> Meeting:
    row = get_meeting(session=session, meeting_id=meeting_id)
    if agenda is not None and row.agenda is None:  # the agenda the invitations were sent with
        row.agenda = agenda
    if state is not None:
        row.state = state
    if flow_run_id is not None and row.flow_run_id is None:  # a re-run keeps the first run's id
        row.flow_run_id = flow_run_id
    session.add(row)
    return row


def invite_units(*, session: Session, meeting_id: str, units: list[str]) -> None:
    """An attendance row (no answer yet) for each unit not already invited."""
    have = {a.unit for a in attendance(session=session, meeting_id=meeting_id)}
    for unit in units:
        if unit not in have:
            session.add(MeetingAttendance(meeting=meeting_id, unit=unit))
    session.flush()


def attendance(*, session: Session, meeting_id: str) -> list[MeetingAttendance]:
    return list(session.exec(select(MeetingAttendance).where(MeetingAttendance.meeting == meeting_id)
                             .order_by(MeetingAttendance.unit)).all())


def attendance_counts(*, session: Session, meeting_id: str) -> AttendanceCounts:
    rows = attendance(session=session, meeting_id=meeting_id)
    return AttendanceCounts(**{a.value: sum(r.answer is a for r in rows) for a in AttendanceAnswer})


def record_answer(*, session: Session, meeting_id: str, unit: str, answer: AttendanceAnswer, by: str | None,
                  delegate: str | None = None, reason: str | None = None, now: datetime | None = None) -> bool:
    """The unit's answer, when it has none yet (False otherwise: its first answer stands)."""
    if answer is AttendanceAnswer.no_answer:
        raise InputError("answer: give will_attend, delegate or absent")
    row = session.exec(select(MeetingAttendance).where(MeetingAttendance.meeting == meeting_id,
                                                       MeetingAttendance.unit == unit).with_for_update()).first()
    if row is None:
        row = MeetingAttendance(meeting=meeting_id, unit=unit)
    elif row.answer is not AttendanceAnswer.no_answer:
        return False
    row.answer, row.answered_by, row.answered_at = answer, by, now or utcnow()
    row.delegate = delegate if answer is AttendanceAnswer.delegate else None
    row.reason = reason if answer is AttendanceAnswer.absent else None
    session.add(row)
    session.flush()
    return True


def record_minutes(*, session: Session, meeting_id: str, minutes: str) -> Meeting:
    row = get_meeting(session=session, meeting_id=meeting_id)
    if row.state is MeetingState.cancelled:
        raise InputError(f"meeting {meeting_id} was cancelled: it has no minutes", exit_code=2)
    row.minutes, row.state = minutes, MeetingState.held
    session.add(row)
    return row
