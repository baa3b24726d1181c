"""Reading directory and inventory files (CSV or YAML) into validated records, collecting every error.

Pure: no database, no Prefect. What the database already holds comes in as plain sets and maps, so a
file is checked whole — shape, values, references, duplicates — before anything is written.

Directory files
    YAML: `units: [{code, name_zh, name_en, kind, parent, liaisons: [{name, role, phone, sms, wecom,
    dingtalk, feishu, webhook, channels, active}]}]`
    CSV: one row per liaison, unit columns repeated (see DIRECTORY_CSV_COLUMNS).
Inventory files
    YAML: `resource_types: [...]`, `depots: [...]`, `stock: [...]` (any of them)
    CSV: stock rows (see STOCK_CSV_COLUMNS).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from models.directory import Channel, LiaisonBase, LiaisonRole, UnitBase
from models.errors import ImportRejected, InputError, RowError
from models.inventory import DepotBase, ResourceTypeBase, StockBase
from models.safe_yaml import Mapping, YAMLLoadError, decode_utf8, load_yaml_text

UNIT_COLUMNS = ["code", "name_zh", "name_en", "kind", "parent", "latitude", "longitude", "active"]
LIAISON_COLUMNS = ["name", "role", "phone", "sms", "wecom", "dingtalk", "feishu", "webhook", "channels", "active"]
DIRECTORY_CSV_COLUMNS = [f"unit_{c}" for c in UNIT_COLUMNS] + [f"liaison_{c}" for c in LIAISON_COLUMNS]
STOCK_CSV_COLUMNS = ["depot", "resource_type", "quantity", "reserved", "inspected_on", "expires_on"]


@dataclass
class Row:
    """One record of a file: its values and where each came from."""

    values: dict[str, Any]
    line: int
    marks: dict[str, int] = field(default_factory=dict)

    def at(self, name: str) -> int:
        return self.marks.get(name, self.line)


@dataclass
class DirectoryData:
    units: list[UnitBase] = field(default_factory=list)
    liaisons: list[LiaisonBase] = field(default_factory=list)


@dataclass
class InventoryData:
    resource_types: list[ResourceTypeBase] = field(default_factory=list)
    depots: list[DepotBase] = field(default_factory=list)
    stock: list[StockBase] = field(default_factory=list)


# ---------------------------------------------------------------- reading


def read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = decode_utf8(raw, str(path))
    except YAMLLoadError as exc:
        raise ImportRejected([RowError(str(path), exc.line, "", exc.message)]) from None
    if not text.strip():
        raise ImportRejected([RowError(str(path), 0, "", "empty file; nothing to import")])
    return text


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    raise InputError(f"{path}: unknown file type `{suffix or '(none)'}`; use .csv, .yaml or .yml")


def _csv_rows(path: Path, text: str, columns: list[str], errors: list[RowError]) -> list[Row]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    unknown = [h for h in header if h not in columns]
    if unknown:
        errors.append(RowError(str(path), 1, ", ".join(unknown), f"unknown column(s); expected {', '.join(columns)}"))
        return []
    rows = []
    for record in reader:
        line = reader.line_num
        if None in record:
            errors.append(RowError(str(path), line, "", "more values than columns"))
            continue
        values = {k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in record.items()}
        rows.append(Row({k: v for k, v in values.items() if v not in ("", None)}, line))
    if not rows and not errors:
        errors.append(RowError(str(path), 1, "", "no data rows after the header"))
    return rows


def _yaml_rows(path: Path, doc: Any, section: str, errors: list[RowError]) -> list[Row]:
    items = doc.get(section) if isinstance(doc, dict) else None
    if items is None:
        return []
    if not isinstance(items, list):
        line = doc.mark(section)[0] if isinstance(doc, Mapping) else 0
        errors.append(RowError(str(path), line, section, "must be a list"))
        return []
    rows = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            errors.append(RowError(str(path), 0, f"{section}[{i}]", "must be a mapping of fields"))
            continue
        rows.append(Row(dict(item), item.line, {k: m[0] for k, m in item.key_marks.items()}))
    return rows


def _load_yaml(path: Path, text: str, sections: Iterable[str]) -> Mapping:
    try:
        doc = load_yaml_text(text, str(path))
    except YAMLLoadError as exc:
        raise ImportRejected([RowError(str(path), exc.line, "", exc.message)]) from None
    if not isinstance(doc, Mapping) or not any(s in doc for s in sections):
        raise ImportRejected([RowError(str(path), 1, "", f"expected a mapping with {' / '.join(sections)}")])
    unknown = [k for k in doc if k not in (*sections, "sample")]
    if unknown:
        raise ImportRejected(
            [RowError(str(path), doc.mark(k)[0], str(k), f"unknown section; expected {', '.join(sections)}") for k in unknown]
        )
    return doc


# ---------------------------------------------------------------- validation


def _validate(model: type[BaseModel], row: Row, path: Path, errors: list[RowError], prefix: str = ""):
    try:
        return model.model_validate(row.values)
    except ValidationError as exc:
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "(row)"
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown field"
            elif err["type"] == "enum" and "ctx" in err:
                message = f"`{err.get('input')}` is not one of {err['ctx'].get('expected')}"
            elif "input" in err and err["type"] not in ("missing",):
                message = f"{message} (got `{err['input']}`)"
            errors.append(RowError(str(path), row.at(str(err["loc"][0]) if err["loc"] else ""), prefix + name, message))
        return None


class _Strict:
    model_config = {"extra": "forbid"}


class UnitIn(UnitBase, _Strict):
    pass


class LiaisonIn(LiaisonBase, _Strict):
    pass


class ResourceTypeIn(ResourceTypeBase, _Strict):
    pass


class DepotIn(DepotBase, _Strict):
    pass


class StockIn(StockBase, _Strict):
    pass


def _check_channels(li: LiaisonBase, row: Row, path: Path, prefix: str, errors: list[RowError]) -> None:
    names = [c.strip() for c in li.channels.split(",") if c.strip()]
    if not names:
        errors.append(RowError(str(path), row.at("channels"), prefix + "channels", "name at least one channel"))
    for name in names:
        if name not in Channel.__members__:
            errors.append(RowError(str(path), row.at("channels"), prefix + "channels",
                                   f"unknown channel `{name}`; choose from {', '.join(Channel)}"))
        elif name != "sms" and not getattr(li, name):
            errors.append(RowError(str(path), row.at("channels"), prefix + "channels",
                                   f"channel `{name}` is listed but the liaison has no {name} address"))


def parse_directory(path: Path, *, known_units: set[str]) -> DirectoryData:
    """Every error of the file at once (ImportRejected), or the validated units and liaisons."""
    path = Path(path)
    text = read_text(path)
    errors: list[RowError] = []
    pairs: list[tuple[Row, list[Row]]] = []
    if _kind(path) == "csv":
        by_code: dict[str, tuple[Row, list[Row]]] = {}
        for row in _csv_rows(path, text, DIRECTORY_CSV_COLUMNS, errors):
            unit_vals = {k[5:]: v for k, v in row.values.items() if k.startswith("unit_")}
            li_vals = {k[8:]: v for k, v in row.values.items() if k.startswith("liaison_")}
            code = unit_vals.get("code", f"(row {row.line})")
            unit_row = Row(unit_vals, row.line)
            if code in by_code:
                first = by_code[code][0]
                for k, v in unit_vals.items():
                    if first.values.get(k) != v:
                        errors.append(RowError(str(path), row.line, f"unit_{k}",
                                               f"`{v}` differs from line {first.line} for unit `{code}`"))
            else:
                by_code[code] = (unit_row, [])
            if li_vals:
                by_code[code][1].append(Row(li_vals, row.line))
        pairs = list(by_code.values())
    else:
        doc = _load_yaml(path, text, ["units"])
        for row in _yaml_rows(path, doc, "units", errors):
            lis = row.values.pop("liaisons", None) or []
            li_rows = []
            if not isinstance(lis, list):
                errors.append(RowError(str(path), row.at("liaisons"), "liaisons", "must be a list"))
            else:
                for item in lis:
                    if isinstance(item, Mapping):
                        li_rows.append(Row(dict(item), item.line, {k: m[0] for k, m in item.key_marks.items()}))
                    else:
                        errors.append(RowError(str(path), row.at("liaisons"), "liaisons", "each liaison must be a mapping"))
            pairs.append((row, li_rows))

    data = DirectoryData()
    seen: dict[str, int] = {}
    for unit_row, li_rows in pairs:
        unit = _validate(UnitIn, unit_row, path, errors)
        if unit is None:
            continue
        if unit.code in seen:
            errors.append(RowError(str(path), unit_row.at("code"), "code", f"duplicate unit `{unit.code}` (first at line {seen[unit.code]})"))
            continue
        seen[unit.code] = unit_row.at("code")
        data.units.append(UnitBase.model_validate(unit.model_dump()))
        primaries, keys = 0, set()
        for li_row in li_rows:
            li_row.values["unit"] = unit.code
            prefix = f"{unit.code}."
            li = _validate(LiaisonIn, li_row, path, errors, prefix)
            if li is None:
                continue
            _check_channels(li, li_row, path, prefix, errors)
            key = (li.name, li.role)
            if key in keys:
                errors.append(RowError(str(path), li_row.at("name"), prefix + "name", f"duplicate liaison `{li.name}` ({li.role})"))
            keys.add(key)
            primaries += li.active and li.role is LiaisonRole.primary
            data.liaisons.append(LiaisonBase.model_validate(li.model_dump()))
        if unit.active and primaries != 1:
            errors.append(RowError(str(path), unit_row.at("code"), f"{unit.code}.liaisons",
                                   f"unit `{unit.code}` needs exactly one active primary liaison, has {primaries}"))
    all_units = known_units | set(seen)
    for unit in data.units:
        if unit.parent and unit.parent not in all_units:
            line = next(r.at("parent") for r, _ in pairs if r.values.get("code") == unit.code)
            errors.append(RowError(str(path), line, "parent", f"unknown unit `{unit.parent}`{suggest(unit.parent, all_units)}"))
    if errors:
        raise ImportRejected(errors)
    return data


def parse_inventory(path: Path, *, known_units: set[str], known_depots: set[str], known_types: set[str],
                    reserved: dict[tuple[str, str], int]) -> InventoryData:
    """Every error of the file at once (ImportRejected), or the validated catalogue, depots and stock.

    `reserved` is what running incidents hold now: a new quantity below it is refused.
    """
    path = Path(path)
    text = read_text(path)
    errors: list[RowError] = []
    data = InventoryData()
    if _kind(path) == "csv":
        sections = {"stock": _csv_rows(path, text, STOCK_CSV_COLUMNS, errors)}
    else:
        doc = _load_yaml(path, text, ["resource_types", "depots", "stock"])
        sections = {s: _yaml_rows(path, doc, s, errors) for s in ("resource_types", "depots", "stock")}

    def unique(kind: str, key, row: Row, seen: dict, name: str) -> bool:
        if key in seen:
            errors.append(RowError(str(path), row.at(name), name, f"duplicate {kind} `{key if isinstance(key, str) else '/'.join(key)}` (first at line {seen[key]})"))
            return False
        seen[key] = row.at(name)
        return True

    seen_types: dict = {}
    for row in sections.get("resource_types", []):
        rt = _validate(ResourceTypeIn, row, path, errors)
        if rt and unique("resource type", rt.code, row, seen_types, "code"):
            data.resource_types.append(ResourceTypeBase.model_validate(rt.model_dump()))
    seen_depots: dict = {}
    for row in sections.get("depots", []):
        dp = _validate(DepotIn, row, path, errors)
        owner = row.values.get("owner")
        if owner is not None and owner not in known_units:
            errors.append(RowError(str(path), row.at("owner"), "owner", f"unknown unit `{owner}`{suggest(owner, known_units)}"))
        if dp is not None and unique("depot", dp.code, row, seen_depots, "code"):
            data.depots.append(DepotBase.model_validate(dp.model_dump()))
    depots, types = known_depots | set(seen_depots), known_types | set(seen_types)
    seen_stock: dict = {}
    for row in sections.get("stock", []):
        st = _validate(StockIn, row, path, errors)
        if st is None or not unique("stock row", (st.depot, st.resource_type), row, seen_stock, "depot"):
            continue
        bad = False
        if st.depot not in depots:
            errors.append(RowError(str(path), row.at("depot"), "depot", f"unknown depot `{st.depot}`{suggest(st.depot, depots)}"))
            bad = True
        if st.resource_type not in types:
            errors.append(RowError(str(path), row.at("resource_type"), "resource_type",
                                   f"unknown resource type `{st.resource_type}`{suggest(st.resource_type, types)}"))
            bad = True
        held = reserved.get((st.depot, st.resource_type), 0)
        if "reserved" not in row.values:
            st.reserved = held
        if st.reserved > st.quantity:
            errors.append(RowError(str(path), row.at("quantity"), "reserved",
                                   f"reserved {st.reserved} exceeds quantity {st.quantity}"))
            bad = True
        elif st.reserved < held:
            errors.append(RowError(str(path), row.at("reserved"), "reserved",
                                   f"{held} are reserved by running incidents; cannot set {st.reserved}"))
            bad = True
        if st.expires_on and st.inspected_on and st.expires_on < st.inspected_on:
            errors.append(RowError(str(path), row.at("expires_on"), "expires_on", "is before inspected_on"))
        if not bad:
            data.stock.append(StockBase.model_validate(st.model_dump()))
    if errors:
        raise ImportRejected(errors)
    return data


def suggest(word: str, choices: Iterable[str]) -> str:
    """'; did you mean `x`?' for the nearest choice, or ''."""
    import difflib

    choices = sorted(choices)
    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    if close:
        return f"; did you mean `{close[0]}`?"
    return f"; known: {', '.join(choices)}" if 0 < len(choices) <= 12 else ""
