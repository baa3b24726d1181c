"""Reading a roster file (YAML) into validated rosters, all or nothing. Pure: no database, no Prefect.

    parse_rosters(path, people) → [UnitRoster]   or ImportRejected with every error as `file:line: field: message`
    rosters_document(rosters) → dict             the YAML document of rosters (what `duty export` writes)

    rosters:
    - unit: ldzbgs                         # a unit of the directory
      shifts:                              # the shift pattern (default: day 08:00–18:00, night 18:00–08:00)
      - {name: day, start: "08:00", end: "18:00"}      # times in quotes: YAML reads 18:00 unquoted as a number
      - {name: night, start: "18:00", end: "08:00"}
      rotations:                           # turn: shift | daily | weekly, counted from `start`
      - {role: duty_officer, turn: shift, start: 2026-01-01, people: [甲, 乙, 丙]}
      - {role: leader_on_duty, turn: weekly, start: 2025-12-29, people: [丁, 戊]}
      fixed:                               # single shifts (what an iCalendar import gives)
      - {role: duty_officer, name: 甲, start: 2026-10-01T08:00, end: 2026-10-01T18:00}
      overrides:                           # `replaces` someone (or, without it, whoever is on)
      - {role: duty_officer, name: 乙, replaces: 甲, start: 2026-10-02T08:00, end: 2026-10-03T08:00, reason: 病假}
      swaps:                               # `from` must be on the roster for the shift starting at `shift_start`
      - {role: duty_officer, shift_start: 2026-10-04T18:00, from: 丙, to: 甲, requested_by: 丙, approved_by: 丁}

Times without an offset are Asia/Shanghai. Every name must be an active liaison of the unit in the directory
(the duty staff with the role `duty_staff`), so contact details live in one place.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from models.did_you_mean import did_you_mean
from models.errors import ImportRejected, RowError
from models.safe_yaml import Mapping
from models.types import SHANGHAI
from tasks.duty.roster import (
    FixedShift,
    OverrideSpec,
    RotationSpec,
    ShiftSpec,
    SwapSpec,
    UnitRoster,
    swap_problem,
)
from tasks.park_io.rows import Row, load_yaml, read_text, validate_row, yaml_rows

SECTIONS: dict[str, type[BaseModel]] = {"shifts": ShiftSpec, "rotations": RotationSpec, "fixed": FixedShift,
                                        "overrides": OverrideSpec, "swaps": SwapSpec}
TIME_KEYS = ("start", "end")
INSTANT_KEYS = ("start", "end", "shift_start")


def _instant(value: Any) -> Any:
    """A time of day without an offset is Asia/Shanghai's."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=SHANGHAI)
    return value


def _prepared(section: str, values: dict, path: Path, line: int, prefix: str, errors: list[RowError]) -> dict:
    values = dict(values)
    if section == "shifts":
        for key in TIME_KEYS:
            if isinstance(values.get(key), int):  # YAML 1.1 reads 18:00 as sixty-based 1080
                errors.append(RowError(str(path), line, prefix + key, "write the time in quotes, e.g. \"18:00\""))
                values[key] = time(0)
    elif section != "rotations":
        for key in INSTANT_KEYS:
            if key in values:
                values[key] = _instant(values[key])
    return values


def _items(section: str, row: Row, path: Path, errors: list[RowError], prefix: str) -> list | None:
    items = row.values.get(section)
    if items is None:
        return None
    if not isinstance(items, list):
        errors.append(RowError(str(path), row.at(section), prefix + section, "must be a list"))
        return []
    model, out = SECTIONS[section], []
    for i, item in enumerate(items):
        where = f"{prefix}{section}[{i}]."
        if not isinstance(item, Mapping):
            errors.append(RowError(str(path), row.at(section), where.rstrip("."), "must be a mapping of fields"))
            continue
        marks = {k: m[0] for k, m in item.key_marks.items()}
        values = _prepared(section, item, path, item.line, where, errors)
        record = validate_row(model, Row(values, item.line, marks), path, errors, where)
        if record is not None:
            out.append((record, item.line))
    return out


