"""`parklink meeting`: the joint meeting of the linkage units (联席会议, issue 14).

    schedule --date D [--ad-hoc --reason …] [--drill …] [--json]   the `meeting` flow, run in this process
    minutes MEETING [--file minutes.md] [--resolution "…" --owner U --due D]…   minutes; resolutions as actions
    list [--json] · show MEETING [--json] [--lang en]                the record, from the templates
"""

from __future__ import annotations

import asyncio
import re
import sys
from datetime import date
from typing import Annotated

import typer

from models.action import ActionSource
from models.action_store import add_action, list_actions
from models.db import session_scope
from models.directory import Unit
from models.errors import InputError, NotFound
from models.i18n import tr
from models.meeting import MEETING_ID, MeetingKind, MeetingResult
from models.meeting_store import get_meeting, list_meetings, record_minutes
from models.text_file import FileRefused, read_text_file
from parklink.app import console, local_engine, print_json, print_table, state

app = typer.Typer(help="The joint meeting of the linkage units: schedule, minutes, record.", no_args_is_help=True)
MAX_MINUTES = 256 * 1024  # bytes of a minutes file


def _day(text: str, option: str) -> date:
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} `{text}`: give a day as YYYY-MM-DD, e.g. 2027-01-12", exit_code=2) from None


def _meeting(meeting_id: str):
    if not re.fullmatch(MEETING_ID, meeting_id):
        raise InputError(f"meeting `{meeting_id}`: an id looks like MTG-20270112-0001 (parklink meeting list)",
                         exit_code=2)
    with session_scope(state.engine) as session:
        try:
            row = get_meeting(session=session, meeting_id=meeting_id)
        except NotFound as exc:
            raise InputError(str(exc), exit_code=2) from None
        session.expunge(row)
        return row


async def _run(**params):
    from flows.meeting import meeting  # Prefect loads only when a meeting is scheduled

    flow_state = await meeting(**params, return_state=True)
    return flow_state, await flow_state.aresult(raise_on_failure=False)


@app.command()
def schedule(
    day: Annotated[str, typer.Option("--date", help="the meeting's day, YYYY-MM-DD (Asia/Shanghai)")],
    ad_hoc: Annotated[bool, typer.Option("--ad-hoc", help="an ad hoc meeting (default: the annual one)")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="why an ad hoc meeting is called")] = None,
    drill: Annotated[bool, typer.Option("--drill", help="rehearse the invitations through a drill gateway")] = False,
    time_scale: Annotated[float | None, typer.Option("--time-scale", help="a drill's park time factor")] = None,
    wait: Annotated[float | None, typer.Option("--wait", help="park seconds each wave is given to be answered")] = None,
    answer_rate: Annotated[float, typer.Option("--answer-rate", help="a drill's share of people who answer")] = 0.9,
    seed: Annotated[int, typer.Option("--seed", help="a drill's seed")] = 0,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Invite every linkage unit's liaison, with the agenda; collect who attends, delegates or is absent."""
    when = _day(day, "--date")
    if ad_hoc and not (reason or "").strip():
        raise InputError("--ad-hoc needs --reason: say why the meeting is called", exit_code=2)
    if time_scale is not None and time_scale <= 0:
        raise InputError(f"--time-scale {time_scale}: give a factor above 0", exit_code=2)
    if wait is not None and wait <= 0:
        raise InputError(f"--wait {wait}: give seconds above 0", exit_code=2)
    if not 0 <= answer_rate <= 1:
        raise InputError(f"--answer-rate {answer_rate}: give a share between 0 and 1", exit_code=2)
    from flows.meeting import today_in_park

    if when < today_in_park():
        raise InputError(f"--date {when}: the day is in the past (today is {today_in_park()})", exit_code=2)
    local_engine(drill=drill)
    lang = state.lang
    flow_state, result = asyncio.run(_run(
        date=when, kind=MeetingKind.ad_hoc if ad_hoc else MeetingKind.annual, reason=reason, drill=drill,
        time_scale=time_scale, answer_rate=answer_rate, seed=seed, lang=lang, wait=wait))
    if not isinstance(result, MeetingResult):
        raise InputError(f"the meeting flow ended {flow_state.type.value}: {flow_state.message}", exit_code=2)
    if json_out:
        return print_json(result.model_dump(mode="json"))
    c = result.counts
    console.print(tr(lang, "meeting {id} on {date}: {n} unit(s) invited, {r} reminded; {a} attend, {d} delegate, "
                     "{x} absent, {s} did not answer", id=result.meeting, date=result.date.isoformat(),
                     n=result.invited, r=result.reminded, a=c.will_attend, d=c.delegate, x=c.absent, s=c.no_answer),
                  markup=False)


