"""Playbooks: the YAML language for incident types and levels, its validator, and resolved plans.

    schema      the file language (pydantic, strict) and its JSON Schema
    loader      syntax (safe YAML) and schema checks → Issue
    checks      references (units, resource types, templates), Jinja2 text fields, positive numbers
    references  Catalog: what references are checked against (the sample park's files, or the database's
                through models.park_store.playbook_catalog)
    overlay     the merge rules: extends and level overlays, with "a level may only strengthen"
    resolve     the extends chain, levels, completeness, content hash → ResolvedPlan
    library     validate(paths) / load_playbooks(folder) / resolve(id, level) / PlaybookSet /
                require_level (the one check that a level asked for is one of the playbook's)
    plan        ResolvedPlan and its parts (what later code uses); a group's needs are models.allocation.Need
    presets     the national grading thresholds a playbook's `grading.preset` names
    errors      Issue, IssueKind, PlaybookInvalid

Errors: PlaybookInvalid (an InputError) carries every Issue, `file:line:col: path: message`, grouped by kind.
Pure: nothing here imports Prefect or opens a database session (the database's catalogue is read by
models.park_store.playbook_catalog).
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
