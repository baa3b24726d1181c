"""Comparing two resolved plans of a playbook (pure): what raising (or lowering) the level changes.

One comparison, two readers: `parklink playbooks diff` prints its changes, and the running response
(`tasks.response.levels.level_delta`) applies its groups and needs — so what the diff shows is what a
level change does.

    compare(before, after) → PlanComparison
        .groups    [Pair]    every group of either plan, paired by key
        .needs     [Pair]    every need of either plan, paired by id (across groups)
        .changes   [Change]  every item or field that differs, with where the new value comes from
    plan_diff(before, after) → compare(before, after).changes
    pair(before, after) → [Pair]   the pairing all three use: by key, in `after`'s order, then what only
                                   `before` has, in its order

Changes: items — groups, members, needs, actions, recipients, stand-down criteria — are compared by key;
an item that is new appears once, as a whole; an item in both appears once per field that changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from models.allocation import Need
from models.playbook.plan import GroupPlan, ResolvedPlan

T = TypeVar("T")


@dataclass(frozen=True)
class Pair(Generic[T]):
    """One key of either side: `added` (only after), `removed` (only before) or `kept` (both)."""

    key: str
    kind: Literal["added", "removed", "kept"]
    before: T | None
    after: T | None


def pair(before: Mapping[str, T], after: Mapping[str, T]) -> list[Pair[T]]:
    kept = [Pair(k, "kept" if k in before else "added", before.get(k), v) for k, v in after.items()]
    return kept + [Pair(k, "removed", v, None) for k, v in before.items() if k not in after]


@dataclass(frozen=True)
class Change:
    path: str
    kind: str  # added | removed | changed
    before: Any
    after: Any
    source: str  # where the new value comes from (the old one, for `removed`)

    def text(self) -> str:
        if self.kind == "added":
            return f"+ {self.path}: {self.after}"
        if self.kind == "removed":
            return f"- {self.path}: {self.before}"
        return f"~ {self.path}: {self.before} → {self.after}"


def _need(n) -> str:
    return f"{n.resource_type} × {n.quantity} (urgency {n.urgency}, {n.role}, {n.deadline_min} min)"


def flatten(plan: ResolvedPlan) -> tuple[dict[str, Any], set[str]]:
    """Leaves by path, and the paths that are items (compared as wholes when one side lacks them)."""
    leaves: dict[str, Any] = {}
    items: set[str] = set()

    def item(path: str, summary: Any, fields: dict[str, Any]) -> None:
        items.add(path)
        leaves[path] = summary
        for name, value in fields.items():
            leaves[f"{path}.{name}"] = value

    leaves["commander"] = f"{plan.commander.role_zh} ({plan.commander.unit})"
    for name, value in plan.command_post.model_dump().items():
        leaves[f"command_post.{name}"] = value
    leaves["isolation_radius_m"] = plan.isolation_radius_m
    leaves["requisition_approval_threshold_cny"] = plan.requisition_approval_threshold_cny
    for g in plan.groups:
        p = f"groups.{g.key}"
        item(p, f"{g.number} {g.name_zh} / {g.name_en}, lead {g.lead}",
             {"lead": g.lead, "ack_deadline_min": g.ack_deadline_min,
              "escalation": " → ".join(f"{s.to}+{s.after_min}" for s in g.escalation)})
        for code in g.members:
            item(f"{p}.members.{code}", code, {})
        for a in g.actions:
            item(f"{p}.actions.{a.id}", f"{a.item_zh} ({a.owner}, {a.deadline_min} min)",
                 {"owner": a.owner, "deadline_min": a.deadline_min})
        for n in g.needs:
            item(f"{p}.needs.{n.id}", _need(n), {"quantity": n.quantity, "urgency": n.urgency, "role": n.role,
                                                 "deadline_min": n.deadline_min})
    up = plan.upward_reporting
    for code in up.recipients:
        item(f"upward_reporting.recipients.{code}", code, {})
    leaves["upward_reporting.first_report_deadline_min"] = up.first_report_deadline_min
    leaves["upward_reporting.followup_interval_min"] = up.followup_interval_min
    leaves["upward_reporting.template"] = up.template
    for c in plan.stand_down:
        item(f"stand_down.{c.id}", c.text_zh, {})
    for name, value in plan.assessment_targets.model_dump().items():
        leaves[f"assessment_targets.{name}"] = value
    return leaves, items


def _source(plan: ResolvedPlan, path: str) -> str:
    while path:
        if path in plan.sources:
            return plan.sources[path]
        path = path.rpartition(".")[0]
    return ""


@dataclass(frozen=True)
class PlanComparison:
    before: ResolvedPlan
    after: ResolvedPlan
    groups: list[Pair[GroupPlan]]
    needs: list[Pair[Need]]
    changes: list[Change]


def compare(before: ResolvedPlan, after: ResolvedPlan) -> PlanComparison:
    return PlanComparison(
        before=before, after=after,
        groups=pair({g.key: g for g in before.groups}, {g.key: g for g in after.groups}),
        needs=pair({n.id: n for n in before.all_needs()}, {n.id: n for n in after.all_needs()}),
        changes=_changes(before, after))


def plan_diff(before: ResolvedPlan, after: ResolvedPlan) -> list[Change]:
    return compare(before, after).changes


def _changes(before: ResolvedPlan, after: ResolvedPlan) -> list[Change]:
    old, old_items = flatten(before)
    new, new_items = flatten(after)
    changes: list[Change] = []
    whole: list[str] = []

    def inside_whole(path: str) -> bool:
        return any(path.startswith(w + ".") for w in whole)

    for leaf in pair(old, new):
        path = leaf.key
        if inside_whole(path):
            continue
        if leaf.kind == "added":
            if path in new_items:
                whole.append(path)
            changes.append(Change(path, "added", None, leaf.after, _source(after, path)))
        elif leaf.kind == "removed":
            if path in old_items:
                whole.append(path)
            changes.append(Change(path, "removed", leaf.before, None, _source(before, path)))
        elif leaf.before != leaf.after and path not in new_items:
            changes.append(Change(path, "changed", leaf.before, leaf.after, _source(after, path)))
    return changes
