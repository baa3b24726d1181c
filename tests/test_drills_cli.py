"""`parklink drills …` against the database (SQLite and PostgreSQL): compliance before and after a recorded drill,
the plan of 2027 on the park's own holiday table, every bad input one line with exit 2, schedule without a server."""

from __future__ import annotations

import json
import socket
from datetime import date, datetime, timedelta

from sqlmodel import select

from models.db import session_scope
from models.drill_record import DrillParticipation, DrillPlanEntry
from models.drill_store import drill_compliance, record_drill
from models.incident import Incident
from models.types import SHANGHAI

ENTERPRISES = {"qy-jh", "qy-jc", "qy-ha", "qy-qn", "qy-jy", "qy-lng", "qy-sw", "qy-wl", "qy-jz"}
HOLIDAYS_2027 = """\
2027:
  holidays:
    - {date: 2027-01-01, name: 元旦}
    - {date: 2027-02-05, name: 春节}
    - {date: 2027-02-06, name: 春节}
    - {date: 2027-02-07, name: 春节}
    - {date: 2027-02-08, name: 春节}
    - {date: 2027-02-09, name: 春节}
    - {date: 2027-02-10, name: 春节}
    - {date: 2027-02-11, name: 春节}
    - {date: 2027-05-01, name: 劳动节}
    - {date: 2027-05-02, name: 劳动节}
    - {date: 2027-05-03, name: 劳动节}
    - {date: 2027-05-04, name: 劳动节}
    - {date: 2027-05-05, name: 劳动节}
    - {date: 2027-10-01, name: 国庆节}
    - {date: 2027-10-02, name: 国庆节}
    - {date: 2027-10-03, name: 国庆节}
    - {date: 2027-10-04, name: 国庆节}
    - {date: 2027-10-05, name: 国庆节}
    - {date: 2027-10-06, name: 国庆节}
    - {date: 2027-10-07, name: 国庆节}
  workdays:
    - {date: 2027-02-20, name: 春节}
    - {date: 2027-10-09, name: 国庆节}
"""


def drilled(engine, enterprise: str, when: datetime, units: set[str]) -> str:
    """A drill's record as the assessment leaves it (tests/test_drills_flow.py runs the real one)."""
    incident_id = f"DRL-T-{enterprise}-{when:%m%d}"
    with session_scope(engine) as session:
        session.add(Incident(id=incident_id, playbook_id="hazmat-leak", playbook_hash="x", level="IV", drill=True,
                             latitude=36.15, longitude=112.29, enterprise=enterprise, reported_at=when))
        session.flush()
        record_drill(session=session, incident=session.get(Incident, incident_id), units=units, score=0.5, met=2,
                     checks=4, detail=[])
    return incident_id


def test_compliance_of_the_sample_park_before_and_after_an_enterprise_drills(cli, engine):
    assert cli("init").exit_code == 0
    before = json.loads(cli("drills", "compliance", "--at", "2027-01-10", "--json").stdout)
    lines = {d["unit"]: d for d in before}
    assert len(lines) == 43 and all(d["overdue"] and d["last_drill"] is None for d in before)
    assert {u for u, d in lines.items() if d["required_every_months"] == 6} == ENTERPRISES - {"qy-jz"}
    assert lines["qy-jz"]["required_every_months"] == 12 and lines["yjj"]["required_every_months"] == 24
    assert set(before[0]) >= {"unit", "required_every_months", "last_drill", "next_due", "overdue"}

    drilled(engine, "qy-ha", datetime(2027, 1, 5, 2, 0, tzinfo=SHANGHAI), {"yjj", "xfjydd"})
    after = {d["unit"]: d for d in json.loads(cli("drills", "compliance", "--at", "2027-01-10", "--json").stdout)}
    assert after["qy-ha"] == {**lines["qy-ha"], "last_drill": "2027-01-05", "next_due": "2027-07-05", "overdue": False}
    assert after["yjj"]["next_due"] == "2029-01-05" and not after["yjj"]["overdue"]
    assert after["qy-jc"] == lines["qy-jc"], "another enterprise is as overdue as before"
    on_the_eve = {d["unit"]: d for d in json.loads(cli("drills", "compliance", "--at", "2027-01-04", "--json").stdout)}
    assert on_the_eve["qy-ha"]["overdue"] and on_the_eve["qy-ha"]["last_drill"] is None, "a later drill is not counted"
    late = {d["unit"]: d for d in json.loads(cli("drills", "compliance", "--at", "2027-07-06", "--json").stdout)}
    assert late["qy-ha"]["overdue"]
    with session_scope(engine) as session:  # the function the meeting's agenda calls
        assert next(d for d in drill_compliance(session, date(2027, 1, 10)) if d.unit == "qy-ha").overdue is False
        at_night = drill_compliance(session, datetime(2027, 1, 4, 17, 0, tzinfo=SHANGHAI) - timedelta(hours=14))
        assert next(d for d in at_night if d.unit == "qy-ha").overdue, "a time is judged on its Shanghai day"
    table = cli("drills", "compliance", "--at", "2027-01-10")
    assert table.exit_code == 0 and "qy-ha" in table.stdout and "2027-07-05" in table.stdout


