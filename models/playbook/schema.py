"""The playbook file language: what one YAML file in `playbooks/` may say (pydantic, strict, no extras).

A file is a base (the top-level fields) plus `levels`, each an overlay of the same fields. Everything is
optional here because a file may extend another and fill in only part; completeness is checked when a
plan is resolved (models.playbook.resolve). Numbers that must be positive are checked as semantics, so the
validator can report them beside the rest. `playbook_json_schema()` is what editors use.

    PlaybookFile
    ├── base fields (Overlay): commander, command_post, isolation_radius_m,
    │   requisition_approval_threshold_cny, groups{key: GroupSpec}, upward_reporting, stand_down[],
    │   assessment_targets
    ├── id, extends, abstract, title_zh/en, level_scheme, office_unit, grading, warning_actions, auto_launch,
    │   chemicals
    └── levels{IV|III|II|I|single: Overlay}
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from models.i18n import N_

LEVELS_STATUTORY = ("IV", "III", "II", "I")  # lowest first: the order overlays apply in
SINGLE_LEVEL = "single"
ALL_LEVELS = (*LEVELS_STATUTORY, SINGLE_LEVEL)
Level = Literal["IV", "III", "II", "I", "single"]
# The statutory name of each response level (an English msgid; zh-CN from the catalogue: 特别重大, 重大, …).
LEVEL_NAMES = {"I": N_("particularly serious"), "II": N_("serious"), "III": N_("major"), "IV": N_("ordinary"),
               "single": N_("single response level")}

GROUP_KEYS = ("experts", "rescue", "medical", "cordon", "evacuation", "logistics", "information", "special",
              "coordination")
INCIDENT_ENTERPRISE = "incident_enterprise"  # a role filled at run time: the enterprise where it happened
# A step's `to` besides a unit code: the group's own units' deputy liaisons or heads, whoever is on duty at the
# unit when the step is sent (its duty officer, its leader on duty), or the office's duty officer.
ESCALATION_ROLES = ("deputy", "head", "duty", "leader_on_duty", "office_duty")
COLOURS = ("red", "orange", "yellow", "blue")
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
PLAYBOOK_ID_PATTERN = r"^_?[a-z0-9][a-z0-9-]{0,63}$"
RESOURCE_CODE_PATTERN = r"^[1-9][0-9]{6}$"
TEMPLATE_NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def _text(desc: str) -> Any:
    return Field(default=None, description=desc)


class Commander(Strict):
    """现场总指挥 — who commands the on-site command post at this level."""

    role_zh: str | None = _text("职务（中文），可用 Jinja2 变量")
    role_en: str | None = _text("role in English")
    unit: str | None = _text("unit code from the directory, e.g. `yjj`")


class CommandPost(Strict):
    """现场指挥部选址规则 — where the command post may stand."""

    upwind: bool | None = _text("must stand upwind (上风向) of the source")
    min_distance_m: int | None = _text("at least this many metres from the source")
    note_zh: str | None = _text("说明（中文）")
    note_en: str | None = _text("note in English")


class EscalationStep(Strict):
    """One step of a group's escalation when acknowledgements are late."""

    to: str = Field(description="`deputy`, `head`, `duty`, `leader_on_duty` (of the group's units), `office_duty` "
                               "(the office's duty officer) or a unit code, e.g. `ldzbgs`")
    after_min: int = Field(description="minutes after the previous step (or after the ack deadline)")


class Action(Strict):
    """A check-list item of a group."""

    id: str = Field(pattern=ID_PATTERN, description="stable id within the group")
    item_zh: str = Field(description="事项（中文），可用 Jinja2 变量")
    item_en: str = Field(description="item in English")
    owner: str = Field(description="unit code or `incident_enterprise`")
    deadline_min: int = Field(description="minutes after the group is activated")


class NeedSpec(Strict):
    """A resource need of a group, planned by 先近后远、满足急需、先主后次."""

    id: str = Field(pattern=ID_PATTERN, description="stable id, unique within the plan, e.g. `rescue-scba`")
    resource_type: str = Field(pattern=RESOURCE_CODE_PATTERN, description="7-digit catalogue code")
    quantity: int = Field(description="how many, in the catalogue's unit of measure")
    urgency: Literal[1, 2, 3] = Field(description="1 most urgent … 3")
    role: Literal["primary", "secondary"] = Field(default="primary", description="主 (primary) or 次 (secondary)")
    deadline_min: int = Field(description="minutes after activation by which it must be on site")
    note_zh: str | None = None
    note_en: str | None = None

    @field_validator("resource_type", mode="before")
    @classmethod
    def _code_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class GroupSpec(Strict):
    """A working group: defined at the top level, activated (and added to) under `levels`."""

    name_zh: str | None = None
    name_en: str | None = None
    lead: str | None = _text("lead unit code or `incident_enterprise`")
    members: list[str] = Field(default_factory=list, description="member unit codes; added, never removed")
    duties_zh: str | None = _text("职责（中文），可用 Jinja2 变量")
    duties_en: str | None = None
    ack_deadline_min: int | None = _text("minutes for every unit to acknowledge the activation")
    escalation: list[EscalationStep] | None = _text("ordered steps when acknowledgements are late")
    actions: list[Action] = Field(default_factory=list)
    needs: list[NeedSpec] = Field(default_factory=list)
    notice_template: str | None = Field(default=None, pattern=TEMPLATE_NAME_PATTERN,
                                        description="template in templates/, e.g. `group-activation`")


