"""`parklink duty …`: duty around the clock (值守应急制度, issue 12).

    parklink duty calendar [--year Y] [--json]   each public holiday and adjusted working day (调休上班):
                                                 {date, kind: holiday|workday_adjusted, name}, and the special
                                                 periods; where the year's arrangement is not published yet,
                                                 weekends only and a warning
    parklink duty who [--unit U] [--at T] [--json]     who is on duty (overrides and swaps applied)
    parklink duty gaps [--from --to] [--json]          each hour of a special period a unit lacks cover
    parklink duty event --from --to --reason [--json]  declare a major event: a special period
    parklink duty import|export|override|swap          the rosters (parklink/cli_duty_roster.py)
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from models.db import session_scope
from models.duty import DutyEvent, DutyRole, PeriodKind
from models.duty_store import add_record
from models.errors import InputError
from models.i18n import N_, tr
from models.types import SHANGHAI, utcnow
from parklink import cli_duty_roster
from parklink.app import console, err_console, print_json, print_table, state
from parklink.duty_args import instant, window
from tasks.duty.calendar import CalendarTableError, DayKind, Source, load_local_table, year_calendar
from tasks.duty.gap_notice import ROLE_WORDS, gap_runs
from tasks.duty.gaps import cover_gaps
from tasks.duty.roster_db import special_periods_for, who

app = typer.Typer(help="Duty around the clock: rosters, who is on duty, special periods, the Chinese calendar",
                  no_args_is_help=True)
app.command("import")(cli_duty_roster.import_)
app.command("export")(cli_duty_roster.export)
app.command("override")(cli_duty_roster.override)
app.command("swap")(cli_duty_roster.swap)
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
PERIODS = {PeriodKind.holiday: N_("holiday"), PeriodKind.major_event: N_("major event"),
           PeriodKind.warning: N_("warning"), PeriodKind.incident: N_("incident")}
KINDS = {DayKind.holiday: N_("holiday"), DayKind.workday_adjusted: N_("adjusted working day")}


@app.command("calendar")
def calendar(year: Annotated[int | None, typer.Option("--year", help="the year (default: this year)")] = None,
             json_out: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """Public holidays and adjusted working days of a year (chinesecalendar, or the park's own table)."""
    year = year or utcnow().astimezone(SHANGHAI).year
    if not 2000 <= year <= 2100:
        raise InputError(f"--year {year}: give a year between 2000 and 2100", exit_code=2)
    path = state.settings.holidays_file
    try:
        local = load_local_table(path) if path and path.exists() else None
    except CalendarTableError as exc:
        raise InputError(f"{exc}; fix the table (README \"Duty\")", exit_code=2) from None
    cal = year_calendar(year, local)
    lang = state.lang
    if cal.source is Source.weekends:
        err_console.print(tr(lang, "Warning: the {y} holiday arrangement is not published in chinesecalendar yet and "
                                   "PARKLINK_HOLIDAYS_FILE does not list it: weekends only. Add the year's State "
                                   "Council notice to that table.", y=year), markup=False, soft_wrap=True)
    rows = [{"date": d.date.isoformat(), "kind": d.kind.value, "name": d.name} for d in cal.days]
    begin = datetime(year, 1, 1, tzinfo=SHANGHAI)
    with session_scope(state.engine) as session:
        periods = [_period(p) for p in special_periods_for(session=session, settings=state.settings, start=begin,
                                                            end=begin.replace(year=year + 1))]
    if json_out:
        return print_json({"year": year, "source": cal.source.value, "days": rows, "special_periods": periods})
    print_table(tr(lang, "{y} holidays and adjusted working days ({s})", y=year, s=cal.source.value),
                [tr(lang, "date"), tr(lang, "kind"), tr(lang, "name")],
                [[r["date"], tr(lang, KINDS[DayKind(r["kind"])]), r["name"]] for r in rows])
    _print_periods(periods)


def _shown(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(SHANGHAI).isoformat(timespec="minutes")


def _period(p) -> dict:
    return {"kind": p.kind.value, "start": _shown(p.start), "end": _shown(p.end), "reason": p.reason}


def _print_periods(periods: list[dict]) -> None:
    lang = state.lang
    print_table(tr(lang, "special periods (day-and-night duty)"),
                [tr(lang, "kind"), tr(lang, "from"), tr(lang, "to"), tr(lang, "reason")],
                [[tr(lang, PERIODS[PeriodKind(p["kind"])]), p["start"], p["end"] or "…", p["reason"]]
                 for p in periods])


@app.command("who")
def who_(unit: Annotated[str | None, typer.Option("--unit", help="one unit (default: every unit with a roster)")] = None,
         at: Annotated[str | None, typer.Option("--at", help="ISO-8601 (default: now; Asia/Shanghai)")] = None,
         json_out: JsonOpt = False) -> None:
    """Who is on duty: each unit's duty officer (值班员) and leader on duty (带班领导), overrides applied."""
    when = instant(at, "--at")
    with session_scope(state.engine) as session:
        rows = [r.as_dict() for r in who(session=session, settings=state.settings, at=when, unit=unit)]
    if unit and not rows:
        err_console.print(tr(state.lang, "Warning: nobody of {u} is on duty at {t} (no roster, or a gap).", u=unit,
                             t=_shown(when)), markup=False, soft_wrap=True)
    if json_out:
        return print_json(rows)
    lang = state.lang
    print_table(tr(lang, "on duty at {t}", t=_shown(when)),
                [tr(lang, "unit"), tr(lang, "role"), tr(lang, "name"), tr(lang, "phone"), tr(lang, "from"),
                 tr(lang, "to"), tr(lang, "special period")],
                [[r["unit"], tr(lang, ROLE_WORDS[DutyRole(r["role"])]), r["name"], r["phone"], r["shift_start"][:16],
                  r["shift_end"][:16], (r["special_period"] or {}).get("reason")] for r in rows])


@app.command("gaps")
def gaps(start: Annotated[str | None, typer.Option("--from", help="ISO-8601 (default: now)")] = None,
         end: Annotated[str | None, typer.Option("--to", help="ISO-8601 (default: 30 days on)")] = None,
         json_out: JsonOpt = False) -> None:
    """Every hour of a special period in which the office or a resident enterprise lacks a duty officer or a
    leader on duty. Exit code 1 when there is any."""
    begin, finish = window(start, end)
    with session_scope(state.engine) as session:
        found = cover_gaps(session=session, settings=state.settings, start=begin, end=finish)
    if json_out:
        print_json([g.as_dict() for g in found])
    else:
        lang = state.lang
        print_table(tr(lang, "hours without the required cover, {a} – {b}", a=_shown(begin), b=_shown(finish)),
                    [tr(lang, "unit"), tr(lang, "role"), tr(lang, "from"), tr(lang, "to"), tr(lang, "hours"),
                     tr(lang, "special period")],
                    [[r.unit, tr(lang, ROLE_WORDS[r.role]), _shown(r.start), _shown(r.end), r.hours, r.reason]
                     for r in gap_runs(found)])
    if found:
        raise typer.Exit(1)


@app.command("event")
def event(start: Annotated[str, typer.Option("--from", help="ISO-8601 (Asia/Shanghai)")],
          end: Annotated[str, typer.Option("--to", help="ISO-8601 (Asia/Shanghai)")],
          reason: Annotated[str, typer.Option("--reason", help="the major event, e.g. 全国两会")],
          json_out: JsonOpt = False) -> None:
    """Declare a major event: from --from to --to every enterprise and the office keep day-and-night duty."""
    begin, finish = window(start, end)
    if not reason.strip():
        raise InputError("--reason: name the event, e.g. --reason 全国两会", exit_code=2)
    with session_scope(state.engine) as session:
        row = DutyEvent(kind=PeriodKind.major_event, starts_at=begin, ends_at=finish, reason=reason.strip()[:200])
        add_record(session=session, record=row)
        out = {"event": row.id, "kind": row.kind.value, "start": _shown(begin), "end": _shown(finish),
               "reason": row.reason}
    if json_out:
        return print_json(out)
    console.print(tr(state.lang, "major event {id} declared: {a} – {b}, {r}", id=out["event"], a=out["start"],
                     b=out["end"], r=out["reason"]), markup=False)
