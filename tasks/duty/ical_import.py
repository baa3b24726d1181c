"""Duty shifts from an iCalendar (RFC 5545) file, all or nothing. Pure: no database, no Prefect.

    read_ical(path) → bytes                       the file within models.text_file's limits (regular file, 1 MiB)
    ical_to_shifts(data, *, start, end, source, default_unit=None, units=None) → [ImportedShift]
    shifts_by_unit(shifts) → {unit: (FixedShift, …)}    for UnitRoster(unit=…, shifts=(), fixed=…)

Every VEVENT of the file is checked (not only those in the window); recurrences (RRULE, RDATE, EXDATE,
RECURRENCE-ID) are expanded by recurring-ical-events into the occurrences overlapping [start, end), each one
(unit, FixedShift(role, name, start, end)):

    unit   X-PARKLINK-UNIT, else `default_unit` (the CLI's --unit); checked against `units` when given
    role   X-PARKLINK-ROLE (duty_officer | leader_on_duty, or a role word), else the first CATEGORIES that is a
           role word, else the first role word in SUMMARY: 值班员 / duty officer → duty_officer,
           带班领导 / 带班 / leader → leader_on_duty
    name   the ATTENDEE's CN (one person per event), else SUMMARY without its role word, up to a `·`
    times  DTSTART with DTEND or DURATION; TZID as given (a known IANA name or the file's VTIMEZONE); floating
           times are in the calendar's X-WR-TIMEZONE when it names one (as Google Calendar writes them), else
           Asia/Shanghai; an all-day (DATE) event is refused; a STATUS:CANCELLED event or instance is left out

Every problem is a RowError `file:line: VEVENT `uid`: message`, the line where that VEVENT begins (a physical
line: folded lines counted), raised together as ImportRejected; nothing is returned then. Text that is not
iCalendar is one RowError at the first line that is wrong (tasks.duty.ical_lines).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import recurring_ical_events
from icalendar import Calendar, Component
from pydantic import ValidationError

from models.did_you_mean import did_you_mean
from models.duty import DutyRole
from models.errors import ImportRejected, RowError
from models.text_file import FileRefused, decode_text, read_bytes
from models.types import SHANGHAI
from tasks.duty.ical_export import Prop
from tasks.duty.ical_lines import ContentLine, content_lines, syntax_errors, vevent_lines
from tasks.duty.roster import FixedShift

ROLE_WORDS = {"值班员": DutyRole.duty_officer, "duty officer": DutyRole.duty_officer,
              "duty_officer": DutyRole.duty_officer, "带班领导": DutyRole.leader_on_duty,
              "带班": DutyRole.leader_on_duty, "leader_on_duty": DutyRole.leader_on_duty,
              "leader on duty": DutyRole.leader_on_duty, "leader": DutyRole.leader_on_duty}
_SEPARATORS = " \t:：-—–,，;；/"
ROLE_HELP = "use duty_officer (值班员) or leader_on_duty (带班领导)"


@dataclass(frozen=True)
class ImportedShift:
    unit: str
    shift: FixedShift
    uid: str
    line: int  # where its VEVENT begins in the file (the modified instance's, for a RECURRENCE-ID)

    def key(self) -> tuple:
        return self.unit, self.shift.role, self.shift.start, self.shift.end, self.shift.name


class _Problem(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def read_ical(path: Path | str) -> bytes:
    try:
        return read_bytes(path)
    except FileRefused as exc:
        raise ImportRejected([RowError(str(path), exc.line, "", exc.message)]) from None


def shifts_by_unit(shifts: list[ImportedShift]) -> dict[str, tuple[FixedShift, ...]]:
    out: dict[str, list[FixedShift]] = {}
    for s in shifts:
        out.setdefault(s.unit, []).append(s.shift)
    return {unit: tuple(fixed) for unit, fixed in sorted(out.items())}


def ical_to_shifts(data: bytes, *, start: datetime, end: datetime, source: str, default_unit: str | None = None,
                   units: Collection[str] | None = None) -> list[ImportedShift]:
    """The occurrences overlapping [start, end) (aware), sorted by unit, role, start; or ImportRejected."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    try:
        text = decode_text(data, source)
    except FileRefused as exc:
        raise ImportRejected([RowError(source, exc.line, "", exc.message)]) from None
    lines = content_lines(text)
    errors = syntax_errors(lines, source)
    if errors:
        raise ImportRejected(errors)
    try:
        calendars = Calendar.from_ical(text, multiple=True)
    except Exception as exc:  # noqa: BLE001 — icalendar raises ValueError, KeyError, …: all mean "not valid"
        raise ImportRejected([RowError(source, 0, "", f"not valid iCalendar: {exc}")]) from None
    errors += _calendar_zones(calendars, lines, source)
    events = [e for cal in calendars for e in cal.walk("VEVENT")]
    starts = vevent_lines(lines)
    starts = starts if len(starts) == len(events) else [0] * len(events)
    where: dict[tuple[str, datetime | None], int] = {}
    for event, line in zip(events, starts, strict=True):
        errors += _check(event, line, source, default_unit, units, where)
    if errors:
        raise ImportRejected(errors)
    out = []
    window = start.astimezone(SHANGHAI), end.astimezone(SHANGHAI)
    for cal in calendars:
        try:
            occurrences = recurring_ical_events.of(cal).between(*window)
        except Exception as exc:  # noqa: BLE001 — a recurrence the library cannot expand
            raise ImportRejected([RowError(source, 0, "", f"cannot expand the recurrences: {exc}")]) from None
        for occ in occurrences:
            if str(occ.get("STATUS", "")).strip().upper() == "CANCELLED":
                continue  # a cancelled event or instance (RECURRENCE-ID with STATUS:CANCELLED) puts nobody on duty
            uid = str(occ.get("UID"))
            line = where.get((uid, _recurrence_id(occ)), where.get((uid, None), 0))
            try:
                unit, shift = _shift(occ, default_unit)
            except (_Problem, ValidationError) as exc:
                errors.append(RowError(source, line, _label(occ), _message(exc)))
                continue
            out.append(ImportedShift(unit, shift, uid, line))
    if errors:
        raise ImportRejected(errors)
    return sorted(out, key=ImportedShift.key)


