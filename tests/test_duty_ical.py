"""tasks/duty/ical: rosters to RFC 5545 and back; hand-written files with recurrences; every refusal exact."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from models.duty import DutyRole, Turn
from models.errors import ImportRejected
from models.types import SHANGHAI
from tasks.duty.ical import ical_to_shifts, read_ical, rosters_to_ical, shifts_by_unit
from tasks.duty.roster import (
    OverrideSpec,
    RotationSpec,
    ShiftSpec,
    SwapSpec,
    UnitRoster,
    assignments,
    on_duty,
)

START = datetime(2026, 9, 20, tzinfo=SHANGHAI)  # a month around the National Day holidays (1–8 October 2026)
END = datetime(2026, 10, 20, tzinfo=SHANGHAI)
STAMP = datetime(2026, 9, 1, tzinfo=UTC)
DO, LD = DutyRole.duty_officer, DutyRole.leader_on_duty
WIDE = dict(start=datetime(2026, 9, 1, tzinfo=SHANGHAI), end=datetime(2026, 11, 1, tzinfo=SHANGHAI))


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def office() -> UnitRoster:
    return UnitRoster(
        unit="ldzbgs",
        rotations=(RotationSpec(role=DO, turn=Turn.shift, start=date(2026, 9, 1), people=("张三", "李四", "王五")),
                   RotationSpec(role=LD, turn=Turn.weekly, start=date(2026, 9, 7), people=("赵局", "钱局", "孙局"))),
        swaps=(SwapSpec.model_validate({"role": "duty_officer", "shift_start": sh(2026, 10, 1, 8), "from": "张三",
                                        "to": "王五", "requested_by": "张三", "approved_by": "赵局"}),),
        overrides=(OverrideSpec(role=LD, name="周书记", start=sh(2026, 10, 1, 12), end=sh(2026, 10, 2, 9),
                                reason="国庆带班"),
                   OverrideSpec(role=DO, name="吴六", replaces="王五", start=sh(2026, 10, 5, 10),
                                end=sh(2026, 10, 5, 14), reason="病假")))


def enterprise() -> UnitRoster:
    return UnitRoster(unit="qy-ha", shifts=(ShiftSpec(name="24h", start=time(8), end=time(8)),),
                      rotations=(RotationSpec(role=DO, turn=Turn.daily, start=date(2026, 9, 1),
                                              people=("郑一", "冯二")),))


def instants(rosters: list[UnitRoster]) -> list[datetime]:
    hours = [START + timedelta(hours=h) for h in range(int((END - START) / timedelta(hours=1)))]
    edges = {t for r in rosters for a in assignments(r, START, END) for t in (a.start, a.end)}
    around = [t + d for t in edges for d in (timedelta(seconds=-1), timedelta(0), timedelta(seconds=1))]
    return sorted(t for t in set(hours) | set(around) if START <= t < END)


def test_the_round_trip_puts_the_same_person_on_duty_at_every_instant():
    rosters = [office(), enterprise()]
    data = rosters_to_ical(rosters, START, END, unit_names={"ldzbgs": "领导组办公室"}, stamp=STAMP)
    imported = ical_to_shifts(data, start=START, end=END, source="duty.ics")
    by_unit = shifts_by_unit(imported)
    assert sorted(by_unit) == ["ldzbgs", "qy-ha"]
    back = {u: UnitRoster(unit=u, shifts=(), fixed=fixed) for u, fixed in by_unit.items()}
    checked = 0
    for roster in rosters:
        for at in instants(rosters):
            want = {role: a.name for role, a in on_duty(roster, at).items()}
            got = {role: a.name for role, a in on_duty(back[roster.unit], at).items()}
            assert got == want, (roster.unit, at)
            checked += 1
    assert checked > 2 * 30 * 24
    sources = {str(e.get("X-PARKLINK-SOURCE")) for e in Calendar.from_ical(data).walk("VEVENT")}
    assert sources == {"rotation", "swap", "override"}
    assert len(imported) == sum(len(assignments(r, START, END)) for r in rosters)


def test_the_export_is_valid_icalendar_with_what_each_event_needs():
    data = rosters_to_ical([office()], START, END, unit_names={"ldzbgs": "领导组办公室"},
                           phones={("ldzbgs", "王五"): "138 0013 8000", ("ldzbgs", "赵局"): "+86-571-8888"},
                           stamp=STAMP)
    assert data == rosters_to_ical([office()], START, END, unit_names={"ldzbgs": "领导组办公室"},
                                   phones={("ldzbgs", "王五"): "138 0013 8000", ("ldzbgs", "赵局"): "+86-571-8888"},
                                   stamp=STAMP)
    cal = Calendar.from_ical(data)
    assert str(cal["PRODID"]) == "-//ParkLink//duty//ZH" and str(cal["VERSION"]) == "2.0"
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Shanghai" and str(cal["X-WR-CALNAME"]) == "ParkLink 值班表 · 领导组办公室"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    events = cal.walk("VEVENT")
    assert len(events) == len(assignments(office(), START, END))
    for event in events:
        assert event.errors == []
        for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND"):
            assert prop in event, (event.get("UID"), prop)
        assert event["DTSTART"].params["TZID"] == "Asia/Shanghai" == event["DTEND"].params["TZID"]
    assert len({str(e["UID"]) for e in events}) == len(events)
    swap = next(e for e in events if str(e["UID"]) == "ldzbgs-duty_officer-20261001T080000@parklink")
    assert str(swap["SUMMARY"]) == "值班员 王五 · 领导组办公室"
    assert str(swap["X-PARKLINK-SOURCE"]) == "swap" and str(swap["X-PARKLINK-ROLE"]) == "duty_officer"
    assert str(swap["DESCRIPTION"]) == "day; swap 张三→王五, requested by 张三, approved by 赵局"
    assert str(swap["ATTENDEE"]) == "tel:13800138000;phone-context=+86" and swap["ATTENDEE"].params["CN"] == "王五"
    assert swap["CATEGORIES"].cats == ["值班员", "duty_officer"]
    leader = next(e for e in events if str(e["SUMMARY"]).startswith("带班领导 赵局"))
    assert str(leader["ATTENDEE"]) == "tel:+86-571-8888"
    other = next(e for e in events if str(e["SUMMARY"]).startswith("值班员 张三"))
    assert str(other["ATTENDEE"]).startswith("urn:uuid:")
    override = next(e for e in events if str(e["X-PARKLINK-SOURCE"]) == "override" and "周书记" in str(e["SUMMARY"]))
    assert str(override["DESCRIPTION"]) == "国庆带班"


def ics(*events: str) -> bytes:
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//hand//written//ZH"]
    return "\r\n".join(head + [line for e in events for line in e.strip().splitlines()] + ["END:VCALENDAR", ""]) \
        .encode()


RECURRING = """
BEGIN:VEVENT
UID:r1
DTSTAMP:20260901T000000Z
DTSTART;TZID=Asia/Shanghai:20261001T080000
DTEND;TZID=Asia/Shanghai:20261001T180000
RRULE:FREQ=DAILY;INTERVAL=3;COUNT=5
EXDATE;TZID=Asia/Shanghai:20261007T080000
RDATE;TZID=Asia/Shanghai:20261002T090000
SUMMARY:值班员 张三
X-PARKLINK-UNIT:ldzbgs
END:VEVENT
BEGIN:VEVENT
UID:r1
DTSTAMP:20260901T000000Z
RECURRENCE-ID;TZID=Asia/Shanghai:20261004T080000
DTSTART;TZID=Asia/Shanghai:20261004T100000
DTEND;TZID=Asia/Shanghai:20261004T200000
SUMMARY:值班员：李四
X-PARKLINK-UNIT:ldzbgs
END:VEVENT
"""


def test_a_hand_written_recurrence_is_expanded_with_its_rdate_exdate_and_moved_instance():
    got = ical_to_shifts(ics(RECURRING), **WIDE, source="hand.ics")
    assert [(s.unit, s.shift.role, s.shift.name, s.shift.start, s.shift.end, s.line) for s in got] == [
        ("ldzbgs", DO, "张三", sh(2026, 10, 1, 8), sh(2026, 10, 1, 18), 4),
        ("ldzbgs", DO, "张三", sh(2026, 10, 2, 9), sh(2026, 10, 2, 19), 4),
        ("ldzbgs", DO, "李四", sh(2026, 10, 4, 10), sh(2026, 10, 4, 20), 15),
        ("ldzbgs", DO, "张三", sh(2026, 10, 10, 8), sh(2026, 10, 10, 18), 4),
        ("ldzbgs", DO, "张三", sh(2026, 10, 13, 8), sh(2026, 10, 13, 18), 4),
    ]
    cancelled = event("r1", "RECURRENCE-ID;TZID=Asia/Shanghai:20261010T080000", "STATUS:CANCELLED",
                      "DTSTART;TZID=Asia/Shanghai:20261010T080000", "DTEND;TZID=Asia/Shanghai:20261010T180000",
                      "X-PARKLINK-UNIT:ldzbgs", "SUMMARY:值班员 张三")
    assert [s.shift.start.day for s in ical_to_shifts(ics(RECURRING, cancelled), **WIDE, source="h.ics")] == [
        1, 2, 4, 13]
    window = ical_to_shifts(ics(RECURRING), start=sh(2026, 10, 4, 19), end=sh(2026, 10, 10, 9), source="hand.ics")
    assert [s.shift.start for s in window] == [sh(2026, 10, 4, 10), sh(2026, 10, 10, 8)]


def test_floating_times_are_shanghai_and_role_and_name_come_from_summary_or_categories():
    data = ics("""