def _resolutions(texts: list[str], owners: list[str], dues: list[str]) -> list[tuple[str, str, date]]:
    if not (len(texts) == len(owners) == len(dues)):
        raise InputError(f"{len(texts)} --resolution, {len(owners)} --owner, {len(dues)} --due: give each "
                         "resolution its --owner and --due", exit_code=2)
    out = []
    with session_scope(state.engine) as session:
        for text, owner, due in zip(texts, owners, dues, strict=True):
            if not text.strip():
                raise InputError("--resolution is empty: say what was resolved", exit_code=2)
            if session.get(Unit, owner) is None:
                raise InputError(f"--owner `{owner}`: unknown unit (parklink directory list)", exit_code=2)
            out.append((text.strip(), owner, _day(due, "--due")))
    return out


@app.command()
def minutes(
    meeting_id: Annotated[str, typer.Argument(metavar="MEETING", help="MTG-YYYYMMDD-NNNN")],
    file: Annotated[str | None, typer.Option("--file", help="the minutes (Markdown): the meeting is held")] = None,
    resolution: Annotated[list[str] | None, typer.Option("--resolution", help="a resolution (repeatable)")] = None,
    owner: Annotated[list[str] | None, typer.Option("--owner", help="its owner unit, one per --resolution")] = None,
    due: Annotated[list[str] | None, typer.Option("--due", help="its due day, one per --resolution")] = None,
) -> None:
    """Record the meeting's minutes; each resolution becomes an open corrective action."""
    row = _meeting(meeting_id)
    adds = _resolutions(resolution or [], owner or [], due or [])
    if file is None and not adds:
        raise InputError("give --file minutes.md, or --resolution with --owner and --due", exit_code=2)
    text = None
    if file is not None:
        try:
            text = read_text_file(file, limit=MAX_MINUTES)
        except FileRefused as exc:
            raise InputError(str(exc), exit_code=2) from None
        if not text.strip():
            raise InputError(f"{file}: the minutes are empty", exit_code=2)
    lang, added = state.lang, []
    with session_scope(state.engine) as session:
        if text is not None:
            record_minutes(session=session, meeting_id=row.id, minutes=text)
        have = list_actions(session=session, source=ActionSource.meeting, source_id=row.id)
        for what, unit, day in adds:
            same = next((a for a in have if a.text == what and a.owner == unit), None)
            if same is None:  # the same resolution twice is one action
                same = add_action(session=session, key=f"{row.id}:resolution:{len(have) + 1}",
                                  source=ActionSource.meeting, source_id=row.id, text=what, owner=unit, due=day)
                have.append(same)
            added.append(same.id)
    if text is not None:
        console.print(tr(lang, "minutes recorded: meeting {id} is held", id=row.id), markup=False)
    for action_id in added:
        console.print(tr(lang, "resolution recorded as action {action}", action=action_id), markup=False)


@app.command("list")
def list_(json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every meeting, newest first."""
    with session_scope(state.engine) as session:
        rows = [m.model_dump(exclude={"minutes", "agenda"}) for m in list_meetings(session=session)]
    if json_out:
        return print_json(rows)
    lang = state.lang
    if not rows:
        console.print(tr(lang, "no meeting yet (parklink meeting schedule)"))
        return
    print_table(tr(lang, "joint meetings ({n})", n=len(rows)), ["meeting", "date", "kind", "state", "drill"],
                [[m["id"], m["date"], m["kind"], m["state"], m["drill"]] for m in rows])


@app.command()
def show(
    meeting_id: Annotated[str, typer.Argument(metavar="MEETING", help="MTG-YYYYMMDD-NNNN")],
    json_out: Annotated[bool, typer.Option("--json")] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="zh-CN (default) or en")] = None,
) -> None:
    """The meeting's record: attendance, agenda, minutes, resolutions."""
    from tasks.meeting.record import meeting_record, render_record

    if lang is not None and lang not in ("zh-CN", "en"):
        raise InputError(f"--lang `{lang}`: choose zh-CN or en", exit_code=2)
    row = _meeting(meeting_id)
    record = meeting_record(state.engine, row.id)
    if json_out:
        return print_json(record.model_dump(mode="json"))
    sys.stdout.write(render_record(state.settings.templates_dir, lang or state.lang, record))
