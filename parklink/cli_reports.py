"""`parklink reports list|show|launch|dismiss`: the reports enterprises sent to `POST /api/reports`.

    list [--state S] [--json]           newest first
    show ID [--json]                    everything recorded, the office's notice and what it launched
    launch ID [--level L] [--drill]     an incident report → `respond` for its playbook, in this process as
                                        `parklink respond` runs (incident `INC-<ID>`, linked both ways); a warning
                                        report → the `warn` flow (parklink/report_launch.py)
    dismiss ID --why TEXT               nothing is launched; the reason kept
"""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer

from models.db import session_scope
from models.errors import InputError, ParkLinkError
from models.i18n import N_, tr
from models.incident_report import check_time_scale
from models.intake import EnterpriseReport, LaunchedBy, ReportKind, ReportState
from models.intake_store import dismiss_report, get_report, launch_failed, list_reports
from models.types import local_time
from parklink.app import console, print_json, print_table, state

app = typer.Typer(help="企业报送 (reports from enterprises): list, show, launch, dismiss.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
KIND_WORDS = {ReportKind.report: N_("incident"), ReportKind.warning: N_("warning")}
STATE_WORDS = {ReportState.received: N_("received"), ReportState.launched: N_("launched"),
               ReportState.dismissed: N_("dismissed")}


def _plain(r: EnterpriseReport) -> dict:
    return r.model_dump(mode="json")


def _kind(r: EnterpriseReport, lang: str) -> str:
    word = tr(lang, KIND_WORDS[r.kind])
    return f"{word} ({r.colour})" if r.colour else word


@app.command("list")
def list_(
    state_: Annotated[str | None, typer.Option("--state", help="received, launched or dismissed")] = None,
    json_out: JsonOpt = False,
) -> None:
    """The reports, newest first."""
    if state_ is not None and state_ not in ReportState.__members__:
        raise InputError(f"--state `{state_}`: choose from {', '.join(ReportState)}", exit_code=2)
    with session_scope(state.engine) as session:
        rows = list_reports(session=session, state=ReportState(state_) if state_ else None)
    if json_out:
        return print_json([_plain(r) for r in rows])
    lang = state.lang
    print_table(tr(lang, "reports from enterprises"), ["id", "unit", "playbook", "kind", "reported", "state", "incident"],
                [[r.id, r.enterprise, r.playbook, _kind(r, lang), local_time(r.received_at),
                  tr(lang, STATE_WORDS[r.state]), r.incident_id or r.warning_id] for r in rows])


@app.command()
def show(report_id: Annotated[str, typer.Argument(help="e.g. RPT-20261201-0001")], json_out: JsonOpt = False) -> None:
    """One report: what the enterprise said, whom the office notice reached, what it launched."""
    with session_scope(state.engine) as session:
        r = get_report(session=session, report_id=report_id)
    if json_out:
        return print_json(_plain(r))
    lang = state.lang
    notice = {None: tr(lang, "not yet"), True: tr(lang, "delivered"), False: tr(lang, "not delivered")}[r.notified]
    loss = f"{r.loss_cny:,.0f}"
    lines = [
        tr(lang, "report {id} from {unit}: {kind}, playbook {p}", id=r.id, unit=r.enterprise, kind=_kind(r, lang),
           p=r.playbook),
        tr(lang, "occurred {at} at {lat}, {lon}; received {got}", at=local_time(r.occurred_at), lat=r.latitude,
           lon=r.longitude, got=local_time(r.received_at)),
        tr(lang, "deaths {d}, injured {i}, evacuated {e}, loss {loss} CNY, chemical {c}", d=r.deaths, i=r.injured,
           e=r.evacuated, loss=loss, c=r.chemical or "—"),
        r.description,
        tr(lang, "state: {s}", s=tr(lang, STATE_WORDS[r.state]))
        + (f" · {r.incident_id or r.warning_id}" if r.incident_id or r.warning_id else "")
        + (f" · {r.dismissed_why}" if r.dismissed_why else ""),
        tr(lang, "office notice: {n}", n=notice) + (f" ({r.notify_error})" if r.notify_error else ""),
    ]
    if r.launch_error:
        lines.append(tr(lang, "last launch failed: {why}", why=r.launch_error))
    for line in lines:
        console.print(line, markup=False, soft_wrap=True)


@app.command()
def dismiss(
    report_id: Annotated[str, typer.Argument(help="the report's id")],
    why: Annotated[str, typer.Option("--why", help="why nothing is launched")] = "",
) -> None:
    """Launch nothing for a report; the reason is kept."""
    if not why.strip():
        raise InputError("--why: say why the report launches nothing", exit_code=2)
    with session_scope(state.engine) as session:
        dismiss_report(session=session, report_id=report_id, why=why.strip())
    console.print(tr(state.lang, "report {id} dismissed", id=report_id), markup=False)


@app.command()
def launch(
    report_id: Annotated[str, typer.Argument(help="the report's id")],
    level: Annotated[str | None, typer.Option("--level", help="response level (default: graded from the report)")] = None,
    drill: Annotated[bool, typer.Option("--drill", help="a drill: its own drill gateway and ack service")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Launch what the report asks for: `respond` for an incident report, `warn` for a warning report."""
    from parklink.report_launch import launch_warning_report, start_incident

    with session_scope(state.engine) as session:
        report = get_report(session=session, report_id=report_id)
    if report.state is not ReportState.received:
        raise InputError(f"report {report_id} is already {report.state.value}", exit_code=2)
    if report.kind is ReportKind.warning:
        if level is not None:
            raise InputError("--level goes with an incident report; this is a warning report", exit_code=2)
        from parklink.cli_warn import follow_warning

        warning_id = launch_warning_report(state.engine, report_id, by=LaunchedBy.operator, drill=drill,
                                           lang=state.lang, start=False)
        if not json_out:
            console.print(tr(state.lang, "report {id}: warning {w} launched", id=report_id, w=warning_id),
                          markup=False)
        return follow_warning(warning_id, drill=drill, json_out=json_out, extra={"report": report_id})
    _launch_incident(report, level, drill, json_out, start_incident)


def _launch_incident(report: EnterpriseReport, level: str | None, drill: bool, json_out: bool, start_incident) -> None:
    from parklink import engine as engine_manager
    from parklink.cli_respond import _run, drill_people, print_outcome
    from tasks.response.launch import require_live
    from tasks.response.results import ResponseResult
    from tasks.response.runtime import library

    if level is not None:
        library(state.settings).require_level(report.playbook, level)
    scale = check_time_scale(state.settings.drill_time_scale if drill else 1.0)
    people = drill_people(0.9, 0, 0.0, 0.0, None) if drill else None
    if not drill:
        require_live(state.engine, state.settings)
    engine_manager.ensure(state.settings)
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    report, incident = start_incident(state.engine, report.id, by=LaunchedBy.operator)
    try:
        flow_state, result = asyncio.run(_run(report.playbook, incident, level, drill, people, scale, state.lang,
                                              False, json_out))
    except BaseException as exc:
        with session_scope(state.engine) as session:
            launch_failed(session=session, report_id=report.id, error=f"{exc.__class__.__name__}: {exc}")
        raise
    if not isinstance(result, ResponseResult):
        raise ParkLinkError(f"the run ended {flow_state.type.value}: {flow_state.message}")
    from parklink.report_launch import record_flow_run

    record_flow_run(state.engine, report.id, result.flow_run_id)
    print_outcome(flow_state, result, json_out, extra={"report": report.id})
