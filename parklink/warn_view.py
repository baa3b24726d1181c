"""What an operator sees of a warning: its log as it grows while the run goes on, and the summary when it ends."""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine

from models.db import session_scope
from models.event_store import timeline
from models.i18n import tr
from models.types import local_time
from parklink.app import console, err_console, print_table
from parklink.warn_launch import run_warning
from tasks.warning.results import WarningResult


def _log(engine: Engine, warning_id: str, lang: str):
    with session_scope(engine) as session:
        return timeline(session=session, warning=warning_id, lang=lang)


async def run_and_follow(engine: Engine, warning_id: str, *, drill: bool, people, hold: bool, lang: str,
                         quiet: bool):
    """Run the warning in this process, printing each new entry of its log (on stderr when the output is JSON)."""
    out = err_console if quiet else console
    task = asyncio.ensure_future(run_warning(warning_id, drill=drill, people=people, hold=hold, lang=lang))
    shown = 0
    while True:
        done = task.done()
        found = await asyncio.to_thread(_log, engine, warning_id, lang)
        for entry in found[shown:]:
            out.print(f"{local_time(entry.at)[11:]}  {entry.text}", markup=False, highlight=False, soft_wrap=True)
        shown = max(shown, len(found))
        if done:
            return task.result()
        await asyncio.wait([task], timeout=0.5)


def result_json(result: WarningResult, *, log: bool = False, engine: Engine | None = None, lang: str = "zh-CN"):
    data = result.model_dump(mode="json")
    data["unreached"] = result.unreached
    data["reached_everyone"] = result.reached_everyone
    if log and engine is not None:
        data["log"] = [e.model_dump(mode="json") for e in _log(engine, result.warning, lang)]
    return data


def print_warning(result: WarningResult, lang: str) -> None:
    print_table(tr(lang, "warning {w} · {c} · {s}", w=result.warning, c=result.colour.value, s=result.state.value),
                [tr(lang, "action"), tr(lang, "colour"), tr(lang, "owner"), tr(lang, "status"),
                 tr(lang, "acknowledged by")],
                [[a.id, a.colour.value, a.owner, a.status.label(lang) if a.status else "—", a.acked_by or "—"]
                 for a in result.actions])
    s = result.standby
    console.print(tr(lang, "standby: {u} unit(s), {n} notified, {a} acknowledged", u=s.units, n=s.notified,
                     a=s.acknowledged), markup=False)
    short = result.reserve_check.shortfalls
    console.print(tr(lang, "reserve check: {n} shortfall(s)", n=len(short)) + "".join(
        f"\n  {x.level}: {x.resource_type} × {x.quantity}" for x in short), markup=False)
    if result.incident:
        console.print(tr(lang, "promoted to response {i}", i=result.incident), markup=False)
    if result.unreached:
        console.print(tr(lang, "not reached: {who}", who=", ".join(result.unreached)), markup=False, soft_wrap=True)


def print_log(engine: Engine, warning_id: str, lang: str) -> None:
    for entry in _log(engine, warning_id, lang):
        console.print(f"{local_time(entry.at)}  {entry.text}", markup=False, highlight=False, soft_wrap=True)
