"""The resolved plan: one playbook at one level, complete and typed — what a run executes and records.

`ResolvedPlan.sources` says where each item came from (`file:line · level`, or `file:line` for a base
field), keyed by a dotted path such as `groups.rescue.members.gaj` or `groups.rescue.needs.rescue-scba`.
`content_hash` is the sha256 of the canonical plan and of the source files it was built from.

A group's needs are `models.allocation.Need`, the one type the dispatch planner takes too (validated here:
quantity and deadline positive, urgency 1–3, role primary | secondary).

Levels: "I" 特别重大 … "IV" 一般 for the statutory incident types; "single" for an incident type with no
statutory grade (mass incidents), which has exactly one response level.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models.allocation import Need
from models.playbook.schema import GROUP_KEYS, INCIDENT_ENTERPRISE, Level


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CommanderPlan(Frozen):
    role_zh: str
    role_en: str
    unit: str


class CommandPostPlan(Frozen):
    upwind: bool
    min_distance_m: int = Field(gt=0)
    note_zh: str = ""
    note_en: str = ""


class Escalation(Frozen):
    to: str  # "deputy", "head" or a unit code
    after_min: int = Field(gt=0)


class ActionPlan(Frozen):
    id: str
    item_zh: str
    item_en: str
    owner: str
    deadline_min: int = Field(gt=0)


class GroupPlan(Frozen):
    key: str
    number: int  # 1…9, the source document's order
    name_zh: str
    name_en: str
    lead: str  # unit code or "incident_enterprise"
    members: list[str]  # unit codes and/or "incident_enterprise"; the lead is not repeated here
    duties_zh: str
    duties_en: str
    ack_deadline_min: int = Field(gt=0)
    escalation: list[Escalation] = Field(min_length=1)
    actions: list[ActionPlan]
    needs: list[Need]  # each with its group and deadline (the playbook's resolution gives both)
    notice_template: str

    @property
    def units(self) -> list[str]:
        """Lead first, then members: everyone the activation notifies."""
        return [self.lead, *self.members]

    @property
    def needs_incident_enterprise(self) -> bool:
        return INCIDENT_ENTERPRISE in self.units


class UpwardReportingPlan(Frozen):
    recipients: list[str] = Field(min_length=1)
    first_report_deadline_min: int = Field(gt=0)
    followup_interval_min: int = Field(gt=0)
    template: str


class CriterionPlan(Frozen):
    id: str
    text_zh: str
    text_en: str


class AutoLaunchPlan(Frozen):
    """What an enterprise's report launches without an operator (models/playbook/schema.py AutoLaunch)."""

    warning: list[Literal["blue", "yellow", "orange", "red"]] = Field(default_factory=list)
    response: list[Literal["IV", "III", "II", "I", "single"]] = Field(default_factory=list)


class WarningActionPlan(Frozen):
    id: str
    text_zh: str
    text_en: str
    owner: str


class AssessmentTargetsPlan(Frozen):
    command_post_min: int = Field(gt=0)
    all_groups_ack_min: int = Field(gt=0)
    first_report_min: int = Field(gt=0)
    first_dispatch_min: int = Field(gt=0)


class ChemicalPlan(Frozen):
    un: str
    name_zh: str
    name_en: str
    isolate_m: int
    protect_day_km: float | None = None
    protect_night_km: float | None = None
    large_spill_evacuate_m: int | None = None
    fire_evacuate_m: int | None = None


class ThresholdsPlan(Frozen):
    deaths: int | None = None
    serious_injuries: int | None = None
    direct_loss_cny: int | None = None
    evacuated: int | None = None


class GradingPlan(Frozen):
    """Resolved grading rules: thresholds per level (preset filled in), highest level met wins."""

    scheme: Literal["statutory", "single"]
    preset: str
    thresholds: dict[Literal["I", "II", "III"], ThresholdsPlan]
    min_level_for_chemicals: dict[str, str] = Field(default_factory=dict)
    min_level_for_flags: dict[str, str] = Field(default_factory=dict)


class ResolvedPlan(Frozen):
    id: str
    title_zh: str
    title_en: str
    level: Level
    levels: list[Level]  # every level the playbook has, lowest first
    content_hash: str
    source_files: list[str]
    commander: CommanderPlan
    command_post: CommandPostPlan
    isolation_radius_m: int = Field(gt=0)
    requisition_approval_threshold_cny: int = Field(ge=0)
    office_unit: str
    groups: list[GroupPlan]
    upward_reporting: UpwardReportingPlan
    stand_down: list[CriterionPlan] = Field(min_length=1)
    grading: GradingPlan
    warning_actions: dict[Literal["red", "orange", "yellow", "blue"], list[WarningActionPlan]]
    auto_launch: AutoLaunchPlan = Field(default_factory=AutoLaunchPlan)
    assessment_targets: AssessmentTargetsPlan
    assessment_weights: dict[str, float] = Field(default_factory=dict)  # a drill's score: target → weight (default 1)
    chemicals: dict[str, ChemicalPlan]
    sources: dict[str, str]

    def group(self, key: str) -> GroupPlan:
        for group in self.groups:
            if group.key == key:
                return group
        raise KeyError(f"group `{key}` is not activated at level {self.level}; active: "
                       + ", ".join(g.key for g in self.groups))

    @property
    def group_keys(self) -> list[str]:
        return [g.key for g in self.groups]

    def all_needs(self) -> list[Need]:
        return [need for group in self.groups for need in group.needs]

    def isolation_radius_for(self, un_number: str | None) -> int:
        """The plan's isolation radius, widened to the chemical's ERG isolation distance when it is larger."""
        chemical = self.chemicals.get(normalise_un(un_number)) if un_number else None
        return max(self.isolation_radius_m, chemical.isolate_m if chemical else 0)


def normalise_un(value: str | int | None) -> str:
    """`1017`, `un1017`, `UN 1017` → `UN1017`."""
    text = str(value or "").upper().replace(" ", "")
    if text.startswith("UN"):
        text = text[2:]
    return f"UN{text.zfill(4)}" if text.isdigit() else text


GROUP_NUMBER = {key: i + 1 for i, key in enumerate(GROUP_KEYS)}
