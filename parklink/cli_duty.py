"""`parklink duty …`: duty around the clock (issue 12). Today: the Chinese calendar of a year.

    parklink duty calendar [--year Y] [--json]   each public holiday and adjusted working day (调休上班):
                                                 {date, kind: holiday|workday_adjusted, name}; where the year's
                                                 arrangement is not published yet, weekends only and a warning
"""

from __future__ import annotations

from typing import Annotated

import typer

from models.errors import InputError
from models.i18n import N_, tr
from models.types import SHANGHAI, utcnow
from parklink.app import err_console, print_json, print_table, state
from tasks.duty.calendar import CalendarTableError, DayKind, Source, load_local_table, year_calendar

app = typer.Typer(help="Duty around the clock: the Chinese calendar", no_args_is_help=True)
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
    if json_out:
        return print_json({"year": year, "source": cal.source.value, "days": rows})
    print_table(tr(lang, "{y} holidays and adjusted working days ({s})", y=year, s=cal.source.value),
                [tr(lang, "date"), tr(lang, "kind"), tr(lang, "name")],
                [[r["date"], tr(lang, KINDS[DayKind(r["kind"])]), r["name"]] for r in rows])