class UpwardReporting(Strict):
    """信息报告 — who gets the upward reports and when."""

    recipients: list[str] = Field(default_factory=list, description="unit codes; added, never removed")
    first_report_deadline_min: int | None = None
    followup_interval_min: int | None = None
    template: str | None = Field(default=None, pattern=TEMPLATE_NAME_PATTERN)


class Criterion(Strict):
    id: str = Field(pattern=ID_PATTERN)
    text_zh: str
    text_en: str


class AssessmentTargets(Strict):
    """Targets the after-action assessment measures the response against (minutes from the alarm)."""

    command_post_min: int | None = None
    all_groups_ack_min: int | None = None
    first_report_min: int | None = None
    first_dispatch_min: int | None = None


TargetName = Literal["command_post_min", "all_groups_ack_min", "first_report_min", "first_dispatch_min"]


class WarningAction(Strict):
    id: str = Field(pattern=ID_PATTERN)
    text_zh: str
    text_en: str
    owner: str


class WarningActions(Strict):
    """预警联动: what to do on a warning of each colour (red highest)."""

    red: list[WarningAction] = Field(default_factory=list)
    orange: list[WarningAction] = Field(default_factory=list)
    yellow: list[WarningAction] = Field(default_factory=list)
    blue: list[WarningAction] = Field(default_factory=list)


class AutoLaunch(Strict):
    """What an enterprise's report launches by itself (issue 13 item 5); empty lists: an operator decides.

    `warning`: the colours of a warning report that start the `warn` flow at once; `response`: the response levels
    (as the playbook's grading gives them for an incident report) that start `respond` at once. A type sets it
    once, at the top of its file (the nearest file of an `extends` chain that says it wins); never per level.
    """

    warning: list[Literal["blue", "yellow", "orange", "red"]] = Field(
        default_factory=list, description="warning colours launched without an operator, e.g. [orange, red]")
    response: list[Level] = Field(default_factory=list,
                                  description="response levels launched without an operator, e.g. [I, II]")

    @field_validator("warning", "response")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        twice = sorted({v for v in value if value.count(v) > 1})
        if twice:
            raise ValueError(f"listed twice: {', '.join(twice)}")
        return value


class Chemical(Strict):
    """ERG table 1 small-spill distances for one UN number."""

    name_zh: str
    name_en: str
    isolate_m: int
    protect_day_km: float | None = None
    protect_night_km: float | None = None
    large_spill_evacuate_m: int | None = None
    fire_evacuate_m: int | None = None


class Thresholds(Strict):
    """A level is reached when any one criterion is met (bounds included)."""

    deaths: int | None = None
    serious_injuries: int | None = None
    direct_loss_cny: int | None = None
    evacuated: int | None = None


class Grading(Strict):
    """Incident report → level. `preset` gives the national thresholds; `thresholds` overrides them."""

    preset: Literal["production_safety", "environmental", "none"] | None = None
    thresholds: dict[Literal["I", "II", "III"], Thresholds] = Field(default_factory=dict)
    min_level_for_chemicals: dict[str, Literal["I", "II", "III", "IV"]] = Field(
        default_factory=dict, description="UN number → lowest level for a release of it")
    min_level_for_flags: dict[Literal["drinking_water_cut", "hazmat_release", "outside_park"],
                              Literal["I", "II", "III", "IV"]] = Field(default_factory=dict)


class Overlay(Strict):
    """What a base or a level says; a level adds to the level below."""

    commander: Commander | None = None
    command_post: CommandPost | None = None
    isolation_radius_m: int | None = None
    requisition_approval_threshold_cny: int | None = None
    groups: dict[str, GroupSpec] = Field(default_factory=dict, json_schema_extra={"propertyNames": {"enum": list(GROUP_KEYS)}})
    upward_reporting: UpwardReporting | None = None
    stand_down: list[Criterion] = Field(default_factory=list)
    assessment_targets: AssessmentTargets | None = None
    assessment_weights: dict[TargetName, Annotated[float, Field(ge=0, le=100)]] | None = Field(
        default=None, description="how much each target counts in a drill's score (default 1; 0 leaves it out)")


class PlaybookFile(Overlay):
    """One file in playbooks/: an incident type (or, with `abstract: true`, shared parts)."""

    id: str = Field(pattern=PLAYBOOK_ID_PATTERN, description="the file name without `.yaml`")
    extends: str | None = Field(default=None, description="id of the playbook this one builds on, e.g. `_common`")
    abstract: bool = Field(default=False, description="shared parts only; not an incident type")
    title_zh: str | None = None
    title_en: str | None = None
    level_scheme: Literal["statutory", "single"] | None = Field(
        default=None, description="`statutory`: levels IV, III, II, I; `single`: one level (no statutory grade)")
    office_unit: str | None = Field(default=None, description="the leading-group office (escalation's last resort)")
    grading: Grading | None = None
    warning_actions: WarningActions | None = None
    auto_launch: AutoLaunch | None = Field(default=None, description="what an enterprise's report launches "
                                           "without an operator (default: nothing, an operator decides)")
    chemicals: dict[str, Chemical] = Field(default_factory=dict, description="UN number (e.g. `UN1017`) → distances")
    levels: dict[Level, Overlay] = Field(default_factory=dict)


def playbook_json_schema() -> dict:
    """JSON Schema (draft 2020-12) of a playbook file, for editors and yaml-language-server."""
    schema = PlaybookFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://parklink.example.invalid/schema/playbook.json"
    schema["title"] = "ParkLink playbook"
    return schema
