"""Ahead of an important holiday: the hours the roster leaves without cover, sent to the office (issue 12 item 3).

    gap_runs(gaps) → [GapRun]                      consecutive hours of one unit and role as one run (pure)
    gap_text(lang, period, runs) → str             the message: the holiday, then each run (pure)
    send_gap_notice(engine, settings, …) → GapNotice    one message to the office's (PARKLINK_OFFICE_UNIT) duty officer now (else its
                                                    primary liaison), under the check's idempotency key
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy import Engine

from models.db import session_scope
from models.directory import Unit
from models.duty import DutyRole
from models.i18n import N_, tr
from models.park_store import primary_liaison
from models.types import SHANGHAI, utcnow
from tasks.duty.gaps import Gap, cover_gaps
from tasks.duty.periods import HolidayPeriod, holiday_special
from tasks.duty.roster_db import duty_liaison
from tasks.notify.sender import Context, Sender, Target
from tasks.notify.texts import Message

ROLE_WORDS = {DutyRole.duty_officer: N_("duty officer"), DutyRole.leader_on_duty: N_("leader on duty")}
MAX_LINES = 12  # SMS is one of the channels: the rest is counted, `parklink duty gaps` lists it


@dataclass(frozen=True)
class GapRun:
    unit: str
    role: DutyRole
    start: datetime
    end: datetime
    reason: str = ""  # the special period of its first hour

    @property
    def hours(self) -> int:
        return int((self.end - self.start) / timedelta(hours=1))


@dataclass
class GapNotice:
    holiday: str
    gaps: int
    units: list[str] = field(default_factory=list)
    sent_to: str | None = None
    delivered: bool = False
    notification_id: int | None = None


def gap_runs(gaps: list[Gap]) -> list[GapRun]:
    runs: list[GapRun] = []
    for g in sorted(gaps, key=lambda g: (g.unit, g.role, g.hour)):
        last = runs[-1] if runs else None
        if last and (last.unit, last.role, last.end) == (g.unit, g.role, g.hour):
            runs[-1] = GapRun(last.unit, last.role, last.start, g.hour + timedelta(hours=1), last.reason)
        else:
            runs.append(GapRun(g.unit, g.role, g.hour, g.hour + timedelta(hours=1), g.period.reason))
    return runs


def gap_text(lang: str, period: HolidayPeriod, runs: list[GapRun]) -> str:
    fmt = "%m-%d %H:%M"
    head = tr(lang, "[ParkLink] Day-and-night duty for {h} ({a} – {b}): {n} stretch(es) without the required cover.",
              h=period.name, a=period.first_day.isoformat(), b=period.last_day.isoformat(), n=len(runs))
    lines = [f"{r.unit} {tr(lang, ROLE_WORDS[r.role])} {r.start.astimezone(SHANGHAI).strftime(fmt)}–"
             f"{r.end.astimezone(SHANGHAI).strftime(fmt)} ({r.hours} h)" for r in runs[:MAX_LINES]]
    if len(runs) > MAX_LINES:
        lines.append(tr(lang, "… and {n} more: parklink duty gaps", n=len(runs) - MAX_LINES))
    return "\n".join([head, *lines])


def _office_target(engine: Engine, office: str) -> tuple[str, object] | None:
    with session_scope(engine) as session:
        if session.get(Unit, office) is None:
            return None
        person = duty_liaison(session=session, unit=office, role=DutyRole.duty_officer, at=utcnow())
        return office, person or primary_liaison(session=session, unit=office)


def _gaps(engine: Engine, settings, period: HolidayPeriod) -> list[Gap]:
    [special] = holiday_special([period], settings.duty_holiday_margin_days)
    with session_scope(engine) as session:
        return cover_gaps(session=session, settings=settings, start=special.start, end=special.end)


async def send_gap_notice(engine: Engine, settings, *, check_id: int, period: HolidayPeriod,
                          client: httpx.AsyncClient | None = None) -> GapNotice:
    """The holiday's gaps to the office (nothing sent when there are none); a re-run of the check sends nothing new."""
    gaps = await asyncio.to_thread(_gaps, engine, settings, period)
    notice = GapNotice(period.name, len(gaps), sorted({g.unit for g in gaps}))
    target = await asyncio.to_thread(_office_target, engine, settings.office_unit)
    if not gaps or target is None or target[1] is None:
        return notice
    office, person = target
    message = Message("duty-gaps", gap_text(settings.lang, period, gap_runs(gaps)))
    async with Sender(engine, settings, client) as sender:
        rows = await asyncio.to_thread(sender.prepare, Context("check", str(check_id), "duty"), message,
                                       [Target(unit=office, liaison=person, label="office_duty")])
        [row] = await sender.deliver(rows)
    notice.sent_to, notice.delivered, notice.notification_id = row.liaison_name, row.delivered_at is not None, row.id
    return notice
