"""Operators' commands on a running or past incident: escalate, approve, stand-down, report (history: cli_history)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from models.db import session_scope
from models.dispatch import RequisitionStatus, ReservationStatus
from models.dispatch_store import list_reservations
from models.errors import InputError, NotFound
from models.i18n import tr
from models.incident_store import (
    get_incident,
    request_level_change,
    request_stand_down,
)
from models.playbook import load_playbooks
from models.report_store import assessments
from models.requisition_store import approve, list_requisitions
from parklink import cli_history
from parklink.app import console, print_json, state
from parklink.report_output import check_output, pdf_report, write_report

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]


def escalate(incident: Annotated[str, typer.Argument(help="incident id")],
             level: Annotated[str, typer.Option("--level", help="the new response level (higher or lower)")],
             reason: Annotated[str, typer.Option("--reason")] = "") -> None:
    """Change the response level of a running incident; the run applies only the difference."""
    with session_scope(state.engine) as session:
        current = get_incident(session=session, incident_id=incident)
        load_playbooks(state.settings.playbooks_dir).require_level(current.playbook_id, level)
        change = request_level_change(session=session, incident_id=incident, to_level=level, reason=reason)
    console.print(tr(state.lang, "requested {i}: level {a} → {b}; the running response applies only the difference",
                     i=incident, a=change.from_level, b=change.to_level))


def approve_cmd(incident: Annotated[str, typer.Argument(help="incident id")], json_out: JsonOpt = False) -> None:
    """Approve the incident's requisitions that wait for the commander."""
    with session_scope(state.engine) as session:
        get_incident(session=session, incident_id=incident)
        waiting = list_requisitions(session=session, incident_id=incident, status=RequisitionStatus.requested)
        done = [approve(session=session, requisition_id=r.id).id for r in waiting]
    if json_out:
        return print_json({"approved": done})
    console.print(tr(state.lang, "approved {n} requisition(s): {ids}", n=len(done),
                     ids=", ".join(map(str, done)) or "—"))


def _consumption(items: list[str]) -> dict[str, int]:
    out = {}
    for item in items:
        need, sep, qty = item.partition("=")
        if not sep or not need.strip() or not qty.strip().isdigit():
            raise InputError(f"--consumed `{item}`: give NEED=QUANTITY, e.g. rescue-scba=4", exit_code=2)
        out[need.strip()] = int(qty)
    return out


def _check_consumption(session, incident: str, consumed: dict[str, int]) -> None:
    """Refuse now what the run's stand-down would refuse later: a need (or need@depot) with no held
    reservation, or more consumed than it holds."""
    held = list_reservations(session=session, incident_id=incident, status=ReservationStatus.held)
    for key, qty in consumed.items():
        need, _, depot = key.partition("@")
        cap = sum(r.quantity for r in held if r.need_id == need and (not depot or r.depot == depot))
        if not cap:
            needs = sorted({r.need_id for r in held})
            raise InputError(f"--consumed `{key}`: incident `{incident}` holds no reservation for it; held: "
                             f"{', '.join(needs) or 'none yet'}", exit_code=2)
        if qty > cap:
            raise InputError(f"--consumed `{key}={qty}`: only {cap} reserved", exit_code=2)


def stand_down(incident: Annotated[str, typer.Argument(help="incident id")],
               consumed: Annotated[list[str] | None, typer.Option("--consumed", help="NEED=QTY used up")] = None) -> None:
    """End the response: the run releases reservations, records consumption and writes the assessment."""
    used = _consumption(consumed or [])
    with session_scope(state.engine) as session:
        request_stand_down(session=session, incident_id=incident, consumed=used)
        _check_consumption(session, incident, used)  # an error rolls the request back
    console.print(tr(state.lang, "stand-down requested for {i}", i=incident))


def report(incident: Annotated[str, typer.Argument(help="incident id")],
           fmt: Annotated[str, typer.Option("--format", help="md, html or pdf (printable, 公文 layout)")] = "md",
           output: Annotated[Path | None, typer.Option("-o", "--output")] = None) -> None:
    """Print (or write) the after-action assessment of an incident, from the database (on any machine).
    A PDF goes to -o FILE, or to standard output when that is not a terminal."""
    if fmt not in ("md", "html", "pdf"):
        raise InputError(f"--format `{fmt}`: choose md, html or pdf", exit_code=2)
    check_output(output, fmt)
    with session_scope(state.engine) as session:
        current = get_incident(session=session, incident_id=incident)
        rows = assessments(session=session, incident=incident)
    if not rows:
        raise NotFound(f"incident `{incident}` has no assessment yet; it is written at stand-down")
    record = next((r for r in rows if r.lang == state.lang), None)
    if record is None:  # assessed in another language: render this one from the same records, writing nothing
        from tasks.response.assessing import render_assessment
        from tasks.response.run import Run
        from tasks.response.runtime import library

        run = Run(incident_id=current.id, playbook=current.playbook_id, level=current.level, lang=state.lang,
                  time_scale=current.time_scale, drill=current.drill, enterprise=current.enterprise)
        plan = library(state.settings).resolve(current.playbook_id, current.level)
        rendered = render_assessment(state.engine, state.settings, run, plan)
        text = rendered.markdown_text if fmt == "md" else rendered.html_text
    else:
        text = record.markdown if fmt == "md" else record.html
    if fmt == "pdf":
        write_report(output, pdf_report(html=text, incident=current, settings=state.settings, engine=state.engine,
                                        lang=state.lang))
    elif output:
        write_report(output, text.encode("utf-8"))
    else:
        sys.stdout.write(text)


def register(app: typer.Typer) -> None:
    from parklink.cli_respond import respond_command

    app.command("respond")(respond_command)
    app.command("escalate")(escalate)
    app.command("approve")(approve_cmd)
    app.command("stand-down")(stand_down)
    app.command("report")(report)
    app.command("history")(cli_history.history)
