"""`parklink requisitions …`: the ledger of what was requisitioned (先征用、后结算) and what is owed.

    list [--incident ID] [--status S]       approve ID…      deliver ID [--quantity N]
    return ID [--consumed N] [--fee X]      consume ID…      cancel ID…      settle ID…      owed
"""

from __future__ import annotations

from typing import Annotated

import typer

from models import requisition_store as ledger
from models.db import session_scope
from models.dispatch import RequisitionStatus
from models.errors import InputError
from models.i18n import tr
from parklink.app import print_json, print_table, state

app = typer.Typer(help="征用台账 (requisition ledger): list, move along, settle.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
IdsArg = Annotated[list[int], typer.Argument(help="requisition ids")]


def _show(rows, json_out: bool) -> None:
    if json_out:
        return print_json(rows)
    print_table(tr(state.lang, "requisitions"),
                ["id", "incident", "need", "holder", "depot", "resource_type", "quantity", "delivered", "returned",
                 "consumed", "unit_price", "amount", "status"],
                [[r.id, r.incident_id, r.need_id, r.holder, r.depot, r.resource_type, r.quantity, r.delivered,
                  r.returned, r.consumed, r.unit_price, r.amount, r.status] for r in rows])


def _amounts(rows: list[ledger.HolderAmount], title: str, json_out: bool) -> None:
    if json_out:
        return print_json([r.__dict__ for r in rows])
    print_table(title, ["holder", "amount_cny", "requisitions"],
                [[r.holder, f"{r.amount:.2f}", ", ".join(map(str, r.requisitions))] for r in rows])


@app.command("list")
def list_(
    incident: Annotated[str | None, typer.Option("--incident", help="incident id")] = None,
    status: Annotated[str | None, typer.Option("--status", help="requested, approved, delivered, returned, "
                                                                 "consumed, settled or cancelled")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Requisitions with their status, quantities, unit price and amount."""
    if status is not None and status not in RequisitionStatus.__members__:
        raise InputError(f"--status `{status}`: choose one of {', '.join(RequisitionStatus.__members__)}",
                         exit_code=2)
    with session_scope(state.engine) as session:
        rows = ledger.list_requisitions(session=session, incident_id=incident,
                                        status=RequisitionStatus(status) if status else None)
    _show(rows, json_out)


def _each(ids: list[int], move, json_out: bool, **kwargs) -> None:
    """All or nothing: one transaction for the whole list."""
    with session_scope(state.engine) as session:
        rows = [move(session=session, requisition_id=i, **kwargs) for i in ids]
    _show(rows, json_out)


@app.command()
def approve(ids: IdsArg, json_out: JsonOpt = False) -> None:
    """The leading group approves the requisition."""
    _each(ids, ledger.approve, json_out)


@app.command()
def deliver(
    requisition_id: Annotated[int, typer.Argument(help="requisition id")],
    quantity: Annotated[int | None, typer.Option("--quantity", help="handed over (default: all requested)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """The holder handed it over; what was not handed over goes back to the holder's stock."""
    _each([requisition_id], ledger.deliver, json_out, quantity=quantity)


@app.command("return")
def return_(
    requisition_id: Annotated[int, typer.Argument(help="requisition id")],
    consumed: Annotated[int, typer.Option("--consumed", help="units used up (paid at unit price)")] = 0,
    fee: Annotated[float, typer.Option("--fee", help="compensation for the use of what comes back, CNY")] = 0.0,
    json_out: JsonOpt = False,
) -> None:
    """After use: the rest goes back to the holder."""
    _each([requisition_id], ledger.close, json_out, consumed=consumed, use_fee=fee)


@app.command()
def consume(ids: IdsArg, json_out: JsonOpt = False) -> None:
    """Everything delivered was used up (paid at unit price)."""
    _each(ids, ledger.close, json_out, consumed=None)


@app.command()
def cancel(ids: IdsArg, json_out: JsonOpt = False) -> None:
    """Not needed after all (before delivery): the units go back to the holder."""
    _each(ids, ledger.cancel, json_out)


@app.command()
def settle(ids: IdsArg, json_out: JsonOpt = False) -> None:
    """Settle returned or consumed requisitions: prints what is paid per holder. All or nothing."""
    with session_scope(state.engine) as session:
        rows = ledger.settle(session=session, requisition_ids=ids)
    _amounts(rows, tr(state.lang, "settled: amounts per holder"), json_out)


@app.command()
def owed(
    incident: Annotated[str | None, typer.Option("--incident", help="incident id")] = None,
    json_out: JsonOpt = False,
) -> None:
    """What is owed per holder and not yet settled."""
    with session_scope(state.engine) as session:
        rows = ledger.amounts_owed(session=session, incident_id=incident)
    _amounts(rows, tr(state.lang, "owed per holder, not yet settled"), json_out)