def _check_names(roster: UnitRoster, lines: dict[str, int], path: Path, people: set[str], errors: list[RowError],
                 prefix: str) -> None:
    for name in sorted(roster.people() - people):
        errors.append(RowError(str(path), lines.get(name, 0), prefix + "people",
                               f"`{name}` is no active liaison of `{roster.unit}`{did_you_mean(name, people)}; add them "
                               "to the directory (role duty_staff) first"))


def _check_swaps(roster: UnitRoster, lines: list[int], path: Path, errors: list[RowError], prefix: str) -> None:
    for i, (swap, line) in enumerate(zip(roster.swaps, lines, strict=True)):
        problem = swap_problem(roster, swap)
        if problem:
            errors.append(RowError(str(path), line, f"{prefix}swaps[{i}]", problem))


def _roster(row: Row, path: Path, people: dict[str, set[str]], errors: list[RowError]) -> UnitRoster | None:
    unit = row.values.get("unit")
    if not isinstance(unit, str) or unit not in people:
        errors.append(RowError(str(path), row.at("unit"), "unit",
                               f"unknown unit `{unit}`{did_you_mean(str(unit), set(people), list_up_to=12)}"))
        return None
    prefix = f"{unit}."
    unknown = sorted(set(row.values) - {"unit", *SECTIONS})
    for key in unknown:
        errors.append(RowError(str(path), row.at(key), prefix + key, f"unknown field; a roster has unit, "
                                                                     f"{', '.join(SECTIONS)}"))
    parts = {s: _items(s, row, path, errors, prefix) for s in SECTIONS}
    if unknown or any(p is not None and len(p) != len(row.values[s] or []) for s, p in parts.items()):
        return None
    given = {s: tuple(r for r, _ in p) for s, p in parts.items() if p is not None}
    try:
        roster = UnitRoster(unit=unit, **given)
    except ValidationError as exc:
        for err in exc.errors():
            errors.append(RowError(str(path), row.line, prefix + "rotations", err["msg"].removeprefix("Value error, ")))
        return None
    lines = {}
    for section in ("rotations", "fixed", "overrides", "swaps"):
        for record, line in parts[section] or []:
            for name in UnitRoster(unit=unit, **{section: (record,)}).people():
                lines.setdefault(name, line)
    _check_names(roster, lines, path, people[unit], errors, prefix)
    _check_swaps(roster, [line for _, line in parts["swaps"] or []], path, errors, prefix)
    return roster


def parse_rosters(path: Path, *, people: dict[str, set[str]]) -> list[UnitRoster]:
    """Every error of the file at once (ImportRejected), or its rosters. `people`: unit → its active liaisons."""
    path = Path(path)
    doc = load_yaml(path, read_text(path), ["rosters"])
    errors: list[RowError] = []
    rosters, seen = [], {}
    for row in yaml_rows(path, doc, "rosters", errors):
        roster = _roster(row, path, people, errors)
        if roster is None:
            continue
        if roster.unit in seen:
            errors.append(RowError(str(path), row.at("unit"), "unit",
                                   f"duplicate roster of `{roster.unit}` (first at line {seen[roster.unit]})"))
            continue
        seen[roster.unit] = row.at("unit")
        rosters.append(roster)
    if errors:
        raise ImportRejected(errors)
    return rosters


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).replace(tzinfo=None).isoformat(timespec="minutes")
    if isinstance(value, time):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value.value if hasattr(value, "value") else value


def rosters_document(rosters: list[UnitRoster]) -> dict:
    """The YAML document (`parklink duty export`): importing it gives the same rosters back."""
    out = []
    for roster in rosters:
        item: dict[str, Any] = {"unit": roster.unit}
        for section in SECTIONS:
            records = getattr(roster, section)
            if records:
                item[section] = [_plain(r.model_dump(by_alias=True, exclude_defaults=section != "shifts"))
                                 for r in records]
        out.append(item)
    return {"rosters": out}
