"""Special periods (昼夜值班): when every resident enterprise and the office need day-and-night cover. Pure.

    holiday_periods(calendar) → [HolidayPeriod]            each run of holiday days of one name, in a year
    important_holidays(year, settings) → [HolidayPeriod]   those the park counts as important (PARKLINK_DUTY_HOLIDAYS)
    special_periods(start, end, holidays, events, margin_days) → [SpecialPeriod]   what makes [start, end) special
    period_at(periods, at) → SpecialPeriod | None

A period is special when it is an important holiday (with the days around it), a declared major event, an
active warning or a running incident. Times are aware datetimes; holiday days are Asia/Shanghai dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar

from models.duty_kinds import PeriodKind
from models.types import SHANGHAI
from tasks.duty.calendar import DayKind, YearCalendar, load_local_table, year_calendar

ZH_OF = {k: h.chinese for h in chinese_calendar.Holiday for k in (h.name, h.value)}


@dataclass(frozen=True)
class HolidayPeriod:
    name: str
    first_day: date
    last_day: date


@dataclass(frozen=True)
class SpecialPeriod:
    kind: PeriodKind
    start: datetime
    end: datetime | None  # none: open (a running incident, a warning not lifted)
    reason: str

    def covers(self, at: datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)


def holiday_periods(cal: YearCalendar) -> list[HolidayPeriod]:
    periods: list[HolidayPeriod] = []
    for day in (d for d in cal.days if d.kind is DayKind.holiday):
        last = periods[-1] if periods else None
        if last and last.name == day.name and (day.date - last.last_day).days <= 1:
            periods[-1] = HolidayPeriod(last.name, last.first_day, day.date)
        else:
            periods.append(HolidayPeriod(day.name, day.date, day.date))
    return periods


def important_names(setting: str) -> set[str]:
    """The configured names, each as the calendar writes it (chinesecalendar's Chinese names)."""
    names = {n.strip() for n in setting.split(",") if n.strip()}
    return {ZH_OF.get(n, n) for n in names}


def important_holidays(year: int, settings) -> list[HolidayPeriod]:
    """The year's important holidays, from the park's table when it has the year, else chinesecalendar."""
    path = settings.holidays_file
    local = load_local_table(path) if path and path.exists() else None
    wanted = important_names(settings.duty_holidays)
    return [p for p in holiday_periods(year_calendar(year, local)) if p.name in wanted]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)


def holiday_special(periods: list[HolidayPeriod], margin_days: int) -> list[SpecialPeriod]:
    margin = timedelta(days=margin_days)
    return [SpecialPeriod(PeriodKind.holiday, _midnight(p.first_day - margin), _midnight(p.last_day + margin
                                                                                         + timedelta(days=1)), p.name)
            for p in periods]


def special_periods(start: datetime, end: datetime, *, holidays: list[HolidayPeriod], margin_days: int,
                    others: list[SpecialPeriod]) -> list[SpecialPeriod]:
    """Every special period that overlaps [start, end), by start."""
    every = holiday_special(holidays, margin_days) + others
    return sorted((p for p in every if p.start < end and (p.end is None or p.end > start)), key=lambda p: p.start)


def period_at(periods: list[SpecialPeriod], at: datetime) -> SpecialPeriod | None:
    return next((p for p in periods if p.covers(at)), None)
