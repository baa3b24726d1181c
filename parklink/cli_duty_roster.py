"""`parklink duty import|export|override|swap`: the rosters, as files and as single changes.

    parklink duty import FILE [--json]               YAML (or .ics, one unit per calendar): all or nothing
    parklink duty export [--format yaml|ics] [--unit U] [--from --to] [-o FILE]
    parklink duty override --unit U --role R --name N [--replaces M] --from … --to … [--reason …]
    parklink duty swap --unit U --role R --shift-start … --from-name A --to-name B --requested-by A --approved-by C
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from models.db import session_scope
from models.errors import ImportRejected, InputError, RowError
from models.types import SHANGHAI
from parklink.app import console, print_json, state
from parklink.duty_args import instant, role, window
from tasks.duty.roster import OverrideSpec, SwapSpec, swap_problem
from tasks.duty.roster_db import load_rosters, people_of, save_rosters
from tasks.duty.roster_file import parse_rosters, rosters_document
from tasks.park_io.export import yaml_text

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
UnitOpt = Annotated[str, typer.Option("--unit", help="unit code, e.g. ldzbgs")]
RoleOpt = Annotated[str, typer.Option("--role", help="duty_officer (值班员) or leader_on_duty (带班领导)")]


def import_(file: Annotated[Path, typer.Argument(help="a roster file: .yaml (README \"Duty\")")],
            json_out: JsonOpt = False) -> None:
    """Replace the rosters of the units FILE lists (rotations, fixed shifts, overrides, swaps). All or nothing."""
    if file.suffix.lower() not in (".yaml", ".yml"):
        raise InputError(f"{file}: unknown roster file type `{file.suffix or '(none)'}`; use .yaml", exit_code=2)
    with session_scope(state.engine) as session:
        rosters = parse_rosters(file, people=people_of(session=session))
        units = save_rosters(session=session, rosters=rosters, source=file.name)
    if json_out:
        return print_json({"imported": units})
    console.print(f"{len(units)}: {', '.join(units)}", markup=False)


def export(fmt: Annotated[str, typer.Option("--format", help="yaml")] = "yaml",
           unit: Annotated[str | None, typer.Option("--unit", help="one unit (default: all)")] = None,
           output: Annotated[Path | None, typer.Option("-o", "--output", help="file (default: standard output)")] = None,
           ) -> None:
    """Write the rosters in the import format (round-trips through `duty import`)."""
    if fmt != "yaml":
        raise InputError(f"--format `{fmt}`: choose yaml", exit_code=2)
    with session_scope(state.engine) as session:
        rosters = list(load_rosters(session=session, unit=unit).values())
    text = yaml_text(rosters_document(rosters))
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _change(unit: str, update) -> None:
    """Apply one change to a unit's roster and store it, checked as an import would be."""
    with session_scope(state.engine) as session:
        rosters = load_rosters(session=session, unit=unit)
        if unit not in rosters:
            raise InputError(f"--unit `{unit}`: has no roster; import one first (parklink duty import FILE)",
                             exit_code=2)
        roster = update(rosters[unit])
        people = people_of(session=session)[unit]
        unknown = sorted(roster.people() - people)
        if unknown:
            raise ImportRejected([RowError("--name", 0, "", f"`{n}` is no active liaison of `{unit}`; add them to "
                                                           "the directory (role duty_staff) first") for n in unknown])
        save_rosters(session=session, rosters=[roster], source="parklink duty")


def override(unit: UnitOpt, role_: RoleOpt, name: Annotated[str, typer.Option("--name", help="who is on duty")],
             start: Annotated[str, typer.Option("--from", help="ISO-8601 (Asia/Shanghai)")],
             end: Annotated[str, typer.Option("--to", help="ISO-8601 (Asia/Shanghai)")],
             replaces: Annotated[str | None, typer.Option("--replaces", help="whom (default: whoever is on)")] = None,
             reason: Annotated[str, typer.Option("--reason")] = "") -> None:
    """A named person is on duty instead of another (or of whoever is on) for a period."""
    begin, finish = window(start, end)
    spec = OverrideSpec(role=role(role_), name=name, replaces=replaces, start=begin, end=finish, reason=reason)
    _change(unit, lambda r: r.model_copy(update={"overrides": (*r.overrides, spec)}))
    console.print(f"{unit} {spec.role}: {name} {begin.astimezone(SHANGHAI).isoformat()} → "
                  f"{finish.astimezone(SHANGHAI).isoformat()}", markup=False)


def swap(unit: UnitOpt, role_: RoleOpt,
         shift_start: Annotated[str, typer.Option("--shift-start", help="when the shift starts, ISO-8601")],
         from_name: Annotated[str, typer.Option("--from-name", help="who is on the roster for it")],
         to_name: Annotated[str, typer.Option("--to-name", help="who takes it")],
         requested_by: Annotated[str, typer.Option("--requested-by")],
         approved_by: Annotated[str, typer.Option("--approved-by")],
         reason: Annotated[str, typer.Option("--reason")] = "") -> None:
    """Two people swap one shift, recorded with who asked and who approved."""
    at = instant(shift_start, "--shift-start")
    spec = SwapSpec.model_validate({"role": role(role_), "shift_start": at, "from": from_name, "to": to_name,
                                    "requested_by": requested_by, "approved_by": approved_by, "reason": reason})

    def add(roster):
        problem = swap_problem(roster, spec)
        if problem:
            raise InputError(f"--shift-start {at.astimezone(SHANGHAI).isoformat()}: {problem}", exit_code=2)
        return roster.model_copy(update={"swaps": (*roster.swaps, spec)})

    _change(unit, add)
    console.print(f"{unit} {spec.role} {at.astimezone(SHANGHAI).isoformat()}: {from_name} → {to_name}", markup=False)
