"""Reading a directory file — the park's units and their liaisons — into validated records.

    parse_directory(path, known_units=…) → DirectoryData(units, liaisons)    or ImportRejected, every error

YAML: `park: {name_zh, name_en}` (optional: the park's name in notices and reports) and
`units: [{code, name_zh, name_en, kind, parent, drill_every_months, risks, liaisons: [{name, role, phone, sms, wecom, dingtalk,
feishu, webhook, channels, active}]}]`. CSV: one row per liaison, the unit's columns repeated on each
(DIRECTORY_CSV_COLUMNS); a unit's rows must agree. Checked: each record's fields, duplicate units and
liaisons, one active primary liaison per active unit, each listed channel has an address, parents known
(in the file or in `known_units`, what the database holds).
Pure: no database, no Prefect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field

from models.did_you_mean import did_you_mean
from models.directory import Channel, LiaisonBase, LiaisonRole, UnitBase
from models.errors import ImportRejected, RowError
from models.safe_yaml import Mapping
from tasks.park_io.rows import Row, Strict, csv_rows, file_kind, load_yaml, read_text, validate_row, yaml_rows

UNIT_COLUMNS = ["code", "name_zh", "name_en", "kind", "parent", "latitude", "longitude", "active", "drill_every_months",
                "risks"]
LIAISON_COLUMNS = ["name", "role", "phone", "sms", "wecom", "dingtalk", "feishu", "webhook", "channels", "active"]
DIRECTORY_CSV_COLUMNS = [f"unit_{c}" for c in UNIT_COLUMNS] + [f"liaison_{c}" for c in LIAISON_COLUMNS]

Pairs = list[tuple[Row, list[Row]]]  # each unit's row with its liaisons' rows


@dataclass
class DirectoryData:
    units: list[UnitBase] = field(default_factory=list)
    liaisons: list[LiaisonBase] = field(default_factory=list)
    park: ParkNames | None = None  # the YAML's `park:` section, when it has one


class ParkNames(Strict, BaseModel):
    name_zh: str = Field(min_length=1, max_length=120)
    name_en: str | None = Field(default=None, max_length=200)


class UnitIn(UnitBase, Strict):
    pass


class LiaisonIn(LiaisonBase, Strict):
    pass


def parse_directory(path: Path, *, known_units: set[str]) -> DirectoryData:
    """Every error of the file at once (ImportRejected), or the validated units and liaisons."""
    path = Path(path)
    kind = file_kind(path)  # before reading: a name without .csv/.yaml is refused unread
    text = read_text(path)
    errors: list[RowError] = []
    data = DirectoryData()
    pairs = _csv_pairs(path, text, errors) if kind == "csv" else _yaml_pairs(path, text, errors, data)
    seen: dict[str, int] = {}
    for unit_row, li_rows in pairs:
        unit = validate_row(UnitIn, unit_row, path, errors)
        if unit is None:
            continue
        if unit.code in seen:
            errors.append(RowError(str(path), unit_row.at("code"), "code", f"duplicate unit `{unit.code}` (first at line {seen[unit.code]})"))
            continue
        seen[unit.code] = unit_row.at("code")
        data.units.append(UnitBase.model_validate(unit.model_dump()))
        _liaisons(unit, unit_row, li_rows, path, errors, data)
    all_units = known_units | set(seen)
    for unit in data.units:
        if unit.parent and unit.parent not in all_units:
            line = next(r.at("parent") for r, _ in pairs if r.values.get("code") == unit.code)
            errors.append(RowError(str(path), line, "parent",
                                   f"unknown unit `{unit.parent}`{did_you_mean(unit.parent, all_units, list_up_to=12)}"))
    if errors:
        raise ImportRejected(errors)
    return data


def _csv_pairs(path: Path, text: str, errors: list[RowError]) -> Pairs:
    """CSV: one row per liaison; a unit's columns must be the same on each of its rows."""
    by_code: dict[str, tuple[Row, list[Row]]] = {}
    for row in csv_rows(path, text, DIRECTORY_CSV_COLUMNS, errors):
        unit_vals = {k[5:]: v for k, v in row.values.items() if k.startswith("unit_")}
        li_vals = {k[8:]: v for k, v in row.values.items() if k.startswith("liaison_")}
        code = unit_vals.get("code", f"(row {row.line})")
        if code in by_code:
            first = by_code[code][0]
            for k, v in unit_vals.items():
                if first.values.get(k) != v:
                    errors.append(RowError(str(path), row.line, f"unit_{k}",
                                           f"`{v}` differs from line {first.line} for unit `{code}`"))
        else:
            by_code[code] = (Row(unit_vals, row.line), [])
        if li_vals:
            by_code[code][1].append(Row(li_vals, row.line))
    return list(by_code.values())


def _yaml_pairs(path: Path, text: str, errors: list[RowError], data: DirectoryData) -> Pairs:
    """YAML: each unit lists its liaisons; the park's names (into `data`) when the file gives them."""
    pairs: Pairs = []
    doc = load_yaml(path, text, ["units"], optional=["park"])
    if "park" in doc:
        park = doc["park"]
        if isinstance(park, Mapping):
            row = Row(dict(park), park.line, {k: m[0] for k, m in park.key_marks.items()})
            data.park = validate_row(ParkNames, row, path, errors, "park.")
        else:
            errors.append(RowError(str(path), doc.mark("park")[0], "park", "must be a mapping with name_zh, name_en"))
    for row in yaml_rows(path, doc, "units", errors):
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
    return pairs


def _liaisons(unit: UnitBase, unit_row: Row, li_rows: list[Row], path: Path, errors: list[RowError],
              data: DirectoryData) -> None:
    """A unit's liaisons: each valid, none twice, channels with addresses, one active primary."""
    primaries, keys = 0, set()
    prefix = f"{unit.code}."
    for li_row in li_rows:
        li_row.values["unit"] = unit.code
        li = validate_row(LiaisonIn, li_row, path, errors, prefix)
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
