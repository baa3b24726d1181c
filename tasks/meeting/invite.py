"""A joint meeting's invitations, through the acknowledgement machinery (tasks/notify/escalation.py).

    report = await invite_units(engine, settings, meeting=row, agenda=text, wait_s=86400)

Every active unit gets an attendance row; each one with an active primary liaison is invited (context `meeting`,
the meeting id as context id): the primary is given `wait_s` (park seconds) to answer, the silent are chased
to their deputy and then their head. Whoever answers says will attend, delegate (named) or absent (with a
reason) on the link's page (tasks/notify/ack.py records it on the unit's row). Then the units still silent get
one reminder (to their primary) and another `wait_s`; whoever stays silent stays `no_answer`. Every message has
its idempotency key: a re-run sends nothing twice.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import select

from models.db import session_scope
from models.directory import Liaison, LiaisonRole, Unit
from models.i18n import tr
from models.meeting import AttendanceAnswer, AttendanceCounts, Meeting, MeetingKind
from models.meeting_store import attendance, attendance_counts
from models.meeting_store import invite_units as add_rows
from models.notification import ContextKind
from models.types import utcnow
from tasks.notify.escalation import notify_units, send_wave
from tasks.notify.texts import Message

CHAIN = ["deputy", "head"]  # a silent primary: the unit's deputy, then its head (who decides who attends)


@dataclass
class InviteReport:
    meeting: str
    invited: list[str] = field(default_factory=list)
    uninvited: list[str] = field(default_factory=list)  # active, but no active primary liaison
    reminded: list[str] = field(default_factory=list)
    counts: AttendanceCounts = field(default_factory=AttendanceCounts)


def invitation(lang: str, meeting: Meeting, agenda: str, *, reminder: bool = False) -> Message:
    kind = tr(lang, "annual") if meeting.kind is MeetingKind.annual else tr(lang, "ad hoc")
    head = tr(lang, "[Drill] ") if meeting.drill else ""
    if reminder:
        head += tr(lang, "[Reminder] ")
    text = tr(lang, "[ParkLink] Joint meeting of the linkage units ({kind}) {id} on {date}{reason}. Please answer "
              "through the link: will attend, a delegate (name), or absent (reason).", kind=kind, id=meeting.id,
              date=meeting.date.isoformat(), reason=tr(lang, ": {why}", why=meeting.reason) if meeting.reason else "")
    label = tr(lang, "Agenda:")
    return Message("remind" if reminder else "invite", f"{head}{text}\n{label}\n{agenda}")


def _units(engine: Engine, meeting_id: str) -> tuple[list[str], list[str]]:
    with session_scope(engine) as session:
        units = list(session.exec(select(Unit.code).where(Unit.active).order_by(Unit.code)).all())
        with_primary = set(session.exec(select(Liaison.unit).where(
            Liaison.active, Liaison.role == LiaisonRole.primary)).all())
        add_rows(session=session, meeting_id=meeting_id, units=units)
    return [u for u in units if u in with_primary], [u for u in units if u not in with_primary]


def _silent(engine: Engine, meeting_id: str, units: list[str]) -> list[str]:
    with session_scope(engine) as session:
        rows = attendance(session=session, meeting_id=meeting_id)
    return [r.unit for r in rows if r.unit in units and r.answer is AttendanceAnswer.no_answer]


async def _wait_for_answers(engine: Engine, meeting_id: str, units: list[str], seconds: float, poll_s: float) -> None:
    until = utcnow().timestamp() + seconds
    while units and await asyncio.to_thread(_silent, engine, meeting_id, units):
        if utcnow().timestamp() >= until:
            return
        await asyncio.sleep(min(poll_s, max(until - utcnow().timestamp(), 0)))


async def invite_units(engine: Engine, settings, *, meeting: Meeting, agenda: str, wait_s: float) -> InviteReport:
    invited, uninvited = await asyncio.to_thread(_units, engine, meeting.id)
    report = InviteReport(meeting=meeting.id, invited=invited, uninvited=uninvited)
    lang = settings.lang
    await notify_units(engine, context_kind=ContextKind.meeting, context_id=meeting.id, group="", units=invited,
                       message=invitation(lang, meeting, agenda), deadline_s=wait_s, escalation=CHAIN,
                       settings=settings)
    report.reminded = await asyncio.to_thread(_silent, engine, meeting.id, invited)
    if report.reminded:
        await send_wave(engine, context_kind=ContextKind.meeting, context_id=meeting.id, group="reminder",
                        units=report.reminded, message=invitation(lang, meeting, agenda, reminder=True),
                        settings=settings)
        await _wait_for_answers(engine, meeting.id, report.reminded, wait_s / settings.time_scale, settings.ack_poll_s)
    with session_scope(engine) as session:
        report.counts = attendance_counts(session=session, meeting_id=meeting.id)
    return report
