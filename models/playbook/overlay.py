"""Folding a base and level overlays into one plan state, recording where each item came from and
refusing a level that weakens what the level below has.

Merge rules (the same for `extends` and for levels):
    scalars and sub-fields   the later value replaces the earlier
    members, recipients      added (union, order kept)
    actions, needs, stand_down, warning actions   merged by `id`: a known id is updated, a new one added
    escalation               replaced as a whole
A level above the first (III, II, I) may only strengthen: deadlines and intervals keep or shorten,
quantities, distances and radii keep or grow, urgency keeps or rises, primary stays primary, escalation keeps
every step it had, the lead stays, `upwind` stays on.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from models.did_you_mean import did_you_mean
from models.playbook.errors import Issue, IssueKind
from models.playbook.loader import dotted
from models.playbook.schema import GroupSpec, Overlay
from models.safe_yaml import Mapping

LOWER_IS_STRONGER = {"ack_deadline_min", "deadline_min", "first_report_deadline_min", "followup_interval_min",
                     "command_post_min", "all_groups_ack_min", "first_report_min", "first_dispatch_min", "urgency"}
HIGHER_IS_STRONGER = {"min_distance_m", "isolation_radius_m", "quantity"}


@dataclass
class Origin:
    """Which file and level an overlay came from, with its raw data for positions."""

    file: str  # shown in messages
    name: str  # shown in `sources` (file name only: stable across checkouts)
    level: str | None
    raw: Any
    loc: tuple  # where `raw` sits in the file

    def mark(self, *keys) -> tuple[int, int]:
        node, best = self.raw, (getattr(self.raw, "line", 1), getattr(self.raw, "col", 1))
        for key in keys:
            if isinstance(node, Mapping) and key in node:
                best = node.key_marks.get(key, best)
                node = node[key]
            elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
                node = node[key]
                best = (getattr(node, "line", best[0]), getattr(node, "col", best[1]))
            else:
                break
        return best

    def where(self, *keys) -> str:
        line = self.mark(*keys)[0]
        return f"{self.name}:{line}" + (f" · {self.level}" if self.level else "")


@dataclass
class State:
    commander: dict = field(default_factory=dict)
    command_post: dict = field(default_factory=dict)
    scalars: dict = field(default_factory=dict)  # isolation_radius_m, requisition_approval_threshold_cny
    upward: dict = field(default_factory=lambda: {"recipients": []})
    stand_down: dict = field(default_factory=dict)
    targets: dict = field(default_factory=dict)
    weights: dict = field(default_factory=dict)  # assessment_weights: a level's weight replaces the one below
    defs: dict = field(default_factory=dict)  # group key → definition
    def_sources: dict = field(default_factory=dict)
    active: dict = field(default_factory=dict)  # group key → activated group
    need_group: dict = field(default_factory=dict)  # need id → group key
    sources: dict = field(default_factory=dict)

    def copy(self) -> State:
        return copy.deepcopy(self)


class Folder:
    """Applies overlays to a State; collects `semantics` issues."""

    def __init__(self, state: State):
        self.state = state
        self.issues: list[Issue] = []

    def _issue(self, origin: Origin, keys: tuple, message: str) -> None:
        line, col = origin.mark(*keys)
        path = dotted((*origin.loc, *keys))
        self.issues.append(Issue(IssueKind.semantics, origin.file, line, col, path, message))

    def _set(self, target: dict, name: str, value: Any, origin: Origin, keys: tuple, check: bool, label: str) -> None:
        old = target.get(name)
        if check and old is not None and value is not None:
            weaker = (name in LOWER_IS_STRONGER and value > old) or (name in HIGHER_IS_STRONGER and value < old)
            if weaker:
                way = {"urgency": "keep or raise the urgency (1 is most urgent)"}.get(
                    name, "keep or shorten it" if name in LOWER_IS_STRONGER else "keep or raise it")
                self._issue(origin, keys, f"level {origin.level} weakens {label} from {old} to {value}; "
                                          f"a higher level may only {way}")
                return
        target[name] = value

    # ------------------------------------------------------------------------------------------ overlay

    def apply(self, ov: Overlay, origin: Origin, *, check: bool, base: bool) -> None:
        st = self.state
        if ov.commander is not None:
            st.commander.update(ov.commander.model_dump(exclude_unset=True))
            st.sources["commander"] = origin.where("commander")
        if ov.command_post is not None:
            for name, value in ov.command_post.model_dump(exclude_unset=True).items():
                if check and name == "upwind" and st.command_post.get("upwind") and value is False:
                    self._issue(origin, ("command_post", name),
                                f"level {origin.level} turns off `upwind`, which the level below requires")
                    continue
                self._set(st.command_post, name, value, origin, ("command_post", name), check, f"`command_post.{name}`")
            st.sources["command_post"] = origin.where("command_post")
        for name in ("isolation_radius_m", "requisition_approval_threshold_cny"):
            value = getattr(ov, name)
            if value is not None:
                self._set(st.scalars, name, value, origin, (name,), check, f"`{name}`")
                st.sources[name] = origin.where(name)
        if ov.upward_reporting is not None:
            up = ov.upward_reporting
            for i, code in enumerate(up.recipients):
                if code not in st.upward["recipients"]:
                    st.upward["recipients"].append(code)
                    st.sources[f"upward_reporting.recipients.{code}"] = origin.where("upward_reporting", "recipients", i)
            for name, value in up.model_dump(exclude_unset=True, exclude={"recipients"}).items():
                self._set(st.upward, name, value, origin, ("upward_reporting", name), check, f"`upward_reporting.{name}`")
                st.sources[f"upward_reporting.{name}"] = origin.where("upward_reporting", name)
        for i, crit in enumerate(ov.stand_down):
            st.stand_down[crit.id] = crit.model_dump()
            st.sources[f"stand_down.{crit.id}"] = origin.where("stand_down", i)
        if ov.assessment_targets is not None:
            for name, value in ov.assessment_targets.model_dump(exclude_unset=True).items():
                self._set(st.targets, name, value, origin, ("assessment_targets", name), check,
                          f"`assessment_targets.{name}`")
                st.sources[f"assessment_targets.{name}"] = origin.where("assessment_targets", name)
        for name, weight in (ov.assessment_weights or {}).items():
            st.weights[name] = weight
            st.sources[f"assessment_weights.{name}"] = origin.where("assessment_weights", name)
        for key, spec in ov.groups.items():
            if base:
                group = st.defs.setdefault(key, {"key": key, "members": [], "actions": {}, "needs": {}})
                self.merge_group(group, spec, origin, ("groups", key), check=False, sources=st.def_sources)
                st.def_sources.setdefault(f"groups.{key}", origin.where("groups", key))
                continue
            if key not in st.defs:
                hint = did_you_mean(key, st.defs)
                self._issue(origin, ("groups", key), f"unknown group `{key}`{hint} (defined: {', '.join(st.defs)})")
                continue
            if key not in st.active:
                st.active[key] = copy.deepcopy(st.defs[key])
                st.sources.update({k: v for k, v in st.def_sources.items() if k.startswith(f"groups.{key}.")})
                st.sources[f"groups.{key}"] = origin.where("groups", key)
            self.merge_group(st.active[key], spec, origin, ("groups", key), check=check, sources=st.sources)

    # -------------------------------------------------------------------------------------------- groups

    def merge_group(self, group: dict, spec: GroupSpec, origin: Origin, keys: tuple, *, check: bool,
                    sources: dict) -> None:
        key = group["key"]
        given = spec.model_dump(exclude_unset=True)
        for name in ("name_zh", "name_en", "duties_zh", "duties_en", "notice_template"):
            if name in given:
                group[name] = given[name]
        if "lead" in given:
            if check and group.get("lead") and given["lead"] != group["lead"]:
                self._issue(origin, (*keys, "lead"), f"level {origin.level} replaces the lead of `{key}` "
                            f"(`{group['lead']}` → `{given['lead']}`); a level may add members, not drop the lead")
            else:
                group["lead"] = given["lead"]
                sources[f"groups.{key}.lead"] = origin.where(*keys, "lead")
        for i, code in enumerate(spec.members):
            if code == group.get("lead"):
                self._issue(origin, (*keys, "members", i), f"`{code}` is the lead of `{key}`; list it once, as lead")
            elif code not in group["members"]:
                group["members"].append(code)
                sources[f"groups.{key}.members.{code}"] = origin.where(*keys, "members", i)
        if spec.ack_deadline_min is not None:
            self._set(group, "ack_deadline_min", spec.ack_deadline_min, origin, (*keys, "ack_deadline_min"), check,
                      f"`{key}` ack deadline")
            sources[f"groups.{key}.ack_deadline_min"] = origin.where(*keys, "ack_deadline_min")
        if spec.escalation is not None:
            new = [s.model_dump() for s in spec.escalation]
            if not new:
                self._issue(origin, (*keys, "escalation"), f"the escalation of `{key}` names no one; "
                            "give at least one step, e.g. `- {to: deputy, after_min: 5}`")
            dropped = [s["to"] for s in group.get("escalation") or [] if s["to"] not in {n["to"] for n in new}]
            if check and dropped:
                self._issue(origin, (*keys, "escalation"), f"level {origin.level} drops escalation step(s) "
                            + ", ".join(f"`{d}`" for d in dropped) + f" of `{key}`; keep every step the level below has")
            else:
                group["escalation"] = new
                sources[f"groups.{key}.escalation"] = origin.where(*keys, "escalation")
        self._merge_items(group["actions"], spec.actions, origin, (*keys, "actions"), check, sources,
                          f"groups.{key}.actions", "action")
        self._merge_needs(group, spec, origin, keys, check, sources)

    def _merge_items(self, target: dict, items: list, origin: Origin, keys: tuple, check: bool, sources: dict,
                     prefix: str, what: str) -> None:
        seen = set()
        for i, item in enumerate(items):
            if item.id in seen:
                self._issue(origin, (*keys, i, "id"), f"duplicate {what} id `{item.id}` in this list")
                continue
            seen.add(item.id)
            data = item.model_dump()
            old = target.get(item.id)
            if old is not None:
                self._set(old, "deadline_min", data.pop("deadline_min"), origin, (*keys, i, "deadline_min"), check,
                          f"the deadline of {what} `{item.id}`")
                old.update({k: v for k, v in data.items() if k != "deadline_min"})
            else:
                target[item.id] = data
            sources[f"{prefix}.{item.id}"] = origin.where(*keys, i)

    def _merge_needs(self, group: dict, spec: GroupSpec, origin: Origin, keys: tuple, check: bool,
                     sources: dict) -> None:
        key, seen = group["key"], set()
        for i, need in enumerate(spec.needs):
            at = (*keys, "needs", i)
            owner = self.state.need_group.get(need.id)
            if need.id in seen or (owner is not None and owner != key):
                where = "this list" if need.id in seen else f"group `{owner}`"
                self._issue(origin, (*at, "id"), f"need id `{need.id}` is already used by {where}; "
                            "need ids are unique within a plan")
                continue
            seen.add(need.id)
            self.state.need_group[need.id] = key
            data = need.model_dump()
            old = group["needs"].get(need.id)
            if old is None:
                group["needs"][need.id] = data
            elif old["resource_type"] != data["resource_type"]:
                self._issue(origin, (*at, "resource_type"), f"need `{need.id}` changes its resource type "
                            f"({old['resource_type']} → {data['resource_type']}); give the new need a new id")
                continue
            else:
                if check and old["role"] == "primary" and data["role"] == "secondary":
                    self._issue(origin, (*at, "role"), f"level {origin.level} demotes need `{need.id}` "
                                "from primary to secondary; a higher level may only promote")
                else:
                    old["role"] = data["role"]
                for name in ("quantity", "urgency", "deadline_min"):
                    self._set(old, name, data[name], origin, (*at, name), check, f"`{need.id}` {name}")
                old["note_zh"], old["note_en"] = data["note_zh"], data["note_en"]
            sources[f"groups.{key}.needs.{need.id}"] = origin.where(*keys, "needs", i)
