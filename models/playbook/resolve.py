"""From validated files to resolved plans: the `extends` chain, the levels, completeness, the content hash.

    resolve_playbook(pid, files) → ({level: ResolvedPlan}, issues)

`files` maps playbook id → Parsed (its Source and PlaybookFile). Bases apply root first (`_common`, then
the playbook), then each level's overlays from every file of the chain, lowest level first; each level's
plan is the state after its overlays. Pure: no database, no Prefect.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from pydantic import ValidationError

from models.did_you_mean import did_you_mean
from models.playbook.errors import Issue, IssueKind
from models.playbook.loader import Source
from models.playbook.overlay import Folder, Origin, State
from models.playbook.plan import GROUP_NUMBER, GroupPlan, ResolvedPlan
from models.playbook.presets import PRESETS
from models.playbook.schema import GROUP_KEYS, LEVELS_STATUTORY, SINGLE_LEVEL, PlaybookFile


@dataclass
class Parsed:
    source: Source
    model: PlaybookFile | None  # None when the schema check failed

    @property
    def name(self) -> str:
        return self.source.path.name


def _issue(parsed: Parsed, key: str, message: str, kind: IssueKind = IssueKind.semantics, path: str = "") -> Issue:
    line, col = parsed.source.data.key_marks.get(key, (1, 1)) if hasattr(parsed.source.data, "key_marks") else (1, 1)
    return Issue(kind, parsed.source.file, line, col, path or key, message)


def chain_of(pid: str, files: dict[str, Parsed], known: set[str] = frozenset()) -> tuple[list[Parsed] | None, list[Issue]]:
    """Root first. None when a file of the chain is unusable (its own issues say why)."""
    chain: list[Parsed] = []
    seen: list[str] = []
    current = pid
    while True:
        parsed = files[current]
        if parsed.model is None:
            return None, []
        if current in seen:
            cycle = " → ".join([*seen[seen.index(current):], current])
            return None, [_issue(parsed, "extends", f"`extends` makes a cycle: {cycle}; one of them must not extend")]
        seen.append(current)
        chain.insert(0, parsed)
        parent = parsed.model.extends
        if parent is None:
            return chain, []
        if parent not in files:
            hint = did_you_mean(parent, set(files) | set(known))
            return None, [_issue(parsed, "extends", f"unknown playbook `{parent}`{hint} (looked for {parent}.yaml "
                                 "beside this file and in the playbooks folder)", IssueKind.references)]
        current = parent


def _merged(chain: list[Parsed], name: str) -> dict:
    out: dict = {}
    for parsed in chain:
        value = getattr(parsed.model, name)
        if isinstance(value, dict):
            out.update(value)
    return out


def _grading(chain: list[Parsed], scheme: str) -> dict:
    preset, thresholds, chems, flags = "production_safety", {}, {}, {}
    for parsed in chain:
        g = parsed.model.grading
        if g is None:
            continue
        preset = g.preset or preset
        for level, th in g.thresholds.items():
            thresholds.setdefault(level, {}).update(th.model_dump(exclude_none=True))
        chems.update(g.min_level_for_chemicals)
        flags.update(g.min_level_for_flags)
    if scheme == SINGLE_LEVEL:
        return {"scheme": "single", "preset": "none", "thresholds": {}}
    full = {level: dict(PRESETS.get(preset, {}).get(level, {}), **thresholds.get(level, {})) for level in ("I", "II", "III")}
    return {"scheme": "statutory", "preset": preset, "thresholds": {k: v for k, v in full.items() if v},
            "min_level_for_chemicals": chems, "min_level_for_flags": flags}


def _warning_actions(chain: list[Parsed]) -> dict:
    out: dict[str, dict] = {c: {} for c in ("red", "orange", "yellow", "blue")}
    for parsed in chain:
        wa = parsed.model.warning_actions
        if wa is not None:
            for colour in out:
                for action in getattr(wa, colour):
                    out[colour][action.id] = action.model_dump()
    return {colour: list(items.values()) for colour, items in out.items()}


def _auto_launch(chain: list[Parsed]) -> dict:
    """The nearest file's `auto_launch` (a type's, never a level's)."""
    said = [p.model.auto_launch for p in chain if p.model.auto_launch is not None]
    return said[-1].model_dump() if said else {}


def _auto_launch_levels(chain: list[Parsed], scheme: str, wanted: list[str]) -> list[Issue]:
    """A level `auto_launch.response` names must be one of the type's levels."""
    return [_issue(parsed, "auto_launch", f"level `{lvl}` does not belong to a {scheme} playbook (levels: "
                   f"{', '.join(wanted)})", path=f"auto_launch.response.{i}")
            for parsed in chain if parsed.model.auto_launch is not None
            for i, lvl in enumerate(parsed.model.auto_launch.response) if lvl not in wanted]


def content_hash(plan_data: dict, chain: list[Parsed]) -> str:
    body = {k: v for k, v in plan_data.items() if k not in ("content_hash", "sources")}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode())
    for parsed in chain:
        digest.update(f"\n{parsed.name}:{parsed.source.digest}".encode())
    return digest.hexdigest()


def _msg(err: dict) -> str:
    return {"missing": "missing", "too_short": "needs at least one entry"}.get(err["type"], err["msg"])