def test_recording_a_drill_twice_records_it_once(cli, engine):
    cli("init")
    incident = drilled(engine, "qy-ha", datetime(2027, 1, 5, 2, 0, tzinfo=SHANGHAI), {"yjj", "qy-ha", "no-such-unit"})
    with session_scope(engine) as session:
        again = record_drill(session=session, incident=session.get(Incident, incident), units={"yjj"}, score=0.75,
                             met=3, checks=4, detail=[])
        rows = session.exec(select(DrillParticipation).where(DrillParticipation.incident == incident)).all()
    assert again == 0
    assert sorted((r.unit, r.role.value) for r in rows) == [("qy-ha", "enterprise"), ("yjj", "notified")]
    history = json.loads(cli("drills", "history", "qy-ha", "--json").stdout)
    assert [(h["incident"], h["role"], h["score"]) for h in history] == [(incident, "enterprise", 0.75)]


def days_off_2027(path) -> set[date]:
    """The table's important holidays with a day either side (PARKLINK_DUTY_HOLIDAY_MARGIN_DAYS=1)."""
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if "name: 春节" in line or "name: 劳动节" in line or "name: 国庆节" in line:
            if "holidays" in line:
                continue
            day = date.fromisoformat(line.split("date: ")[1].split(",")[0])
            out |= {day - timedelta(days=1), day, day + timedelta(days=1)}
    return out


def test_the_2027_plan_keeps_off_holidays_and_spreads_each_enterprise(cli, monkeypatch, tmp_path):
    table = tmp_path / "holidays.yaml"
    table.write_text(HOLIDAYS_2027, encoding="utf-8")
    monkeypatch.setenv("PARKLINK_HOLIDAYS_FILE", str(table))
    monkeypatch.setattr("parklink.cli_drills.today", lambda: date(2026, 12, 1))  # the whole of 2027 ahead
    cli("init")
    out = cli("drills", "plan", "--year", "2027", "--json")
    assert out.exit_code == 0, out.stderr
    plan = json.loads(out.stdout)
    assert plan["calendar"] == "local"
    drills = plan["drills"]
    workdays = {date(2027, 2, 20), date(2027, 10, 9)}
    blocked = days_off_2027(table) - workdays
    for d in drills:
        day = date.fromisoformat(d["day"])
        assert day not in blocked and (day.weekday() < 5 or day in workdays), d
        assert d["incident_id"] == f"DRL-2027-{d['unit']}-{d['seq']}"
    by_unit: dict[str, list[dict]] = {}
    for d in drills:
        by_unit.setdefault(d["unit"], []).append(d)
    assert len(by_unit) == 43 and all(len(by_unit[u]) == 2 for u in ENTERPRISES - {"qy-jz"})
    for code in ENTERPRISES - {"qy-jz"}:
        first, second = (date.fromisoformat(d["day"]) for d in by_unit[code])
        assert 150 <= (second - first).days <= 184, code
        assert all(d["site"] == code for d in by_unit[code])
    assert {d["playbook"] for d in by_unit["qy-ha"]} == {"hazmat-leak", "explosion"}, "one each of its risks"
    assert by_unit["qy-jz"][0]["playbook"] == "natural-disaster"
    assert max(sum(d["day"] == day for d in drills) for day in {d["day"] for d in drills}) == 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_schedule_without_a_prefect_server_is_one_line_and_schedules_nothing(cli, engine, monkeypatch):
    cli("init")
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{free_port()}/api")
    out = cli("drills", "schedule", "--year", "2027")
    assert out.exit_code == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("Error: no Prefect server answers at http://127.0.0.1:")
    with session_scope(engine) as session:
        assert session.exec(select(DrillPlanEntry)).all() == []


