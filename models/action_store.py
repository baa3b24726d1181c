"""Persistence of corrective actions (models/action.py): keyword-only functions that take the session.

    propose_action / add_action      write one (proposed, or open at once) under its key; the same key twice
                                     returns the first row unchanged
    check_owner                      the owner's code, when the directory has that unit
    get_action / list_actions        read (filters: source, owner, states, overdue on a day)
    confirm_action / complete_action / drop_action   an operator's decisions; a closed action stays closed
    mark_overdue                     open actions past their due day become overdue; which

An owner is a unit of the directory: another code is refused (NotFound, with the nearest code) before a row is
written.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from models.action import CLOSED_STATES, ActionSource, ActionState, CorrectiveAction
from models.day_ids import insert_numbered
from models.did_you_mean import did_you_mean
from models.directory import Unit
from models.errors import InputError, NotFound
from models.types import utcnow


def check_owner(*, session: Session, code: str) -> str:
    """`code` when it is a unit of the directory, else NotFound naming the nearest code."""
    if session.get(Unit, code) is None:
        known = set(session.exec(select(Unit.code)).all())
        hint = did_you_mean(code, known, prefix=True) or "; see `parklink directory list`"
        raise NotFound(f"unit `{code}` not found{hint}")
    return code


def _write(session: Session, *, key: str, source: ActionSource, source_id: str, text: str, owner: str, due: date,
           state: ActionState, kpi: str | None) -> CorrectiveAction:
    existing = session.exec(select(CorrectiveAction).where(CorrectiveAction.key == key)).first()
    if existing is not None:
        return existing
    check_owner(session=session, code=owner)
    now = utcnow()
    return insert_numbered(session=session, column=CorrectiveAction.id, prefix="ACT", now=now, make=lambda id_: (
        CorrectiveAction(id=id_, key=key, source=source, source_id=source_id, text=text, owner=owner, due=due,
                         state=state, kpi=kpi, created_at=now,
                         confirmed_at=now if state is ActionState.open else None)))


def propose_action(*, session: Session, key: str, source: ActionSource, source_id: str, text: str, owner: str,
                   due: date, kpi: str | None = None) -> CorrectiveAction:
    """A proposed action (a KPI not met): waits for an operator to confirm or drop it."""
    return _write(session, key=key, source=source, source_id=source_id, text=text, owner=owner, due=due,
                  state=ActionState.proposed, kpi=kpi)


def add_action(*, session: Session, key: str, source: ActionSource, source_id: str, text: str, owner: str,
               due: date, kpi: str | None = None) -> CorrectiveAction:
    """An action open at once (a meeting's resolution, an operator's own)."""
    return _write(session, key=key, source=source, source_id=source_id, text=text, owner=owner, due=due,
                  state=ActionState.open, kpi=kpi)


def get_action(*, session: Session, action_id: str) -> CorrectiveAction:
    row = session.get(CorrectiveAction, action_id)
    if row is None:
        raise NotFound(f"action `{action_id}` not found; see `parklink actions list`")
    return row


def list_actions(*, session: Session, source: ActionSource | None = None, source_id: str | None = None,
                 owner: str | None = None, states: tuple[ActionState, ...] | None = None,
                 overdue_on: date | None = None) -> list[CorrectiveAction]:
    """Actions by due day then id; `overdue_on`: only those overdue on that day."""
    query = select(CorrectiveAction)
    if source is not None:
        query = query.where(CorrectiveAction.source == source)
    if source_id is not None:
        query = query.where(CorrectiveAction.source_id == source_id)
    if owner is not None:
        query = query.where(CorrectiveAction.owner == owner)
    if states is not None:
        query = query.where(col(CorrectiveAction.state).in_(states))
    rows = list(session.exec(query.order_by(CorrectiveAction.due, CorrectiveAction.id)).all())
    return [r for r in rows if r.is_overdue(overdue_on)] if overdue_on is not None else rows


def _closed(row: CorrectiveAction) -> None:
    if row.state in CLOSED_STATES:
        raise InputError(f"action {row.id} is already {row.state.value} ({row.closed_at:%Y-%m-%d}); nothing changed")


def confirm_action(*, session: Session, action_id: str, owner: str | None = None, due: date | None = None,
                   now: datetime | None = None) -> CorrectiveAction:
    """A proposed action becomes open (optionally with another owner or due day)."""
    row = get_action(session=session, action_id=action_id)
    if row.state is not ActionState.proposed:
        raise InputError(f"action {row.id} is {row.state.value}, not proposed: only a proposed action is confirmed")
    row.owner = check_owner(session=session, code=owner) if owner else row.owner
    row.state, row.confirmed_at, row.due = ActionState.open, now or utcnow(), due or row.due
    session.add(row)
    return row


def complete_action(*, session: Session, action_id: str, evidence: str, by: str | None = None,
                    now: datetime | None = None) -> CorrectiveAction:
    row = get_action(session=session, action_id=action_id)
    _closed(row)
    if not evidence.strip():
        raise InputError("--evidence is empty: say (or attach a file that shows) what was done")
    row.state, row.evidence, row.closed_at, row.closed_by = ActionState.done, evidence, now or utcnow(), by
    session.add(row)
    return row


def drop_action(*, session: Session, action_id: str, why: str, by: str | None = None,
                now: datetime | None = None) -> CorrectiveAction:
    row = get_action(session=session, action_id=action_id)
    _closed(row)
    if not why.strip():
        raise InputError("--why is empty: say why the action is dropped")
    row.state, row.why_dropped, row.closed_at, row.closed_by = ActionState.dropped, why, now or utcnow(), by
    session.add(row)
    return row


def mark_overdue(*, session: Session, today: date) -> list[CorrectiveAction]:
    """Open actions whose due day has passed become overdue; the ones changed now."""
    rows = list(session.exec(select(CorrectiveAction).where(CorrectiveAction.state == ActionState.open,
                                                            col(CorrectiveAction.due) < today)).all())
    for row in rows:
        row.state = ActionState.overdue
        session.add(row)
    return rows
