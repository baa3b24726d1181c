"""Writing the directory and the inventory in their import formats: the same bytes for the same records.

    directory_document(units, liaisons)                 → {"units": [...]}
    inventory_document(resource_types, depots, stock)   → {"resource_types", "depots", "stock"}
    yaml_text(document)                                 → YAML text, keys in the order built here
    csv_text(columns, rows)                             → CSV text; a cell that is a formula gets a leading '

The order (README, "Export format"): units by code, each unit's keys in UNIT_COLUMNS order, then
`liaisons`: a unit's liaisons primary, deputy, head, then by name, each's keys in LIAISON_COLUMNS order;
resource types by code (code, name_zh, name_en, uom, unit_price), depots by code (code, owner, name_zh,
name_en, latitude, longitude, kind), stock by depot then resource type (STOCK_CSV_COLUMNS). A value that is
not set is left out. Nothing here depends on how a record was loaded, so two runs print the same bytes.
Pure: no database, no Prefect.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from enum import Enum
from typing import Any

import yaml
from pydantic import BaseModel

from models.directory import LiaisonBase, LiaisonRole, UnitBase
from models.inventory import DepotBase, ResourceTypeBase, StockBase
from tasks.park_io.cells import escape
from tasks.park_io.directory import LIAISON_COLUMNS, UNIT_COLUMNS
from tasks.park_io.inventory import STOCK_CSV_COLUMNS

RESOURCE_TYPE_KEYS = list(ResourceTypeBase.model_fields)
DEPOT_KEYS = list(DepotBase.model_fields)
ROLE_ORDER = list(LiaisonRole)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _record(item: BaseModel, keys: list[str]) -> dict[str, Any]:
    """`keys` of `item` in that order, the unset ones left out."""
    return {k: _plain(getattr(item, k)) for k in keys if getattr(item, k, None) is not None}


def directory_document(units: list[UnitBase], liaisons: list[LiaisonBase]) -> dict[str, Any]:
    by_unit: dict[str, list[LiaisonBase]] = {}
    for li in liaisons:
        by_unit.setdefault(li.unit, []).append(li)
    out = []
    for unit in sorted(units, key=lambda u: u.code):
        item = _record(unit, UNIT_COLUMNS)
        mine = sorted(by_unit.get(unit.code, []), key=lambda li: (ROLE_ORDER.index(li.role), li.name))
        item["liaisons"] = [_record(li, LIAISON_COLUMNS) for li in mine]
        out.append(item)
    return {"units": out}


def directory_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The directory as CSV rows: one per liaison (a unit without any: one row of its own)."""
    rows = []
    for unit in document["units"]:
        base = {f"unit_{k}": v for k, v in unit.items() if k != "liaisons"}
        for li in unit["liaisons"] or [{}]:
            rows.append({**base, **{f"liaison_{k}": v for k, v in li.items()}})
    return rows


def inventory_document(resource_types: list[ResourceTypeBase], depots: list[DepotBase],
                       stock: list[StockBase]) -> dict[str, Any]:
    return {
        "resource_types": [_record(r, RESOURCE_TYPE_KEYS) for r in sorted(resource_types, key=lambda r: r.code)],
        "depots": [_record(d, DEPOT_KEYS) for d in sorted(depots, key=lambda d: d.code)],
        "stock": [_record(s, STOCK_CSV_COLUMNS) for s in sorted(stock, key=lambda s: (s.depot, s.resource_type))],
    }


def yaml_text(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=200)


def csv_text(columns: list[str], rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: escape(v) if isinstance(v, str) else v for k, v in row.items()})
    return buf.getvalue()
