"""The Chinese calendar (issue 12, item 2): holidays and adjusted working days from chinesecalendar, a missing
year without a crash (weekends, one warning line), the park's own table of a year's notice winning."""

from __future__ import annotations

import json
from datetime import date

from tasks.duty.calendar import DayKind, Source, load_local_table, year_calendar

TABLE = """\
2099:
  holidays:
    - {date: 2099-10-01, name: 国庆节}
    - {date: 2099-10-02, name: 国庆节}
  workdays:
    - {date: 2099-09-26, name: 国庆节}
"""


def test_the_2026_national_day_period_from_the_library():
    cal = year_calendar(2026)
    assert cal.source is Source.library
    holidays = {d.date for d in cal.days if d.kind is DayKind.holiday and d.date.month == 10}
    assert holidays == {date(2026, 10, day) for day in range(1, 8)}
    adjusted = {d.date for d in cal.days if d.kind is DayKind.workday_adjusted and d.name == "国庆节"}
    assert adjusted == {date(2026, 9, 20), date(2026, 10, 10)}
    assert cal.is_workday(date(2026, 9, 20)) and not cal.is_workday(date(2026, 10, 5))
    assert cal.is_workday(date(2026, 10, 8)) and not cal.is_workday(date(2026, 10, 11))


def test_a_year_the_library_does_not_hold_falls_back_to_weekends_and_a_local_table_wins(tmp_path):
    bare = year_calendar(2099)
    assert bare.source is Source.weekends and bare.days == ()
    assert not bare.is_workday(date(2099, 10, 3)) and bare.is_workday(date(2099, 10, 1))  # Sat; Thu
    path = tmp_path / "holidays.yaml"
    path.write_text(TABLE, encoding="utf-8")
    cal = year_calendar(2099, load_local_table(path))
    assert cal.source is Source.local and not cal.is_workday(date(2099, 10, 1))
    assert cal.is_workday(date(2099, 9, 26)), "a Saturday that is a working day by the notice"


def test_duty_calendar_on_the_command_line(cli, monkeypatch, tmp_path):
    out = cli("duty", "calendar", "--year", "2026", "--json")
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["source"] == "library"
    assert {"date": "2026-10-10", "kind": "workday_adjusted", "name": "国庆节"} in data["days"]

    missing = cli("duty", "calendar", "--year", "2099")
    assert missing.exit_code == 0 and missing.stderr.count("\n") == 1 and "2099" in missing.stderr
    path = tmp_path / "holidays.yaml"
    path.write_text(TABLE, encoding="utf-8")
    monkeypatch.setenv("PARKLINK_HOLIDAYS_FILE", str(path))
    local = cli("duty", "calendar", "--year", "2099", "--json")
    assert json.loads(local.stdout)["source"] == "local" and local.stderr == ""

    path.write_text(TABLE.replace("2099-09-26", "2099-13-26"), encoding="utf-8")
    bad = cli("duty", "calendar", "--year", "2099")
    assert bad.exit_code == 2 and bad.stderr.startswith(f"Error: {path}:6:") and "month must be in 1..12" in bad.stderr
    assert bad.stderr.count("\n") == 1

    path.write_text(TABLE.replace("2099-09-26", "2098-09-26"), encoding="utf-8")
    wrong = cli("duty", "calendar", "--year", "2099")
    assert wrong.exit_code == 2 and wrong.stderr.startswith(f"Error: {path}:6:") and "not in 2099" in wrong.stderr