def _calendar_zones(calendars: list[Calendar], lines: list[ContentLine], file: str) -> list[RowError]:
    """X-WR-TIMEZONE, when given, must be a zone we know: floating times are read in it."""
    at = [cl.line for cl in lines if cl.text.upper().startswith("X-WR-TIMEZONE")]
    out = []
    for cal in calendars:
        name = str(cal.get("X-WR-TIMEZONE", "")).strip()
        try:
            if name:
                ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            out.append(RowError(file, at[0] if at else 0, "X-WR-TIMEZONE",
                                f"unknown time zone `{name}`; use an IANA name such as Asia/Shanghai or remove it"))
    return out


def _label(event: Component) -> str:
    uid = str(event.get("UID", "")).strip()
    return f"VEVENT `{uid}`" if uid else "VEVENT (no UID)"


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'shift'}: {e['msg']}" for e in exc.errors())
    return str(exc)


def _recurrence_id(event: Component) -> datetime | None:
    rid = event.get("RECURRENCE-ID")
    return _aware(rid.dt) if rid is not None and isinstance(rid.dt, datetime) else None


def _check(event: Component, line: int, file: str, default_unit: str | None, units: Collection[str] | None,
           where: dict[tuple[str, datetime | None], int]) -> list[RowError]:
    """The VEVENT's own problems, each a RowError at its line; records where its UID (+ RECURRENCE-ID) is."""
    label, problems = _label(event), []
    uid = str(event.get("UID", "")).strip()
    if not uid:
        problems.append("no UID: give each event a unique UID")
    else:
        key = (uid, _recurrence_id(event))
        if key in where:
            problems.append(f"UID given twice (first at line {where[key]}) for the same occurrence; "
                            "give each event its own UID (or a RECURRENCE-ID for a moved instance)")
        else:
            where[key] = line
    problems += [f"{prop}: {msg}; correct the value" for prop, msg in event.errors]
    if not event.errors:
        try:
            unit, _ = _shift(event, default_unit)
            if units is not None and unit not in units:
                problems.append(f"unknown unit `{unit}`{did_you_mean(unit, set(units), list_up_to=12)}")
        except _Problem as exc:
            problems.append(exc.message)
        except ValidationError as exc:
            problems.append(_message(exc))
    return [RowError(file, line, label, p) for p in problems]


