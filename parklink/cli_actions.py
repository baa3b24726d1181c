"""`parklink actions`: corrective actions, from a finding to its closure (issue 14; models/action.py).

    actions list [--overdue] [--source S] [--owner U] [--state S] [--json]
    actions show ID [--json]                              the action and every message sent about it
    actions confirm ID [--owner U] [--due YYYY-MM-DD]     a proposed action becomes open
    actions done ID --evidence TEXT|FILE                  closed, with what shows it was done (a file is read)
    actions drop ID --why TEXT
    actions add --source S --source-id X --owner U --due D --text T   an operator's own action, open at once
    actions remind [--today D] [--drill [--answer-rate R] [--seed N]] [--time-scale X] [--json]
                                                          the `action-reminders` flow, once, in this process (exit 1:
                                                          a notice failed)

States are read on today's date in the park (Asia/Shanghai): an open action past its due day is shown overdue.
Every refusal — an unknown id or unit, a bad or past day, an action already closed — is one line, exit 2, and
nothing is written.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from models.action import SOURCE_LABELS, STATE_LABELS, ActionSource, ActionState, CorrectiveAction
from models.action_store import (
    add_action,
    check_owner,
    complete_action,
    confirm_action,
    drop_action,
    get_action,
    list_actions,
)
from models.db import session_scope
from models.errors import InputError, NotFound
from models.i18n import tr, trc
from models.notification import ContextKind
from models.notification_store import notifications
from models.text_file import FileRefused, read_text_file
from models.types import local_time, park_today
from parklink.app import console, drill_options, local_engine, print_json, print_table, state
from parklink.i18n import heading

EVIDENCE_MAX = 64 * 1024  # bytes of an evidence file kept with the action
app = typer.Typer(help="整改措施 (corrective actions): list, confirm, close, drop, add; reminders.",
                  no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
IdArg = Annotated[str, typer.Argument(help="the action's id, ACT-YYYYMMDD-NNNN")]


@contextmanager
def refused() -> Iterator[None]:
    """What the store refuses (an unknown id or unit, a closed action) is refused input here: exit 2 (a setting or
    a database that cannot be reached stays exit 1)."""
    try:
        yield
    except (InputError, NotFound) as exc:
        raise InputError(str(exc), exit_code=2) from None


def parse_day(value: str | None, option: str, *, not_before: date | None = None) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{option} `{value}`: not a day; write YYYY-MM-DD, e.g. 2026-12-31", exit_code=2) from None
    if not_before is not None and day < not_before:
        raise InputError(f"{option} {day}: the day has passed (today is {not_before} in the park)", exit_code=2)
    return day


def read_evidence(value: str) -> str:
    """The text, or the contents of the file it names (a regular UTF-8 file of at most EVIDENCE_MAX bytes)."""
    if "\x00" in value:
        raise InputError("--evidence: contains a NUL character; remove it", exit_code=2)
    try:
        is_file = bool(value.strip()) and Path(value).exists()
    except OSError:  # a text too long to be a path
        is_file = False
    if not is_file:
        return value
    try:
        return read_text_file(Path(value), limit=EVIDENCE_MAX)
    except FileRefused as exc:
        raise InputError(f"--evidence {exc}", exit_code=2) from None


FIELDS = ("id", "source", "source_id", "kpi", "text", "owner", "due", "state", "evidence", "why_dropped", "key",
          "created_at", "confirmed_at", "closed_at", "closed_by")


def action_json(row: CorrectiveAction, today: date) -> dict:
    """The action's fields, its state as read today."""
    data = row.model_dump(mode="json")
    return {name: row.state_on(today).value if name == "state" else data[name] for name in FIELDS}


def _state(row: CorrectiveAction, today: date, lang: str) -> str:
    return trc(lang, "action", STATE_LABELS[row.state_on(today)])


