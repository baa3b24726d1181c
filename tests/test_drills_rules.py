"""Drills on the legal calendar, the pure parts: frequencies (decree 708 art. 8), compliance, scoring, the planner."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from models.directory import UnitBase, UnitKind
from models.drill_frequency import add_months, compliance, every_months
from models.events import Texts
from tasks.assessment import KpiCheck
from tasks.drills.planner import PlanUnit, open_days, plan_year
from tasks.drills.scoring import score
from tasks.duty.calendar import CalendarDay, DayKind, YearCalendar, year_calendar
from tasks.duty.periods import holiday_periods, holiday_special

IMPORTANT = ("春节", "劳动节", "国庆节")


def unit(code, kind=UnitKind.enterprise, **kw) -> UnitBase:
    return UnitBase(code=code, name_zh=code, kind=kind, **kw)


def test_decree_708_defaults_and_the_directory_override():
    assert every_months(UnitKind.enterprise) == 6
    assert every_months(UnitKind.county_department) == 24 and every_months("office") == 24
    assert every_months(UnitKind.enterprise, 12) == 12
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28) and add_months(date(2026, 11, 5), 24) == date(2028, 11, 5)


def test_compliance_lines_never_drilled_overdue_then_due_by_frequency():
    units = [unit("qy-a"), unit("qy-b"), unit("yjj", UnitKind.county_department), unit("qy-c", drill_every_months=12),
             unit("qy-gone", active=False)]
    lines = {d.unit: d for d in compliance(units, {"qy-b": date(2026, 3, 1), "yjj": date(2025, 6, 1),
                                                   "qy-c": date(2026, 3, 1)}, date(2026, 12, 2))}
    assert set(lines) == {"qy-a", "qy-b", "yjj", "qy-c"}
    assert lines["qy-a"].overdue and lines["qy-a"].last_drill is None and lines["qy-a"].next_due == date(2026, 12, 2)
    assert lines["qy-b"].overdue and lines["qy-b"].next_due == date(2026, 9, 1)
    assert not lines["yjj"].overdue and lines["yjj"].next_due == date(2027, 6, 1)
    assert not lines["qy-c"].overdue and lines["qy-c"].required_every_months == 12
    assert [d.overdue for d in compliance(units, {}, date(2026, 12, 2))] == [True] * 4


def test_risks_are_playbook_ids_given_as_a_list_or_comma_separated():
    assert unit("qy-a", risks=["hazmat-leak", "fire", "fire"]).risks == "hazmat-leak,fire"
    assert unit("qy-a", risks=" explosion , fire").risk_list() == ["explosion", "fire"]
    with pytest.raises(ValidationError, match="not a playbook id"):
        unit("qy-a", risks="Hazmat Leak")
    with pytest.raises(ValidationError):
        unit("qy-a", drill_every_months=0)


def check(target: str, met: bool) -> KpiCheck:
    return KpiCheck(target=target, kpi=target, label=Texts(zh=target, en=target), value=1, threshold=1, sense="max",
                    met=met)


def test_the_score_is_the_weighted_share_of_checks_met():
    checks = [check("command_post_min", True), check("all_groups_ack_min", False), check("first_report_min", True),
              check("first_dispatch_min", True)]
    assert score(checks).value == 0.75 and (score(checks).met, score(checks).checks) == (3, 4)
    weighted = score(checks, {"all_groups_ack_min": 2, "first_report_min": 2})
    assert weighted.value == round(4 / 6, 3)
    assert score(checks, {"all_groups_ack_min": 0}).value == 1.0 and score(checks, {"all_groups_ack_min": 0}).checks == 3
    assert score([]).value is None


def calendar_2026():
    cal = year_calendar(2026)  # chinesecalendar's published data
    assert cal.source.value == "library"
    periods = holiday_special([p for p in holiday_periods(cal) if p.name in IMPORTANT], margin_days=1)
    return cal, periods


def park_units() -> list[PlanUnit]:
    enterprises = [PlanUnit(f"qy-{i}", 6, ("hazmat-leak", "fire", "explosion"), enterprise=True) for i in range(9)]
    others = [PlanUnit(f"dept-{i:02d}", 24) for i in range(34)]
    return enterprises + others


def test_the_plan_avoids_holidays_their_special_periods_and_days_off():
    cal, periods = calendar_2026()
    days = open_days(2026, cal, periods)
    drills = plan_year(2026, park_units(), days)
    assert len(drills) == 9 * 2 + 34
    special = set()
    for p in periods:
        day = p.start.date()
        while day < p.end.date():
            special.add(day)
            day += timedelta(days=1)
    assert date(2026, 2, 17) in special and date(2026, 10, 1) in special and date(2026, 9, 30) in special
    for d in drills:
        assert d.day not in special and cal.is_workday(d.day), d
    assert max(Counter(d.day for d in drills).values()) == 1, "few drills a day: one while days have room"


def test_a_plan_counts_from_the_last_drill_and_keeps_an_enterprise_six_months_apart():
    cal, periods = calendar_2026()
    units = park_units() + [PlanUnit("qy-x", 6, ("fire", "explosion"), last_drill=date(2025, 10, 20),
                                     last_playbook="fire", enterprise=True)]
    drills = plan_year(2026, units, open_days(2026, cal, periods))
    mine = [d for d in drills if d.unit == "qy-x"]
    assert [d.seq for d in mine] == [1, 2]
    assert date(2026, 3, 20) <= mine[0].day <= date(2026, 4, 20), "by its due day, never after"
    gap = (mine[1].day - mine[0].day).days
    assert 150 <= gap <= 184, gap
    assert [d.playbook for d in mine] == ["explosion", "fire"], "rotating through its risks after the last one"
    for code in ("qy-0", "qy-5"):
        first, second = [d for d in drills if d.unit == code]
        assert 150 <= (second.day - first.day).days <= 184 and first.playbook != second.playbook
        assert first.site == code
    dept = next(d for d in drills if d.unit == "dept-03")
    assert dept.site.startswith("qy-") and dept.playbook in ("hazmat-leak", "fire", "explosion")


def test_a_two_year_unit_drills_only_in_the_year_it_falls_due():
    cal = YearCalendar(2027, (CalendarDay(date(2027, 2, 8), DayKind.holiday, "春节"),), source=None)
    units = [PlanUnit("qy-a", 6, ("fire",), enterprise=True), PlanUnit("dept-a", 24, last_drill=date(2026, 5, 1)),
             PlanUnit("dept-b", 24, last_drill=date(2025, 5, 6))]
    drills = plan_year(2027, units, open_days(2027, cal, []))
    assert [d.unit for d in drills if d.unit.startswith("dept")] == ["dept-b"]
    assert next(d.day for d in drills if d.unit == "dept-b") <= date(2027, 5, 6)
    assert date(2027, 2, 8) not in {d.day for d in drills}
