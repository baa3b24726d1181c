"""Loading a folder (or some files) of playbooks into resolved plans, collecting every issue on the way.

    validate(paths, ...)            → Validation(issues, plans)      never raises for bad content
    load_playbooks(folder, ...)     → PlaybookSet                    raises PlaybookInvalid with every issue
    resolve(playbook_id, level)     → ResolvedPlan                   the shipped (or configured) playbooks
    require_level(id, levels, level) → level                         the one check that a level asked for (respond
                                                                     --level, escalate, a level change) is one of
                                                                     the playbook's; PlaybookSet.require_level too
    load_playbook_text(text, ...)   → {level: ResolvedPlan}          one playbook given as text

A playbook's id is its file name without `.yaml`; `extends: X` finds X.yaml beside the file, then in the
playbooks folder. References are checked against `catalog` (default: the sample park's files, see
models.playbook.references) and the templates folder.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from models.did_you_mean import did_you_mean
from models.errors import InputError, NotFound
from models.playbook.checks import check_numbers, check_references, check_text_fields, escalation_warnings
from models.playbook.errors import Issue, IssueKind, PlaybookInvalid, sort_issues
from models.playbook.loader import Source, check_schema, read_source, read_text_source
from models.playbook.plan import ResolvedPlan
from models.playbook.references import Catalog
from models.playbook.resolve import Parsed, resolve_playbook
from models.playbook.schema import ALL_LEVELS


def shown(path: Path) -> str:
    """A path as messages show it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def default_catalog(templates_dir: Path | None = None) -> Catalog:
    from models.settings import get_settings

    settings = get_settings()
    return Catalog.from_sample_park(settings.data_dir / "sample-park").with_templates(
        templates_dir or settings.templates_dir)


@dataclass
class Validation:
    issues: list[Issue]
    plans: dict[str, dict[str, ResolvedPlan]]
    files: list[str] = field(default_factory=list)
    catalog: Catalog | None = None
    warnings: list[str] = field(default_factory=list)  # usable, but worth a look (escalation_warnings)

    @property
    def ok(self) -> bool:
        return not self.issues


class _Collector:
    def __init__(self, catalog: Catalog, playbooks_dir: Path | None):
        self.catalog = catalog
        self.playbooks_dir = playbooks_dir
        self.files: dict[str, Parsed] = {}
        self.issues: list[Issue] = []

    def add(self, source: Source, key: str) -> None:
        if key in self.files:
            if self.files[key].source.path.resolve() != source.path.resolve():
                self.issues.append(Issue(IssueKind.semantics, source.file, 1, 1, "id",
                                         f"playbook `{key}` is also defined by {self.files[key].source.file}; "
                                         "ids must be unique"))
            return
        self.issues += source.issues
        model = None
        if source.data is not None:
            model, problems = check_schema(source)
            self.issues += problems
            self.issues += check_references(source, self.catalog)
            self.issues += check_text_fields(source)
            self.issues += check_numbers(source)
            if model is not None and model.id != key and not source.file.startswith("<"):
                line, col = source.data.key_marks["id"]
                self.issues.append(Issue(IssueKind.semantics, source.file, line, col, "id",
                                         f"id `{model.id}` does not match the file name `{source.path.name}`; "
                                         f"rename the file to {model.id}.yaml or set `id: {key}`"))
        self.files[key] = Parsed(source, model)

    def add_parents(self) -> None:
        pending = True
        while pending:
            pending = False
            for parsed in list(self.files.values()):
                parent = parsed.model.extends if parsed.model else None
                if not parent or parent in self.files:
                    continue
                places = [parsed.source.path.parent / f"{parent}.yaml"]
                if self.playbooks_dir is not None:
                    places.append(Path(self.playbooks_dir) / f"{parent}.yaml")
                for place in places:
                    if place.is_file():
                        self.add(read_source(place, shown(place)), parent)
                        pending = True
                        break

    def known_ids(self) -> set[str]:
        folders = {p.source.path.parent for p in self.files.values()}
        if self.playbooks_dir is not None:
            folders.add(Path(self.playbooks_dir))
        return {f.stem for folder in folders if folder.is_dir() for f in folder.glob("*.yaml")}

    def resolve_all(self) -> dict[str, dict[str, ResolvedPlan]]:
        plans = {}
        known = self.known_ids()
        for key, parsed in sorted(self.files.items()):
            if parsed.model is None or parsed.model.abstract:
                continue
            resolved, problems = resolve_playbook(key, self.files, {i.file for i in self.issues}, known)
            self.issues += problems
            if resolved:
                plans[key] = resolved
        return plans


def _yaml_files(paths: list[Path]) -> list[Path]:
    out = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        else:
            out.append(path)
    return out


