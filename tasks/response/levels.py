"""Phase 7 (pure): what a change of response level adds — groups, members, needs — and what it drops.

Raising a level applies only the difference: new groups are activated whole, groups already active notify
only their new members, and needs are reserved only for what is new (a need whose quantity grew gets a
delta need `<id>@<level>` for the extra units, so nothing is reserved twice).

The difference is read from `tasks.playbook_plan.compare` — the comparison `parklink playbooks diff` prints —
so the diff an administrator reads is the change a running response makes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from models.allocation import Need
from models.playbook import GroupPlan, ResolvedPlan
from tasks.playbook_plan import compare
from tasks.response.context import unit_codes


@dataclass
class LevelDelta:
    from_level: str
    to_level: str
    new_groups: list[GroupPlan] = field(default_factory=list)
    added_members: dict[str, list[str]] = field(default_factory=dict)  # group key → unit codes
    new_needs: list[Need] = field(default_factory=list)
    dropped_groups: list[str] = field(default_factory=list)
    dropped_needs: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {"new_groups": [g.key for g in self.new_groups], "added_members": self.added_members,
                "new_needs": [f"{n.id}×{n.quantity}" for n in self.new_needs], "dropped_groups": self.dropped_groups,
                "dropped_needs": self.dropped_needs}


def needs_to_release(applied: dict[str, int], after: ResolvedPlan) -> tuple[list[str], dict[str, int]]:
    """What a lower level gives back, from the applied needs {id: quantity}: (needs to release whole —
    dropped needs and top-ups `id@level` of levels above it —, {need: quantity to keep} for needs the lower
    level still has in a smaller quantity)."""
    order = after.levels
    keep = {n.id: n.quantity for n in after.all_needs()}
    whole, reduce = [], {}
    for need_id, quantity in sorted(applied.items()):
        base, _, level = need_id.partition("@")
        above = bool(level) and level in order and order.index(level) > order.index(after.level)
        if base not in keep or above:
            whole.append(need_id)
        elif not level and quantity > keep[base]:
            reduce[need_id] = keep[base]
    return whole, reduce


def level_delta(before: ResolvedPlan, after: ResolvedPlan, enterprise: str | None) -> LevelDelta:
    delta = LevelDelta(before.level, after.level)
    comparison = compare(before, after)
    for group in comparison.groups:
        if group.kind == "added":
            delta.new_groups.append(group.after)
        elif group.kind == "removed":
            delta.dropped_groups.append(group.key)
        else:
            had = unit_codes(group.before.units, enterprise)
            added = [u for u in unit_codes(group.after.units, enterprise) if u not in had]
            if added:
                delta.added_members[group.key] = added
    for need in comparison.needs:
        if need.kind == "added":
            delta.new_needs.append(need.after)
        elif need.kind == "removed":
            delta.dropped_needs.append(need.key)
        elif need.after.quantity > need.before.quantity:
            delta.new_needs.append(replace(need.after, id=f"{need.key}@{after.level}",
                                           quantity=need.after.quantity - need.before.quantity))
    return delta
