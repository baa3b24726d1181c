"""`parklink directory …`: the liaison directory (通讯录) the office keeps current."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from models.db import session_scope
from models.directory import UnitKind
from models.errors import InputError
from models.i18n import N_, localized, tr
from models.park_store import directory_problems, import_directory, known_codes, list_liaisons, list_units
from parklink.app import console, print_json, print_table, state
from parklink.cli_credentials import credentials
from parklink.i18n import kind_label
from tasks.park_io import DIRECTORY_CSV_COLUMNS, parse_directory
from tasks.park_io.export import csv_text, directory_document, directory_rows, yaml_text

app = typer.Typer(help="联络员名录 (liaison directory): list, import, export, check.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]

# What an import did, and what `check` found (models.park_store names each problem with one of these keys).
OUTCOMES = {"added": N_("added"), "changed": N_("changed"), "deactivated": N_("deactivated")}
PROBLEMS = {"no_active_primary": N_("no active primary liaison"),
            "primary_unreachable": N_("primary liaison has no usable channel"),
            "never_verified": N_("never verified"), "verification_stale": N_("not verified for over {days} days")}


@app.command("list")
def list_(
    kind: Annotated[str | None, typer.Option("--kind", help=f"one of: {', '.join(UnitKind)}")] = None,
    liaisons: Annotated[bool, typer.Option("--liaisons", help="list the liaisons instead of the units")] = False,
    json_out: JsonOpt = False,
) -> None:
    """List the active units (or their liaisons)."""
    if kind is not None and kind not in UnitKind.__members__:
        raise InputError(f"--kind `{kind}`: unknown kind; choose from {', '.join(UnitKind)}", exit_code=2)
    with session_scope(state.engine) as session:
        units = list_units(session=session, kind=kind)
        if liaisons:
            codes = {u.code for u in units}
            rows = [li for li in list_liaisons(session=session) if li.unit in codes]
            if json_out:
                return print_json([li.model_dump() for li in rows])
            return print_table(tr(state.lang, "liaisons"), ["unit", "name", "role", "phone", "channels", "last_verified_at"],
                               [[li.unit, li.name, li.role, li.phone, li.channels, li.last_verified_at] for li in rows])
    if json_out:
        return print_json(units)
    lang = state.lang
    print_table(tr(lang, "units"), ["code", "name", "kind", "parent", "head", "head_phone"],
                [[u.code, localized(lang, u, "name"), kind_label(u.kind, lang), u.parent, u.head_name, u.head_phone]
                 for u in units])


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV or YAML file")],
    prune: Annotated[bool, typer.Option("--prune", help="deactivate units missing from the file")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Upsert units by code from FILE; print what was added, changed, deactivated. All or nothing."""
    with session_scope(state.engine) as session:
        data = parse_directory(file, known_units=known_codes(session)["units"])
        summary = import_directory(session=session, units=data.units, liaisons=data.liaisons, prune=prune,
                                   park=data.park and (data.park.name_zh, data.park.name_en))
    print_summary(summary.as_dict(), json_out)


def print_summary(summary: dict, json_out: bool) -> None:
    if json_out:
        return print_json(summary)
    lang = state.lang
    for key, label in OUTCOMES.items():
        for item in summary[key]:
            console.print(f"{tr(lang, label)}: {item}", markup=False)
    unchanged = tr(lang, "unchanged")
    console.print(" · ".join(f"{tr(lang, label)} {len(summary[key])}" for key, label in OUTCOMES.items())
                  + f" · {unchanged} {summary['unchanged']}")


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="yaml or csv")] = "yaml",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="file (default: standard output)")] = None,
) -> None:
    """Write the directory in the import format (round-trips through `directory import`); the same bytes each run."""
    if fmt not in ("yaml", "csv"):
        raise InputError(f"--format `{fmt}`: choose yaml or csv", exit_code=2)
    with session_scope(state.engine) as session:
        doc = directory_document(list_units(session=session, include_inactive=True),
                                 list_liaisons(session=session, active_only=False))
    text = yaml_text(doc) if fmt == "yaml" else csv_text(DIRECTORY_CSV_COLUMNS, directory_rows(doc))
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@app.command()
def check(
    json_out: JsonOpt = False,
    live: Annotated[bool, typer.Option("--live", help="message every primary liaison and wait for answers")] = False,
    wait: Annotated[float | None, typer.Option("--wait", help="--live: seconds to wait (park time)")] = None,
    drill: Annotated[bool, typer.Option("--drill", help="--live: send to an in-process drill gateway")] = False,
    answer_rate: Annotated[float | None, typer.Option("--answer-rate", help="--drill: share who answer")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="--drill: replays the same drill")] = None,
) -> None:
    """Units without an active reachable primary; liaisons not verified for 90 days. Exit 1 when any.

    With --live: a liaison communication check over the real channels, run as the `liaison-check` flow
    (parklink/cli_checks.py)."""
    if live:
        from parklink.cli_checks import live_check
        return live_check(wait_s=wait, drill=drill, answer_rate=answer_rate, seed=seed, json_out=json_out)
    if wait is not None or drill or answer_rate is not None or seed is not None:
        raise InputError("--wait, --drill, --answer-rate and --seed go with --live", exit_code=2)
    days = state.settings.verify_max_age_days
    with session_scope(state.engine) as session:
        problems = directory_problems(session=session, max_age_days=days)
    lang = state.lang
    if json_out:
        print_json({"ok": not problems, "problems": [p.__dict__ for p in problems]})
    elif problems:
        print_table(tr(lang, "{n} problem(s) found", n=len(problems)), ["unit", "liaison", "problem"],
                    [[p.unit, p.liaison, tr(lang, PROBLEMS[p.problem], days=days)] for p in problems])
    else:
        console.print(tr(lang, "directory sound: every unit has a reachable primary liaison verified within {days} days",
                         days=days))
    if problems:
        raise typer.Exit(1)


@app.command("checks")
def checks(
    limit: Annotated[int, typer.Option("--limit", help="how many, newest first", min=1)] = 20,
    json_out: JsonOpt = False,
) -> None:
    """Past liaison checks, newest first: when, why, how many answered, the units nobody answered for."""
    from parklink.cli_checks import list_past

    list_past(limit=limit, json_out=json_out)


app.command("credentials")(credentials)
