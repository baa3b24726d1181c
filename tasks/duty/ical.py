"""Duty rosters to and from iCalendar (RFC 5545), for `parklink duty export --format ics` / `duty import FILE.ics`.
Pure: no database, no Prefect.

    rosters_to_ical(rosters: list[UnitRoster], start: datetime, end: datetime, *,
                    unit_names: dict[str, str] | None = None, phones: dict[tuple[str, str], str] | None = None,
                    stamp: datetime | None = None, name: str | None = None) -> bytes
        one VCALENDAR, a VEVENT per shift overlapping [start, end) (tasks.duty.ical_export says what is in it)

    read_ical(path: Path | str) -> bytes
        the file, refused (ImportRejected) if not a regular file or over 1 MiB (models.text_file)
    ical_to_shifts(data: bytes, *, start: datetime, end: datetime, source: str, default_unit: str | None = None,
                   units: Collection[str] | None = None) -> list[ImportedShift]
        every occurrence overlapping [start, end), recurrences expanded; ImportRejected with every problem as
        `source:line: VEVENT `uid`: message` (tasks.duty.ical_import says how each field is read)
    shifts_by_unit(shifts: list[ImportedShift]) -> dict[str, tuple[FixedShift, ...]]
        per unit, for UnitRoster(unit=unit, shifts=(), fixed=fixed)

    ImportedShift(unit: str, shift: FixedShift, uid: str, line: int)

The round trip holds: rosters_to_ical then ical_to_shifts over the same window puts, at every instant of it, the
same person on duty per unit and role as `on_duty` of the rosters — so long as no two shifts of one unit and role
overlap there (imported shifts are all `fixed`; the roster's precedence between overlapping shifts of different
sources is not carried by the file).
"""

from __future__ import annotations

from tasks.duty.ical_export import PRODID, ROLE_WORD, Prop, attendee_uri, rosters_to_ical
from tasks.duty.ical_import import ROLE_WORDS, ImportedShift, ical_to_shifts, read_ical, shifts_by_unit

__all__ = ["PRODID", "ROLE_WORD", "ROLE_WORDS", "ImportedShift", "Prop", "attendee_uri", "ical_to_shifts",
           "read_ical", "rosters_to_ical", "shifts_by_unit"]
