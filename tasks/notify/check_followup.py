"""After a liaison check: the office told of the liaisons to fix, the heads of units that failed twice in a row.

    report_stale(engine, settings, report) → OfficeReport    one message to the leading-group office's primary
                                                            (`settings.office_unit`), none when nothing is stale
    escalate_repeated(engine, settings, report) → list[str]  units whose head was messaged (unreachable in this
                                                            check and in the previous one of the same kind)

Both send through the Sender under the check's context with their own group ("office", "head"), so their
idempotency keys are per check: running the flow again for the same check never sends them twice. A drill
check's settings point at its drill gateway, like every other message of a drill.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy import Engine

from models.check_store import mark_head_notified, previous_check, set_check_run, unit_results
from models.db import session_scope
from models.i18n import is_english
from models.notification import ContextKind
from models.park_store import directory_problems, unit_names
from tasks.notify.check import CheckReport
from tasks.notify.check_rules import StaleLiaison, failed_twice, head_text, office_text, stale_liaisons
from tasks.notify.escalation import send_wave
from tasks.notify.texts import Message

OFFICE_GROUP, HEAD_GROUP = "office", "head"


@dataclass
class OfficeReport:
    office: str
    stale: list[StaleLiaison] = field(default_factory=list)
    delivered: bool = False
    problem: str | None = None


def _stale(engine: Engine, settings, report: CheckReport) -> list[StaleLiaison]:
    with session_scope(engine) as session:
        problems = directory_problems(session=session, max_age_days=settings.verify_max_age_days)
    directory = [StaleLiaison(p.unit, p.liaison, p.problem) for p in problems
                 if p.problem in ("never_verified", "verification_stale")]
    silent = [StaleLiaison(u["unit"], u["liaison"], u["reason"]) for u in report.unreachable]
    return stale_liaisons(directory, silent)


async def report_stale(engine: Engine, settings, report: CheckReport) -> OfficeReport:
    out = OfficeReport(settings.office_unit, await asyncio.to_thread(_stale, engine, settings, report))
    if not out.stale:
        return out
    text = office_text(settings.lang, check_id=report.check_id, stale=out.stale, drill=report.drill)
    rows = await send_wave(engine, context_kind=ContextKind.check, context_id=str(report.check_id),
                           group=OFFICE_GROUP, units=[settings.office_unit], message=Message("stale-liaisons", text),
                           settings=settings)
    out.delivered = any(r.delivered_at for r in rows)
    if not rows:
        out.problem = f"{settings.office_unit}: no active primary liaison"
    elif not out.delivered:
        out.problem = rows[0].last_error
    await asyncio.to_thread(_mark_office, engine, report.check_id, out.delivered)
    return out


def _mark_office(engine: Engine, check_id: int, delivered: bool) -> None:
    with session_scope(engine) as session:
        set_check_run(session=session, check_id=check_id, office_notified=delivered)


def _twice(engine: Engine, report: CheckReport) -> tuple[list[str], dict[str, tuple[str, str]]]:
    with session_scope(engine) as session:
        before = previous_check(session=session, check_id=report.check_id, drill=report.drill)
        earlier = {r.unit: r.status for r in unit_results(session=session, check_id=before.id)} if before else None
        return failed_twice(report.statuses, earlier), unit_names(session=session)


async def escalate_repeated(engine: Engine, settings, report: CheckReport) -> list[str]:
    units, names = await asyncio.to_thread(_twice, engine, report)
    told = []
    for unit in units:
        zh, en = names.get(unit, (unit, unit))
        text = head_text(settings.lang, check_id=report.check_id, unit_name=en if is_english(settings.lang) else zh,
                         drill=report.drill)
        rows = await send_wave(engine, context_kind=ContextKind.check, context_id=str(report.check_id),
                               group=HEAD_GROUP, units=[unit], message=Message("failed-twice", text),
                               settings=settings, role="head")
        if any(r.delivered_at for r in rows):
            told.append(unit)
            await asyncio.to_thread(_mark_head, engine, report.check_id, unit)
    return told


def _mark_head(engine: Engine, check_id: int, unit: str) -> None:
    with session_scope(engine) as session:
        mark_head_notified(session=session, check_id=check_id, unit=unit)
