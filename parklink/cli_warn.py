"""`parklink warn`: raise a warning and run its response; change, cancel, promote, list and show warnings.

    warn --type PLAYBOOK --colour blue|yellow|orange|red [--at LAT,LON | --enterprise CODE] [--expires ISO]
         [--text …] [--drill [--hold] …] [--json]
    warn raise|lower WARNING_ID --colour C      the running warning applies only the difference
    warn cancel WARNING_ID                      the running warning is lifted: standby released, duty back to normal
    warn promote WARNING_ID [--level L] …       `respond` for its playbook with its place and facts, linked both ways
    warn list [--active] [--json], warn show WARNING_ID [--json]

Exit codes as `parklink respond`: 0 everyone was reached; 1 the run failed; 2 refused input (nothing written);
3 the run ended with people not reached (named on stderr, and in `--json` as `unreached`).
"""

from __future__ import annotations

import asyncio
import os
from datetime import datetime
from typing import Annotated

import typer

from models.db import session_scope
from models.errors import InputError
from models.i18n import tr
from models.warning import ChangeKind
from models.warning_kinds import Colour, WarningRequest
from models.warning_store import get_warning, list_warnings, request_change
from parklink import engine as engine_manager
from parklink.app import console, err_console, print_json, print_table, state
from parklink.cli_respond import drill_people, parse_at
from parklink.warn_view import print_warning, result_json, run_and_follow
from tasks.warning.opening import new_warning
from tasks.warning.readback import read_back

EXIT_UNREACHED = 3
app = typer.Typer(help="预警联动 (warning linkage): raise a warning and run its response; change, cancel, promote.",
                  invoke_without_command=True, no_args_is_help=False)
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
ColourOpt = Annotated[Colour, typer.Option("--colour", "--color", help="blue, yellow, orange or red")]


def _time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"--{name} `{value}`: not an ISO 8601 time; write e.g. 2026-12-02T18:00+08:00",
                         exit_code=2) from None
    if at.tzinfo is None:
        raise InputError(f"--{name} `{value}`: say the offset, e.g. 2026-12-02T18:00+08:00", exit_code=2)
    return at


def _request(*, playbook: str, colour: Colour, at: str | None, enterprise: str | None, onset: str | None,
             expires: str | None, text: str) -> WarningRequest:
    lat, lon = parse_at(at)
    try:
        return WarningRequest(playbook=playbook, colour=colour, latitude=lat, longitude=lon, enterprise=enterprise,
                              onset=_time(onset, "onset"), expires=_time(expires, "expires"), text=text)
    except ValueError as exc:
        first = exc.errors()[0] if hasattr(exc, "errors") else {"msg": str(exc)}
        raise InputError(f"warning: {first['msg'].removeprefix('Value error, ')}", exit_code=2) from None


