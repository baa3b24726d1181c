"""`parklink respond`: launch a playbook run for an incident — checked first, then run on the Prefect engine.

Everything an operator can get wrong (playbook, level, position, enterprise, chemical, counts, time scale,
incident id) is refused before anything is written, with one line and exit code 2. Exit codes: 0 everyone
needed was reached; 1 the run failed; 2 refused input; 3 completed with unreached units or undelivered
upward reports (named on stderr, and in `--json` as `unreached` and `undelivered_reports`).
"""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer
from sqlmodel import select

from models.db import session_scope
from models.directory import Unit, UnitKind
from models.drill import DrillPeople
from models.errors import InputError
from models.incident_report import IncidentReport, check_incident_id, check_time_scale, validated_report
from models.playbook import PlaybookInvalid, normalise_un
from models.position import Position, PositionError
from parklink import engine as engine_manager
from parklink.app import err_console, print_json, state
from parklink.respond_view import follow, print_result, unreached_line
from tasks.drill.gateway import Behaviour, parse_delay
from tasks.response.launch import effective_drill, require_drill_for_manual_approval, require_live
from tasks.response.results import ResponseResult
from tasks.response.runtime import library as playbook_library

EXIT_UNREACHED = 3  # the run completed, but somebody it had to reach was not reached (named on stderr)


def _check_count(name: str, value: float | None) -> None:
    if value is not None and value < 0:
        raise InputError(f"--{name} {value:g}: cannot be negative", exit_code=2)


def parse_at(at: str | None) -> tuple[float | None, float | None]:
    """`--at LAT,LON` as (latitude, longitude), or (None, None); InputError (exit 2) naming the option."""
    if at is None:
        return None, None
    try:
        position = Position.parse(at)
    except PositionError as exc:
        raise InputError(f"--at {exc}", exit_code=2) from None
    return position.latitude, position.longitude


def build_report(*, playbook: str, level: str | None, enterprise: str | None, at: str | None, chemical: str | None,
                 deaths: int, injured: int, loss: float, evacuated: int, description: str, incident_id: str | None,
                 wind_from: float, engine=None, settings=None) -> IncidentReport:
    """The validated report, or InputError(exit 2) naming the first thing to fix (against this command's database
    and settings, or the given ones: the board's drill form)."""
    engine, settings = engine or state.engine, settings or state.settings
    try:
        library = playbook_library(settings)
    except PlaybookInvalid as exc:
        raise InputError(f"the playbooks do not validate ({len(exc.issues)} errors); run `parklink playbooks validate`",
                         exit_code=2) from None
    if playbook not in library.ids():
        raise InputError(f"unknown playbook `{playbook}`; choose from {', '.join(sorted(library.ids()))}", exit_code=2)
    if incident_id is not None:
        check_incident_id(incident_id)
    levels = library.levels(playbook)
    if level is not None:
        library.require_level(playbook, level)
    for name, value in (("deaths", deaths), ("injured", injured), ("loss", loss), ("evacuated", evacuated)):
        _check_count(name, value)
    if not 0 <= wind_from < 360:
        raise InputError(f"--wind-from {wind_from:g}: give degrees 0–359 (the direction the wind blows from)",
                         exit_code=2)
    if (enterprise is None) == (at is None):
        raise InputError("say where: give --enterprise CODE or --at LAT,LON (one of them)", exit_code=2)
    lat, lon = parse_at(at)
    if enterprise is not None:
        with session_scope(engine) as session:
            unit = session.get(Unit, enterprise)
            if unit is None or unit.kind != UnitKind.enterprise or not unit.active:
                known = session.exec(select(Unit.code).where(Unit.kind == UnitKind.enterprise, Unit.active)).all()
                raise InputError(f"--enterprise `{enterprise}`: not a resident enterprise; choose from "
                                 f"{', '.join(sorted(known))}", exit_code=2)
            if unit.latitude is None:
                raise InputError(f"--enterprise `{enterprise}` has no site position in the directory; give --at LAT,LON "
                                 "or add latitude/longitude with `parklink directory import`", exit_code=2)
    if chemical is not None:
        chemicals = library.resolve(playbook, levels[0]).chemicals
        if normalise_un(chemical) not in chemicals:
            raise InputError(f"--chemical `{chemical}`: unknown UN number; known: {', '.join(sorted(chemicals))}",
                             exit_code=2)
        chemical = normalise_un(chemical)
    return validated_report(dict(incident_id=incident_id, enterprise=enterprise, latitude=lat, longitude=lon,
                                 chemical=chemical, deaths=deaths, injured=injured, loss_cny=loss,
                                 evacuated=evacuated, description=description, wind_from_deg=wind_from))


