"""How often each unit must drill its plan, and when its next drill is due (decree 708 art. 8; issue 14). Pure.

    DEFAULT_EVERY_MONTHS                 hazardous-chemical enterprises every 6 months, every other unit (the
                                         county's departments, utilities, park bodies …) every 24
    every_months(kind, override)         the unit's own frequency (the directory's `drill_every_months`) or its default
    add_months(day, months)              the same day `months` later (the month's last day when it has no such day)
    due_line(unit, …, last, at)          one DrillDue: never drilled → due at once (overdue when `at` has come)
    compliance(units, last_drills, at)   every active unit's line, overdue first, then by next due day and code
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date

from models.directory import UnitBase, UnitKind
from models.drill_due import DrillDue

ENTERPRISE_EVERY_MONTHS = 6  # 生产安全事故应急条例 (2019) 第八条: 危险物品生产、经营、储存、运输单位 至少每半年
OTHER_EVERY_MONTHS = 24  # 县级以上人民政府及其负有安全生产监督管理职责的部门 至少每2年
DEFAULT_EVERY_MONTHS = {UnitKind.enterprise: ENTERPRISE_EVERY_MONTHS}


def every_months(kind: UnitKind | str, override: int | None = None) -> int:
    if override is not None:
        return override
    return DEFAULT_EVERY_MONTHS.get(UnitKind(kind), OTHER_EVERY_MONTHS)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_line(unit: UnitBase, last: date | None, at: date) -> DrillDue:
    months = every_months(unit.kind, unit.drill_every_months)
    next_due = add_months(last, months) if last is not None else at
    return DrillDue(unit=unit.code, name_zh=unit.name_zh, required_every_months=months, last_drill=last,
                    next_due=next_due, overdue=last is None or next_due < at)


def compliance(units: Iterable[UnitBase], last_drills: dict[str, date], at: date) -> list[DrillDue]:
    """Every active unit's line (drills after `at` are not counted: give `last_drills` as of `at`)."""
    lines = [due_line(u, last_drills.get(u.code), at) for u in units if u.active]
    return sorted(lines, key=lambda d: (not d.overdue, d.next_due, d.unit))