BEGIN:VEVENT
UID:f1
DTSTAMP:20260901T000000Z
DTSTART:20261002T080000
DURATION:PT10H
SUMMARY:带班：王五 · 国庆
END:VEVENT
BEGIN:VEVENT
UID:f2
DTSTAMP:20260901T000000Z
DTSTART:20261002T000000Z
DTEND:20261002T100000Z
CATEGORIES:工作,值班员
ATTENDEE;CN=陈七:mailto:chen@example.org
SUMMARY:国庆值守
END:VEVENT
""")
    got = ical_to_shifts(data, **WIDE, source="f.ics", default_unit="qy-ha")
    assert [(s.unit, s.shift.role, s.shift.name, s.shift.start, s.shift.end) for s in got] == [
        ("qy-ha", DO, "陈七", sh(2026, 10, 2, 8), sh(2026, 10, 2, 18)),
        ("qy-ha", LD, "王五", sh(2026, 10, 2, 8), sh(2026, 10, 2, 18)),
    ]
    assert got[1].shift.start == datetime(2026, 10, 2, 0, tzinfo=UTC)
    berlin = data.replace(b"PRODID:-//hand//written//ZH", b"PRODID:-//hand//written//ZH\r\nX-WR-TIMEZONE:Europe/Berlin")
    got = ical_to_shifts(berlin, **WIDE, source="f.ics", default_unit="qy-ha")
    assert [s.shift.start for s in got] == [sh(2026, 10, 2, 8), sh(2026, 10, 2, 14)]  # floating: 08:00 in Berlin
    assert rejected(berlin.replace(b"Europe/Berlin", b"Mars/Olympus"), default_unit="qy-ha") == [
        "bad.ics:4: X-WR-TIMEZONE: unknown time zone `Mars/Olympus`; use an IANA name such as Asia/Shanghai or remove it"]


def rejected(data: bytes, **kw) -> list[str]:
    with pytest.raises(ImportRejected) as info:
        ical_to_shifts(data, **{**WIDE, "source": "bad.ics", **kw})
    return [str(e) for e in info.value.errors]


def test_every_bad_event_is_named_at_its_line_and_nothing_is_returned():
    data = ics("""
