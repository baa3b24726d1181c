"""The liaison communication check (source document 一(二)4, 二(二)): can every unit's liaison be reached?

A check messages every active primary liaison, waits, escalates the silent ones once (to their deputy),
then closes — a later acknowledgement is refused — and records `last_verified_at` for everyone who answered.
The report lists every liaison who stayed silent (the directory entries to fix) and the units where nobody
answered at all; each unit's status (models.events.UnitStatus) is kept in `liaison_check_unit`.

Run again with the `check_id` of a check that is still open (its run died), it carries on under the same
idempotency keys (nothing is sent twice); of a finished one, nothing is sent and the report is read back.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, fields

import httpx
from sqlalchemy import Engine
from sqlmodel import select

from models.check_store import save_unit_results
from models.db import session_scope
from models.directory import Liaison, LiaisonRole, Unit
from models.errors import InputError
from models.events import UnitStatus
from models.notification_store import create_check, finish_check, get_check, notifications, save_check_counts
from tasks.notify.escalation import notify_units
from tasks.notify.outcome import UnitOutcome
from tasks.notify.texts import check_message


@dataclass
class CheckReport:
    check_id: int
    wait_s: float
    checked: int = 0
    acknowledged: int = 0
    escalated: int = 0
    unreachable: list[dict] = field(default_factory=list)
    units_unreached: list[str] = field(default_factory=list)
    verified: list[dict] = field(default_factory=list)
    drill: bool = False
    outcomes: list[UnitOutcome] = field(default_factory=list)
    statuses: dict[str, UnitStatus] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """The JSON of `parklink directory check --live --json`: every field but the typed outcomes."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("outcomes", "statuses")}


def _start(engine: Engine, wait_s: float, drill: bool, check_id: int | None) -> tuple[int, float, bool, bool,
                                                                                   list[str], list[str]]:
    """The check (a new one, or `check_id`): id, wait, drill, whether it is finished; units with/without a primary."""
    with session_scope(engine) as session:
        check = get_check(session=session, check_id=check_id) if check_id is not None else None
        if check_id is not None and check is None:
            raise InputError(f"liaison check #{check_id} does not exist (`parklink directory checks` lists them)")
        check = check or create_check(session=session, wait_s=wait_s, drill=drill)
        units = session.exec(select(Unit.code).where(Unit.active).order_by(Unit.code)).all()
        with_primary = set(session.exec(select(Liaison.unit).where(
            Liaison.active, Liaison.role == LiaisonRole.primary)).all())
        return (check.id, check.wait_s, check.drill, check.finished_at is not None,
                [u for u in units if u in with_primary], [u for u in units if u not in with_primary])


async def run_liaison_check(engine: Engine, *, settings, wait_s: float | None = None, drill: bool = False,
                            client: httpx.AsyncClient | None = None, check_id: int | None = None) -> CheckReport:
    wait_s = wait_s if wait_s is not None else settings.check_wait_s
    check_id, wait_s, drill, finished, units, without = await asyncio.to_thread(_start, engine, wait_s, drill,
                                                                                check_id)
    report = CheckReport(check_id, wait_s, checked=len(units), drill=drill)
    report.unreachable = [{"unit": u, "liaison": None, "role": "primary", "reason": "no active primary"}
                          for u in without]
    report.units_unreached = list(without)
    report.statuses = dict.fromkeys(without, UnitStatus.unreachable)
    try:
        if not finished:
            report.outcomes = await notify_units(
                engine, context_kind="check", context_id=str(check_id), group="", units=units,
                message=check_message(settings.lang), deadline_s=wait_s, escalation=["deputy"], settings=settings,
                client=client)
    finally:
        # Close the check even when interrupted, so nothing acknowledges it afterwards.
        report_rows = await asyncio.to_thread(_close_and_read, engine, check_id)
    # The closed check's rows are the record: an answer that arrived while the check was closing counts. The
    # check's own messages are those of group "" (the office's and heads' follow-ups have their own groups).
    report_rows = [r for r in report_rows if r.group == ""]
    for unit in units:
        rows = [r for r in report_rows if r.unit == unit]
        primary_acked = any(r.acked_at and r.step == 0 for r in rows)
        report.acknowledged += primary_acked
        report.escalated += any(r.step > 0 for r in rows)
        if not any(r.acked_at for r in rows):
            report.units_unreached.append(unit)
        report.statuses[unit] = (UnitStatus.acknowledged if primary_acked else
                                 UnitStatus.escalated if any(r.acked_at for r in rows) else UnitStatus.unreachable)
        for row in rows:
            if row.acked_at:
                report.verified.append({"unit": row.recipient_unit, "liaison": row.liaison_name,
                                        "role": row.liaison_role, "at": row.acked_at})
            else:
                report.unreachable.append({"unit": row.recipient_unit, "liaison": row.liaison_name,
                                           "role": row.liaison_role,
                                           "reason": "silent" if row.delivered_at else "undeliverable"})
    report.units_unreached.sort()
    await asyncio.to_thread(_save, engine, report)
    return report


def _close_and_read(engine: Engine, check_id: int):
    with session_scope(engine) as session:
        finish_check(session=session, check_id=check_id)
    with session_scope(engine) as session:
        return notifications(session=session, context_kind="check", context_id=str(check_id))


def _save(engine: Engine, report: CheckReport) -> None:
    with session_scope(engine) as session:
        save_check_counts(session=session, check_id=report.check_id, checked=report.checked,
                          acknowledged=report.acknowledged, escalated=report.escalated,
                          unreachable=len(report.unreachable))
        save_unit_results(session=session, check_id=report.check_id, statuses=report.statuses)
