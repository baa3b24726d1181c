"""Corrective actions and meeting resolutions, tracked to closure (issue 14; HSEEP's improvement plan).

    CorrectiveAction   one finding's action: where it came from (a meeting, a drill, a real incident, a warning)
                       and which record, what is to be done, the owner unit, the due day (Asia/Shanghai), its state,
                       the evidence that closed it, why it was dropped

States: `proposed` (made from a KPI an assessment marked not met; an operator confirms or drops it) → `open` →
`done` (with evidence) | `dropped` (with why); an open action past its due day is `overdue` (set by the reminder
flow, and read as such wherever the day has passed). `key` makes every writer idempotent: the same finding of the
same record proposes one action however often it is assessed.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from models.i18n import N_, NC_
from models.types import UTCDateTime, enum_type, utcnow

ACTION_ID = r"^ACT-[0-9]{8}-[0-9]{4,}$"


class ActionSource(StrEnum):
    meeting = "meeting"
    drill = "drill"
    incident = "incident"
    warning = "warning"


class ActionState(StrEnum):
    proposed = "proposed"
    open = "open"
    overdue = "overdue"
    done = "done"
    dropped = "dropped"


LIVE_STATES = (ActionState.open, ActionState.overdue)  # what the reminders chase
CLOSED_STATES = (ActionState.done, ActionState.dropped)

# How people read them: `tr(lang, SOURCE_LABELS[source])`, `trc(lang, "action", STATE_LABELS[state])`.
SOURCE_LABELS = {ActionSource.meeting: N_("joint meeting"), ActionSource.drill: N_("drill"),
                 ActionSource.incident: N_("incident"), ActionSource.warning: N_("warning")}
STATE_LABELS = {ActionState.proposed: NC_("action", "proposed"), ActionState.open: NC_("action", "open"),
                ActionState.overdue: NC_("action", "overdue"), ActionState.done: NC_("action", "done"),
                ActionState.dropped: NC_("action", "dropped")}


class CorrectiveAction(SQLModel, table=True):
    __tablename__ = "corrective_action"
    id: str = Field(primary_key=True, max_length=24, description="ACT-YYYYMMDD-NNNN (Asia/Shanghai day)")
    key: str = Field(max_length=200, unique=True, description="the finding it answers: source:id:what")
    source: ActionSource = Field(sa_type=enum_type(ActionSource), index=True)
    source_id: str = Field(max_length=40, index=True, description="the meeting, incident or warning id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    owner: str = Field(foreign_key="unit.code", index=True, max_length=40)
    due: date
    state: ActionState = Field(sa_type=enum_type(ActionState), index=True)
    kpi: str | None = Field(default=None, max_length=40, description="the assessment target it answers, if any")
    evidence: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    why_dropped: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    confirmed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    closed_by: str | None = Field(default=None, max_length=80)

    def is_overdue(self, today: date) -> bool:
        """Open past its due day (the state says so once the reminder flow has seen it)."""
        return self.state is ActionState.overdue or (self.state is ActionState.open and today > self.due)

    def state_on(self, today: date) -> ActionState:
        """The state as people read it on `today`: an open action past its due day is overdue already."""
        return ActionState.overdue if self.is_overdue(today) else self.state