@app.callback()
def warn_command(
    ctx: typer.Context,
    playbook: Annotated[str | None, typer.Option("--type", help="the playbook the warning relates to")] = None,
    colour: Annotated[Colour | None, typer.Option("--colour", "--color", help="blue, yellow, orange or red")] = None,
    at: Annotated[str | None, typer.Option("--at", help="LAT,LON the warning concerns")] = None,
    enterprise: Annotated[str | None, typer.Option("--enterprise", help="the enterprise it concerns")] = None,
    onset: Annotated[str | None, typer.Option("--onset", help="ISO time it takes effect")] = None,
    expires: Annotated[str | None, typer.Option("--expires", help="ISO time it lapses by itself")] = None,
    text: Annotated[str, typer.Option("--text", help="the warning's words")] = "",
    drill: Annotated[bool, typer.Option("--drill", help="a drill: its own drill gateway; ends by itself")] = False,
    hold: Annotated[bool, typer.Option("--hold", help="a drill waits for `parklink warn cancel`")] = False,
    time_scale: Annotated[float | None, typer.Option("--time-scale", help="deadlines shrink by this factor")] = None,
    answer_rate: Annotated[float, typer.Option("--answer-rate", help="drill: share of liaisons who answer")] = 0.9,
    seed: Annotated[int, typer.Option("--seed", help="drill: replay the same people")] = 0,
    delay: Annotated[str | None, typer.Option("--delay", help="drill: seconds before a person answers")] = None,
    cap: Annotated[str | None, typer.Option("--cap", help="a CAP 1.2 alert: FILE or http(s) URL")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Raise a warning and run its response until it is lifted (a drill: until its first wave is done)."""
    if ctx.invoked_subcommand is not None:
        return
    if cap is not None:
        if colour is not None or at is not None or enterprise is not None:
            raise InputError("--cap takes the colour and the area from the alert: leave out --colour, --at and "
                             "--enterprise (--type overrides its event's playbook)", exit_code=2)
        return _from_cap(cap, playbook, drill=drill, hold=hold, time_scale=time_scale,
                         people=drill_people(answer_rate, seed, 0.0, 0.0, delay) if drill else None, json_out=json_out)
    if playbook is None or colour is None:
        raise InputError("say which warning: --type PLAYBOOK --colour blue|yellow|orange|red (or a subcommand: "
                         "raise, lower, cancel, promote, list, show)", exit_code=2)
    request = _request(playbook=playbook, colour=colour, at=at, enterprise=enterprise, onset=onset, expires=expires,
                       text=text)
    people = drill_people(answer_rate, seed, 0.0, 0.0, delay) if drill else None
    if hold and not drill:
        raise InputError("--hold goes with --drill (a live warning runs until it is lifted anyway)", exit_code=2)
    row = new_warning(request, drill=drill, time_scale=time_scale, lang=state.lang)
    _follow(row.id, drill=drill, people=people, hold=hold, json_out=json_out)


def _from_cap(source: str, playbook: str | None, *, drill: bool, hold: bool, time_scale: float | None, people,
              json_out: bool) -> None:
    from tasks.warning.cap_apply import apply_cap, read_source

    data, where = read_source(source, state.settings)
    applied = apply_cap(state.engine, data, where=where, settings=state.settings, playbook=playbook, drill=drill,
                        lang=state.lang, time_scale=time_scale)
    if applied.new:
        return _follow(applied.warning_id, drill=drill, people=people, hold=hold, json_out=json_out,
                       extra={"cap": applied.as_dict()})
    if json_out:
        return print_json({"cap": applied.as_dict(), "warning": applied.warning_id})
    console.print(tr(state.lang, "CAP alert {k}: {o}{w}{c}{r}", k=applied.key, o=applied.outcome.value,
                     w=f" → {applied.warning_id}" if applied.warning_id else "",
                     c=f" ({applied.change.value})" if applied.change else "",
                     r=f": {applied.reason}" if applied.reason else ""), markup=False, soft_wrap=True)


def follow_warning(warning_id: str, *, drill: bool, json_out: bool, extra: dict | None = None) -> None:
    """Run a warning already written (an enterprise's warning report launched by hand) and follow it here."""
    _follow(warning_id, drill=drill, people=None, hold=False, json_out=json_out, extra=extra)


def _follow(warning_id: str, *, drill: bool, people, hold: bool, json_out: bool, extra: dict | None = None) -> None:
    engine_manager.ensure(state.settings)
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    flow_state, result = asyncio.run(run_and_follow(state.engine, warning_id, drill=drill, people=people, hold=hold,
                                                    lang=state.lang, quiet=json_out))
    if result is None or not hasattr(result, "warning"):
        raise InputError(f"the warning run ended {flow_state.type.value}: {flow_state.message}")
    result = result.model_copy(update={"run_state": flow_state.type.value})
    if json_out:
        print_json({**result_json(result), **(extra or {})})
    else:
        print_warning(result, state.lang)
    if not flow_state.is_completed():
        raise typer.Exit(1)
    if not result.reached_everyone:
        who = result.unreached or [tr(state.lang, "the reserve check's recipient")]
        err_console.print("Error: " + tr(state.lang, "not reached: {who}", who=", ".join(who)), markup=False,
                          soft_wrap=True)
        raise typer.Exit(EXIT_UNREACHED)


def _change(warning_id: str, kind: ChangeKind, colour: Colour | None, reason: str) -> None:
    with session_scope(state.engine) as session:
        change = request_change(session=session, warning_id=warning_id, kind=kind, to_colour=colour, reason=reason)
    to = change.to_colour.value if change.to_colour else tr(state.lang, "lifted")
    console.print(tr(state.lang, "requested {w}: {a} → {b}; the warning's run applies it", w=warning_id,
                     a=change.from_colour.value, b=to), markup=False)


@app.command("raise")
def raise_cmd(warning_id: Annotated[str, typer.Argument(help="warning id")], colour: ColourOpt,
              reason: Annotated[str, typer.Option("--reason")] = "") -> None:
    """Raise a warning's colour: only the higher colour's actions and standby are added."""
    _change(warning_id, ChangeKind.raise_, colour, reason)


@app.command("lower")
def lower_cmd(warning_id: Annotated[str, typer.Argument(help="warning id")], colour: ColourOpt,
              reason: Annotated[str, typer.Option("--reason")] = "") -> None:
    """Lower a warning's colour: what the lower colour no longer needs is stood down."""
    _change(warning_id, ChangeKind.lower, colour, reason)


@app.command("cancel")
def cancel_cmd(warning_id: Annotated[str, typer.Argument(help="warning id")],
               reason: Annotated[str, typer.Option("--reason")] = "") -> None:
    """Lift a warning: standby released with a notice, duty back to normal, open actions closed."""
    _change(warning_id, ChangeKind.cancel, None, reason)


@app.command("list")
def list_cmd(active: Annotated[bool, typer.Option("--active", help="only warnings not yet lifted")] = False,
             json_out: JsonOpt = False) -> None:
    """The warnings, newest first."""
    with session_scope(state.engine) as session:
        rows = [r.model_dump() for r in list_warnings(session=session, active_only=active)]
    if json_out:
        return print_json(rows)
    print_table(tr(state.lang, "warnings"), ["id", "type", "colour", "state", "drill", "raised", "incident"],
                [[r["id"], r["playbook_id"], r["colour"], r["state"], r["drill"], r["raised_at"], r["incident_id"]]
                 for r in rows])


@app.command("show")
def show_cmd(warning_id: Annotated[str, typer.Argument(help="warning id")], json_out: JsonOpt = False) -> None:
    """One warning: its actions and who acknowledged them, standby, reserve check, its log."""
    from parklink.warn_view import print_log

    result = read_back(state.engine, warning_id)
    if json_out:
        return print_json(result_json(result, log=True, engine=state.engine, lang=state.lang))
    print_warning(result, state.lang)
    print_log(state.engine, warning_id, state.lang)


@app.command("promote")
def promote_cmd(warning_id: Annotated[str, typer.Argument(help="warning id")],
                level: Annotated[str | None, typer.Option("--level", help="response level (default: graded)")] = None,
                at: Annotated[str | None, typer.Option("--at", help="LAT,LON (default: the warning's)")] = None,
                enterprise: Annotated[str | None, typer.Option("--enterprise")] = None,
                chemical: Annotated[str | None, typer.Option("--chemical")] = None,
                injured: Annotated[int, typer.Option("--injured")] = 0,
                deaths: Annotated[int, typer.Option("--deaths")] = 0,
                evacuated: Annotated[int, typer.Option("--evacuated")] = 0,
                json_out: JsonOpt = False) -> None:
    """Launch `respond` for the warning's playbook, with its place and facts; the two are linked both ways."""
    from parklink.warn_promote import promote

    with session_scope(state.engine) as session:
        row = get_warning(session=session, warning_id=warning_id)
        session.expunge(row)
    promote(row, level=level, at=at, enterprise=enterprise, chemical=chemical, injured=injured, deaths=deaths,
            evacuated=evacuated, json_out=json_out)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="warn")
