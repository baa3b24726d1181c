"""Escalation steps that name whoever is on duty, resolved when the step is sent (issue 12).

    duty            the unit's duty officer (值班员) now
    leader_on_duty  the unit's leader on duty (带班领导) now
    office_duty     the duty officer of the directory's office unit (the active unit of kind `office`) now;
                    with no roster there or nobody on duty, the office's primary liaison (noted as a problem)

    resolve_duty(engine, unit=, step=, office=, at=, earlier=) -> DutyPick   (blocking: run it in a thread)

A re-run (or a resumed run) finds the step's message already recorded (`earlier`: where it would be) and keeps
its recipient, so a shift change in between never sends the same step to a second person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import select

from models.db import session_scope
from models.directory import Liaison, LiaisonRole
from models.duty import DutyRole
from models.notification_store import notifications
from tasks.duty.roster_db import duty_liaison

DUTY_STEPS = {"duty": DutyRole.duty_officer, "leader_on_duty": DutyRole.leader_on_duty,
              "office_duty": DutyRole.duty_officer}
NOBODY = "nobody on duty"


@dataclass(frozen=True)
class StepPlace:
    """Where a step's message is recorded: its context, message kind and step number."""

    context_kind: str
    context_id: str
    group: str
    message_kind: str
    step: int


@dataclass(frozen=True)
class DutyPick:
    """Whom a duty step reaches (none: skip the step), and the problem worth telling (or none)."""

    liaison: Liaison | None
    problem: str | None = None


def resolve_duty(engine: Engine, *, unit: str, step: str, office: str | None, at: datetime,
                 earlier: StepPlace | None = None) -> DutyPick:
    role = DUTY_STEPS[step]
    code = office if step == "office_duty" else unit
    with session_scope(engine) as session:
        if earlier is not None:
            found = [n for n in notifications(session=session, context_kind=earlier.context_kind,
                                              context_id=earlier.context_id, group=earlier.group)
                     if n.unit == unit and n.step == earlier.step and n.message_kind == earlier.message_kind]
            if found and (li := session.get(Liaison, found[0].liaison_id)) is not None:
                return DutyPick(li)
        if code is None:
            return DutyPick(None, f"{step}: no office unit in the directory")
        found = duty_liaison(session=session, unit=code, role=role, at=at)
        if found is not None or step != "office_duty":
            return DutyPick(found, None if found else f"{step}: {NOBODY}")
        primary = session.exec(select(Liaison).where(Liaison.unit == code, Liaison.role == LiaisonRole.primary,
                                                     Liaison.active).order_by(Liaison.id)).first()
    if primary is None:
        return DutyPick(None, f"{step}: {NOBODY} and no active primary liaison of {code}")
    return DutyPick(primary, f"{step}: {NOBODY} at {code}; its primary liaison {primary.name} was messaged")
