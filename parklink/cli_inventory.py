"""`parklink inventory …`: depots and stock of emergency resources."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from models.db import session_scope
from models.errors import InputError
from models.i18n import localized, tr
from models.park_store import (
    import_inventory,
    known_codes,
    list_depots,
    list_resource_types,
    list_stock,
    reserved_map,
)
from parklink.app import print_json, print_table, state
from parklink.cli_directory import print_summary
from tasks.park_io import STOCK_CSV_COLUMNS, parse_inventory
from tasks.park_io.export import csv_text, inventory_document, yaml_text

app = typer.Typer(help="应急物资储备 (emergency reserves): list, import, export.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]


@app.command("list")
def list_(
    resource_type: Annotated[str | None, typer.Option("--type", help="resource type code")] = None,
    depot: Annotated[str | None, typer.Option("--depot", help="depot code")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Stock rows with their depot's position, kind and what is still available."""
    with session_scope(state.engine) as session:
        codes = known_codes(session)
        if resource_type and resource_type not in codes["types"]:
            raise InputError(f"--type `{resource_type}`: unknown resource type; see `parklink inventory types`", exit_code=2)
        if depot and depot not in codes["depots"]:
            raise InputError(f"--depot `{depot}`: unknown depot; see `parklink inventory depots`", exit_code=2)
        rows = list_stock(session=session, resource_type=resource_type, depot=depot)
    if json_out:
        return print_json(rows)
    print_table(tr(state.lang, "stock rows"),
                ["depot", "resource_type", "name", "quantity", "reserved", "available", "uom", "latitude", "longitude"],
                [[r.depot, r.resource_type, r.resource_name_zh, r.quantity, r.reserved, r.available, r.uom,
                  r.latitude, r.longitude] for r in rows])


@app.command()
def depots(json_out: JsonOpt = False) -> None:
    """The depots: owner, kind, position."""
    with session_scope(state.engine) as session:
        rows = list_depots(session=session)
    if json_out:
        return print_json(rows)
    lang = state.lang
    print_table(tr(lang, "depots"), ["code", "name", "owner", "kind", "latitude", "longitude"],
                [[d.code, localized(lang, d, "name"), d.owner, d.kind, d.latitude, d.longitude] for d in rows])


@app.command()
def types(json_out: JsonOpt = False) -> None:
    """The resource catalogue (GB/T 38565 codes)."""
    with session_scope(state.engine) as session:
        rows = list_resource_types(session=session)
    if json_out:
        return print_json(rows)
    lang = state.lang
    print_table(tr(lang, "resource types"), ["code", "name", "uom", "unit_price"],
                [[r.code, localized(lang, r, "name"), r.uom, r.unit_price] for r in rows])


@app.command("import")
def import_(file: Annotated[Path, typer.Argument(help="CSV (stock rows) or YAML (resource_types, depots, stock)")],
            json_out: JsonOpt = False) -> None:
    """Upsert the catalogue, depots and stock from FILE. All or nothing."""
    with session_scope(state.engine) as session:
        codes = known_codes(session)
        data = parse_inventory(file, known_units=codes["units"], known_depots=codes["depots"],
                               known_types=codes["types"], reserved=reserved_map(session))
        summary = import_inventory(session=session, resource_types=data.resource_types, depots=data.depots,
                                   stock=data.stock)
    print_summary(summary.as_dict(), json_out)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="yaml (everything) or csv (stock rows)")] = "yaml",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="file (default: standard output)")] = None,
) -> None:
    """Write the inventory in the import format; the same bytes each run."""
    if fmt not in ("yaml", "csv"):
        raise InputError(f"--format `{fmt}`: choose yaml or csv", exit_code=2)
    with session_scope(state.engine) as session:
        doc = inventory_document(list_resource_types(session=session), list_depots(session=session),
                                 list_stock(session=session))
    text = yaml_text(doc) if fmt == "yaml" else csv_text(STOCK_CSV_COLUMNS, doc["stock"])
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
