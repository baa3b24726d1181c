"""The reminder flow of corrective actions (issue 14): one run a day until every action is closed.

    action_reminders(today=None, drill=False, time_scale=None, answer_rate=0.9, seed=0, lang="zh-CN")
        → RemindersResult (tasks/actions/results.py)

Deployed from `prefect.yaml` (`action-reminders`, every day at 09:30 Asia/Shanghai); `parklink actions remind`
runs the same flow in its own process. Each run, for `today` (default: today in the park):

1. open actions past their due day are marked overdue (as of the real day, never a later `today`);
2. the owner of each open action is reminded PARKLINK_ACTION_REMIND_DAYS days (default 7 and 1) before its due
   day (`remind-7`, `remind-1`);
3. each overdue action is escalated: its owner's primary liaison, then the owner unit's head, then the office
   (`overdue-0` the day it becomes overdue, `overdue-7`, `overdue-14` … every 7 days it stays overdue), each
   step given PARKLINK_ACTION_ACK_MIN (park minutes, on the time scale) to acknowledge.

The stage is the message kind, so a re-run the same day sends nothing new (tasks/actions/notices.py). A drill starts
its own drill gateway and acknowledgement service in this process and sends only there (its messages apart from
the real ones: a rehearsal never stands in for a notice); a live run is refused (Failed, one line, nothing sent)
where a drill gateway is configured or its liaisons could not be reached.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import date

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Completed, Failed

from flows.drill_env import standing_drill
from models.action import LIVE_STATES
from models.action_store import list_actions, mark_overdue
from models.db import session_scope
from models.errors import InputError
from models.incident_report import check_time_scale
from models.settings import Lang
from models.types import park_today
from tasks.actions.notices import escalate, remind
from tasks.actions.results import ActionNotice, RemindersResult
from tasks.actions.stages import overdue_kind, reminder_kind
from tasks.response.launch import require_live
from tasks.response.runtime import close_http_client, db, run_settings


def run_name() -> str:
    params = flow_run.parameters
    drill = ["drill"] if params.get("drill") else []
    return " · ".join(["action reminders", *drill, str(params.get("today") or park_today())])


@task(name="mark overdue", cache_policy=NO_CACHE)
def mark_step(settings, today: date) -> tuple[list[str], list[tuple[str, str, bool]]]:
    """Mark what is overdue now; what is due on `today`: (action, stage, escalate?) for each action."""
    with session_scope(db(settings)) as session:
        marked = [a.id for a in mark_overdue(session=session, today=min(today, park_today()))]
        live = list_actions(session=session, states=LIVE_STATES)
    due = []
    for action in live:
        kind = overdue_kind(action.due, today) if action.is_overdue(today) else \
            reminder_kind(action.due, today, settings.action_remind_days)
        if kind is not None:
            due.append((action.id, kind, kind.startswith("overdue")))
    return marked, due


@task(name="remind", cache_policy=NO_CACHE)
async def remind_step(settings, action_id: str, kind: str, today: date, drill: bool) -> ActionNotice:
    return await remind(db(settings), settings, action_id, kind, today=today, drill=drill)


@task(name="escalate", cache_policy=NO_CACHE)
async def escalate_step(settings, action_id: str, kind: str, today: date, drill: bool) -> ActionNotice:
    return await escalate(db(settings), settings, action_id, kind, today=today, drill=drill)


async def _notices(settings, due: list[tuple[str, str, bool]], today: date, drill: bool) -> list[ActionNotice]:
    """Every notice due, at once; a task that failed is one notice with its reason (the others go on)."""
    calls = [(escalate_step if up else remind_step).with_options(task_run_name=f"{kind} {action_id}")(
        settings, action_id, kind, today, drill, return_state=True) for action_id, kind, up in due]
    out = []
    for (action_id, kind, _), state in zip(due, await asyncio.gather(*calls), strict=True):
        if state.is_completed():
            out.append(await state.aresult())
        else:
            out.append(ActionNotice(action=action_id, kind=kind, owner="", sent=False,
                                    error=state.message or state.type.value))
    return out


@flow(name="action-reminders", flow_run_name=run_name, persist_result=False, log_prints=False)
async def action_reminders(today: date | None = None, drill: bool = False, time_scale: float | None = None,
                           answer_rate: float = 0.9, seed: int = 0, lang: Lang = "zh-CN") -> RemindersResult:
    """Mark overdue actions, remind owners before the due day, escalate what is overdue.

    Args:
        today: the day to remind for (YYYY-MM-DD); empty: today in Asia/Shanghai
        drill: send only to a drill gateway this run starts itself (its people answer at `answer_rate`)
        time_scale: acknowledgement deadlines shrink by this factor; empty: the drill time scale for a drill, else 1
        answer_rate: a drill's share of people who answer
        seed: a drill's seed (the same seed, the same people answer)
        lang: the language of the messages, zh-CN or en
    """
    day = today or park_today()
    base = run_settings(lang)
    try:
        if not 0 <= answer_rate <= 1:
            raise InputError(f"answer_rate {answer_rate}: give a share between 0 and 1")
        scale = check_time_scale(time_scale if time_scale is not None else
                                 (base.drill_time_scale if drill else 1.0), "time_scale")
        settings = run_settings(lang, scale)
        if not drill:
            require_live(db(settings), settings)
    except InputError as exc:
        return Failed(message=str(exc))
    marked, due = mark_step(settings, day)
    async with AsyncExitStack() as stack:
        env = await standing_drill(stack, settings, drill=drill, answer_rate=answer_rate, seed=seed, time_scale=scale)
        settings = env.settings if env is not None else settings
        notices = await _notices(settings, due, day, drill)
        await close_http_client()
        count = env.count() if env is not None else None
    with session_scope(db(settings)) as session:
        overdue = [a.id for a in list_actions(session=session, overdue_on=day)]
    reminded = [n.action for n in notices if n.sent and n.kind.startswith("remind")]
    escalated = [n.action for n in notices if n.sent and n.kind.startswith("overdue")]
    result = RemindersResult(
        today=day, drill=drill, marked_overdue=marked, overdue=overdue, reminded=reminded, escalated=escalated,
        notices=notices, drill_gateway=count, flow_run_id=str(flow_run.get_id() or "") or None,
        message=f"action reminders {day}: {len(reminded)} reminded, {len(escalated)} escalated, "
                f"{len(overdue)} overdue")
    failed = [f"{n.action}: {n.error}" for n in notices if n.error]
    if failed:
        return Failed(message=f"{result.message}; failed: {'; '.join(failed)}", data=result)
    return Completed(message=result.message, data=result)