def validate(paths: list[Path] | None = None, *, catalog: Catalog | None = None, playbooks_dir: Path | None = None,
             templates_dir: Path | None = None) -> Validation:
    if playbooks_dir is None or (catalog is None or catalog.templates_dir is None) and templates_dir is None:
        from models.settings import get_settings

        settings = get_settings()
        playbooks_dir = playbooks_dir or settings.playbooks_dir
        templates_dir = templates_dir or settings.templates_dir
    catalog = catalog or default_catalog(templates_dir)
    if catalog.templates_dir is None:
        catalog = catalog.with_templates(templates_dir)
    collector = _Collector(catalog, playbooks_dir)
    files = _yaml_files([Path(p) for p in (paths or [playbooks_dir])])
    for path in files:
        collector.add(read_source(path, shown(path)), path.stem if path.suffix in (".yaml", ".yml") else path.name)
    collector.add_parents()
    plans = collector.resolve_all()
    issues = sort_issues(collector.issues)
    if issues:
        return Validation(issues, {}, [shown(p) for p in files], catalog)
    return Validation(issues, plans, [shown(p) for p in files], catalog, escalation_warnings(plans))


def require_level(playbook_id: str, levels: Sequence[str], level: str) -> str:
    """`level` if it is one of the playbook's `levels`, else InputError (exit code 2) naming them."""
    if level not in levels:
        raise InputError(f"--level {level}: playbook `{playbook_id}` has levels {', '.join(levels)}", exit_code=2)
    return level


class PlaybookSet:
    """The resolved plans of a folder of valid playbooks."""

    def __init__(self, plans: dict[str, dict[str, ResolvedPlan]]):
        self.plans = plans

    def ids(self) -> list[str]:
        return sorted(self.plans)

    def levels(self, playbook_id: str) -> list[str]:
        return list(self._get(playbook_id))

    def require_level(self, playbook_id: str, level: str) -> str:
        """`require_level` against this playbook's levels (NotFound for an unknown playbook)."""
        return require_level(playbook_id, self.levels(playbook_id), level)

    def _get(self, playbook_id: str) -> dict[str, ResolvedPlan]:
        if playbook_id not in self.plans:
            hint = did_you_mean(playbook_id, self.ids(), cutoff=0.5)
            raise NotFound(f"unknown playbook `{playbook_id}`{hint} (playbooks: {', '.join(self.ids())})")
        return self.plans[playbook_id]

    def resolve(self, playbook_id: str, level: str) -> ResolvedPlan:
        levels = self._get(playbook_id)
        wanted = str(level).strip()
        wanted = wanted.upper() if wanted.upper() in ALL_LEVELS else wanted.lower()
        if wanted not in levels:
            raise InputError(f"playbook `{playbook_id}` has no level `{level}`; choose {', '.join(levels)}")
        return levels[wanted]

    def playbook_hash(self, playbook_id: str) -> str:
        """One hash for all levels of a playbook (sha256 of the level hashes, lowest level first)."""
        joined = "\n".join(p.content_hash for p in self._get(playbook_id).values())
        return hashlib.sha256(joined.encode()).hexdigest()


def load_playbooks(folder: Path | None = None, *, catalog: Catalog | None = None,
                   templates_dir: Path | None = None) -> PlaybookSet:
    result = validate([folder] if folder else None, catalog=catalog, playbooks_dir=folder, templates_dir=templates_dir)
    if result.issues:
        raise PlaybookInvalid(result.issues)
    return PlaybookSet(result.plans)


def resolve(playbook_id: str, level: str, *, folder: Path | None = None, catalog: Catalog | None = None) -> ResolvedPlan:
    return load_playbooks(folder, catalog=catalog).resolve(playbook_id, level)


def load_playbook_text(text: str, *, name: str = "<string>", parents_dir: Path | None = None,
                       catalog: Catalog | None = None) -> dict[str, ResolvedPlan]:
    """Validate and resolve one playbook given as text (parents from `parents_dir`); raises PlaybookInvalid."""
    if parents_dir is None:
        from models.settings import get_settings

        parents_dir = get_settings().playbooks_dir
    collector = _Collector(catalog or default_catalog(), parents_dir)
    source = read_text_source(text, name)
    model_id = source.data.get("id") if isinstance(source.data, dict) else None
    key = model_id if isinstance(model_id, str) and model_id else name
    collector.add(source, key)
    collector.add_parents()
    plans = collector.resolve_all()
    if collector.issues:
        raise PlaybookInvalid(collector.issues)
    if key not in plans:
        raise PlaybookInvalid([Issue(IssueKind.semantics, name, 1, 1, "abstract",
                                     "an abstract playbook has no plan of its own")])
    return plans[key]
