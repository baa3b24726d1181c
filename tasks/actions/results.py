"""What the corrective-action machinery returns: typed, never dicts (pure).

    ActionLine      one action an assessment proposed, as its report lists it
    ActionNotice    one reminder or overdue notice of a run of the reminder flow, and who answered it
    RemindersResult what one run of the `action-reminders` flow did (flows/action_reminders.py)
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from models.action import ActionState
from models.drill import GatewayCount
from models.events import Texts, UnitStatus


class Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class ActionLine(Result):
    id: str
    target: str  # the assessment target it answers
    label: Texts  # that target's name
    owner: str
    owner_name: Texts
    due: date
    state: ActionState


class ActionNotice(Result):
    action: str
    kind: str  # the message kind: remind-7, overdue-0, …
    owner: str
    sent: bool  # delivered by this run (False: sent before, or not delivered)
    status: UnitStatus | None = None  # an overdue notice's chase: acknowledged, escalated or unreachable
    acked_by: str | None = None
    escalated_to: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    error: str | None = None  # its task failed (an owner no longer in the directory, …): nothing more was sent


class RemindersResult(Result):
    today: date
    drill: bool
    marked_overdue: list[str] = Field(default_factory=list)  # open actions this run found past their due day
    overdue: list[str] = Field(default_factory=list)  # every action overdue on `today`
    reminded: list[str] = Field(default_factory=list)  # actions whose owner this run reminded
    escalated: list[str] = Field(default_factory=list)  # overdue actions whose notice this run sent and chased
    notices: list[ActionNotice] = Field(default_factory=list)
    drill_gateway: GatewayCount | None = None
    flow_run_id: str | None = None
    message: str = ""
