"""The joint meeting flow (联席会议制度, source document 二(一); issue 14).

    meeting(meeting_id=None, date=None, kind="annual", reason=None, drill=False, time_scale=None,
            answer_rate=0.9, seed=0, lang="zh-CN", wait=None) → MeetingResult

A run opens the meeting (a new one, or `meeting_id` again: a re-run sends nothing twice), builds its agenda (the
12 months up to the meeting: incidents and drills, open and overdue corrective actions, the latest liaison
check, drill compliance), invites every active linkage unit's primary liaison with the agenda (the silent chased
to their deputy and head, then one reminder: tasks/meeting/invite.py), and keeps each unit's answer. Deployed in
`prefect.yaml` as `joint-meeting`, once a year: without `date` an annual meeting is held
`MEETING_NOTICE_DAYS` after the run. A drill starts its own drill gateway and acknowledgement service in this
process and sends only there; a live run is refused (Failed, one line, nothing sent) where a drill gateway is
configured or its liaisons could not be reached.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AsyncExitStack

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Completed, Failed

from flows.drill_env import standing_drill
from models.db import session_scope
from models.errors import InputError
from models.meeting import Meeting, MeetingKind, MeetingResult, MeetingState
from models.meeting_store import create_meeting, get_meeting, set_meeting
from models.settings import Lang
from models.types import park_today
from tasks.meeting.agenda import Agenda, agenda_text, build_agenda
from tasks.meeting.gather import gather_inputs
from tasks.meeting.invite import InviteReport, invite_units
from tasks.response.launch import require_live
from tasks.response.runtime import db, run_settings

MEETING_NOTICE_DAYS = 7  # an annual meeting without a date: a week after the scheduled run
LIVE_WAIT_S, DRILL_WAIT_S = 86400.0, 1800.0  # park seconds each wave of invitations is given to be answered


def today_in_park() -> dt.date:  # the day as this module reads it (tests set it here)
    return park_today()


def title(kind: str, day: dt.date | str | None, meeting_id: str | None, drill: bool) -> str:
    parts = ["joint meeting", *(["drill"] if drill else []), str(kind), str(day or "…"), meeting_id or "…"]
    return " · ".join(parts)


def run_name() -> str:
    p = flow_run.parameters
    return title(p.get("kind") or "annual", p.get("date"), p.get("meeting_id"), bool(p.get("drill")))


async def _rename(row: Meeting) -> None:
    """The run's name, once the meeting's id and date are known."""
    run_id = flow_run.get_id()
    if not run_id:
        return
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        await client.update_flow_run(run_id, name=title(row.kind.value, row.date, row.id, row.drill))


def open_meeting(settings, *, meeting_id: str | None, day: dt.date | None, kind: MeetingKind, reason: str | None,
                 drill: bool, lang: str) -> Meeting:
    with session_scope(db(settings)) as session:
        if meeting_id is not None:
            row = get_meeting(session=session, meeting_id=meeting_id)
            if row.drill != drill:
                raise InputError(f"meeting {meeting_id} is {'a drill' if row.drill else 'live'}: run it again "
                                 f"{'with' if row.drill else 'without'} drill; nothing was sent")
            if row.state in (MeetingState.held, MeetingState.cancelled):
                raise InputError(f"meeting {meeting_id} is {row.state.value}: nothing more is sent")
        else:
            row = create_meeting(session=session, day=day, kind=kind, reason=reason, drill=drill, lang=lang)
        set_meeting(session=session, meeting_id=row.id, flow_run_id=str(flow_run.get_id() or "") or None)
        session.flush()
        session.expunge(row)
        return row


def check_parameters(*, meeting_id, day, kind, reason, answer_rate, wait, time_scale) -> dt.date | None:
    """The meeting's day (an annual meeting without one: MEETING_NOTICE_DAYS from today); InputError otherwise."""
    if wait is not None and wait <= 0:
        raise InputError(f"wait {wait}: give seconds above 0")
    if time_scale is not None and time_scale <= 0:
        raise InputError(f"time_scale {time_scale}: give a factor above 0")
    if not 0 <= answer_rate <= 1:
        raise InputError(f"answer_rate {answer_rate}: give a share between 0 and 1")
    if meeting_id is not None:
        return None
    if kind is MeetingKind.ad_hoc and not (reason or "").strip():
        raise InputError("an ad hoc meeting needs its reason (--reason)")
    today = today_in_park()
    if day is None:
        if kind is MeetingKind.ad_hoc:
            raise InputError("an ad hoc meeting needs its date (--date)")
        return today + dt.timedelta(days=MEETING_NOTICE_DAYS)
    if day < today:
        raise InputError(f"date {day}: the meeting's day is in the past (today is {today})")
    return day


