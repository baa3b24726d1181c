"""The Chinese calendar of a year: public holidays and adjusted working days (调休). Pure.

    year_calendar(year, local) → YearCalendar   from the local table when it has the year (it wins), else from
                                                 the `chinesecalendar` library, else weekends only, with a warning
    load_local_table(path) → {year: [CalendarDay]}   the park's own copy of a year's State Council notice

The library's data is published a year at a time, after the State Council's notice, and it raises for a year
it does not hold: ParkLink never crashes on that. A local table (YAML) looks like:

    2027:
      holidays:                       # days off, weekends inside the holiday included
        - {date: 2027-01-01, name: 元旦}
      workdays:                       # weekend days that are working days (调休上班)
        - {date: 2027-02-20, name: 春节}

    CalendarTableError   the table does not read: `file:line:col: message`, nothing of it used
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path

import chinese_calendar

from models.safe_yaml import Mapping, YAMLLoadError, load_yaml_file
from models.text_file import FileRefused

NAMES_ZH = {h.value: h.chinese for h in chinese_calendar.Holiday}


class DayKind(StrEnum):
    holiday = "holiday"
    workday_adjusted = "workday_adjusted"


class Source(StrEnum):
    library = "library"  # chinesecalendar's data of the year
    local = "local"  # the park's table (PARKLINK_HOLIDAYS_FILE)
    weekends = "weekends"  # neither has the year: weekends are the only days off


@dataclass(frozen=True)
class CalendarDay:
    date: date
    kind: DayKind
    name: str


@dataclass(frozen=True)
class YearCalendar:
    year: int
    days: tuple[CalendarDay, ...]
    source: Source

    def is_workday(self, day: date) -> bool:
        listed = next((d for d in self.days if d.date == day), None)
        if listed is not None:
            return listed.kind is DayKind.workday_adjusted
        return day.weekday() < 5


class CalendarTableError(FileRefused):
    pass


def _library_days(year: int) -> tuple[CalendarDay, ...] | None:
    days, day = [], date(year, 1, 1)
    try:
        while day.year == year:
            off, name = chinese_calendar.get_holiday_detail(day)
            if name and off:
                days.append(CalendarDay(day, DayKind.holiday, NAMES_ZH.get(name, name)))
            elif name and day.weekday() >= 5:
                days.append(CalendarDay(day, DayKind.workday_adjusted, NAMES_ZH.get(name, name)))
            day += timedelta(days=1)
    except NotImplementedError:  # the year's arrangement is not published (in the library) yet
        return None
    return tuple(days)


def year_calendar(year: int, local: dict[int, tuple[CalendarDay, ...]] | None = None) -> YearCalendar:
    if local and year in local:
        return YearCalendar(year, local[year], Source.local)
    days = _library_days(year)
    if days is None:
        return YearCalendar(year, (), Source.weekends)
    return YearCalendar(year, days, Source.library)


def _refuse(file: str, where: Mapping | None, key, message: str):
    line, col = where.mark(key) if isinstance(where, Mapping) else (0, 0)
    raise CalendarTableError(file, line, col, message)


def _entries(file: str, year: int, section: Mapping, key: str, kind: DayKind) -> list[CalendarDay]:
    items = section.get(key) or []
    if not isinstance(items, list):
        _refuse(file, section, key, f"{year}.{key}: give a list of {{date, name}}")
    out = []
    for item in items:
        if not isinstance(item, dict) or set(item) - {"date", "name"} or "date" not in item:
            _refuse(file, item if isinstance(item, Mapping) else section, None if isinstance(item, Mapping)
                    else key, f"{year}.{key}: each entry is {{date: YYYY-MM-DD, name: …}}")
        try:
            day = date.fromisoformat(str(item["date"]))
        except ValueError:
            _refuse(file, item, "date", f"{year}.{key}: `{item['date']}` is no date; write YYYY-MM-DD")
        if day.year != year:
            _refuse(file, item, "date", f"{year}.{key}: {day} is not in {year}")
        out.append(CalendarDay(day, kind, str(item.get("name") or "")))
    return out


def load_local_table(path: Path | str) -> dict[int, tuple[CalendarDay, ...]]:
    file = str(path)
    try:
        data = load_yaml_file(path)
    except YAMLLoadError as exc:
        raise CalendarTableError(exc.file, exc.line, exc.col, exc.message) from None
    if not isinstance(data, dict):
        _refuse(file, None, None, "give years at the top level: `2027: {holidays: [...], workdays: [...]}`")
    table = {}
    for year, section in data.items():
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            _refuse(file, data, year, f"`{year}` is no year")
        if not isinstance(section, dict) or set(section) - {"holidays", "workdays"}:
            _refuse(file, data, year, f"{year}: give `holidays:` and `workdays:` lists only")
        days = (_entries(file, year, section, "holidays", DayKind.holiday)
                + _entries(file, year, section, "workdays", DayKind.workday_adjusted))
        if len({d.date for d in days}) != len(days):
            _refuse(file, data, year, f"{year}: a date is listed twice")
        table[year] = tuple(sorted(days, key=lambda d: d.date))
    return table
