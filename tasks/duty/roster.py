"""A unit's duty roster and who it puts on duty when. Pure: no database, no Prefect.

    UnitRoster                         the typed roster: shift pattern, rotations, fixed shifts, overrides, swaps
    assignments(roster, start, end)    every shift of each role overlapping [start, end), swaps and overrides applied
    on_duty(roster, at)                role → the Assignment covering `at` (a role nobody covers is absent)
    uncovered_hours(assignments, role, start, end)   each whole hour in [start, end) the role does not cover
    swap_problem(roster, swap)         why a swap does not fit the roster, or None

Shift times are Asia/Shanghai wall-clock times (no daylight saving: every day has 24 hours); a shift whose end is
not after its start ends the next day (night 18:00–08:00), one whose end equals its start lasts 24 h. A rotation
hands on by its `turn`, counted from its `start` date: `daily` — one person a day (all of that day's shifts),
`weekly` — one a week, `shift` — one a shift. A night shift belongs to the day it starts.

Precedence, last wins: the rotation's slot (or a fixed shift), then a swap of that slot (its `from` must be the one
on the roster), then overrides in order — each replaces the named person (`replaces`), or whoever is on, for its
period, splitting the shifts it cuts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from models.duty_kinds import DutyRole, Turn
from models.types import SHANGHAI

DEFAULT_SHIFTS = (("day", time(8), time(18)), ("night", time(18), time(8)))
HOUR = timedelta(hours=1)


class Source(StrEnum):
    rotation = "rotation"
    fixed = "fixed"
    swap = "swap"
    override = "override"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ShiftSpec(_Strict):
    name: str = Field(min_length=1, max_length=20)
    start: time
    end: time

    @property
    def length(self) -> timedelta:
        start, end = (datetime.combine(date(2000, 1, 1), t) for t in (self.start, self.end))
        return end - start if end > start else end - start + timedelta(days=1)


class RotationSpec(_Strict):
    role: DutyRole
    turn: Turn = Turn.daily
    start: date = Field(description="the first day of the rotation: people[0] is on then")
    until: date | None = Field(default=None, description="the last day (none: open)")
    people: tuple[str, ...] = Field(min_length=1)
    shifts: tuple[str, ...] | None = Field(default=None, description="which of the unit's shifts (none: all)")

    @field_validator("people")
    @classmethod
    def _names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not n.strip() for n in value):
            raise ValueError("a name is empty")
        return value


class _Period(_Strict):
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _order(self):
        if self.end <= self.start:
            raise ValueError(f"ends ({self.end.isoformat()}) before it starts ({self.start.isoformat()})")
        return self


class FixedShift(_Period):
    role: DutyRole
    name: str = Field(min_length=1, max_length=60)


class OverrideSpec(_Period):
    role: DutyRole
    name: str = Field(min_length=1, max_length=60)
    replaces: str | None = Field(default=None, max_length=60)
    reason: str = Field(default="", max_length=200)


class SwapSpec(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    role: DutyRole
    shift_start: AwareDatetime
    from_name: str = Field(alias="from", min_length=1, max_length=60)
    to_name: str = Field(alias="to", min_length=1, max_length=60)
    requested_by: str = Field(min_length=1, max_length=60)
    approved_by: str = Field(min_length=1, max_length=60)
    reason: str = Field(default="", max_length=200)


class UnitRoster(_Strict):
    unit: str
    shifts: tuple[ShiftSpec, ...] = tuple(ShiftSpec(name=n, start=s, end=e) for n, s, e in DEFAULT_SHIFTS)
    rotations: tuple[RotationSpec, ...] = ()
    fixed: tuple[FixedShift, ...] = ()
    overrides: tuple[OverrideSpec, ...] = ()
    swaps: tuple[SwapSpec, ...] = ()

    @model_validator(mode="after")
    def _known_shifts(self):
        names = [s.name for s in self.shifts]
        if len(set(names)) != len(names):
            raise ValueError("a shift name is given twice")
        for rotation in self.rotations:
            unknown = set(rotation.shifts or ()) - set(names)
            if unknown:
                raise ValueError(f"rotation names unknown shift(s) {', '.join(sorted(unknown))}; "
                                 f"the unit's shifts are {', '.join(names)}")
        return self

    def people(self) -> set[str]:
        """Everyone the roster names (to check against the directory)."""
        named = {n for r in self.rotations for n in r.people} | {f.name for f in self.fixed}
        named |= {o.name for o in self.overrides} | {o.replaces for o in self.overrides if o.replaces}
        return named | {n for s in self.swaps for n in (s.from_name, s.to_name)}


@dataclass(frozen=True)
class Assignment:
    unit: str
    role: DutyRole
    name: str
    start: datetime
    end: datetime
    source: Source = Source.rotation
    note: str = ""

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and self.end > start


def _slots(roster: UnitRoster, rotation: RotationSpec, start: datetime, end: datetime) -> list[Assignment]:
    shifts = [s for s in roster.shifts if rotation.shifts is None or s.name in rotation.shifts]
    first = max(rotation.start, start.astimezone(SHANGHAI).date() - timedelta(days=1))
    last = end.astimezone(SHANGHAI).date()
    if rotation.until:
        last = min(last, rotation.until)
    out, n, day = [], len(rotation.people), first
    while day <= last:
        offset = (day - rotation.start).days
        for i, shift in enumerate(shifts):
            begins = datetime.combine(day, shift.start, SHANGHAI)
            slot_end = begins + shift.length
            if begins < end and slot_end > start:
                turn = {Turn.daily: offset, Turn.weekly: offset // 7, Turn.shift: offset * len(shifts) + i}
                out.append(Assignment(roster.unit, rotation.role, rotation.people[turn[rotation.turn] % n], begins,
                                      slot_end, note=shift.name))
        day += timedelta(days=1)
    return out


def _swapped(slot: Assignment, swaps: tuple[SwapSpec, ...]) -> Assignment:
    for swap in swaps:
        if swap.role is slot.role and swap.shift_start == slot.start and swap.from_name == slot.name:
            return replace(slot, name=swap.to_name, source=Source.swap,
                           note=f"{slot.note}; swap {swap.from_name}→{swap.to_name}, requested by "
                                f"{swap.requested_by}, approved by {swap.approved_by}".lstrip("; "))
    return slot


def _override(slots: list[Assignment], o: OverrideSpec, unit: str) -> list[Assignment]:
    out = []
    for slot in slots:
        hit = slot.role is o.role and slot.overlaps(o.start, o.end) and (o.replaces is None or slot.name == o.replaces)
        if not hit:
            out.append(slot)
            continue
        if slot.start < o.start:
            out.append(replace(slot, end=o.start))
        if slot.end > o.end:
            out.append(replace(slot, start=o.end))
        if o.replaces is not None:
            out.append(Assignment(unit, o.role, o.name, max(slot.start, o.start), min(slot.end, o.end),
                                  Source.override, f"replaces {o.replaces}: {o.reason}".rstrip(": ")))
    if o.replaces is None:  # whoever was on: the override's person for the whole period
        out.append(Assignment(unit, o.role, o.name, o.start, o.end, Source.override, o.reason))
    return out


def assignments(roster: UnitRoster, start: datetime, end: datetime) -> list[Assignment]:
    """Each role's shifts overlapping [start, end), by role and start; the shifts are not cut to the window."""
    slots = [Assignment(roster.unit, f.role, f.name, f.start, f.end, Source.fixed) for f in roster.fixed
             if f.start < end and f.end > start]
    slots += [s for r in roster.rotations for s in _slots(roster, r, start, end)]
    slots = [_swapped(s, roster.swaps) for s in slots]
    for override in roster.overrides:
        if override.start < end and override.end > start:
            slots = _override(slots, override, roster.unit)
    kept = [s for s in slots if s.overlaps(start, end)]
    return sorted(kept, key=lambda s: (s.role, s.start, s.end, s.name))


