"""`parklink duty import|export|override|swap`: the rosters, as files and as single changes.

    parklink duty import FILE [--json]               YAML: the units' rosters become the file's; all or nothing
    parklink duty import FILE.ics [--unit U] [--from --to]   iCalendar: each unit it names gets the calendar's
                                                     shifts in the window as its roster (fixed shifts)
    parklink duty export [--format yaml|ics] [--unit U] [--from --to] [-o FILE]
    parklink duty override --unit U --role R --name N [--replaces M] --from … --to … [--reason …]
    parklink duty swap --unit U --role R --shift-start … --from-name A --to-name B --requested-by A --approved-by C
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import select

from models.db import session_scope
from models.directory import Unit
from models.errors import ImportRejected, InputError, RowError
from models.park_store import list_liaisons
from models.types import SHANGHAI, utcnow
from parklink.app import console, print_json, state
from parklink.duty_args import instant, role, window
from tasks.duty.ical import ical_to_shifts, read_ical, rosters_to_ical, shifts_by_unit
from tasks.duty.roster import OverrideSpec, SwapSpec, UnitRoster, swap_problem
from tasks.duty.roster_db import load_rosters, people_of, save_rosters
from tasks.duty.roster_file import parse_rosters, rosters_document
from tasks.park_io.export import yaml_text

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
UnitOpt = Annotated[str, typer.Option("--unit", help="unit code, e.g. ldzbgs")]
RoleOpt = Annotated[str, typer.Option("--role", help="duty_officer (值班员) or leader_on_duty (带班领导)")]


def _from_ical(file: Path, people: dict[str, set[str]], unit: str | None, start: str | None,
               end: str | None) -> list[UnitRoster]:
    today = utcnow().astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
    begin, finish = window(start or today.isoformat(), end, days=365)
    shifts = ical_to_shifts(read_ical(file), start=begin, end=finish, source=str(file), default_unit=unit,
                            units=set(people))
    rosters = [UnitRoster(unit=code, shifts=(), fixed=fixed) for code, fixed in shifts_by_unit(shifts).items()]
    errors = [RowError(str(file), next(s.line for s in shifts if s.unit == r.unit and s.shift.name == name), "ATTENDEE",
                       f"`{name}` is no active liaison of `{r.unit}`; add them to the directory (role duty_staff) "
                       "first") for r in rosters for name in sorted(r.people() - people[r.unit])]
    if errors:
        raise ImportRejected(errors)
    return rosters


def import_(file: Annotated[Path, typer.Argument(help="a roster file: .yaml or .ics (README \"Duty\")")],
            unit: Annotated[str | None, typer.Option("--unit", help=".ics: the unit of events without "
                                                                     "X-PARKLINK-UNIT")] = None,
            start: Annotated[str | None, typer.Option("--from", help=".ics: window start (default: today)")] = None,
            end: Annotated[str | None, typer.Option("--to", help=".ics: window end (default: a year on)")] = None,
            json_out: JsonOpt = False) -> None:
    """Replace the rosters of the units FILE names (YAML: rotations, fixed shifts, overrides, swaps; iCalendar:
    the calendar's shifts in the window, recurrences expanded). All or nothing."""
    kind = file.suffix.lower()
    if kind not in (".yaml", ".yml", ".ics"):
        raise InputError(f"{file}: unknown roster file type `{file.suffix or '(none)'}`; use .yaml or .ics",
                         exit_code=2)
    with session_scope(state.engine) as session:
        people = people_of(session=session)
        rosters = (_from_ical(file, people, unit, start, end) if kind == ".ics"
                   else parse_rosters(file, people=people))
        units = save_rosters(session=session, rosters=rosters, source=file.name)
    if json_out:
        return print_json({"imported": units})
    console.print(f"{len(units)}: {', '.join(units)}", markup=False)


def export(fmt: Annotated[str, typer.Option("--format", help="yaml or ics")] = "yaml",
           unit: Annotated[str | None, typer.Option("--unit", help="one unit (default: all)")] = None,
           start: Annotated[str | None, typer.Option("--from", help="ics: window start (default: now)")] = None,
           end: Annotated[str | None, typer.Option("--to", help="ics: window end (default: 30 days on)")] = None,
           output: Annotated[Path | None, typer.Option("-o", "--output", help="file (default: standard output)")] = None,
           ) -> None:
    """Write the rosters: YAML in the import format, or iCalendar (each shift in the window an event, overrides and
    swaps applied). Both round-trip through `duty import`."""
    if fmt not in ("yaml", "ics"):
        raise InputError(f"--format `{fmt}`: choose yaml or ics", exit_code=2)
    with session_scope(state.engine) as session:
        rosters = list(load_rosters(session=session, unit=unit).values())
        names = {u.code: u.name_zh for u in session.exec(select(Unit)).all()}
        phones = {(li.unit, li.name): li.phone for li in list_liaisons(session=session)}
    if fmt == "ics":
        begin, finish = window(start, end)
        data = rosters_to_ical(rosters, begin, finish, unit_names=names, phones=phones)
    else:
        data = yaml_text(rosters_document(rosters)).encode("utf-8")
    if output:
        output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


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