@app.command("list")
def list_cmd(
    overdue: Annotated[bool, typer.Option("--overdue", help="only those past their due day")] = False,
    source: Annotated[ActionSource | None, typer.Option("--source", help="meeting, drill, incident or warning")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="the owner unit's code")] = None,
    state_: Annotated[ActionState | None, typer.Option("--state", help="proposed, open, overdue, done or dropped")]
    = None,
    json_out: JsonOpt = False,
) -> None:
    """Corrective actions by due day (an open one past its due day is overdue)."""
    today = park_today()
    with refused(), session_scope(state.engine) as session:
        if owner is not None:
            check_owner(session=session, code=owner)
        rows = list_actions(session=session, source=source, owner=owner, overdue_on=today if overdue else None)
    if state_ is not None:
        rows = [r for r in rows if r.state_on(today) is state_]
    if json_out:
        return print_json([action_json(r, today) for r in rows])
    lang = state.lang
    if not rows:
        console.print(tr(lang, "no corrective action (parklink actions add, or an assessment's proposals)"))
        return
    print_table(tr(lang, "corrective actions ({n})", n=len(rows)),
                ["id", "source", "record", "owner", "due", "state", "item"],
                [[r.id, tr(lang, SOURCE_LABELS[r.source]), r.source_id, r.owner, r.due.isoformat(),
                  _state(r, today, lang), r.text] for r in rows])


@app.command("show")
def show(action_id: IdArg, json_out: JsonOpt = False) -> None:
    """One action: where it came from, owner, due day, state, evidence, and the messages sent about it."""
    today = park_today()
    with refused(), session_scope(state.engine) as session:
        row = get_action(session=session, action_id=action_id)
        messages = notifications(session=session, context_kind=ContextKind.action, context_id=row.id)
    sent = [{"kind": m.message_kind, "group": m.group, "step": m.step, "unit": m.recipient_unit,
             "liaison": m.liaison_name, "status": m.state, "queued_at": m.created_at, "acked_at": m.acked_at}
            for m in messages]
    if json_out:
        return print_json({**action_json(row, today), "messages": sent})
    lang = state.lang
    fields = [("id", row.id), ("source", f"{tr(lang, SOURCE_LABELS[row.source])} {row.source_id}"),
              ("kind", row.kpi or "—"), ("owner", row.owner), ("due", row.due.isoformat()),
              ("state", _state(row, today, lang)), ("item", row.text), ("reported", local_time(row.created_at)),
              ("ended", local_time(row.closed_at)), ("note", row.evidence or row.why_dropped or "—")]
    print_table(tr(lang, "corrective action {id}", id=row.id), ["name", "note"],
                [[heading(k, lang), v] for k, v in fields])
    if sent:
        print_table(tr(lang, "messages ({n})", n=len(sent)), ["kind", "unit", "liaison", "status"],
                    [[m["kind"], m["unit"], m["liaison"], m["status"]] for m in sent])


def _done(row: CorrectiveAction, what: str) -> None:
    console.print(tr(state.lang, "{id}: {what} ({owner}, due {due})", id=row.id, what=what, owner=row.owner,
                     due=row.due.isoformat()), markup=False)


@app.command("confirm")
def confirm(
    action_id: IdArg,
    owner: Annotated[str | None, typer.Option("--owner", help="another owner unit")] = None,
    due: Annotated[str | None, typer.Option("--due", help="another due day, YYYY-MM-DD")] = None,
) -> None:
    """A proposed action (from an assessment) becomes open, optionally with another owner or due day."""
    day = parse_day(due, "--due", not_before=park_today())
    with refused(), session_scope(state.engine) as session:
        row = confirm_action(session=session, action_id=action_id, owner=owner, due=day)
    _done(row, trc(state.lang, "action", "open"))


@app.command("done")
def done(
    action_id: IdArg,
    evidence: Annotated[str, typer.Option("--evidence", help="what shows it was done: a text, or a file to keep")],
) -> None:
    """The action was carried out: closed with its evidence (a file's text is kept, up to 64 KiB)."""
    text = read_evidence(evidence)
    with refused(), session_scope(state.engine) as session:
        row = complete_action(session=session, action_id=action_id, evidence=text)
    _done(row, trc(state.lang, "action", "done"))


@app.command("drop")
def drop(action_id: IdArg, why: Annotated[str, typer.Option("--why", help="why it is not to be done")]) -> None:
    """The action will not be carried out: closed with the reason."""
    with refused(), session_scope(state.engine) as session:
        row = drop_action(session=session, action_id=action_id, why=why)
    _done(row, trc(state.lang, "action", "dropped"))