def _shift(event: Component, default_unit: str | None) -> tuple[str, FixedShift]:
    """(unit, FixedShift) of one VEVENT or occurrence, or _Problem saying what is missing and how to fix it."""
    start, end = _times(event)
    unit = str(event.get(Prop.unit, "")).strip() or default_unit
    if not unit:
        raise _Problem(f"no unit: add {Prop.unit} or pass --unit")
    summary = str(event.get("SUMMARY", "")).strip()
    role = _role(event, summary)
    return unit, FixedShift(role=role, name=_name(event, summary), start=start, end=end)


def _times(event: Component) -> tuple[datetime, datetime]:
    if event.get("DTSTART") is None:
        raise _Problem("no DTSTART: give the shift's start, e.g. DTSTART;TZID=Asia/Shanghai:20261001T080000")
    if event.get("DTEND") is None and event.get("DURATION") is None:
        raise _Problem("no DTEND or DURATION: give the shift's end time")
    for prop in ("DTSTART", "DTEND", "RECURRENCE-ID"):
        value = event.get(prop)
        if value is None:
            continue
        if isinstance(value.dt, date) and not isinstance(value.dt, datetime):
            raise _Problem(f"all-day event ({prop};VALUE=DATE): a duty shift needs a start and an end time; "
                           f"give {prop} with a time, e.g. {prop};TZID=Asia/Shanghai:20261001T080000")
        tzid = value.params.get("TZID")
        if tzid and value.dt.tzinfo is None:
            raise _Problem(f"{prop}: unknown time zone `{tzid}`; use an IANA name such as Asia/Shanghai "
                           "or include its VTIMEZONE")
    start, end = event.start, event.end
    if not isinstance(end, datetime):
        raise _Problem("DURATION in whole days on a dated event: give DTEND with a time")
    start, end = _aware(start), _aware(end)
    if end <= start:
        raise _Problem(f"ends ({end:%Y-%m-%d %H:%M}) before it starts ({start:%Y-%m-%d %H:%M}); "
                       "give a DTEND after DTSTART (a night shift ends the next day)")
    return start, end


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value.astimezone(SHANGHAI)


def _word(text: str) -> tuple[int, str] | None:
    """The first role word in `text` (the longest at that place): (position, word)."""
    low = text.casefold()
    hits = [(low.find(w), -len(w), w) for w in ROLE_WORDS if w in low]
    return (min(hits)[0], min(hits)[2]) if hits else None


def _categories(event: Component) -> list[str]:
    value = event.get("CATEGORIES")
    values = value if isinstance(value, list) else [value] if value is not None else []
    return [str(c).strip() for v in values for c in getattr(v, "cats", [v])]


def _role(event: Component, summary: str) -> DutyRole:
    given = event.get(Prop.role)
    if given is not None:
        word = str(given).strip()
        if word.casefold() not in ROLE_WORDS:
            raise _Problem(f"unknown role `{word}` in {Prop.role}; {ROLE_HELP}")
        return ROLE_WORDS[word.casefold()]
    for cat in _categories(event):
        if cat.casefold() in ROLE_WORDS:
            return ROLE_WORDS[cat.casefold()]
    found = _word(summary)
    if found is None:
        raise _Problem(f"no role: add {Prop.role} ({ROLE_HELP}), or a CATEGORIES or SUMMARY word 值班员 or 带班领导")
    return ROLE_WORDS[found[1]]


def _name(event: Component, summary: str) -> str:
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees] if attendees is not None else []
    names = [n for n in dict.fromkeys(str(a.params.get("CN", "")).strip() for a in attendees) if n]
    if len(names) > 1:
        raise _Problem(f"{len(names)} ATTENDEEs ({', '.join(names)}): one person per duty event; "
                       "give each person an event of their own")
    if names:
        return names[0]
    found = _word(summary)
    rest = summary if found is None else summary[:found[0]] + " " + summary[found[0] + len(found[1]):]
    name = next((p.strip(_SEPARATORS) for p in rest.split("·") if p.strip(_SEPARATORS)), "")
    if not name:
        raise _Problem("no name: add ATTENDEE;CN=<name>:… or put the name in SUMMARY after the role word")
    return name
