"""`parklink directory check --live` (the `liaison-check` flow, run in this process) and `parklink directory checks`."""

from __future__ import annotations

import asyncio

import typer

from models.check_store import list_checks
from models.db import session_scope
from models.errors import InputError
from models.i18n import N_, tr
from models.liaison_check import CheckReason, LiaisonCheckResult
from models.types import local_time
from parklink.app import console, drill_options, local_engine, print_json, print_table, state


async def _run(wait_s: float | None, drill: bool, answer_rate: float, seed: int, lang: str):
    from flows.liaison_check import liaison_check  # Prefect loads only when a check is run

    flow_state = await liaison_check(wait=wait_s, drill=drill, answer_rate=answer_rate, seed=seed, lang=lang,
                                     reason=CheckReason.manual, return_state=True)
    return flow_state, await flow_state.aresult(raise_on_failure=False)


def live_check(*, wait_s: float | None, drill: bool, answer_rate: float | None, seed: int | None,
               json_out: bool) -> None:
    """Send the check message to every active primary liaison; exit 1 when anyone is unreachable."""
    drill = drill_options(drill=drill, answer_rate=answer_rate, seed=seed)
    if wait_s is not None and wait_s <= 0:
        raise InputError(f"--wait {wait_s}: give seconds above 0", exit_code=2)
    local_engine(drill=drill)
    lang = state.lang
    flow_state, result = asyncio.run(_run(wait_s, drill, 0.9 if answer_rate is None else answer_rate, seed or 0,
                                          lang))
    if not isinstance(result, LiaisonCheckResult) or result.report is None:
        raise InputError(f"the liaison check ended {flow_state.type.value}: {flow_state.message}")
    report = result.report
    if json_out:
        print_json({**report, "office_notified": result.office_notified, "heads_notified": result.heads_notified,
                    "flow_run_id": result.check.flow_run_id if result.check else None})
    else:
        if report["unreachable"]:
            print_table(tr(lang, "unreachable liaisons ({n})", n=len(report["unreachable"])),
                        ["unit", "liaison", "role", "reason"],
                        [[u["unit"], u["liaison"], u["role"], _reason(lang, u["reason"])]
                         for u in report["unreachable"]])
        console.print(tr(lang, "liaison check #{id}: {c} primary liaisons, {a} acknowledged, {e} escalated, "
                         "{u} unreachable; {n} unit(s) reached nobody",
                         id=report["check_id"], c=report["checked"], a=report["acknowledged"],
                         e=report["escalated"], u=len(report["unreachable"]), n=len(report["units_unreached"])),
                      markup=False)
        if result.stale:
            console.print(tr(lang, "the office was told of {n} liaison(s) to verify or fix{failed}", n=result.stale,
                             failed="" if result.office_notified else tr(lang, " (not delivered)")), markup=False)
        if result.heads_notified:
            console.print(tr(lang, "failed two checks in a row, head told: {units}",
                             units=", ".join(result.heads_notified)), markup=False)
    if report["unreachable"]:
        raise typer.Exit(1)


# Why a liaison was unreachable (tasks/notify/check.py's CheckReport names each with one of these keys).
UNREACHABLE = {"silent": N_("did not answer"), "undeliverable": N_("undeliverable"),
               "no active primary": N_("no active primary")}
REASONS = {CheckReason.weekly: N_("weekly"), CheckReason.holiday: N_("before a holiday"),
           CheckReason.manual: N_("by hand")}


def _reason(lang: str, reason: str) -> str:
    return tr(lang, UNREACHABLE[reason]) if reason in UNREACHABLE else reason


def list_past(*, limit: int, json_out: bool) -> None:
    """`parklink directory checks`: the kept result of every check, newest first."""
    with session_scope(state.engine) as session:
        records = list_checks(session=session, limit=limit)
    if json_out:
        return print_json([r.model_dump(mode="json") for r in records])
    lang = state.lang
    if not records:
        console.print(tr(lang, "no liaison check yet (parklink directory check --live)"))
        return
    columns = ["check", "started", "kind", "reason", "checked", "acknowledged", "escalated", "unreachable",
               "units reached nobody"]  # headings: parklink/i18n.py
    rows = [[r.id, local_time(r.started_at), tr(lang, "drill") if r.drill else tr(lang, "live"),
             tr(lang, REASONS[r.reason]) if r.reason else "", r.checked, r.acknowledged, r.escalated, r.unreachable,
             ", ".join(r.units_unreached)] for r in records]
    print_table(tr(lang, "liaison checks ({n})", n=len(records)), columns, rows)
