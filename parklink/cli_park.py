"""`parklink init` and `parklink summary`: the embedded database and the sample park."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import typer
from sqlmodel import func, select

from models.db import session_scope
from models.directory import Liaison, Unit
from models.i18n import N_, localized, tr
from models.inventory import Depot, ResourceType, Stock
from models.park_store import ImportSummary, import_directory, import_inventory, known_codes, reserved_map
from parklink.app import console, print_json, print_table, state
from parklink.i18n import kind_label
from tasks.duty.roster_db import people_of, save_rosters
from tasks.duty.roster_file import parse_rosters
from tasks.park_io import parse_directory, parse_inventory


def load_sample_park(engine=None, folder=None) -> ImportSummary:
    """Load data/sample-park into the database in one transaction; a second run changes nothing."""
    folder = folder or state.settings.data_dir / "sample-park"
    total = ImportSummary()
    with session_scope(engine or state.engine) as session:
        codes = known_codes(session)
        directory = parse_directory(folder / "directory.yaml", known_units=codes["units"])
        part = import_directory(session=session, units=directory.units, liaisons=directory.liaisons,
                                    park=directory.park and (directory.park.name_zh, directory.park.name_en))
        codes = known_codes(session)
        inventory = parse_inventory(folder / "inventory.yaml", known_units=codes["units"], known_depots=codes["depots"],
                                    known_types=codes["types"], reserved=reserved_map(session))
        part2 = import_inventory(session=session, resource_types=inventory.resource_types, depots=inventory.depots,
                                 stock=inventory.stock)
        if (folder / "duty.yaml").exists():
            rosters = parse_rosters(folder / "duty.yaml", people=people_of(session=session))
            save_rosters(session=session, rosters=rosters, source="duty.yaml")
        for p in (part, part2):
            total.added += p.added
            total.changed += p.changed
            total.deactivated += p.deactivated
            total.unchanged += p.unchanged
    return total


def park_summary() -> dict:
    with session_scope(state.engine) as session:
        kinds = Counter(k for k in session.exec(select(Unit.kind).where(Unit.active)).all())
        stock_totals = session.exec(
            select(ResourceType.code, ResourceType.name_zh, ResourceType.name_en, ResourceType.uom,
                   func.sum(Stock.quantity), func.sum(Stock.reserved))
            .join(Stock, Stock.resource_type == ResourceType.code)
            .group_by(ResourceType.code, ResourceType.name_zh, ResourceType.name_en, ResourceType.uom)
            .order_by(ResourceType.code)
        ).all()
        return {
            "units": sum(kinds.values()),
            "units_by_kind": dict(sorted(kinds.items())),
            "liaisons": session.exec(select(func.count()).select_from(Liaison).where(Liaison.active)).one(),
            "depots": session.exec(select(func.count()).select_from(Depot)).one(),
            "resource_types": session.exec(select(func.count()).select_from(ResourceType)).one(),
            "stock_rows": session.exec(select(func.count()).select_from(Stock)).one(),
            "stock": [
                {"resource_type": c, "name_zh": zh, "name_en": en, "uom": uom, "quantity": q, "reserved": r}
                for c, zh, en, uom, q, r in stock_totals
            ],
        }


COUNTS = {"units": N_("units"), "liaisons": N_("liaisons"), "depots": N_("depots"),
          "resource_types": N_("resource types"), "stock_rows": N_("stock rows")}


def print_summary(summary: dict) -> None:
    lang = state.lang
    title, by_kind = tr(lang, "Park directory and reserves"), tr(lang, "by kind")
    console.print(f"[bold]{title}[/bold]")
    print_table(
        title,
        ["", ""],
        [[tr(lang, label), summary[key]] for key, label in COUNTS.items()]
        + [[f"  {by_kind}: {kind_label(k, lang)}", n] for k, n in summary["units_by_kind"].items()],
    )
    print_table(
        tr(lang, COUNTS["stock_rows"]),
        ["code", "name", "uom", "quantity", "reserved"],
        [[s["resource_type"], localized(lang, s, "name"), s["uom"], s["quantity"], s["reserved"]]
         for s in summary["stock"]],
    )


def register(app: typer.Typer) -> None:
    @app.command()
    def init(
        empty: Annotated[bool, typer.Option("--empty", help="create the schema only, load no sample park")] = False,
        json_out: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    ) -> None:
        """Create the database schema and load the sample park (running it twice changes nothing)."""
        engine = state.engine
        result = {"database": engine.url.render_as_string(), "loaded": None}
        if not empty:
            result["loaded"] = load_sample_park().as_dict()
        if json_out:
            print_json(result)
            return
        lang = state.lang
        console.print(tr(lang, "database ready: {url}", url=result["database"]))
        if result["loaded"] is not None:
            loaded = result["loaded"]
            if loaded["added"] or loaded["changed"]:
                console.print(tr(lang, "sample park loaded ({added} added, {changed} changed)",
                                 added=len(loaded["added"]), changed=len(loaded["changed"])))
            else:
                console.print(tr(lang, "sample park already up to date; nothing changed"))

    @app.command()
    def summary(json_out: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
        """Counts of units, liaisons, depots and stock."""
        data = park_summary()
        print_json(data) if json_out else print_summary(data)