def swap_problem(roster: UnitRoster, swap: SwapSpec) -> str | None:
    """Why `swap` does not fit the roster (no such shift, or its `from` is not on it), or None."""
    at = swap.shift_start
    plain = roster.model_copy(update={"swaps": (), "overrides": ()})
    slots = [s for s in assignments(plain, at, at + timedelta(microseconds=1))
             if s.role is swap.role and s.start == at and s.source in (Source.rotation, Source.fixed)]
    if not slots:
        return f"no {swap.role} shift of `{roster.unit}` starts at {at.astimezone(SHANGHAI).isoformat()}"
    if swap.from_name not in {s.name for s in slots}:
        return f"`{swap.from_name}` is not on that shift (`{slots[0].name}` is)"
    return None


PRECEDENCE = {Source.override: 0, Source.swap: 1, Source.fixed: 2, Source.rotation: 3}


def on_duty(roster: UnitRoster, at: datetime) -> dict[DutyRole, Assignment]:
    found: dict[DutyRole, Assignment] = {}
    for slot in sorted(assignments(roster, at, at + timedelta(microseconds=1)), key=lambda s: PRECEDENCE[s.source]):
        found.setdefault(slot.role, slot)
    return found


def uncovered_hours(slots: list[Assignment], role: DutyRole, start: datetime, end: datetime) -> list[datetime]:
    """Each hour [h, h+1) from `start` (cut to the hour) to `end` that the role's shifts do not wholly cover."""
    spans = sorted((s.start, s.end) for s in slots if s.role is role)
    merged: list[list[datetime]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    hour = start.astimezone(SHANGHAI).replace(minute=0, second=0, microsecond=0)
    out, i = [], 0
    while hour < end:
        while i < len(merged) and merged[i][1] <= hour:
            i += 1
        if not (i < len(merged) and merged[i][0] <= hour and merged[i][1] >= hour + HOUR):
            out.append(hour)
        hour += HOUR
    return out
