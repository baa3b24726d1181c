"""`parklink dispatch …`: plan (dry run), reserve, stand down — 先近后远、满足急需、先主后次.

    dispatch plan --at LAT,LON --needs FILE [--exclude-radius M] [--json]   prints the plan, writes nothing
    dispatch plan --incident ID [--needs FILE]                               the same for a recorded incident
    dispatch reserve --incident ID [--at LAT,LON --needs FILE]               reserves (re-plans if stale)
    dispatch stand-down --incident ID [--consumed NEED=QTY …]                releases what was not consumed
    dispatch reservations [--incident ID]                                     what is held

With `--incident ID` what the options leave out comes from the incident record: its position, the needs of
its playbook at its current level, and the isolation radius (the playbook's, widened to the chemical's).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import select

from models.allocation import Plan
from models.db import session_scope
from models.dispatch_store import list_reservations
from models.errors import InputError, RowError
from models.i18n import tr
from models.incident_report import check_incident_id
from models.inventory import ResourceType
from models.position import parse_position
from models.release_store import stand_down
from parklink.app import print_json, print_table, state
from tasks.dispatch import GreatCircle, NeedsRejected, plan_dispatch, read_needs_file
from tasks.dispatch_reserve import current_stock, incident_inputs, reserve_with_replan

app = typer.Typer(help="应急物资调度 (resource dispatch): plan, reserve, stand down.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
AtOpt = Annotated[str | None, typer.Option("--at", help="incident position LAT,LON, e.g. 36.15,112.27")]
NeedsOpt = Annotated[Path | None, typer.Option("--needs", help="needs file, YAML or JSON")]
RadiusOpt = Annotated[float | None, typer.Option("--exclude-radius", help="isolation radius in metres: depots "
                                                "inside are not used (default with --incident: the playbook's "
                                                "or the chemical's, else 0)")]


def _inputs(at: str | None, needs_file: Path | None, radius: float | None, incident: str | None):
    """Position, needs and isolation radius from the options. When --at or --needs is left out, the incident
    record fills the gaps: its position, its playbook level's needs, and (unless --exclude-radius is given)
    the playbook's isolation radius widened to the chemical's.
    --at, --exclude-radius and the needs file are validated together: every bad entry in one refusal."""
    if incident is not None:
        check_incident_id(incident, "--incident")
    if incident is None and (at is None or needs_file is None):
        raise InputError("give --at LAT,LON and --needs FILE, or --incident ID to plan from a recorded incident",
                         exit_code=2)
    errors: list[RowError] = []
    position, needs = None, None
    if at is not None:
        position, errors = parse_position(at, file="--at")
    if radius is not None and not radius >= 0:
        errors.append(RowError("--exclude-radius", 0, "", f"`{radius}` must be a distance in metres ≥ 0"))
    if needs_file is not None:
        with session_scope(state.engine) as session:
            known = set(session.exec(select(ResourceType.code)).all())
        try:
            needs, file_position = read_needs_file(needs_file, known_types=known)
        except NeedsRejected as exc:
            raise NeedsRejected(errors + exc.errors) from None
        position = position or file_position
    if errors:
        raise NeedsRejected(errors)
    if incident is not None and (position is None or needs is None):
        with session_scope(state.engine) as session:
            record = incident_inputs(session=session, incident_id=incident, playbooks_dir=state.settings.playbooks_dir)
        position = position or record.position
        needs = needs if needs is not None else record.needs
        radius = radius if radius is not None else record.isolation_radius_m
    if position is None:
        raise InputError("--at LAT,LON is required (or `at:` in the needs file)", exit_code=2)
    return needs, position, radius or 0.0


def _print_plan(plan: Plan, lang: str) -> None:
    data = plan.as_dict(lang)
    print_table(tr(lang, "allocations"),
                ["need", "depot", "resource_type", "quantity", "km", "eta_min", "reason"],
                [[a["need"], a["depot"], a["resource_type"], a["quantity"], a["distance_km"], a["eta_min"],
                  a["reason"]] for a in data["allocations"]])
    if data["requisitions"]:
        print_table(tr(lang, "requisitions (settle later)"),
                    ["need", "holder", "depot", "resource_type", "quantity", "km", "eta_min"],
                    [[r["need"], r["holder"], r["depot"], r["resource_type"], r["quantity"], r["distance_km"],
                      r["eta_min"]] for r in data["requisitions"]])
    if data["shortfalls"]:
        print_table(tr(lang, "shortfalls"), ["need", "resource_type", "quantity"],
                    [[s["need"], s["resource_type"], s["quantity"]] for s in data["shortfalls"]])
    if data["excluded"]:
        print_table(tr(lang, "depots not used"), ["depot", "reason"],
                    [[e["depot"], e["reason"]] for e in data["excluded"]])


@app.command()
def plan(
    at: AtOpt = None,
    needs: NeedsOpt = None,
    exclude_radius: RadiusOpt = None,
    incident: Annotated[str | None, typer.Option("--incident", help="plan for a recorded incident")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Dry run: who would give what to which need, nearest first by rank. Writes nothing."""
    need_list, position, exclude_radius = _inputs(at, needs, exclude_radius, incident)
    with session_scope(state.engine) as session:
        stock = current_stock(session=session, resource_types={n.resource_type for n in need_list})
    result = plan_dispatch(need_list, stock, position, travel=GreatCircle(state.settings.dispatch_speed_kmh),
                           exclude_radius_m=exclude_radius)
    if json_out:
        return print_json(result.as_dict(state.lang))
    _print_plan(result, state.lang)


