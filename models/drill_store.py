"""The drill record's store functions (models/drill_record.py); keyword-only, session first.

    record_drill(session=, incident=, units=, score=…)   the units a drill exercised and its score (idempotent)
    last_drills(session=, at=)                            unit → the day (Asia/Shanghai) of its latest drill up to `at`
    last_playbooks(session=)                              unit → its latest drill's playbook
    drill_compliance(session, at)                         every active unit's DrillDue (models/drill_frequency.py)
    unit_history(session=, unit=)                         a unit's drills, oldest first, with their scores
    participants(session=, incident=), get_score(session=, incident=)
    plan_entries(session=, year=), save_plan_entry(session=, entry=), set_scheduled(session=, entry_id=, …)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from models.directory import Unit
from models.drill_due import DrillDue
from models.drill_frequency import compliance
from models.drill_record import DrillParticipation, DrillPlanEntry, DrillScore, ParticipantRole
from models.incident import Incident
from models.types import SHANGHAI


class DrillLine(BaseModel):
    """One drill in a unit's history."""

    incident: str
    at: datetime
    playbook_id: str
    level: str
    enterprise: str | None
    role: ParticipantRole
    score: float | None
    met: int
    checks: int


def record_drill(*, session: Session, incident: Incident, units: Iterable[str], score: float | None, met: int,
                 checks: int, detail: list[dict]) -> int:
    """Record that the drill `incident` exercised its enterprise and `units`, with its score; how many units are
    newly recorded (a second call for the same incident adds nothing and updates the score)."""
    known = {p.unit for p in participants(session=session, incident=incident.id)}
    roles = {u: ParticipantRole.notified for u in units}
    if incident.enterprise:
        roles[incident.enterprise] = ParticipantRole.enterprise
    new = [u for u in sorted(roles) if u not in known and session.get(Unit, u) is not None]
    for unit in new:
        session.add(DrillParticipation(incident=incident.id, unit=unit, role=roles[unit], at=incident.reported_at))
    row = session.get(DrillScore, incident.id) or DrillScore(incident=incident.id, playbook_id=incident.playbook_id,
                                                             level=incident.level, at=incident.reported_at)
    row.level, row.enterprise, row.score, row.met, row.checks, row.detail = (incident.level, incident.enterprise,
                                                                            score, met, checks, detail)
    session.add(row)
    session.flush()
    return len(new)


def participants(*, session: Session, incident: str) -> list[DrillParticipation]:
    return list(session.exec(select(DrillParticipation).where(DrillParticipation.incident == incident)
                             .order_by(DrillParticipation.role, DrillParticipation.unit)).all())


def get_score(*, session: Session, incident: str) -> DrillScore | None:
    return session.get(DrillScore, incident)


def last_drills(*, session: Session, at: datetime | None = None) -> dict[str, date]:
    query = select(DrillParticipation.unit, DrillParticipation.at)
    if at is not None:
        query = query.where(DrillParticipation.at <= at)
    out: dict[str, date] = {}
    for unit, when in session.exec(query).all():
        day = when.astimezone(SHANGHAI).date()
        if unit not in out or day > out[unit]:
            out[unit] = day
    return out


def last_playbooks(*, session: Session) -> dict[str, str]:
    """unit → the playbook of its latest drill (where the next one's scenario rotation starts)."""
    rows = session.exec(select(DrillParticipation.unit, Incident.playbook_id)
                        .join(Incident, col(Incident.id) == col(DrillParticipation.incident))
                        .order_by(DrillParticipation.at)).all()
    return dict(rows)


def drill_compliance(session: Session, at: date | datetime) -> list[DrillDue]:
    """Every active unit's frequency, last drill (up to the end of `at`), next due day and whether it is overdue
    (`at` a day, or a time: its Asia/Shanghai day)."""
    if isinstance(at, datetime):
        at = at.astimezone(SHANGHAI).date()
    end = datetime.combine(at, datetime.max.time(), SHANGHAI)
    units = session.exec(select(Unit).where(Unit.active)).all()
    return compliance(units, last_drills(session=session, at=end), at)


def unit_history(*, session: Session, unit: str) -> list[DrillLine]:
    rows = session.exec(select(DrillParticipation, DrillScore).join(
        DrillScore, col(DrillScore.incident) == col(DrillParticipation.incident), isouter=True)
        .where(DrillParticipation.unit == unit).order_by(DrillParticipation.at, DrillParticipation.incident)).all()
    out = []
    for part, sc in rows:
        incident = session.get(Incident, part.incident)
        out.append(DrillLine(incident=part.incident, at=part.at, playbook_id=incident.playbook_id, level=incident.level,
                             enterprise=incident.enterprise, role=part.role, score=sc.score if sc else None,
                             met=sc.met if sc else 0, checks=sc.checks if sc else 0))
    return out


def plan_entries(*, session: Session, year: int) -> list[DrillPlanEntry]:
    return list(session.exec(select(DrillPlanEntry).where(DrillPlanEntry.year == year)
                             .order_by(DrillPlanEntry.day, DrillPlanEntry.unit)).all())


def save_plan_entry(*, session: Session, entry: DrillPlanEntry) -> DrillPlanEntry:
    """The stored entry of (year, unit, seq): the one already there (kept as it is once scheduled), or `entry`."""
    row = session.exec(select(DrillPlanEntry).where(DrillPlanEntry.year == entry.year, DrillPlanEntry.unit == entry.unit,
                                                    DrillPlanEntry.seq == entry.seq)).first()
    if row is None:
        session.add(entry)
        session.flush()
        return entry
    if row.flow_run_id is None:
        row.day, row.playbook_id, row.site, row.incident_id = entry.day, entry.playbook_id, entry.site, entry.incident_id
        session.add(row)
        session.flush()
    return row


def set_scheduled(*, session: Session, entry_id: int, flow_run_id: str, scheduled_for: datetime) -> None:
    row = session.get(DrillPlanEntry, entry_id)
    row.flow_run_id, row.scheduled_for = flow_run_id, scheduled_for
    session.add(row)
