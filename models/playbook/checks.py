"""Checks that read a file's raw data, so they run even when the schema check failed elsewhere in it.

    check_references(source, catalog)  unit codes, resource type codes, template names → `references`
    check_text_fields(source)          Jinja2 text fields render with the known variables → `references`
    check_numbers(source)              deadlines, quantities, distances are positive → `semantics`
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from models.playbook.errors import Issue, IssueKind
from models.playbook.loader import Source, dotted
from models.playbook.references import Catalog
from models.playbook.schema import ESCALATION_ROLES, RESOURCE_CODE_PATTERN
from models.safe_yaml import Mapping
from models.templating import check_template_file, check_text

UNIT_FIELDS = {"lead": True, "owner": True, "unit": False, "office_unit": False}  # name → role allowed
UNIT_LIST_FIELDS = {"members": True, "recipients": False}
TEMPLATE_FIELDS = {"template", "notice_template"}
TEXT_FIELDS = {"role_zh", "role_en", "note_zh", "note_en", "item_zh", "item_en", "duties_zh", "duties_en",
               "text_zh", "text_en", "title_zh", "title_en"}
POSITIVE_FIELDS = {"min_distance_m", "after_min", "deadline_min", "quantity", "ack_deadline_min",
                   "first_report_deadline_min", "followup_interval_min", "isolation_radius_m", "command_post_min",
                   "all_groups_ack_min", "first_report_min", "first_dispatch_min", "isolate_m"}


def walk(data: Any, loc: tuple = ()) -> Iterator[tuple[tuple, Any, Any, tuple[int, int]]]:
    """(path, key, value, mark of the key) for every key of every mapping, depth first."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            mark = data.key_marks.get(key, (data.line, data.col))
            yield (*loc, key), key, value, mark
            yield from walk(value, (*loc, key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from walk(item, (*loc, i))


def _issue(kind: IssueKind, source: Source, mark: tuple[int, int], loc: tuple, message: str) -> Issue:
    return Issue(kind, source.file, mark[0], mark[1], dotted(loc), message)


def check_references(source: Source, catalog: Catalog) -> list[Issue]:
    issues: list[Issue] = []
    checked_templates: set[str] = set()

    def unit(loc, mark, code, allow_role):
        if isinstance(code, str):
            problem = catalog.unit_problem(code, allow_role=allow_role)
            if problem:
                issues.append(_issue(IssueKind.references, source, mark, loc, problem))

    for loc, key, value, mark in walk(source.data):
        if key in UNIT_FIELDS:
            unit(loc, mark, value, UNIT_FIELDS[key])
        elif key in UNIT_LIST_FIELDS and isinstance(value, list):
            for i, code in enumerate(value):
                unit((*loc, i), mark, code, UNIT_LIST_FIELDS[key])
        elif key == "to" and isinstance(value, str) and value not in ESCALATION_ROLES:
            problem = catalog.unit_problem(value, allow_role=False)
            if problem:
                issues.append(_issue(IssueKind.references, source, mark, loc,
                                     f"{problem}; an escalation step goes `to` deputy, head, duty, "
                                     "leader_on_duty, office_duty or a unit code"))
        elif key == "resource_type" and isinstance(value, str | int) and not isinstance(value, bool) \
                and re.fullmatch(RESOURCE_CODE_PATTERN, str(value)):
            problem = catalog.resource_type_problem(str(value))
            if problem:
                issues.append(_issue(IssueKind.references, source, mark, loc, problem))
        elif key in TEMPLATE_FIELDS and isinstance(value, str):
            problem = catalog.template_problem(value)
            if problem:
                issues.append(_issue(IssueKind.references, source, mark, loc, problem))
            elif value not in checked_templates and catalog.templates_dir is not None:
                checked_templates.add(value)
                for p in check_template_file(catalog.templates_dir, value):
                    issues.append(_issue(IssueKind.references, source, mark, loc, f"template `{value}`: {p}"))
    return issues


def check_text_fields(source: Source) -> list[Issue]:
    issues = []
    for loc, key, value, mark in walk(source.data):
        if key in TEXT_FIELDS and isinstance(value, str) and "{" in value:
            for problem in check_text(value):
                issues.append(_issue(IssueKind.references, source, mark, loc, problem))
    return issues


def check_numbers(source: Source) -> list[Issue]:
    issues = []
    for loc, key, value, mark in walk(source.data):
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if key in POSITIVE_FIELDS and value <= 0:
            issues.append(_issue(IssueKind.semantics, source, mark, loc, f"must be greater than 0, got {value}"))
        elif key == "requisition_approval_threshold_cny" and value < 0:
            issues.append(_issue(IssueKind.semantics, source, mark, loc, f"must not be negative, got {value}"))
    return issues


def escalation_warnings(plans: dict[str, dict[str, Any]]) -> list[str]:
    """Chains that cannot finish inside their group's acknowledgement deadline: each step waits its `after_min`
    from the previous message, so steps adding up to more than `ack_deadline_min` reach the last person after
    the target the KPIs measure. One line per (playbook, group) naming the levels, `file:line: …`."""
    found: dict[tuple[str, str], dict] = {}
    for playbook, levels in sorted(plans.items()):
        for level, plan in levels.items():
            for group in plan.groups:
                total = sum(step.after_min for step in group.escalation)
                if total <= group.ack_deadline_min:
                    continue
                where = plan.sources.get(f"groups.{group.key}.escalation") or plan.sources.get(f"groups.{group.key}", "")
                entry = found.setdefault((playbook, group.key), {"where": where.split(" · ")[0], "levels": [],
                                                                 "total": total, "deadline": group.ack_deadline_min})
                entry["levels"].append(level)
    return [f"{e['where']}: playbook `{playbook}` group `{key}` (levels {', '.join(e['levels'])}): escalation steps "
            f"add up to {e['total']} min, more than the {e['deadline']}-min acknowledgement deadline; the last step "
            "is reached after the target" for (playbook, key), e in found.items()]
