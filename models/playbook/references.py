"""What playbook references are checked against: the directory's units, the catalogue's resource types
and the templates folder.

    models.park_store.playbook_catalog(session=…)  the database (the record, once `parklink init` has run)
    Catalog.from_sample_park(folder)               data/sample-park/*.yaml, when there is no database yet
    Catalog.with_templates(folder)                 adds the names of templates present in every language

Reading the database is the caller's business (it passes the session); nothing here opens one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from models.did_you_mean import did_you_mean
from models.playbook.schema import INCIDENT_ENTERPRISE
from models.safe_yaml import YAMLLoadError, load_yaml_file
from models.templating import template_names


@dataclass(frozen=True)
class Catalog:
    units: dict[str, str] = field(default_factory=dict)  # code → name_zh (active units)
    inactive_units: dict[str, str] = field(default_factory=dict)
    resource_types: dict[str, str] = field(default_factory=dict)  # code → name_zh
    templates: frozenset[str] = frozenset()
    templates_dir: Path | None = None
    origin: str = ""  # where the codes came from, said once by `validate`

    @classmethod
    def from_sample_park(cls, folder: Path) -> Catalog:
        """Codes and names straight from the sample park files (no database needed)."""
        units: dict[str, str] = {}
        types: dict[str, str] = {}
        try:
            directory = load_yaml_file(Path(folder) / "directory.yaml") or {}
            inventory = load_yaml_file(Path(folder) / "inventory.yaml") or {}
        except YAMLLoadError:
            return cls(origin=f"sample park {folder} (unreadable)")
        for unit in directory.get("units") or []:
            if isinstance(unit, dict) and unit.get("code") and unit.get("active", True):
                units[str(unit["code"])] = str(unit.get("name_zh", ""))
        for rtype in inventory.get("resource_types") or []:
            if isinstance(rtype, dict) and rtype.get("code"):
                types[str(rtype["code"])] = str(rtype.get("name_zh", ""))
        return cls(units=units, resource_types=types, origin=f"sample park {folder}")

    def with_templates(self, folder: Path) -> Catalog:
        return replace(self, templates=frozenset(template_names(folder)), templates_dir=Path(folder))

    # ------------------------------------------------------------- messages (None when the code is fine)

    def unit_problem(self, code: str, *, allow_role: bool = True) -> str | None:
        if allow_role and code == INCIDENT_ENTERPRISE:
            return None
        if code in self.units:
            return None
        if code == INCIDENT_ENTERPRISE:
            return f"`{code}` (the incident enterprise) is a role, not allowed here; name a unit code"
        if code in self.inactive_units:
            return f"unit `{code}` ({self.inactive_units[code]}) is deactivated in the directory"
        choices = dict(self.units, **({INCIDENT_ENTERPRISE: "事发企业"} if allow_role else {}))
        return f"unknown unit `{code}`{did_you_mean(code, choices, names=choices, prefix=True)}"

    def resource_type_problem(self, code: str) -> str | None:
        if code in self.resource_types:
            return None
        hint = did_you_mean(code, self.resource_types, names=self.resource_types, prefix=True)
        return f"unknown resource type `{code}`{hint}; see `parklink inventory types`"

    def template_problem(self, name: str) -> str | None:
        if name in self.templates:
            return None
        known = ", ".join(sorted(self.templates)) or "none"
        return f"unknown template `{name}`{did_you_mean(name, self.templates)} (templates/ has, in zh-CN and en: {known})"
