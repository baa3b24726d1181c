"""Duty on the command line against the database (issue 12 items 1, 3, 4, 6): the sample rosters, who is on duty
with overrides and swaps, imports all or nothing with `file:line` errors, the YAML round trip, the hours without
cover in the 2026 National Day period and in a declared major event."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def park(cli):
    out = cli("init")
    assert out.exit_code == 0, out.stderr
    return cli


def who(cli, unit: str, at: str) -> dict[str, dict]:
    out = cli("duty", "who", "--unit", unit, "--at", at, "--json")
    assert out.exit_code == 0, out.stderr
    return {row["role"]: row for row in json.loads(out.stdout)}


def test_the_sample_office_roster_with_its_override_and_swap(park):
    plain = who(park, "ldzbgs", "2026-12-30T10:00")
    assert set(plain) == {"duty_officer", "leader_on_duty"}
    officer = plain["duty_officer"]
    assert officer["source"] == "rotation" and officer["phone"].startswith("+4477009")
    assert (officer["shift_start"], officer["shift_end"]) == ("2026-12-30T08:30:00+08:00", "2026-12-30T17:30:00+08:00")
    assert who(park, "ldzbgs", "2026-12-31T10:00")["duty_officer"]["name"] == "马敏"  # 年休假 override
    swapped = who(park, "ldzbgs", "2027-01-01T20:00")["duty_officer"]
    assert (swapped["name"], swapped["source"]) == ("王春生", "swap") and "approved by 程建国" in swapped["note"]
    assert who(park, "qy-ha", "2026-10-03T03:00")["duty_officer"]["special_period"] == {"kind": "holiday",
                                                                                       "reason": "国庆节"}
    assert who(park, "qy-jz", "2026-10-03T03:00") == {}, "the construction company has day cover only"


def test_override_and_swap_from_the_command_line(park):
    before = who(park, "qy-ha", "2026-12-02T10:00")["duty_officer"]["name"]
    out = park("duty", "override", "--unit", "qy-ha", "--role", "duty_officer", "--name", "胡永刚",
               "--from", "2026-12-02T09:00", "--to", "2026-12-02T11:00", "--reason", "培训")
    assert out.exit_code == 0, out.stderr
    assert who(park, "qy-ha", "2026-12-02T10:00")["duty_officer"]["name"] == "胡永刚"
    assert who(park, "qy-ha", "2026-12-02T11:30")["duty_officer"]["name"] == before
    bad = park("duty", "swap", "--unit", "qy-ha", "--role", "duty_officer", "--shift-start", "2026-12-02T08:00",
               "--from-name", "胡永刚", "--to-name", "黎红军", "--requested-by", "胡永刚", "--approved-by", "何浩然")
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1 and f"(`{before}` is)" in bad.stderr
    nobody = park("duty", "override", "--unit", "qy-ha", "--role", "duty_officer", "--name", "无名氏",
                  "--from", "2026-12-02T09:00", "--to", "2026-12-02T11:00")
    assert nobody.exit_code != 0 and "无名氏" in nobody.stderr
    assert who(park, "qy-ha", "2026-12-02T10:00")["duty_officer"]["name"] == "胡永刚", "nothing half-written"


BAD = """\
rosters:
- unit: qy-ha
  shifts:
  - {name: day, start: 08:00, end: 20:00}
  rotations:
  - {role: duty_officer, start: 2026-01-01, people: [黎红军, 无名氏]}
- unit: qy-nowhere
  rotations: []
- unit: qy-jc
  rotations:
  - {role: leader, start: 2026-01-01, people: [龙娜]}
- unit: ldzbgs
  rotations:
  - {role: duty_officer, start: 2026-01-01, people: [程建国]}
  swaps:
  - {role: duty_officer, shift_start: 2026-10-01T09:00, from: 程建国, to: 马敏, requested_by: 程建国, approved_by: 马敏}
