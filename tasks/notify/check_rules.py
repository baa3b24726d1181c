"""The scheduled liaison check's rules, pure: is a holiday check due today, who failed twice, what the office reads.

    due_before_holiday(today, periods, days_before) → the holiday whose first day is exactly `days_before`
                                                      days after `today`, or None (the check is not due)
    failed_twice(this, before) → the units unreachable in this check and in the one before it
    StaleLiaison, stale_liaisons(...) → the liaisons the office should fix: not verified within the maximum
                                         age, and those silent in this check, each once
    office_text(...), head_text(...)  → the messages (zh-CN first, English with lang "en")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from models.events import UnitStatus
from models.i18n import N_, tr

MAX_LISTED = 30  # the office message names at most this many liaisons (SMS is one of the channels)


class HolidayLike(Protocol):
    """What tasks.duty.periods.HolidayPeriod offers (name, first_day, last_day)."""

    name: str
    first_day: date
    last_day: date


def due_before_holiday(today: date, periods: Iterable[HolidayLike], days_before: int) -> HolidayLike | None:
    """The important holiday that begins exactly `days_before` days after `today` (the earliest, if several)."""
    target = today + timedelta(days=days_before)
    found = sorted((p for p in periods if p.first_day == target), key=lambda p: (p.first_day, p.name))
    return found[0] if found else None


def failed_twice(this: Mapping[str, UnitStatus], before: Mapping[str, UnitStatus] | None) -> list[str]:
    """Units that nobody answered for in this check and in the previous one (none without a previous check)."""
    if not before:
        return []
    return sorted(u for u, s in this.items() if s is UnitStatus.unreachable and before.get(u) is UnitStatus.unreachable)


@dataclass(frozen=True)
class StaleLiaison:
    unit: str
    liaison: str | None
    problem: str  # never_verified, verification_stale (the directory check's), silent, undeliverable, no active primary


def stale_liaisons(directory: Iterable[StaleLiaison], unreachable: Iterable[StaleLiaison]) -> list[StaleLiaison]:
    """Each (unit, liaison) once — this check's reason wins over the directory's — sorted by unit and name."""
    out: dict[tuple[str, str | None], StaleLiaison] = {}
    for item in directory:
        out[(item.unit, item.liaison)] = item
    for item in unreachable:
        out[(item.unit, item.liaison)] = item
    return sorted(out.values(), key=lambda s: (s.unit, s.liaison or ""))


PROBLEMS = {"never_verified": N_("never verified"), "verification_stale": N_("not verified recently"),
            "silent": N_("did not answer"), "undeliverable": N_("undeliverable"),
            "no active primary": N_("no active primary")}


def office_text(lang: str, *, check_id: int, stale: Sequence[StaleLiaison], drill: bool) -> str:
    """The office's one message after a check: the liaisons to fix."""
    items = [f"{s.unit}/{s.liaison or '-'}({tr(lang, PROBLEMS.get(s.problem, s.problem))})"
             for s in stale[:MAX_LISTED]]
    more = len(stale) - len(items)
    head = tr(lang, "[ParkLink] Liaison check #{id}: {n} liaison(s) to verify or fix in the directory: ",
              id=check_id, n=len(stale))
    tail = tr(lang, " … and {n} more (parklink directory check)", n=more) if more > 0 else ""
    prefix = tr(lang, "[Drill] ") if drill else ""
    return prefix + head + tr(lang, ", ").join(items) + tail


def head_text(lang: str, *, check_id: int, unit_name: str, drill: bool) -> str:
    """The unit head's message: nobody of the unit answered this check nor the one before."""
    prefix = tr(lang, "[Drill] ") if drill else ""
    return prefix + tr(lang, "[ParkLink] Liaison check #{id}: nobody of {unit} answered this liaison check nor the "
                             "previous one. Please make sure the unit's liaisons can be reached around the clock.",
                       id=check_id, unit=unit_name)