async def _run(playbook: str, report: IncidentReport, level: str | None, drill: bool, people: DrillPeople | None,
               time_scale: float, lang: str, hold: bool, json_out: bool, manual_approval: bool = False):
    from flows.respond import respond  # Prefect loads only when a run is launched

    async def launch():
        flow_state = await respond(playbook, report, level=level, drill=drill, time_scale=time_scale, lang=lang,
                                   hold=hold, people=people, manual_approval=manual_approval, return_state=True)
        return flow_state, await flow_state.aresult(raise_on_failure=False)

    return await follow(state.engine, launch(), quiet=json_out, lang=lang)


async def _submitted(playbook: str, params: dict, *, wait: bool, json_out: bool, lang: str):
    from parklink import submit

    if not wait:
        return await submit.submit(playbook, params), None
    started = {"incident": params["incident"]["incident_id"]} if params["incident"].get("incident_id") else {}

    async def launch():
        started["run"] = await submit.submit(playbook, params)
        return await submit.outcome(state.engine, started["run"].flow_run_id)

    return await follow(state.engine, launch(), quiet=json_out, lang=lang, incident=lambda: _incident(started))


def _incident(started: dict) -> str | None:
    """The submitted run's incident: the operator's id, else the one its flow run claimed (looked up once)."""
    if "incident" not in started and "run" in started:
        from tasks.response.run_claim import claimed_incident

        found = claimed_incident(state.engine, started["run"].flow_run_id)
        if found:
            started["incident"] = found
    return started.get("incident")


def drill_people(answer_rate: float, seed: int, error_rate: float, timeout_rate: float,
                 delay: str | None) -> DrillPeople:
    """The drill's people from the options, each bad one refused with the option's name (exit 2)."""
    Behaviour(answer_rate=answer_rate, error_rate=error_rate, timeout_rate=timeout_rate)
    return DrillPeople(answer_rate=answer_rate, seed=seed, error_rate=error_rate, timeout_rate=timeout_rate,
                       delay=parse_delay(delay) if delay is not None else None)