@app.command("add")
def add(
    source: Annotated[ActionSource, typer.Option("--source", help="meeting, drill, incident or warning")],
    source_id: Annotated[str, typer.Option("--source-id", help="the meeting, incident or warning it answers")],
    owner: Annotated[str, typer.Option("--owner", help="the owner unit's code")],
    due: Annotated[str, typer.Option("--due", help="the due day, YYYY-MM-DD")],
    text: Annotated[str, typer.Option("--text", help="what is to be done")],
    json_out: JsonOpt = False,
) -> None:
    """An operator's own corrective action, open at once."""
    today = park_today()
    day = parse_day(due, "--due", not_before=today)
    text, source_id = text.strip(), source_id.strip()
    if not text or not source_id:
        raise InputError("--text and --source-id must say something", exit_code=2)
    if len(source_id) > 40 or "\x00" in text + source_id:
        raise InputError("--source-id: at most 40 characters, and no NUL character in it or in --text", exit_code=2)
    with refused(), session_scope(state.engine) as session:  # an operator's own: a key of its own, never merged
        row = add_action(session=session, key=f"{source.value}:{source_id}:manual:{uuid.uuid4().hex[:12]}",
                         source=source, source_id=source_id, text=text, owner=owner, due=day)
    if json_out:
        return print_json(action_json(row, today))
    _done(row, trc(state.lang, "action", "open"))


def _notice_status(notice, lang: str) -> str:
    """An overdue notice: how its chase ended; a reminder: sent now, or before (the same stage is sent once)."""
    if notice.error:
        return tr(lang, "failed")
    if notice.status is not None:
        return notice.status.label(lang)
    return tr(lang, "sent") if notice.sent else tr(lang, "sent before")


async def _remind(**params):
    from flows.action_reminders import action_reminders  # Prefect loads only when reminders are sent

    flow_state = await action_reminders(**params, return_state=True)
    return flow_state, await flow_state.aresult(raise_on_failure=False)


@app.command("remind")
def remind(
    today: Annotated[str | None, typer.Option("--today", help="remind as on this day, YYYY-MM-DD")] = None,
    drill: Annotated[bool, typer.Option("--drill", help="send only to a drill gateway this run starts")] = False,
    answer_rate: Annotated[float | None, typer.Option("--answer-rate", help="drill: share of people who answer")]
    = None,
    seed: Annotated[int | None, typer.Option("--seed", help="drill: replay the same people")] = None,
    time_scale: Annotated[float | None, typer.Option("--time-scale", help="acknowledgement deadlines shrink by this "
                                                     "factor")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Run the `action-reminders` flow once, here: overdue marked, owners reminded, overdue actions escalated."""
    from models.incident_report import check_time_scale
    from tasks.actions.results import RemindersResult

    day = parse_day(today, "--today")
    drill = drill_options(drill=drill, answer_rate=answer_rate, seed=seed)
    if time_scale is not None:
        check_time_scale(time_scale)
    local_engine(drill=drill)
    lang = state.lang
    flow_state, result = asyncio.run(_remind(today=day, drill=drill, time_scale=time_scale,
                                             answer_rate=0.9 if answer_rate is None else answer_rate,
                                             seed=seed or 0, lang=lang))
    if not isinstance(result, RemindersResult):
        raise InputError(f"the action reminders ended {flow_state.type.value}: {flow_state.message}")
    if json_out:
        print_json(result)
    else:
        if result.notices:
            print_table(tr(lang, "reminders and overdue notices ({n})", n=len(result.notices)),
                        ["id", "kind", "owner", "status", "escalated", "problem"],
                        [[n.action, n.kind, n.owner, _notice_status(n, lang), ", ".join(n.escalated_to),
                          n.error or "; ".join(n.problems)] for n in result.notices])
        console.print(tr(lang, "action reminders {day}: {r} reminded, {e} escalated, {o} overdue", day=result.today,
                         r=len(result.reminded), e=len(result.escalated), o=len(result.overdue)), markup=False)
    if not flow_state.is_completed():
        raise typer.Exit(1)
