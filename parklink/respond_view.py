"""What an operator sees while a run goes on (rich live view) and when it ends (summary tables)."""

from __future__ import annotations

import asyncio
from collections import Counter

from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine

from models.db import session_scope
from models.event_store import events, events_since, last_event_id, names
from models.events import NO_NAMES, Event, EventKind, GroupActivated, Names, UnitOutcomeEvent, UnitStatus
from models.events.entry import entries
from models.i18n import tr
from models.settings import get_settings
from models.types import local_time, utcnow
from parklink.app import console, err_console, print_table
from tasks.response.results import ResponseResult


def _since(engine: Engine) -> int:
    with session_scope(engine) as session:
        return last_event_id(session=session)


def _events(engine: Engine, after: int, incident: str | None = None) -> tuple[list[Event], Names]:
    """The whole record of the incident this run writes to — `incident` when it is known, else the one of the
    first entry written after `after` (a re-run's counters start from what the incident already has) — and
    who its codes are."""
    with session_scope(engine) as session:
        if incident is None:
            found = events_since(session=session, after_id=after)
            incident = found[0].incident if found else None
        found = events(session=session, incident=incident) if incident else []
        return found, names(session=session, events=found)


def counters(record: list[Event]) -> Counter:
    """What the status line counts, from the incident's record: groups activated (each once, not the members a
    raised level adds), units by how they answered, reports sent."""
    counted: Counter = Counter()
    counted["groups"] = len({e.payload.group for e in record if isinstance(e.payload, GroupActivated)})
    counted["reports"] = sum(e.kind is EventKind.upward_report for e in record)
    for e in record:
        if isinstance(e.payload, UnitOutcomeEvent):
            counted[e.payload.status] += 1
    return counted


def _rows(events: list[Event], lang: str, who: Names) -> Table:
    """The ten latest entries in time order, units and people by name."""
    table = Table(show_header=True, header_style="dim", box=None)
    table.add_column(tr(lang, "time"))
    table.add_column(tr(lang, "what"))
    for entry in entries(events, who, lang)[-10:]:
        table.add_row(local_time(entry.at)[11:], Text(entry.text))
    return table


def _view(events: list[Event], lang: str, who: Names = NO_NAMES) -> Group:
    counted = counters(events)
    status = Text(tr(lang, "{g} groups activated · {a} units acknowledged · {e} escalated · {u} unreachable · "
                           "{r} reports · {now}", g=counted["groups"], a=counted[UnitStatus.acknowledged],
                     e=counted[UnitStatus.escalated], u=counted[UnitStatus.unreachable], r=counted["reports"],
                     now=local_time(utcnow())), style="bold")
    return Group(status, _rows(events, lang, who))


async def follow(engine: Engine, work, *, quiet: bool, lang: str, incident=lambda: None):
    """Await `work` while showing the run's activity log as it grows (on stderr when the output is JSON);
    `incident()` names the run's incident once it is known (a deployment run among others writing at once)."""
    start = await asyncio.to_thread(_since, engine)
    task = asyncio.ensure_future(work)
    with Live(_view([], lang), console=err_console if quiet else console, refresh_per_second=4,
              transient=quiet) as live:
        while not task.done():
            await asyncio.wait([task], timeout=0.5)
            found, who = await asyncio.to_thread(lambda: _events(engine, start, incident()))  # its lookup too
            live.update(_view(found, lang, who))
    if not quiet:
        console.print()
    return task.result()


def print_result(result: ResponseResult, lang: str) -> None:
    if result.closed:
        console.print(tr(lang, "incident {i} was stood down already: this run sent, reserved and recorded nothing",
                         i=result.incident), markup=False)
        return
    print_table(tr(lang, "incident {i} · level {l} · {s}", i=result.incident, l=result.level, s=result.state),
                [tr(lang, "group"), tr(lang, "units"), tr(lang, "notified"), *(s.label(lang) for s in UnitStatus)],
                [[g.name, len(g.units), g.notified, g.acknowledged, g.escalated, g.unreachable] for g in result.groups])
    console.print(tr(lang, "resources: {a} allocations, {r} requisitions, {s} shortfalls", a=len(result.allocations),
                     r=len(result.requisitions), s=len(result.shortfalls)))
    assessment, reports_dir = result.assessment, get_settings().reports_dir
    if assessment.markdown and reports_dir is not None:  # files written under PARKLINK_REPORTS_DIR
        console.print(tr(lang, "assessment: {m}\n            {h}", m=reports_dir / assessment.markdown,
                         h=reports_dir / assessment.html), markup=False, soft_wrap=True)
    else:
        console.print(tr(lang, "assessment: stored; print it with `parklink report {i}`", i=result.incident),
                      markup=False, soft_wrap=True)
    if assessment.actions:
        console.print(tr(lang, "corrective actions proposed: {ids} (parklink actions confirm ID)",
                         ids=", ".join(assessment.actions)), markup=False, soft_wrap=True)
    if result.ui_url:
        console.print(tr(lang, "this run in the Prefect UI: {u}", u=result.ui_url), markup=False, soft_wrap=True)
    if result.board_url:
        console.print(tr(lang, "the incident's board: {url}", url=result.board_url), markup=False, soft_wrap=True)
    for label, message in result.failed.items():
        err_console.print(f"Error: {label}: {message}", markup=False)


def unreached_line(result: ResponseResult, lang: str) -> str:
    """Who the run did not reach: the units nobody answered for, the upward reports that did not arrive."""
    units = [f"{u.unit} ({u.group})" for u in result.unreached]
    reports = [tr(lang, "report {seq} → {recipient}", seq=r.seq, recipient=r.recipient)
               for r in result.undelivered_reports]
    return tr(lang, "completed with unreached units or undelivered reports: {who}",
              who=tr(lang, ", ").join(units + reports))