def _plan(pid: str, level: str, levels: list[str], chain: list[Parsed], st: State) -> tuple[ResolvedPlan | None, list]:
    """The plan of one level, or the (path, message) pairs that keep it from being complete."""
    last = {n: getattr(p.model, n) for p in chain for n in ("title_zh", "title_en", "office_unit") if getattr(p.model, n)}
    errors: list[tuple[str, str]] = []
    groups = []
    for key in sorted(st.active, key=lambda k: GROUP_KEYS.index(k) if k in GROUP_KEYS else 99):
        g = st.active[key]
        data = {**g, "number": GROUP_NUMBER.get(key, 0), "actions": list(g["actions"].values()),
                "needs": [dict(n, group=key) for n in g["needs"].values()]}
        try:
            groups.append(GroupPlan.model_validate(data))
        except ValidationError as exc:
            errors += [(f"groups.{key}." + ".".join(map(str, e["loc"])), _msg(e)) for e in exc.errors()]
    data = {
        "id": pid, "title_zh": last.get("title_zh"), "title_en": last.get("title_en"), "level": level,
        "levels": levels, "content_hash": "", "source_files": [p.name for p in chain],
        "commander": st.commander, "command_post": st.command_post, **st.scalars,
        "office_unit": last.get("office_unit"), "groups": groups, "upward_reporting": st.upward,
        "stand_down": list(st.stand_down.values()), "grading": _grading(chain, level),
        "warning_actions": _warning_actions(chain), "auto_launch": _auto_launch(chain), "assessment_targets": st.targets,
        "assessment_weights": st.weights,
        "chemicals": {un: dict(c.model_dump(), un=un) for un, c in _merged(chain, "chemicals").items()},
        "sources": dict(sorted(st.sources.items())),
    }
    if not st.active:
        errors.append(("levels", "no group is activated; activate groups under `levels.<level>.groups`"))
    try:
        plan = ResolvedPlan.model_validate(data)
    except ValidationError as exc:
        errors += [(".".join(str(p) for p in e["loc"]), _msg(e)) for e in exc.errors()]
        return None, errors
    if errors:
        return None, errors
    dumped = plan.model_dump(mode="json")
    return plan.model_copy(update={"content_hash": content_hash(dumped, chain)}), []


def resolve_playbook(pid: str, files: dict[str, Parsed], quiet: set[str] = frozenset(),
                     known: set[str] = frozenset()) -> tuple[dict[str, ResolvedPlan], list[Issue]]:
    """Plans of every level. Completeness problems are left out when a file of the chain (named in `quiet`)
    or the levels themselves already have issues: they would only repeat them. `known` names playbooks
    that exist but were not loaded, for "did you mean"."""
    chain, issues = chain_of(pid, files, known)
    if chain is None:
        return {}, issues
    leaf = chain[-1]
    scheme = next((p.model.level_scheme for p in reversed(chain) if p.model.level_scheme), "statutory")
    wanted = list(LEVELS_STATUTORY) if scheme == "statutory" else [SINGLE_LEVEL]
    present = {lvl for p in chain for lvl in p.model.levels}
    for parsed in chain:
        for lvl in parsed.model.levels:
            if lvl not in wanted:
                issues.append(_issue(parsed, "levels", f"level `{lvl}` does not belong to a {scheme} playbook "
                                     f"(levels: {', '.join(wanted)}); remove it or change `level_scheme`",
                                     path=f"levels.{lvl}"))
    issues += _auto_launch_levels(chain, scheme, wanted)
    missing = [lvl for lvl in wanted if lvl not in present]
    if missing:
        issues.append(_issue(leaf, "levels" if "levels" in leaf.source.data else "id",
                             f"missing level(s) {', '.join(missing)}; a {scheme} playbook defines "
                             f"{', '.join(wanted)} (an empty overlay `{missing[0]}: {{}}` is fine)", path="levels"))
    folder = Folder(State())
    for parsed in chain:
        folder.apply(parsed.model, Origin(parsed.source.file, parsed.name, None, parsed.source.data, ()),
                     check=False, base=True)
    plans: dict[str, ResolvedPlan] = {}
    reported: set[str] = set()
    completeness: list[Issue] = []
    for i, level in enumerate(wanted):
        for parsed in chain:
            overlay = parsed.model.levels.get(level)
            if overlay is not None:
                raw = parsed.source.data["levels"][level]
                folder.apply(overlay, Origin(parsed.source.file, parsed.name, level, raw, ("levels", level)),
                             check=i > 0, base=False)
        plan, problems = _plan(pid, level, wanted, chain, folder.state)
        for path, msg in problems:
            if path not in reported:
                reported.add(path)
                hint = ("" if path == "levels" else
                        f"; give it in the group's definition or under `levels.{level}.groups`"
                        if path.startswith("groups.") else f"; give it at the top level or under `levels.{level}`")
                completeness.append(_issue(leaf, "id", f"level {level}: {msg}{hint}", path=path))
        if plan is not None:
            plans[level] = plan
    said = {i.path for i in folder.issues}
    if not issues and not any(p.source.file in quiet for p in chain):
        issues = [i for i in completeness if i.path not in said]
    issues += folder.issues
    if issues:
        return {}, issues
    return plans, []