def test_bad_input_is_one_line_with_exit_2(cli):
    cli("init")
    for args, words in [(("compliance", "--at", "2027-13-01"), "--at `2027-13-01`: give a date as YYYY-MM-DD"),
                        (("plan", "--year", "1999"), "--year 1999: give a year from 2000 to 2100"),
                        (("history", "no-such"), "unit `no-such` not found"),
                        (("report", "INC-NOPE"), "incident `INC-NOPE` is not an assessed drill"),
                        (("report", "INC-NOPE", "--lang", "fr"), "--lang `fr`: choose zh-CN or en"),
                        (("plan",), "Missing option '--year'")]:
        out = cli("drills", *args)
        assert out.exit_code == 2, (args, out)
        assert out.stderr.count("\n") == 1 and words in out.stderr, (args, out.stderr)


def test_frequency_and_risks_round_trip_through_the_directory(cli, tmp_path):
    cli("init")
    exported = cli("directory", "export").stdout
    assert "risks: hazmat-leak,explosion" in exported and "drill_every_months: 12" in exported
    changed = tmp_path / "directory.yaml"
    changed.write_text(exported.replace("risks: hazmat-leak,explosion", "risks: fire").replace(
        "  active: true\n  risks: fire", "  active: true\n  drill_every_months: 3\n  risks: fire"), encoding="utf-8")
    assert "drill_every_months: 3" in changed.read_text(encoding="utf-8")
    assert cli("directory", "import", str(changed)).exit_code == 0
    lines = {d["unit"]: d for d in json.loads(cli("drills", "compliance", "--at", "2027-01-10", "--json").stdout)}
    assert lines["qy-ha"]["required_every_months"] == 3
    assert cli("directory", "export").stdout == changed.read_text(encoding="utf-8")
    csv = cli("directory", "export", "--format", "csv").stdout
    assert csv.splitlines()[0].startswith("unit_code,unit_name_zh,unit_name_en,unit_kind,unit_parent,unit_latitude,"
                                          "unit_longitude,unit_active,unit_drill_every_months,unit_risks,")
    bad = tmp_path / "bad.yaml"
    bad.write_text(exported.replace("risks: hazmat-leak,explosion", "risks: Hazmat Leak"), encoding="utf-8")
    out = cli("directory", "import", str(bad))
    assert out.exit_code == 1 and "risks: `Hazmat Leak` is not a playbook id" in out.stderr
    assert "`Hazmat Leak`" not in cli("directory", "export").stdout


def test_a_plan_entry_is_kept_once_and_frozen_once_scheduled(cli, engine):
    from models.drill_store import plan_entries, save_plan_entry, set_scheduled

    cli("init")

    def entry(day: date) -> DrillPlanEntry:
        return DrillPlanEntry(year=2027, unit="qy-ha", seq=1, day=day, playbook_id="fire", site="qy-ha",
                              incident_id="DRL-2027-qy-ha-1")

    with session_scope(engine) as session:
        first = save_plan_entry(session=session, entry=entry(date(2027, 3, 1)))
        moved = save_plan_entry(session=session, entry=entry(date(2027, 3, 2)))
        assert moved.id == first.id and moved.day == date(2027, 3, 2), "unscheduled: the new plan's day"
        set_scheduled(session=session, entry_id=first.id, flow_run_id="run-1",
                      scheduled_for=datetime(2027, 3, 2, 9, 30, tzinfo=SHANGHAI))
    with session_scope(engine) as session:
        kept = save_plan_entry(session=session, entry=entry(date(2027, 3, 9)))
        assert (kept.day, kept.flow_run_id) == (date(2027, 3, 2), "run-1"), "scheduled: kept as it is"
        assert [e.id for e in plan_entries(session=session, year=2027)] == [first.id]
