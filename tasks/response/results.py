"""What each phase of a response returns, and what the run returns: typed, never dicts (pure).

    Outcome[T]        a pure phase's result T and the events it produced (one writer records them)
    Opened · CommandPost · GroupResult(UnitResult…) · UpwardReportResult · DispatchResult · AssessmentResult
                      — one per phase (stand-down: models.dispatch_store.StandDownResult)
    ResponseResult    the run's result: what `parklink respond` prints and `--json` dumps
    WorkKey           a unit of the flow's concurrent work (a group, a report, a dispatch, a stand-down)

Fields excluded from the dump (`exclude=True`) are for the flow and the tests, not for the operator's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from models.allocation import StandDownResult
from models.drill import GatewayCount
from models.events import Event, Texts, UnitStatus
from tasks.assessment import KpiCheck
from tasks.response.run import Run


class Result(BaseModel):
    model_config = ConfigDict(frozen=True)


T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a pure phase returns: its typed result and the entries it produced for the activity log."""

    result: T
    events: list[Event] = field(default_factory=list)


class Opened(Result):
    run: Run
    created: bool  # False: a run with the id of an incident already open continues it
    closed: bool = False  # the incident was stood down already: this run does nothing
    playbook_hash: str
    level_reason: str


class CommandPost(Result):
    commander: str | None
    latitude: float | None
    longitude: float | None
    at: datetime | None


class UnitResult(Result):
    unit: str
    status: UnitStatus
    acked_by: str | None = None
    escalated_to: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)


class GroupResult(Result):
    key: str
    name: str
    units: list[str]
    notified: int  # messages delivered (a failed send notifies nobody)
    acknowledged: int
    escalated: int
    unreachable: int
    outcomes: list[UnitResult] = Field(default_factory=list, exclude=True)


class UpwardReportResult(Result):
    seq: int
    due_at: datetime
    sent_at: datetime | None
    on_time: bool
    delivered: int
    failed: int


class Approval(StrEnum):
    approved = "approved"  # nothing waits for the commander
    waiting = "waiting"  # requisitions wait, and the run did not wait for them
    overdue = "overdue"  # the wait ran out; the office was told


class AllocationLine(Result):
    need: str
    depot: str
    resource_type: str
    quantity: int
    distance_km: float | None
    eta_min: float | None
    reason: str


class RequisitionLine(Result):
    id: int
    need: str
    holder: str
    resource_type: str
    quantity: int
    status: str


class ShortfallLine(Result):
    need: str
    resource_type: str
    quantity: int


class DispatchResult(Result):
    approval: Approval
    auto_approved: list[int] = Field(default_factory=list)
    allocations: list[AllocationLine] = Field(default_factory=list)
    requisitions: list[RequisitionLine] = Field(default_factory=list)
    shortfalls: list[ShortfallLine] = Field(default_factory=list)


class Unreached(Result):
    """A unit of a group whom nobody in its chain acknowledged."""

    group: str
    unit: str


class Undelivered(Result):
    """A recipient an upward report never reached."""

    seq: int
    recipient: str


class AssessmentResult(Result):
    kpis: dict[str, Any]
    markdown: str | None = None  # the Markdown file, relative to PARKLINK_REPORTS_DIR (None: no files written)
    html: str | None = None  # the HTML file, likewise
    actions: list[str] = Field(default_factory=list)  # the corrective actions its KPIs not met proposed (ids)
    checks: list[KpiCheck] = Field(default_factory=list, exclude=True)
    recommendations: list[Texts] = Field(default_factory=list, exclude=True)
    title: str = Field(default="", exclude=True)
    markdown_text: str = Field(default="", exclude=True)
    html_text: str = Field(default="", exclude=True)
    findings: dict[str, Any] = Field(default_factory=dict, exclude=True)
    unreached: list[Unreached] = Field(default_factory=list, exclude=True)
    undelivered_reports: list[Undelivered] = Field(default_factory=list, exclude=True)
    figures: dict[str, str] = Field(default_factory=dict, exclude=True)  # "site-map" | "ack-chart" → its SVG


class WorkKind(StrEnum):
    group = "group"
    report = "report"
    dispatch = "dispatch"
    stand_down = "stand-down"
    action = "action"  # a warning's action (the warn flow)
    standby = "standby"
    reserve_check = "reserve-check"


class WorkKey(Result):
    """One piece of the flow's concurrent work. `str()` is its label in the run's record ("group:rescue")."""

    kind: WorkKind
    name: str = ""  # the group key, the report number
    level: str | None = None  # set for the work a level change adds

    def __str__(self) -> str:
        return ":".join(p for p in (self.kind.value, self.name, self.level) if p)


class ResponseResult(Result):
    incident: str
    level: str
    flow_run_id: str
    playbook_hash: str
    continued: bool
    groups: list[GroupResult]
    allocations: list[AllocationLine]
    requisitions: list[RequisitionLine]
    shortfalls: list[ShortfallLine]
    approval: Approval | None
    stand_down: StandDownResult | None
    assessment: AssessmentResult | None
    failed: dict[str, str]
    unreached: list[Unreached] = Field(default_factory=list)
    undelivered_reports: list[Undelivered] = Field(default_factory=list)
    closed: bool = False  # the incident was closed before this run: it did nothing
    drill_gateway: GatewayCount | None = None  # a drill's own gateway: what it received
    state: str = ""
    ui_url: str | None = None
    board_url: str | None = None  # the incident's board page (`parklink serve`)

    @property
    def reached_everyone(self) -> bool:
        return not (self.unreached or self.undelivered_reports)