@app.command()
def reserve(
    incident: Annotated[str, typer.Option("--incident", help="incident id (the idempotency key's first half)")],
    at: AtOpt = None,
    needs: NeedsOpt = None,
    exclude_radius: RadiusOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Plan and reserve in one locked transaction; re-plans if the stock moved. Applying twice reserves once."""
    need_list, position, exclude_radius = _inputs(at, needs, exclude_radius, incident)
    result = reserve_with_replan(state.engine, incident, need_list, position,
                                 speed_kmh=state.settings.dispatch_speed_kmh, exclude_radius_m=exclude_radius,
                                 lang=state.lang)
    if json_out:
        data = result.plan.as_dict(state.lang)
        data.update(incident=incident, skipped_needs=result.skipped_needs, attempts=result.attempts,
                    reservation_ids=[r.id for r in result.reservations],
                    requisition_ids=[r.id for r in result.requisitions])
        return print_json(data)
    lang = state.lang
    if result.skipped_needs:
        typer.echo(tr(lang, "already applied, not reserved again: {ids}", ids=", ".join(result.skipped_needs)))
    _print_plan(result.plan, lang)
    typer.echo(tr(lang, "{r} reservation(s), {q} requisition(s) (plan attempt {a})",
                  r=len(result.reservations), q=len(result.requisitions), a=result.attempts))


def _consumed(items: list[str]) -> dict[str, int]:
    out, errors = {}, []
    for item in items:
        key, sep, qty = item.rpartition("=")
        if not sep or not key or not qty.strip().isdigit():
            errors.append(RowError("--consumed", 0, item, "write NEED=QTY or NEED@DEPOT=QTY"))
        else:
            out[key.strip()] = int(qty)
    if errors:
        raise NeedsRejected(errors)
    return out


@app.command("stand-down")
def stand_down_(
    incident: Annotated[str, typer.Option("--incident", help="incident id")],
    consumed: Annotated[list[str] | None, typer.Option("--consumed", help="NEED=QTY used up (repeatable)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Release every reservation of the incident except what was consumed; cancel undelivered requisitions."""
    check_incident_id(incident, "--incident")
    used = _consumed(consumed or [])
    with session_scope(state.engine) as session:
        result = stand_down(session=session, incident_id=incident, consumed=used)
    if json_out:
        return print_json(result.__dict__)
    typer.echo(tr(state.lang, "released {r}, consumed {c}; {x} requisition(s) cancelled; {o} delivered still open",
                  r=result.released, c=result.consumed, x=len(result.cancelled_requisitions),
                  o=len(result.open_requisitions)))


@app.command()
def reservations(
    incident: Annotated[str | None, typer.Option("--incident", help="incident id")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Reservations held or closed, per incident."""
    with session_scope(state.engine) as session:
        rows = list_reservations(session=session, incident_id=incident)
    if json_out:
        return print_json(rows)
    print_table(tr(state.lang, "reservations"),
                ["id", "incident", "need", "depot", "resource_type", "quantity", "status", "consumed", "released"],
                [[r.id, r.incident_id, r.need_id, r.depot, r.resource_type, r.quantity, r.status, r.consumed,
                  r.released] for r in rows])

