"""Reading an inventory file — the resource catalogue, depots and stock — into validated records.

    parse_inventory(path, known_units=…, known_depots=…, known_types=…, reserved=…) → InventoryData
                                                                         or ImportRejected, every error

YAML: `resource_types: [...]`, `depots: [...]`, `stock: [...]` (any of them). CSV: stock rows
(STOCK_CSV_COLUMNS). Checked: each record's fields, duplicates, references (a depot's owner, a stock row's
depot and type: in the file or known to the database), and stock against what running incidents hold
(`reserved`): a quantity below it is refused.
Pure: no database, no Prefect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from models.did_you_mean import did_you_mean
from models.errors import ImportRejected, RowError
from models.inventory import DepotBase, ResourceTypeBase, StockBase
from tasks.park_io.rows import Row, Strict, csv_rows, file_kind, load_yaml, read_text, validate_row, yaml_rows

STOCK_CSV_COLUMNS = ["depot", "resource_type", "quantity", "reserved", "inspected_on", "expires_on"]
SECTIONS = ("resource_types", "depots", "stock")


@dataclass
class InventoryData:
    resource_types: list[ResourceTypeBase] = field(default_factory=list)
    depots: list[DepotBase] = field(default_factory=list)
    stock: list[StockBase] = field(default_factory=list)


class ResourceTypeIn(ResourceTypeBase, Strict):
    pass


class DepotIn(DepotBase, Strict):
    pass


class StockIn(StockBase, Strict):
    pass


@dataclass
class _Check:
    """The file being checked: where its errors go, and the first line of each key seen (duplicates)."""

    path: Path
    errors: list[RowError] = field(default_factory=list)

    def add(self, row: int, name: str, message: str) -> None:
        self.errors.append(RowError(str(self.path), row, name, message))

    def unique(self, kind: str, key: str | tuple[str, str], row: Row, seen: dict, name: str) -> bool:
        if key in seen:
            shown = key if isinstance(key, str) else "/".join(key)
            self.add(row.at(name), name, f"duplicate {kind} `{shown}` (first at line {seen[key]})")
            return False
        seen[key] = row.at(name)
        return True


def parse_inventory(path: Path, *, known_units: set[str], known_depots: set[str], known_types: set[str],
                    reserved: dict[tuple[str, str], int]) -> InventoryData:
    """Every error of the file at once (ImportRejected), or the validated catalogue, depots and stock.

    `reserved` is what running incidents hold now: a new quantity below it is refused.
    """
    path = Path(path)
    kind = file_kind(path)  # before reading: a name without .csv/.yaml is refused unread
    text = read_text(path)
    check = _Check(path)
    if kind == "csv":
        sections = {"stock": csv_rows(path, text, STOCK_CSV_COLUMNS, check.errors)}
    else:
        doc = load_yaml(path, text, list(SECTIONS))
        sections = {s: yaml_rows(path, doc, s, check.errors) for s in SECTIONS}
    data = InventoryData()
    seen_types: dict = {}
    for row in sections.get("resource_types", []):
        rt = validate_row(ResourceTypeIn, row, path, check.errors)
        if rt and check.unique("resource type", rt.code, row, seen_types, "code"):
            data.resource_types.append(ResourceTypeBase.model_validate(rt.model_dump()))
    seen_depots: dict = {}
    for row in sections.get("depots", []):
        dp = validate_row(DepotIn, row, path, check.errors)
        owner = row.values.get("owner")
        if owner is not None and owner not in known_units:
            check.add(row.at("owner"), "owner", f"unknown unit `{owner}`{did_you_mean(owner, known_units, list_up_to=12)}")
        if dp is not None and check.unique("depot", dp.code, row, seen_depots, "code"):
            data.depots.append(DepotBase.model_validate(dp.model_dump()))
    depots, types = known_depots | set(seen_depots), known_types | set(seen_types)
    seen_stock: dict = {}
    for row in sections.get("stock", []):
        st = validate_row(StockIn, row, path, check.errors)
        if st is None or not check.unique("stock row", (st.depot, st.resource_type), row, seen_stock, "depot"):
            continue
        if _stock_ok(st, row, check, depots, types, reserved):
            data.stock.append(StockBase.model_validate(st.model_dump()))
    if check.errors:
        raise ImportRejected(check.errors)
    return data


def _stock_ok(st: StockIn, row: Row, check: _Check, depots: set[str], types: set[str],
              reserved: dict[tuple[str, str], int]) -> bool:
    """A stock row's references and quantities; a row left without `reserved` keeps what incidents hold."""
    bad = False
    if st.depot not in depots:
        check.add(row.at("depot"), "depot", f"unknown depot `{st.depot}`{did_you_mean(st.depot, depots, list_up_to=12)}")
        bad = True
    if st.resource_type not in types:
        check.add(row.at("resource_type"), "resource_type",
                  f"unknown resource type `{st.resource_type}`{did_you_mean(st.resource_type, types, list_up_to=12)}")
        bad = True
    held = reserved.get((st.depot, st.resource_type), 0)
    if "reserved" not in row.values:
        st.reserved = held
    if st.reserved > st.quantity:
        check.add(row.at("quantity"), "reserved", f"reserved {st.reserved} exceeds quantity {st.quantity}")
        bad = True
    elif st.reserved < held:
        check.add(row.at("reserved"), "reserved", f"{held} are reserved by running incidents; cannot set {st.reserved}")
        bad = True
    if st.expires_on and st.inspected_on and st.expires_on < st.inspected_on:
        check.add(row.at("expires_on"), "expires_on", "is before inspected_on")
    return not bad