@task(name="build the agenda", cache_policy=NO_CACHE)
def agenda_step(settings, row: Meeting) -> Agenda:
    inputs = gather_inputs(db(settings), since=row.date - dt.timedelta(days=365), until=row.date)
    agenda = build_agenda(inputs, today_in_park())
    with session_scope(db(settings)) as session:
        stored = set_meeting(session=session, meeting_id=row.id, agenda=agenda.model_dump_json()).agenda
    return Agenda.model_validate_json(stored)  # a re-run: the agenda the first invitations carried


@task(name="invite the linkage units", cache_policy=NO_CACHE)
async def invite_step(settings, row: Meeting, agenda: Agenda, wait: float) -> InviteReport:
    report = await invite_units(db(settings), settings, meeting=row, agenda=agenda_text(settings.lang, agenda),
                                wait_s=wait)
    with session_scope(db(settings)) as session:
        set_meeting(session=session, meeting_id=row.id, state=MeetingState.invited)
    return report


@flow(name="meeting", flow_run_name=run_name, persist_result=False, log_prints=False)
async def meeting(meeting_id: str | None = None, date: dt.date | None = None, kind: MeetingKind = MeetingKind.annual,
                  reason: str | None = None, drill: bool = False, time_scale: float | None = None,
                  answer_rate: float = 0.9, seed: int = 0, lang: Lang = "zh-CN",
                  wait: float | None = None) -> MeetingResult:
    """Invite every linkage unit to the joint meeting with its agenda; collect who attends, delegates or is absent.

    Args:
        meeting_id: run this existing meeting again (its invitations are not sent twice)
        date: the meeting's day (Asia/Shanghai); empty for an annual meeting: a week from today
        kind: annual or ad_hoc
        reason: why an ad hoc meeting is called
        drill: send only to a drill gateway this run starts itself (its people answer at `answer_rate`)
        time_scale: a drill's park time factor; empty: PARKLINK_DRILL_TIME_SCALE
        answer_rate: a drill's share of people who answer
        seed: a drill's seed (the same seed, the same answers)
        lang: the language of the invitations, zh-CN or en
        wait: park seconds each wave is given to be answered (the invitation, then the reminder)
    """
    settings = run_settings(lang)
    try:
        day = check_parameters(meeting_id=meeting_id, day=date, kind=MeetingKind(kind), reason=reason,
                               answer_rate=answer_rate, wait=wait, time_scale=time_scale)
        if not drill:
            require_live(db(settings), settings)
        row = open_meeting(settings, meeting_id=meeting_id, day=day, kind=MeetingKind(kind), reason=reason,
                           drill=drill, lang=lang)
    except InputError as exc:
        return Failed(message=str(exc))
    await _rename(row)
    wait = wait or (DRILL_WAIT_S if drill else LIVE_WAIT_S)
    async with AsyncExitStack() as stack:
        env = await standing_drill(stack, settings, drill=drill, answer_rate=answer_rate, seed=seed,
                                   time_scale=time_scale)
        settings = env.settings if env is not None else settings
        agenda = agenda_step(settings, row)
        report = await invite_step(settings, row, agenda, wait)
        count = env.count() if env is not None else None
    c = report.counts
    result = MeetingResult(
        meeting=row.id, date=row.date, kind=row.kind, drill=row.drill, invited=len(report.invited),
        reminded=len(report.reminded), counts=c, uninvited=report.uninvited, drill_gateway=count,
        flow_run_id=row.flow_run_id,
        message=f"meeting {row.id}: {len(report.invited)} unit(s) invited; {c.will_attend} attend, {c.delegate} "
                f"delegate, {c.absent} absent, {c.no_answer} did not answer")
    return Completed(message=result.message, data=result)
