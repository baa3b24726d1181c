"""`parklink drills compliance|plan|schedule|history|report`: drills on the legal calendar (issue 14).

    compliance [--at DATE] [--json]    every active unit: how often it must drill, its last drill, next due, overdue
    plan --year Y [--json]             the year's drills proposed (parklink/drill_calendar.py; nothing written)
    schedule --year Y [--json]         the plan as scheduled runs of each playbook's deployment, each once
    history UNIT [--json]              the unit's drills with their scores, oldest first
    report INCIDENT [-o FILE] [--lang en]   the report to the county department for one drill (zh-CN first)
"""

from __future__ import annotations

import asyncio
import os
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from models.db import session_scope
from models.directory import Unit
from models.drill_store import drill_compliance, unit_history
from models.errors import InputError
from models.i18n import tr, trc
from models.types import SHANGHAI, local_time
from parklink import engine as engine_manager
from parklink.app import console, print_json, print_table, state
from tasks.duty.calendar import Source

app = typer.Typer(help="演练 (drills on the legal calendar): compliance, plan, schedule, history, report.",
                  no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
YearOpt = Annotated[int, typer.Option("--year", help="the calendar year, e.g. 2027")]


def today() -> date:
    return datetime.now(SHANGHAI).date()


def parse_day(value: str | None, option: str = "--at") -> date:
    if value is None:
        return today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} `{value}`: give a date as YYYY-MM-DD, e.g. 2027-03-01", exit_code=2) from None


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


@app.command()
def compliance(at: Annotated[str | None, typer.Option("--at", help="the day to judge on (default today)")] = None,
               json_out: JsonOpt = False) -> None:
    """Every active unit's drill frequency, last drill, next due day and whether it is overdue."""
    day = parse_day(at)
    with session_scope(state.engine) as session:
        lines = drill_compliance(session, day)
    if json_out:
        return print_json([line.model_dump(mode="json") for line in lines])
    print_table(tr(state.lang, "drill compliance on {day}", day=day.isoformat()),
                ["unit", "name", "every (months)", "last drill", "next due", "overdue"],
                [[d.unit, d.name_zh, d.required_every_months, d.last_drill or "—", d.next_due,
                  trc(state.lang, "action", "overdue") if d.overdue else ""] for d in lines])


def _plan(year: int):
    from parklink.drill_calendar import year_plan

    now = today()
    return year_plan(state.engine, state.settings, year, start=now if year == now.year else None)


def _drill_rows(drills) -> list[dict]:
    return [{"unit": d.unit, "seq": d.seq, "day": d.day.isoformat(), "playbook": d.playbook, "site": d.site,
             "incident_id": d.incident_id} for d in drills]


@app.command()
def plan(year: YearOpt, json_out: JsonOpt = False) -> None:
    """Propose the year's drills: spread evenly, on working days outside holidays and special periods."""
    proposed = _plan(year)
    if json_out:
        return print_json({"year": year, "calendar": proposed.source.value, "drills": _drill_rows(proposed.drills)})
    if proposed.source is Source.weekends:
        console.print(tr(state.lang, "Warning: no holiday data for {year}: weekends only (PARKLINK_HOLIDAYS_FILE "
                                     "fills the year)", year=year), style="yellow")
    print_table(tr(state.lang, "drill plan {year}", year=year), ["day", "unit", "n", "playbook", "site", "incident"],
                [[r["day"], r["unit"], r["seq"], r["playbook"], r["site"], r["incident_id"]]
                 for r in _drill_rows(proposed.drills)])


@app.command()
def schedule(year: YearOpt, json_out: JsonOpt = False) -> None:
    """Schedule the year's plan as runs of each playbook's deployment (`respond --drill`), each drill once."""
    from parklink.drill_calendar import schedule as schedule_plan

    server = engine_manager.status(state.settings)
    if not server.running:
        raise InputError(f"no Prefect server answers at {server.url}: set PREFECT_API_URL (or `parklink engine "
                         "start`) and run `parklink deploy`, then schedule again; nothing was scheduled", exit_code=2)
    os.environ.setdefault("PREFECT_API_URL", server.url)
    proposed = _plan(year)
    done = asyncio.run(schedule_plan(state.engine, state.settings, proposed, state.lang))
    rows = [{**row, "flow_run_id": s.flow_run_id, "new": s.new} for row, s in zip(_drill_rows([s.drill for s in done]),
                                                                                   done, strict=True)]
    if json_out:
        return print_json({"year": year, "scheduled": rows})
    print_table(tr(state.lang, "drills scheduled for {year}", year=year),
                ["day", "unit", "playbook", "incident", "flow run", "new"],
                [[r["day"], r["unit"], r["playbook"], r["incident_id"], r["flow_run_id"][:8], "✓" if r["new"] else ""]
                 for r in rows])


@app.command()
def history(unit: Annotated[str, typer.Argument(help="unit code, e.g. qy-ha")], json_out: JsonOpt = False) -> None:
    """The unit's drills with their scores, oldest first."""
    with session_scope(state.engine) as session:
        if session.get(Unit, unit) is None:
            raise InputError(f"unit `{unit}` not found; see `parklink directory list`", exit_code=2)
        lines = unit_history(session=session, unit=unit)
    if json_out:
        return print_json([line.model_dump(mode="json") for line in lines])
    print_table(tr(state.lang, "drills of {unit}", unit=unit), ["incident", "at", "playbook", "level", "role", "score"],
                [[d.incident, local_time(d.at, "%Y-%m-%d %H:%M"), d.playbook_id, d.level, d.role.value,
                  f"{_score(d.score)} ({d.met}/{d.checks})"] for d in lines])


@app.command()
def report(incident: Annotated[str, typer.Argument(help="the drill's incident id")],
           output: Annotated[Path | None, typer.Option("-o", "--output", help="write the Markdown here")] = None,
           lang: Annotated[str | None, typer.Option("--lang", help="zh-CN (default) or en")] = None) -> None:
    """The report of one drill to the county department: unit, date, scenario, participants, KPIs, findings, score
    and the unit's previous scores."""
    from tasks.drills.reporting import drill_report

    if lang is not None and lang not in ("zh-CN", "en"):
        raise InputError(f"--lang `{lang}`: choose zh-CN or en", exit_code=2)
    out = drill_report(state.engine, state.settings, incident, lang or state.lang)
    if output is None:
        return typer.echo(out.markdown)
    output.write_text(out.markdown, encoding="utf-8")
    console.print(tr(state.lang, "written: {p}", p=str(output)))
