"""Rosters in the database, and what they say now: who is on duty, which periods are special.

    save_rosters(session, rosters, source)        each unit's roster, overrides and swaps become the given ones
    load_rosters(session, unit=None)              unit → UnitRoster (the roster with its overrides and swaps)
    people_of(session)                            unit → names of its active liaisons (what a roster may name)
    special_periods_for(session, settings, s, e)  important holidays, declared events, live incidents in [s, e)
    who(session, settings, at, unit=None)         [OnDuty]: each unit's duty officer and leader on duty at `at`
    duty_liaison(session, unit, role, at)         the Liaison on duty in `role` at `at` (an escalation step's target)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from models.directory import Liaison, Unit
from models.duty import DutyOverride, DutyRole, DutyRoster, DutySwap, PeriodKind
from models.duty_store import RosterRows, declared_events, live_incidents, replace_roster, roster_rows
from models.types import SHANGHAI
from tasks.duty.periods import SpecialPeriod, important_holidays, period_at, special_periods
from tasks.duty.roster import Assignment, OverrideSpec, SwapSpec, UnitRoster, on_duty

BODY_FIELDS = {"unit", "shifts", "rotations", "fixed"}


def save_rosters(*, session: Session, rosters: list[UnitRoster], source: str) -> list[str]:
    for roster in rosters:
        overrides = [DutyOverride(unit=roster.unit, role=o.role, name=o.name, replaces=o.replaces, starts_at=o.start,
                                  ends_at=o.end, reason=o.reason) for o in roster.overrides]
        swaps = [DutySwap(unit=roster.unit, role=s.role, shift_start=s.shift_start, from_name=s.from_name,
                          to_name=s.to_name, requested_by=s.requested_by, approved_by=s.approved_by, reason=s.reason)
                 for s in roster.swaps]
        body = roster.model_dump_json(include=BODY_FIELDS)
        replace_roster(session=session, rows=RosterRows(DutyRoster(unit=roster.unit, body=body, source=source),
                                                        overrides, swaps))
    return [r.unit for r in rosters]


def _typed(rows: RosterRows) -> UnitRoster:
    base = UnitRoster.model_validate_json(rows.roster.body)
    overrides = tuple(OverrideSpec(role=o.role, name=o.name, replaces=o.replaces, start=o.starts_at, end=o.ends_at,
                                   reason=o.reason) for o in rows.overrides)
    swaps = tuple(SwapSpec.model_validate({"role": s.role, "shift_start": s.shift_start, "from": s.from_name,
                                           "to": s.to_name, "requested_by": s.requested_by,
                                           "approved_by": s.approved_by, "reason": s.reason}) for s in rows.swaps)
    return base.model_copy(update={"overrides": overrides, "swaps": swaps})


def load_rosters(*, session: Session, unit: str | None = None) -> dict[str, UnitRoster]:
    return {rows.roster.unit: _typed(rows) for rows in roster_rows(session=session, unit=unit)}


def people_of(*, session: Session) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {code: set() for code in session.exec(select(Unit.code)).all()}
    for li in session.exec(select(Liaison).where(Liaison.active)).all():
        out[li.unit].add(li.name)
    return out


def special_periods_for(*, session: Session, settings, start: datetime, end: datetime) -> list[SpecialPeriod]:
    years = range(start.astimezone(SHANGHAI).year - 1, end.astimezone(SHANGHAI).year + 1)
    holidays = [p for y in years for p in important_holidays(y, settings)]
    others = [SpecialPeriod(e.kind, e.starts_at, e.lifted_at or e.ends_at, e.reason)
              for e in declared_events(session=session, start=start, end=end)]
    others += [SpecialPeriod(PeriodKind.incident, i.reported_at, i.stood_down_at, f"{i.id} {i.playbook_id}")
               for i in live_incidents(session=session, start=start, end=end)]
    return special_periods(start, end, holidays=holidays, margin_days=settings.duty_holiday_margin_days,
                           others=others)


@dataclass(frozen=True)
class OnDuty:
    unit: str
    role: DutyRole
    name: str
    phone: str | None
    shift_start: datetime
    shift_end: datetime
    source: str
    note: str
    special_period: SpecialPeriod | None

    def as_dict(self) -> dict:
        period = self.special_period
        return {"unit": self.unit, "role": self.role.value, "name": self.name, "phone": self.phone,
                "shift_start": self.shift_start.astimezone(SHANGHAI).isoformat(),
                "shift_end": self.shift_end.astimezone(SHANGHAI).isoformat(), "source": self.source,
                "note": self.note, "special_period": None if period is None else
                {"kind": period.kind.value, "reason": period.reason}}


def _phones(session: Session) -> dict[tuple[str, str], str]:
    return {(li.unit, li.name): li.phone for li in session.exec(select(Liaison).where(Liaison.active)).all()}


def who(*, session: Session, settings, at: datetime, unit: str | None = None) -> list[OnDuty]:
    rosters = load_rosters(session=session, unit=unit)
    period = period_at(special_periods_for(session=session, settings=settings, start=at,
                                           end=at + timedelta(seconds=1)), at)
    phones = _phones(session)
    out = []
    for code, roster in rosters.items():
        found: dict[DutyRole, Assignment] = on_duty(roster, at)
        for role in DutyRole:
            if role in found:
                a = found[role]
                out.append(OnDuty(code, role, a.name, phones.get((code, a.name)), a.start, a.end, a.source.value,
                                  a.note, period))
    return out


def duty_liaison(*, session: Session, unit: str, role: DutyRole, at: datetime) -> Liaison | None:
    rosters = load_rosters(session=session, unit=unit)
    found = on_duty(rosters[unit], at).get(role) if unit in rosters else None
    if found is None:
        return None
    return session.exec(select(Liaison).where(Liaison.unit == unit, Liaison.name == found.name, Liaison.active)
                        .order_by(Liaison.id)).first()
