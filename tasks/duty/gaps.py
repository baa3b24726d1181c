"""Day-and-night cover in special periods (昼夜值班): every hour a unit lacks a duty officer or a leader on duty.

    cover_gaps(session, settings, start, end) → [Gap]

In a special period (tasks/duty/periods.py) every resident enterprise and the leading-group office must have a
duty officer and a leader on duty for every hour. A unit without a roster lacks both for every hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from models.directory import Unit, UnitKind
from models.duty import DutyRole
from models.types import SHANGHAI
from tasks.duty.periods import SpecialPeriod
from tasks.duty.roster import assignments, uncovered_hours
from tasks.duty.roster_db import load_rosters, special_periods_for

REQUIRED_KINDS = (UnitKind.enterprise, UnitKind.office)


@dataclass(frozen=True)
class Gap:
    unit: str
    role: DutyRole
    hour: datetime
    period: SpecialPeriod

    def as_dict(self) -> dict:
        return {"unit": self.unit, "role": self.role.value, "hour": self.hour.astimezone(SHANGHAI).isoformat(),
                "special_period": {"kind": self.period.kind.value, "reason": self.period.reason}}


def required_units(session: Session) -> list[str]:
    query = select(Unit.code).where(Unit.active, Unit.kind.in_(REQUIRED_KINDS)).order_by(Unit.code)
    return list(session.exec(query).all())


def cover_gaps(*, session: Session, settings, start: datetime, end: datetime) -> list[Gap]:
    """Each (unit, role, hour) in a special period inside [start, end) without whole cover, by unit and hour."""
    periods = special_periods_for(session=session, settings=settings, start=start, end=end)
    rosters = load_rosters(session=session)
    gaps: dict[tuple[str, DutyRole, datetime], Gap] = {}
    for period in periods:
        p_start, p_end = max(period.start, start), min(period.end or end, end)
        for unit in required_units(session):
            roster = rosters.get(unit)
            slots = assignments(roster, p_start, p_end) if roster else []
            for role in DutyRole:
                for hour in uncovered_hours(slots, role, p_start, p_end):
                    gaps.setdefault((unit, role, hour), Gap(unit, role, hour, period))
    return sorted(gaps.values(), key=lambda g: (g.unit, g.hour, g.role))