def respond_command(
    playbook: Annotated[str, typer.Argument(help="playbook id, e.g. hazmat-leak")],
    level: Annotated[str | None, typer.Option("--level", help="response level (default: graded from the report)")] = None,
    enterprise: Annotated[str | None, typer.Option("--enterprise", help="the incident enterprise's unit code")] = None,
    at: Annotated[str | None, typer.Option("--at", help="LAT,LON of the incident")] = None,
    chemical: Annotated[str | None, typer.Option("--chemical", help="UN number, e.g. UN1005")] = None,
    deaths: Annotated[int, typer.Option("--deaths")] = 0,
    injured: Annotated[int, typer.Option("--injured", help="serious injuries incl. acute poisoning")] = 0,
    loss: Annotated[float, typer.Option("--loss", help="first estimate of direct loss, CNY")] = 0.0,
    evacuated: Annotated[int, typer.Option("--evacuated")] = 0,
    description: Annotated[str, typer.Option("--description")] = "",
    incident_id: Annotated[str | None, typer.Option("--incident-id", help="continue (or name) this incident")] = None,
    wind_from: Annotated[float, typer.Option("--wind-from", help="degrees the wind blows from")] = 315.0,
    drill: Annotated[bool, typer.Option("--drill", help="a drill: the run starts its own drill gateway and ack "
                                                        "service; ends by itself")] = False,
    time_scale: Annotated[float | None, typer.Option("--time-scale", help="deadlines shrink by this factor")] = None,
    hold: Annotated[bool, typer.Option("--hold", help="a drill waits for `parklink stand-down`")] = False,
    manual_approval: Annotated[bool, typer.Option("--manual-approval", help="drill: every requisition waits for the "
                                                                           "commander's approval")] = False,
    answer_rate: Annotated[float, typer.Option("--answer-rate", help="drill: share of liaisons who answer")] = 0.9,
    seed: Annotated[int, typer.Option("--seed", help="drill: replay the same people")] = 0,
    error_rate: Annotated[float, typer.Option("--error-rate", help="drill: share of requests the gateway answers "
                                                                   "with 5xx")] = 0.0,
    timeout_rate: Annotated[float, typer.Option("--timeout-rate", help="drill: share of requests held until the "
                                                                       "sender times out")] = 0.0,
    delay: Annotated[str | None, typer.Option("--delay", help="drill: seconds before a person answers, N or "
                                                              "LOW-HIGH")] = None,
    deployment: Annotated[bool, typer.Option("--deployment", help="submit the run to the playbook's deployment: "
                                                                  "a worker runs it (see `parklink deploy`)")] = False,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="with --deployment: print the flow-run id at once")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Launch the playbook for an incident: command post, nine groups, reports, dispatch, assessment."""
    report = build_report(playbook=playbook, level=level, enterprise=enterprise, at=at, chemical=chemical,
                          deaths=deaths, injured=injured, loss=loss, evacuated=evacuated, description=description,
                          incident_id=incident_id, wind_from=wind_from)
    scale = check_time_scale(time_scale if time_scale is not None else
                             (state.settings.drill_time_scale if drill else 1.0))
    people = drill_people(answer_rate, seed, error_rate, timeout_rate, delay) if drill else None
    drill = effective_drill(state.engine, report, drill)  # an incident that is a drill stays one
    require_drill_for_manual_approval(drill, manual_approval)
    if no_wait and not deployment:
        raise InputError("--no-wait goes with --deployment (a run in this process ends with this command)", exit_code=2)
    if not drill and not deployment:  # a live run that could not reach people or would reach a drill gateway
        require_live(state.engine, state.settings)  # (a worker's run checks its own machine the same way)
    engine_manager.ensure(state.settings)
    # The live view is the console; Prefect's own INFO lines still reach the run's log in the UI.
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    if deployment:
        from parklink.submit import parameters

        params = parameters(report=report, level=level, drill=drill, people=people, time_scale=scale,
                            lang=state.lang, hold=hold, manual_approval=manual_approval)
        flow_state, result = asyncio.run(_submitted(playbook, params, wait=not no_wait, json_out=json_out,
                                                    lang=state.lang))
        if no_wait:
            return _print_submitted(flow_state, json_out)
    else:
        flow_state, result = asyncio.run(_run(playbook, report, level, drill, people, scale, state.lang, hold,
                                              json_out, manual_approval))
    if not isinstance(result, ResponseResult):
        raise InputError(f"the run ended {flow_state.type.value}: {flow_state.message}")
    print_outcome(flow_state, result, json_out)


def print_outcome(flow_state, result: ResponseResult, json_out: bool, extra: dict | None = None) -> None:
    """A response run's end as the operator sees it: its result (JSON with `extra`, or tables), and the exit code —
    1 the run failed, 3 it completed with someone not reached (named on stderr)."""
    result = result.model_copy(update={"state": flow_state.type.value, "ui_url": ui_link(result.flow_run_id)})
    if json_out:
        print_json({**(extra or {}), **result.model_dump(mode="json")})
    else:
        print_result(result, state.lang)
    if not flow_state.is_completed():
        raise typer.Exit(1)
    if not result.reached_everyone:
        err_console.print(f"Error: {unreached_line(result, state.lang)}", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_UNREACHED)


def _print_submitted(submitted, json_out: bool) -> None:
    link = ui_link(submitted.flow_run_id)
    if json_out:
        return print_json({"flow_run_id": submitted.flow_run_id, "deployment": submitted.deployment, "ui_url": link})
    print(submitted.flow_run_id)
    if link:
        err_console.print(link, markup=False, soft_wrap=True)


def ui_link(flow_run_id: str | None) -> str | None:
    api = os.environ.get("PREFECT_API_URL")
    if not api or not flow_run_id:
        return None
    return f"{api.removesuffix('/api')}/runs/flow-run/{flow_run_id}"