"""


def test_an_import_is_all_or_nothing_with_every_error_at_its_line(park, tmp_path):
    before = park("duty", "export").stdout
    path = tmp_path / "roster.yaml"
    path.write_text(BAD, encoding="utf-8")
    out = park("duty", "import", str(path))
    assert out.exit_code != 0 and "Traceback" not in out.stderr
    lines = out.stderr.splitlines()
    assert any(f"{path}:4:" in line and "quotes" in line for line in lines), out.stderr  # 20:00 read as a number
    assert any(f"{path}:6:" in line and "无名氏" in line and "duty_staff" in line for line in lines), out.stderr
    assert any(f"{path}:7:" in line and "unknown unit `qy-nowhere`" in line for line in lines), out.stderr
    assert any(f"{path}:11:" in line and "`leader`" in line for line in lines), out.stderr
    assert any(f"{path}:16:" in line and "no duty_officer shift" in line for line in lines), out.stderr
    assert park("duty", "export").stdout == before, "nothing was imported"


def test_export_then_import_gives_the_same_rosters(park, tmp_path):
    path = tmp_path / "duty.yaml"
    assert park("duty", "export", "-o", str(path)).exit_code == 0
    first = path.read_text(encoding="utf-8")
    assert "unit: ldzbgs" in first and "approved_by: 程建国" in first
    out = park("duty", "import", str(path), "--json")
    assert out.exit_code == 0, out.stderr
    assert len(json.loads(out.stdout)["imported"]) == 10
    assert park("duty", "export").stdout == first


def test_gaps_in_the_2026_national_day_period_and_in_a_declared_event(park, tmp_path):
    out = park("duty", "gaps", "--from", "2026-09-25T00:00", "--to", "2026-10-12T00:00", "--json")
    assert out.exit_code == 1, "gaps found: exit code 1"
    gaps = json.loads(out.stdout)
    # 30 September – 8 October (the holiday and a day either side): 9 nights of 12 h, both roles, one enterprise
    assert {g["unit"] for g in gaps} == {"qy-jz"} and len(gaps) == 9 * 12 * 2
    assert gaps[0]["hour"] == "2026-09-30T00:00:00+08:00" and gaps[0]["special_period"]["reason"] == "国庆节"
    quiet = park("duty", "gaps", "--from", "2026-11-02T00:00", "--to", "2026-11-09T00:00", "--json")
    assert (quiet.exit_code, json.loads(quiet.stdout)) == (0, []), "an ordinary week is not special"

    declared = park("duty", "event", "--from", "2026-11-03T00:00", "--to", "2026-11-04T00:00", "--reason", "进博会",
                    "--json")
    assert declared.exit_code == 0, declared.stderr
    event = park("duty", "gaps", "--from", "2026-11-02T00:00", "--to", "2026-11-09T00:00", "--json")
    assert len(json.loads(event.stdout)) == 12 * 2 and json.loads(event.stdout)[0]["special_period"] == {
        "kind": "major_event", "reason": "进博会"}
    calendar = json.loads(park("duty", "calendar", "--year", "2026", "--json").stdout)
    assert {"kind": "major_event", "start": "2026-11-03T00:00+08:00", "end": "2026-11-04T00:00+08:00",
            "reason": "进博会"} in calendar["special_periods"]
    assert {p["reason"] for p in calendar["special_periods"]} >= {"春节", "劳动节", "国庆节"}

    nights = tmp_path / "jz.yaml"
    nights.write_text("rosters:\n- unit: qy-jz\n  rotations:\n  - {role: duty_officer, start: 2026-01-01, people: "
                      "[姜春燕, 邹国平]}\n  - {role: leader_on_duty, start: 2026-01-01, people: [李明]}\n",
                      encoding="utf-8")
    assert park("duty", "import", str(nights)).exit_code == 0
    covered = park("duty", "gaps", "--from", "2026-09-25T00:00", "--to", "2026-10-12T00:00", "--json")
    assert (covered.exit_code, json.loads(covered.stdout)) == (0, [])


def test_bad_times_get_one_line(park):
    for args in (("duty", "who", "--at", "tomorrow"), ("duty", "gaps", "--from", "2026-10-02", "--to", "2026-10-01"),
                 ("duty", "event", "--from", "2026-10-01", "--to", "2026-10-02", "--reason", " ")):
        out = park(*args)
        assert out.exit_code == 2 and out.stderr.startswith("Error: ") and out.stderr.count("\n") == 1, out.stderr


def test_a_live_incident_and_an_unlifted_warning_make_special_periods_a_drill_does_not(park, engine):
    from datetime import datetime

    from models.db import session_scope
    from models.duty import DutyEvent, PeriodKind
    from models.duty_store import add_record, lift_event
    from models.incident import Incident
    from models.types import SHANGHAI

    def gaps() -> list[dict]:
        out = park("duty", "gaps", "--from", "2026-11-16T00:00", "--to", "2026-11-18T00:00", "--json")
        return json.loads(out.stdout)

    assert gaps() == []
    reported = datetime(2026, 11, 16, 12, 0, tzinfo=SHANGHAI)
    with session_scope(engine) as session:
        session.add(Incident(id="DRILL-1", playbook_id="fire", playbook_hash="x", level="IV", drill=True,
                             latitude=36.18, longitude=112.29, reported_at=reported))
    assert gaps() == [], "a drill changes nobody's duty"
    with session_scope(engine) as session:
        session.add(Incident(id="INC-1", playbook_id="fire", playbook_hash="x", level="IV", latitude=36.18,
                             longitude=112.29, reported_at=reported,
                             stood_down_at=datetime(2026, 11, 17, 8, 0, tzinfo=SHANGHAI)))
    found = gaps()
    assert {(g["special_period"]["kind"], g["special_period"]["reason"]) for g in found} == {("incident", "INC-1 fire")}
    assert found[0]["hour"] == "2026-11-16T20:00:00+08:00" and found[-1]["hour"] == "2026-11-17T07:00:00+08:00"
    with session_scope(engine) as session:
        session.delete(session.get(Incident, "INC-1"))
        add_record(session=session, record=DutyEvent(kind=PeriodKind.warning, source_id="WRN-1", reason="黄色预警",
                                                     starts_at=datetime(2026, 11, 16, 0, 0, tzinfo=SHANGHAI)))
    assert {g["special_period"]["kind"] for g in gaps()} == {"warning"} and len(gaps()) == 2 * 12 * 2
    with session_scope(engine) as session:
        assert lift_event(session=session, kind=PeriodKind.warning, source_id="WRN-1",
                          at=datetime(2026, 11, 17, 0, 0, tzinfo=SHANGHAI)) == 1
    assert len(gaps()) == (8 + 4) * 2, "lifted at midnight: only the 16th is left (00:00–08:00, 20:00–24:00)"


def test_the_icalendar_round_trip_on_the_command_line(park, tmp_path):
    """Export the sample rosters as .ics over the 2026 National Day weeks, import the file back: every unit's roster
    is now the calendar's fixed shifts, and at every hour (and each side of every shift change) the same people are
    on duty as before."""
    window = ("--from", "2026-09-28T00:00", "--to", "2026-10-12T00:00")
    ics = tmp_path / "duty.ics"
    out = park("duty", "export", "--format", "ics", *window, "-o", str(ics))
    assert out.exit_code == 0, out.stderr
    text = ics.read_text(encoding="utf-8")
    assert text.startswith("BEGIN:VCALENDAR") and "X-PARKLINK-ROLE:leader_on_duty" in text and "TZID=Asia/Shanghai" in text
    instants = [f"2026-{m:02d}-{d:02d}T{h:02d}:{mm}" for m, d in [(9, 28), (9, 30), (10, 1), (10, 4), (10, 11)]
                for h in range(24) for mm in ("00", "31")]
    before = {at: json.loads(park("duty", "who", "--at", at, "--json").stdout) for at in instants[::5]}
    imported = park("duty", "import", str(ics), *window, "--json")
    assert imported.exit_code == 0, imported.stderr
    assert len(json.loads(imported.stdout)["imported"]) == 10
    exported = park("duty", "export").stdout
    assert "rotations" not in exported and "fixed:" in exported
    for at, rows in before.items():
        after = json.loads(park("duty", "who", "--at", at, "--json").stdout)
        assert [(r["unit"], r["role"], r["name"], r["shift_start"], r["shift_end"]) for r in after] == \
            [(r["unit"], r["role"], r["name"], r["shift_start"], r["shift_end"]) for r in rows], at


def test_an_ics_naming_someone_unknown_imports_nothing(park, tmp_path):
    ics = tmp_path / "bad.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//x//ZH\r\nBEGIN:VEVENT\r\nUID:a@x\r\n"
                   "DTSTAMP:20261201T000000Z\r\nDTSTART;TZID=Asia/Shanghai:20261202T080000\r\n"
                   "DTEND;TZID=Asia/Shanghai:20261202T200000\r\nSUMMARY:值班员 无名氏\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                   encoding="utf-8")
    before = park("duty", "export").stdout
    out = park("duty", "import", str(ics), "--unit", "qy-ha", "--from", "2026-12-01T00:00")
    assert out.exit_code != 0 and f"{ics}:4:" in out.stderr and "无名氏" in out.stderr, out.stderr
    assert park("duty", "export").stdout == before
