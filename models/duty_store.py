"""Persistence of duty: rosters, overrides, swaps, declared periods, handovers. Keyword-only, session first.

A roster import is applied in the caller's transaction: a unit's roster, overrides and swaps become exactly the
file's, and if anything fails the caller's `session_scope` rolls all of it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, or_, select

from models.duty import DutyEvent, DutyHandover, DutyOverride, DutyRoster, DutySwap, PeriodKind
from models.incident import Incident
from models.types import utcnow


@dataclass
class RosterRows:
    roster: DutyRoster
    overrides: list[DutyOverride] = field(default_factory=list)
    swaps: list[DutySwap] = field(default_factory=list)


def replace_roster(*, session: Session, rows: RosterRows) -> None:
    """The unit's roster, overrides and swaps become these."""
    unit = rows.roster.unit
    for table in (DutyOverride, DutySwap):
        for old in session.exec(select(table).where(table.unit == unit)).all():
            session.delete(old)
    session.merge(rows.roster)
    session.add_all([*rows.overrides, *rows.swaps])
    session.flush()


def roster_units(*, session: Session) -> set[str]:
    """The units that keep a roster (a cheap look: no document read)."""
    return set(session.exec(select(DutyRoster.unit)).all())


def roster_rows(*, session: Session, unit: str | None = None) -> list[RosterRows]:
    query = select(DutyRoster).order_by(DutyRoster.unit)
    if unit:
        query = query.where(DutyRoster.unit == unit)
    out = []
    for roster in session.exec(query).all():
        overrides = session.exec(select(DutyOverride).where(DutyOverride.unit == roster.unit)
                                 .order_by(DutyOverride.id)).all()
        swaps = session.exec(select(DutySwap).where(DutySwap.unit == roster.unit).order_by(DutySwap.id)).all()
        out.append(RosterRows(roster, list(overrides), list(swaps)))
    return out


def add_record(*, session: Session, record: DutyOverride | DutySwap | DutyEvent) -> None:
    session.add(record)
    session.flush()


def declared_events(*, session: Session, start: datetime, end: datetime) -> list[DutyEvent]:
    """Declared periods (major events, warnings) not lifted that overlap [start, end)."""
    query = select(DutyEvent).where(DutyEvent.starts_at < end, or_(col(DutyEvent.ends_at).is_(None),
                                                                   DutyEvent.ends_at > start))
    return [e for e in session.exec(query.order_by(DutyEvent.starts_at)).all()
            if e.lifted_at is None or e.lifted_at > start]


def lift_event(*, session: Session, kind: PeriodKind, source_id: str, at: datetime | None = None) -> int:
    """Lift the declared periods of `kind` for `source_id` (a warning lifted); how many."""
    rows = session.exec(select(DutyEvent).where(DutyEvent.kind == kind, DutyEvent.source_id == source_id,
                                                col(DutyEvent.lifted_at).is_(None))).all()
    for row in rows:
        row.lifted_at = at or utcnow()
    session.flush()
    return len(rows)


def live_incidents(*, session: Session, start: datetime, end: datetime) -> list[Incident]:
    """Live (not drill) incidents under way at some time in [start, end)."""
    query = select(Incident).where(Incident.drill.is_(False), Incident.reported_at < end,
                                   or_(col(Incident.stood_down_at).is_(None), Incident.stood_down_at > start))
    return list(session.exec(query.order_by(Incident.reported_at)).all())


def record_handover(*, session: Session, row: DutyHandover) -> DutyHandover:
    """The handover under its idempotency key: the one already recorded, if any."""
    found = session.exec(select(DutyHandover).where(DutyHandover.idempotency_key == row.idempotency_key)).first()
    if found is not None:
        return found
    session.add(row)
    session.flush()
    return row


def handovers(*, session: Session, incident_id: str) -> list[DutyHandover]:
    return list(session.exec(select(DutyHandover).where(DutyHandover.incident_id == incident_id)
                             .order_by(DutyHandover.handed_over_at)).all())
