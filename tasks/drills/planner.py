"""The year's drills on the legal calendar (issue 14, item 3). Pure.

    open_days(year, calendar, periods, start=None) → [date]   working days outside every special period
    plan_year(year, units, days, per_day=1)        → [PlannedDrill]

Each unit drills `12 / every_months` times a year, or once every `every_months` (a two-year unit drills in the
year its next drill falls due; never drilled: this year). Its first target day is its last drill plus its
frequency (overdue, or never drilled: early in the year, the units staggered over the first window so they do not
pile up); each next one is the previous drill's day plus the frequency, while it is in the year. A drill goes on
the open day nearest its target, earlier first (a drill may come early, never late), on a day with the fewest
drills already (at most `per_day`, unless no day within a month has room). The scenario rotates through the unit's
risks, starting after its last drill's playbook; a unit without risks rehearses the park's (every enterprise's),
staged at an enterprise that has that risk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from models.drill_frequency import add_months
from models.types import SHANGHAI
from tasks.duty.calendar import YearCalendar
from tasks.duty.periods import SpecialPeriod

SEARCH_DAYS = 31  # how far from its target a drill may move to find an open day with room


@dataclass(frozen=True)
class PlanUnit:
    code: str
    every_months: int
    risks: tuple[str, ...] = ()
    last_drill: date | None = None
    last_playbook: str | None = None
    enterprise: bool = False  # the scenario is staged at the unit itself


@dataclass(frozen=True)
class PlannedDrill:
    unit: str
    seq: int
    day: date
    playbook: str
    site: str  # the enterprise where the scenario happens

    @property
    def incident_id(self) -> str:
        return f"DRL-{self.day.year}-{self.unit}-{self.seq}"


def open_days(year: int, calendar: YearCalendar, periods: Iterable[SpecialPeriod], start: date | None = None) -> list[date]:
    """The year's working days (the calendar's, adjusted days included) that touch no special period."""
    closed = [p for p in periods if p.end is not None]  # an open-ended one (a live incident) says nothing of next year
    out, day = [], max(date(year, 1, 1), start or date(year, 1, 1))
    while day.year == year:
        begin = datetime.combine(day, time(0), SHANGHAI)
        end = begin + timedelta(days=1)
        if calendar.is_workday(day) and not any(p.start < end and p.end > begin for p in closed):
            out.append(day)
        day += timedelta(days=1)
    return out


def _targets(unit: PlanUnit, year: int, stagger: date) -> list[date]:
    first = date(year, 1, 1)
    target = add_months(unit.last_drill, unit.every_months) if unit.last_drill else None
    if target is None or target < first:
        target = stagger
    out = []
    while target.year == year:
        out.append(target)
        target = add_months(target, unit.every_months)
    return out[:max(1, 12 // unit.every_months)]


def _staggers(units: list[PlanUnit], year: int) -> dict[str, date]:
    """Each unit's start when it has no due day in the year yet: spread over its first window, by frequency."""
    out: dict[str, date] = {}
    by_window: dict[int, list[PlanUnit]] = {}
    for unit in units:
        by_window.setdefault(min(unit.every_months, 12), []).append(unit)
    for months, group in by_window.items():
        span = (add_months(date(year, 1, 1), months) - date(year, 1, 1)).days
        for i, unit in enumerate(sorted(group, key=lambda u: u.code)):
            out[unit.code] = date(year, 1, 1) + timedelta(days=int(span * (i + 0.5) / len(group)))
    return out


def _place(target: date, days: list[date], load: dict[date, int], per_day: int) -> date | None:
    # On or before the target, nearest first (a drill may come early, never late); after it only when none is open.
    near = sorted((d for d in days if abs((d - target).days) <= SEARCH_DAYS), key=lambda d: (d > target, abs(d - target)))
    for limit in range(per_day):
        for day in near:
            if load.get(day, 0) <= limit:
                return day
    return near[0] if near else (min(days, key=lambda d: abs((d - target).days)) if days else None)


def _rotation(unit: PlanUnit, park_risks: tuple[str, ...], index: int) -> list[str]:
    risks = unit.risks or park_risks
    if not risks:
        return []
    start = risks.index(unit.last_playbook) + 1 if unit.last_playbook in risks else (0 if unit.risks else index)
    return [risks[(start + k) % len(risks)] for k in range(len(risks))]


def plan_year(year: int, units: Iterable[PlanUnit], days: list[date], *, per_day: int = 1) -> list[PlannedDrill]:
    """The year's drills, by day then unit (units with no scenario to rehearse, or no open day, are left out)."""
    units = sorted(units, key=lambda u: (not u.enterprise, u.every_months, u.code))
    park_risks = tuple(dict.fromkeys(r for u in units if u.enterprise for r in u.risks))
    sites = {r: [u.code for u in units if u.enterprise and r in u.risks] for r in park_risks}
    staggers = _staggers(units, year)
    load: dict[date, int] = {}
    out: list[PlannedDrill] = []
    for index, unit in enumerate(units):
        rotation = _rotation(unit, park_risks, index)
        if not rotation:
            continue
        previous: date | None = None
        for seq, target in enumerate(_targets(unit, year, staggers[unit.code]), start=1):
            if previous is not None:
                target = add_months(previous, unit.every_months)
                if target.year != year:
                    break
            day = _place(target, [d for d in days if previous is None or d > previous], load, per_day)
            if day is None:
                break
            playbook = rotation[(seq - 1) % len(rotation)]
            site = unit.code if unit.enterprise else sites[playbook][(index + seq) % len(sites[playbook])]
            load[day] = load.get(day, 0) + 1
            out.append(PlannedDrill(unit=unit.code, seq=seq, day=day, playbook=playbook, site=site))
            previous = day
    return sorted(out, key=lambda d: (d.day, d.unit))
