"""Playbooks: the YAML language for incident types and levels, its validator, and resolved plans.

    schema      the file language (pydantic, strict) and its JSON Schema
    loader      syntax (safe YAML) and schema checks → Issue
    checks      references (units, resource types, templates), Jinja2 text fields, positive numbers
    overlay     the merge rules: extends and level overlays, with "a level may only strengthen"
    resolve     the extends chain, levels, completeness, content hash → ResolvedPlan
    library     validate(paths) / load_playbooks(folder) / resolve(id, level) / PlaybookSet
    plan        ResolvedPlan and its parts (what later code uses)

Errors: PlaybookInvalid (an InputError) carries every Issue, `file:line:col: path: message`, grouped by kind.
Pure: nothing here imports Prefect or opens a database session.
"""

from models.playbook.errors import Issue, IssueKind, PlaybookInvalid
from models.playbook.library import (
    PlaybookSet,
    Validation,
    default_catalog,
    load_playbook_text,
    load_playbooks,
    require_level,
    resolve,
    validate,
)
from models.playbook.plan import (
    ActionPlan,
    CommanderPlan,
    CommandPostPlan,
    Escalation,
    GradingPlan,
    GroupPlan,
    Need,
    ResolvedPlan,
    UpwardReportingPlan,
    normalise_un,
)
from models.playbook.references import Catalog
from models.playbook.schema import ALL_LEVELS, GROUP_KEYS, INCIDENT_ENTERPRISE, LEVELS_STATUTORY, SINGLE_LEVEL

__all__ = [
    "ALL_LEVELS", "GROUP_KEYS", "INCIDENT_ENTERPRISE", "LEVELS_STATUTORY", "SINGLE_LEVEL", "ActionPlan", "Catalog",
    "CommandPostPlan", "CommanderPlan", "Escalation", "GradingPlan", "GroupPlan", "Issue", "IssueKind", "Need",
    "PlaybookInvalid", "PlaybookSet", "ResolvedPlan", "UpwardReportingPlan", "Validation", "default_catalog",
    "load_playbook_text", "load_playbooks", "normalise_un", "require_level", "resolve", "validate",
]
