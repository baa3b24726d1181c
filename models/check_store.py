"""Persistence of each liaison check's per-unit results: keyword-only functions that take the session."""

from __future__ import annotations

from sqlmodel import Session, select

from models.events import UnitStatus
from models.liaison_check import CheckReason, CheckRecord, LiaisonCheckUnit
from models.notification import LiaisonCheck
from models.types import SHANGHAI


def save_unit_results(*, session: Session, check_id: int, statuses: dict[str, UnitStatus]) -> None:
    """One row per unit of the check (a re-run of the same check overwrites its statuses, keeps head_notified)."""
    have = {r.unit: r for r in session.exec(select(LiaisonCheckUnit).where(LiaisonCheckUnit.check_id == check_id))}
    for unit, status in statuses.items():
        row = have.get(unit) or LiaisonCheckUnit(check_id=check_id, unit=unit, status=status)
        row.status = status
        session.add(row)
    session.flush()


def unit_results(*, session: Session, check_id: int) -> list[LiaisonCheckUnit]:
    return list(session.exec(select(LiaisonCheckUnit).where(LiaisonCheckUnit.check_id == check_id)
                             .order_by(LiaisonCheckUnit.unit)).all())


def previous_check(*, session: Session, check_id: int, drill: bool) -> LiaisonCheck | None:
    """The finished check of the same kind (drill or live) before `check_id`."""
    return session.exec(select(LiaisonCheck).where(LiaisonCheck.id < check_id, LiaisonCheck.drill == drill,
                                                   LiaisonCheck.finished_at.is_not(None))
                        .order_by(LiaisonCheck.id.desc())).first()


def mark_head_notified(*, session: Session, check_id: int, unit: str) -> None:
    row = session.exec(select(LiaisonCheckUnit).where(LiaisonCheckUnit.check_id == check_id,
                                                      LiaisonCheckUnit.unit == unit)).one()
    row.head_notified = True
    session.add(row)


def set_check_run(*, session: Session, check_id: int, reason: CheckReason | None = None,
                  flow_run_id: str | None = None, office_notified: bool | None = None) -> None:
    check = session.get(LiaisonCheck, check_id)
    for name, value in (("reason", reason), ("flow_run_id", flow_run_id), ("office_notified", office_notified)):
        if value is not None:
            setattr(check, name, str(value) if name == "reason" else value)
    session.add(check)


def _local(at):
    return at.astimezone(SHANGHAI) if at is not None else None


def list_checks(*, session: Session, limit: int = 20) -> list[CheckRecord]:
    """Past checks, newest first."""
    checks = session.exec(select(LiaisonCheck).order_by(LiaisonCheck.id.desc()).limit(limit)).all()
    return [_record(session, c) for c in checks]


def check_record(*, session: Session, check_id: int) -> CheckRecord | None:
    check = session.get(LiaisonCheck, check_id, populate_existing=True)
    return _record(session, check) if check is not None else None


def _record(session: Session, c: LiaisonCheck) -> CheckRecord:
    unreached = session.exec(select(LiaisonCheckUnit.unit).where(
        LiaisonCheckUnit.check_id == c.id, LiaisonCheckUnit.status == UnitStatus.unreachable)
        .order_by(LiaisonCheckUnit.unit)).all()
    return CheckRecord(id=c.id, started_at=_local(c.started_at), finished_at=_local(c.finished_at), drill=c.drill,
                       reason=CheckReason(c.reason) if c.reason else None, checked=c.checked,
                       acknowledged=c.acknowledged, escalated=c.escalated, unreachable=c.unreachable,
                       units_unreached=list(unreached), flow_run_id=c.flow_run_id)