BEGIN:VEVENT
UID:no-unit
DTSTAMP:20260901T000000Z
DTSTART;TZID=Asia/Shanghai:20261001T080000
DTEND;TZID=Asia/Shanghai:20261001T180000
SUMMARY:值班员 张三
END:VEVENT
BEGIN:VEVENT
UID:bad-role
DTSTAMP:20260901T000000Z
DTSTART;TZID=Asia/Shanghai:20261001T080000
DTEND;TZID=Asia/Shanghai:20261001T180000
X-PARKLINK-UNIT:ldzbgs
X-PARKLINK-ROLE:chief
SUMMARY:张三 这是一条很长的摘要，被折叠到
  下一行
END:VEVENT
BEGIN:VEVENT
UID:all-day
DTSTAMP:20260901T000000Z
DTSTART;VALUE=DATE:20261001
DTEND;VALUE=DATE:20261002
X-PARKLINK-UNIT:ldzbgs
SUMMARY:带班领导 赵局
END:VEVENT
BEGIN:VEVENT
UID:nobody
DTSTAMP:20260901T000000Z
DTSTART;TZID=Asia/Shanghai:20261001T080000
DTEND;TZID=Asia/Shanghai:20261001T180000
X-PARKLINK-UNIT:ldzbgs
SUMMARY:国庆
END:VEVENT
""")
    assert rejected(data) == [
        "bad.ics:4: VEVENT `no-unit`: no unit: add X-PARKLINK-UNIT or pass --unit",
        "bad.ics:11: VEVENT `bad-role`: unknown role `chief` in X-PARKLINK-ROLE; "
        "use duty_officer (值班员) or leader_on_duty (带班领导)",
        "bad.ics:21: VEVENT `all-day`: all-day event (DTSTART;VALUE=DATE): a duty shift needs a start and an end "
        "time; give DTSTART with a time, e.g. DTSTART;TZID=Asia/Shanghai:20261001T080000",
        "bad.ics:29: VEVENT `nobody`: no role: add X-PARKLINK-ROLE (use duty_officer (值班员) or leader_on_duty "
        "(带班领导)), or a CATEGORIES or SUMMARY word 值班员 or 带班领导",
    ]
    assert rejected(data, default_unit="ldzbgs")[0].startswith("bad.ics:11: ")
    assert rejected(ics(RECURRING), units={"ldzbgs2", "qy-ha"}) == [
        "bad.ics:4: VEVENT `r1`: unknown unit `ldzbgs`; did you mean `ldzbgs2`?",
        "bad.ics:15: VEVENT `r1`: unknown unit `ldzbgs`; did you mean `ldzbgs2`?",
    ]


def test_text_that_is_not_icalendar_is_refused_at_its_line():
    assert rejected(b"hello\nworld\n") == [
        "bad.ics:1: not an iCalendar file: it must begin with BEGIN:VCALENDAR; export the calendar as .ics"]
    assert rejected(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\ngarbage here\r\nmore garbage\r\nEND:VCALENDAR\r\n") == [
        "bad.ics:3: not an iCalendar content line `garbage here`: each line is NAME:value "
        "(a folded line starts with a space) (and 1 more such line(s))"]
    assert rejected(b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nEND:VCALENDAR\n") == [
        "bad.ics:4: END:VCALENDAR but BEGIN:VEVENT of line 2 is still open; add END:VEVENT before it"]
    assert rejected(b"BEGIN:VCALENDAR\nVERSION:2.0\n") == ["bad.ics:1: BEGIN:VCALENDAR is never closed; "
                                                           "add END:VCALENDAR"]
    assert rejected(b"") == ["bad.ics: empty file; nothing to import"]
    assert rejected(b"BEGIN:VCALENDAR\n\xff\n") == [
        "bad.ics:2: not UTF-8 text (byte 0xff); save the file as UTF-8"]


def test_too_big_a_file_is_refused_unread(tmp_path):
    big = ics(RECURRING) + b"X-PAD:" + b"x" * (1024 * 1024)
    path = tmp_path / "big.ics"
    path.write_bytes(big)
    with pytest.raises(ImportRejected) as info:
        read_ical(path)
    assert [str(e) for e in info.value.errors] == [
        f"{path}: file is {len(big):,} bytes, over the 1 MiB limit; split it"]
    assert rejected(big) == [f"bad.ics: file is {len(big):,} bytes, over the 1 MiB limit; split it"]
    with pytest.raises(ImportRejected) as info:
        read_ical(tmp_path)
    assert [str(e) for e in info.value.errors] == [f"{tmp_path}: is a directory, not a regular file; "
                                                   "give the path of a file"]
    small = tmp_path / "ok.ics"
    small.write_bytes(ics(RECURRING))
    assert len(ical_to_shifts(read_ical(small), **WIDE, source=str(small))) == 5


S, E = "DTSTART;TZID=Asia/Shanghai:20261001T080000", "DTEND;TZID=Asia/Shanghai:20261001T180000"
U, SUM = "X-PARKLINK-UNIT:u", "SUMMARY:值班员 张三"


def event(uid: str | None, *lines: str) -> str:
    return "\n".join(["BEGIN:VEVENT", *([f"UID:{uid}"] if uid else []), "DTSTAMP:20260901T000000Z", *lines,
                      "END:VEVENT"])


@pytest.mark.parametrize(("lines", "message"), [
    (["DTSTART;TZID=Mars/Olympus:20261001T080000", E, U, SUM],
     "DTSTART: unknown time zone `Mars/Olympus`; use an IANA name such as Asia/Shanghai or include its VTIMEZONE"),
    ([S, E, U, SUM, "ATTENDEE;CN=张三:mailto:a@example.org", "ATTENDEE;CN=李四:mailto:b@example.org"],
     "2 ATTENDEEs (张三, 李四): one person per duty event; give each person an event of their own"),
    ([S, U, SUM], "no DTEND or DURATION: give the shift's end time"),
    ([U, SUM, E], "no DTSTART: give the shift's start, e.g. DTSTART;TZID=Asia/Shanghai:20261001T080000"),
    ([S, "DTEND:2026XX", U, SUM], "DTEND: Expected time, got: 2026XX; correct the value"),
    ([S, "DTEND;TZID=Asia/Shanghai:20261001T070000", U, SUM],
     "ends (2026-10-01 07:00) before it starts (2026-10-01 08:00); give a DTEND after DTSTART "
     "(a night shift ends the next day)"),
    ([S, E, U, "SUMMARY:值班员"], "no name: add ATTENDEE;CN=<name>:… or put the name in SUMMARY after the role word"),
    ([S, E, U, "SUMMARY:值班员 " + "张" * 61], "name: String should have at most 60 characters"),
    ([S, E, U, SUM, "RRULE:FREQ=BOGUS"], "RRULE: Expected frequency, got: BOGUS; correct the value"),
])
def test_each_bad_event_says_what_and_how_to_fix(lines, message):
    assert rejected(ics(event("ok", S, E, U, SUM), event("x", *lines))) == [f"bad.ics:12: VEVENT `x`: {message}"]


def test_an_event_needs_a_uid_of_its_own():
    assert rejected(ics(event("a", S, E, U, SUM), event("a", S, E, U, SUM), event(None, S, E, U, SUM))) == [
        "bad.ics:12: VEVENT `a`: UID given twice (first at line 4) for the same occurrence; give each event its own "
        "UID (or a RECURRENCE-ID for a moved instance)",
        "bad.ics:20: VEVENT (no UID): no UID: give each event a unique UID",
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_roster_survives_the_round_trip(data):
    people = ("甲", "乙", "丙", "丁")
    start = sh(2026, 9, 28) + timedelta(hours=data.draw(st.integers(0, 96), label="start hour"))
    end = start + timedelta(hours=data.draw(st.integers(1, 240), label="hours"))
    rotations = tuple(RotationSpec(role=role, turn=data.draw(st.sampled_from(list(Turn))), start=date(2026, 9, 25),
                                   people=people[:data.draw(st.integers(1, 4))]) for role in (DO, LD))
    plain = UnitRoster(unit="u", rotations=rotations)
    slots = assignments(plain, start, end)
    swaps = ()
    if data.draw(st.booleans(), label="swap"):
        slot = data.draw(st.sampled_from(slots))
        swaps = (SwapSpec.model_validate({"role": slot.role, "shift_start": slot.start, "from": slot.name,
                                          "to": "戊", "requested_by": slot.name, "approved_by": "己"}),)
    overrides = []
    for _ in range(data.draw(st.integers(0, 2), label="overrides")):
        o_start = start + timedelta(minutes=30 * data.draw(st.integers(-4, 480)))
        overrides.append(OverrideSpec(role=data.draw(st.sampled_from([DO, LD])), name="庚",
                                      replaces=data.draw(st.sampled_from([None, *people])), start=o_start,
                                      end=o_start + timedelta(minutes=30 * data.draw(st.integers(1, 60)))))
    roster = UnitRoster(unit="u", rotations=rotations, swaps=swaps, overrides=tuple(overrides))
    fixed = shifts_by_unit(ical_to_shifts(rosters_to_ical([roster], start, end), start=start, end=end,
                                          source="p.ics")).get("u", ())
    back = UnitRoster(unit="u", shifts=(), fixed=fixed)
    edges = {t for a in assignments(roster, start, end) for t in (a.start, a.end)}
    hours = {start + timedelta(hours=h) for h in range(int((end - start) / timedelta(hours=1)))}
    checks = {t + d for t in edges | hours for d in (timedelta(seconds=-1), timedelta(0), timedelta(seconds=1))}
    for at in sorted(t for t in checks if start <= t < end):
        assert {r: a.name for r, a in on_duty(back, at).items()} == {r: a.name for r, a in on_duty(roster, at).items()}


def test_two_shifts_of_one_role_starting_together_get_uids_of_their_own():
    twice = UnitRoster(unit="u", rotations=(RotationSpec(role=DO, start=date(2026, 10, 1), people=("甲",)),
                                            RotationSpec(role=DO, start=date(2026, 10, 1), people=("乙",))))
    cal = Calendar.from_ical(rosters_to_ical([twice], sh(2026, 10, 1, 8), sh(2026, 10, 1, 9), stamp=STAMP))
    assert sorted(str(e["UID"]) for e in cal.walk("VEVENT")) == [
        "u-duty_officer-20261001T080000-2@parklink", "u-duty_officer-20261001T080000@parklink"]
