"""The roster, pure (issue 12 items 1, 3, 6): rotations across Asia/Shanghai midnights (no daylight saving), each
kind of turn, overrides and swaps, who is on duty at an instant, and the hours a role leaves uncovered."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from models.duty import DutyRole
from models.types import SHANGHAI
from tasks.duty.roster import (
    OverrideSpec,
    RotationSpec,
    ShiftSpec,
    Source,
    SwapSpec,
    UnitRoster,
    assignments,
    on_duty,
    swap_problem,
    uncovered_hours,
)

OFFICER, LEADER = DutyRole.duty_officer, DutyRole.leader_on_duty


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def roster(**over) -> UnitRoster:
    base = {"unit": "ldzbgs", "rotations": (
        RotationSpec(role=OFFICER, turn="shift", start=date(2026, 9, 28), people=("甲", "乙", "丙")),
        RotationSpec(role=LEADER, turn="weekly", start=date(2026, 9, 28), people=("丁", "戊")))}
    return UnitRoster(**{**base, **over})


def who(r: UnitRoster, at: datetime, role: DutyRole = OFFICER) -> str | None:
    found = on_duty(r, at).get(role)
    return found.name if found else None


def test_a_night_shift_runs_across_midnight_and_belongs_to_the_day_it_starts():
    r = roster()
    assert who(r, sh(2026, 9, 28, 8)) == "甲"  # day 0: day shift
    assert who(r, sh(2026, 9, 28, 23, 59)) == "乙"  # day 0: night shift …
    assert who(r, sh(2026, 9, 29, 7, 59)) == "乙"  # … until 08:00 the next morning
    assert who(r, sh(2026, 9, 29, 8)) == "丙"
    night = on_duty(r, sh(2026, 9, 29, 0, 30))[OFFICER]
    assert (night.start, night.end) == (sh(2026, 9, 28, 18), sh(2026, 9, 29, 8))
    assert night.end - night.start == timedelta(hours=14), "Asia/Shanghai keeps no daylight saving"
    # the same instant written in UTC
    assert who(r, datetime(2026, 9, 28, 16, 30, tzinfo=UTC)) == "乙"
    assert who(r, sh(2026, 9, 28, 7)) is None, "before the rotation starts nobody is on it"


@pytest.mark.parametrize(("turn", "expected"), [
    ("daily", ["甲", "甲", "乙", "乙", "丙", "丙", "甲"]),
    ("shift", ["甲", "乙", "丙", "甲", "乙", "丙", "甲"]),
    ("weekly", ["甲"] * 7),
])
def test_each_turn_hands_on_as_it_says(turn, expected):
    r = roster(rotations=(RotationSpec(role=OFFICER, turn=turn, start=date(2026, 12, 31), people=("甲", "乙", "丙")),))
    starts = [sh(2026, 12, 31, 8) + timedelta(hours=12 * k) for k in range(7)]  # day, night, day, … across the year
    assert [who(r, t + timedelta(minutes=1)) for t in starts] == expected
    weekly = roster(rotations=(RotationSpec(role=OFFICER, turn="weekly", start=date(2026, 12, 28),
                                            people=("甲", "乙")),))
    assert [who(weekly, sh(2027, 1, 3, 23)), who(weekly, sh(2027, 1, 4, 9)), who(weekly, sh(2027, 1, 11, 9))] == \
        ["甲", "乙", "甲"]  # Sunday night is still week 1; Monday 4 January starts week 2


def test_an_override_replaces_the_named_person_and_splits_the_shift_it_cuts():
    o = OverrideSpec(role=OFFICER, name="庚", replaces="乙", start=sh(2026, 9, 28, 20), end=sh(2026, 9, 29, 2),
                     reason="病假")
    r = roster(overrides=(o,))
    night = [a for a in assignments(r, sh(2026, 9, 28, 18), sh(2026, 9, 29, 8)) if a.role is OFFICER]
    assert [(a.name, a.start.hour, a.end.hour, a.source) for a in night] == [
        ("乙", 18, 20, Source.rotation), ("庚", 20, 2, Source.override), ("乙", 2, 8, Source.rotation)]
    assert who(r, sh(2026, 9, 29, 8, 30)) == "丙", "an override naming 乙 leaves 丙's shift alone"
    anyone = roster(overrides=(OverrideSpec(role=OFFICER, name="庚", start=sh(2026, 9, 29, 6),
                                            end=sh(2026, 9, 29, 10)),))
    assert [who(anyone, sh(2026, 9, 29, h)) for h in (5, 7, 9, 10)] == ["乙", "庚", "庚", "丙"]
    assert who(anyone, sh(2026, 9, 29, 9), LEADER) == "丁", "the other role is untouched"


def test_a_swap_moves_one_shift_and_says_who_asked_and_who_approved():
    s = SwapSpec.model_validate({"role": "duty_officer", "shift_start": sh(2026, 9, 29, 8), "from": "丙", "to": "甲",
                                 "requested_by": "丙", "approved_by": "丁"})
    r = roster(swaps=(s,))
    moved = on_duty(r, sh(2026, 9, 29, 12))[OFFICER]
    assert (moved.name, moved.source) == ("甲", Source.swap)
    assert "requested by 丙" in moved.note and "approved by 丁" in moved.note
    assert who(r, sh(2026, 9, 30, 19)) == "丙", "the next time round 丙 is on again"
    assert swap_problem(r, s) is None
    wrong = s.model_copy(update={"from_name": "乙"})
    assert swap_problem(r, wrong) == "`乙` is not on that shift (`丙` is)"
    assert "starts at 2026-09-29T09:00:00+08:00" in swap_problem(r, s.model_copy(update={"shift_start": sh(2026, 9, 29, 9)}))


def test_uncovered_hours_are_every_hour_a_role_is_not_wholly_covered():
    day_only = roster(shifts=(ShiftSpec(name="day", start="08:00", end="20:00"),),
                      rotations=(RotationSpec(role=OFFICER, start=date(2026, 1, 1), people=("甲",)),))
    slots = assignments(day_only, sh(2026, 10, 1), sh(2026, 10, 2))
    gaps = uncovered_hours(slots, OFFICER, sh(2026, 10, 1), sh(2026, 10, 2))
    assert [g.hour for g in gaps] == [*range(0, 8), *range(20, 24)]
    assert len(uncovered_hours(slots, LEADER, sh(2026, 10, 1), sh(2026, 10, 2))) == 24
    half = roster(overrides=(OverrideSpec(role=OFFICER, name="庚", start=sh(2026, 9, 28, 8),
                                          end=sh(2026, 9, 28, 8, 30)),),
                  rotations=(RotationSpec(role=OFFICER, start=date(2026, 9, 29), people=("甲",)),))
    slots = assignments(half, sh(2026, 9, 28), sh(2026, 9, 29))
    assert len(uncovered_hours(slots, OFFICER, sh(2026, 9, 28), sh(2026, 9, 29))) == 24, "half an hour is no cover"
    full = roster()
    slots = assignments(full, sh(2026, 9, 28, 8), sh(2026, 10, 8))
    assert uncovered_hours(slots, OFFICER, sh(2026, 9, 28, 8), sh(2026, 10, 8)) == []


def test_a_roster_refuses_what_does_not_hold_together():
    with pytest.raises(ValidationError, match="unknown shift"):
        roster(rotations=(RotationSpec(role=OFFICER, start=date(2026, 1, 1), people=("甲",), shifts=("noon",)),))
    with pytest.raises(ValidationError, match="before it starts"):
        OverrideSpec(role=OFFICER, name="庚", start=sh(2026, 1, 2), end=sh(2026, 1, 1))
    with pytest.raises(ValidationError):
        OverrideSpec(role=OFFICER, name="庚", start=datetime(2026, 1, 1), end=datetime(2026, 1, 2))  # no offset
