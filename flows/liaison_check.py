"""The liaison check flow: can every unit's liaison be reached, checked on a schedule (issue 12).

    liaison_check(wait=None, drill=False, answer_rate=0.9, seed=0, lang="zh-CN", reason="manual",
                  only_before_holiday=False, check_id=None) → LiaisonCheckResult

Deployed from `prefect.yaml` with two schedules: weekly, and daily with `only_before_holiday` (the run checks
whether today, in Asia/Shanghai, is `PARKLINK_CHECK_DAYS_BEFORE_HOLIDAY` days before the first day of an
important holiday, and completes at once, "not due", sending nothing, when it is not). `parklink directory
check --live` runs the same flow in its own process.

Each run: the check (tasks/notify/check.py: primaries messaged, the silent escalated to their deputy, the check
closed and kept unit by unit), then the office told of the liaisons to verify or fix, then the head of each
unit that failed this check and the one before (tasks/notify/check_followup.py); before a holiday, the office
also hears of every hour of the holiday's special period without the required duty cover (tasks/duty/gap_notice.py). A drill starts its own drill
gateway and acknowledgement service in this process and sends only there; a live run is refused (Failed, one
line, nothing sent) where a drill gateway is configured or its liaisons could not be reached. `check_id` runs
an existing check again: an open one (its run died) carries on, a finished one is only read back; the office's
and heads' messages are never sent twice for the same check.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import date

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Completed, Failed

from flows.drill_env import standing_drill
from models.check_store import check_record, set_check_run
from models.db import session_scope
from models.errors import InputError
from models.liaison_check import CheckReason, LiaisonCheckResult
from models.notification_store import create_check, get_check
from models.settings import Lang
from models.types import park_today
from tasks.duty.gap_notice import GapNotice, send_gap_notice
from tasks.notify.check import CheckReport, run_liaison_check
from tasks.notify.check_followup import escalate_repeated, report_stale
from tasks.notify.check_rules import HolidayLike, due_before_holiday
from tasks.response.launch import require_live
from tasks.response.runtime import db, run_settings


def today_in_park() -> date:  # the day as this module reads it (tests set it here)
    return park_today()


def run_name() -> str:
    drill = ["drill"] if flow_run.parameters.get("drill") else []
    return " · ".join(["liaison check", *drill, today_in_park().isoformat()])


def important_holidays(year: int, settings) -> list[HolidayLike]:
    """The year's important holidays (tasks/duty/periods.py, the duty calendar's part of issue 12)."""
    try:
        from tasks.duty.periods import important_holidays as periods
    except ModuleNotFoundError:
        raise InputError("the holiday check needs the important-holiday calendar (tasks/duty/periods.py), which "
                         "this ParkLink does not have yet; nothing was sent") from None
    return periods(year, settings)


def holiday_due(settings, today: date) -> HolidayLike | None:
    """The holiday this run is the check before, if today is the day (next year's: a holiday in early January)."""
    periods = [*important_holidays(today.year, settings), *important_holidays(today.year + 1, settings)]
    return due_before_holiday(today, periods, settings.check_days_before_holiday)


def _open(settings, wait: float | None, drill: bool, reason: CheckReason, check_id: int | None) -> int:
    with session_scope(db(settings)) as session:
        if check_id is None:
            check_id = create_check(session=session, wait_s=wait or settings.check_wait_s, drill=drill).id
        current = get_check(session=session, check_id=check_id)
        if current is None:
            raise InputError(f"liaison check #{check_id} does not exist (`parklink directory checks` lists them)")
        if current.drill != drill:
            raise InputError(f"liaison check #{check_id} is {'a drill' if current.drill else 'live'}: run it again "
                             f"{'with' if current.drill else 'without'} drill; nothing was sent")
        run_id = str(flow_run.get_id() or "") or None
        set_check_run(session=session, check_id=check_id,  # a re-run keeps the first run's reason and id
                      reason=reason if current.reason is None else None,
                      flow_run_id=run_id if current.flow_run_id is None else None)
    return check_id


@task(name="check the liaisons", cache_policy=NO_CACHE)
async def check_step(settings, wait: float | None, drill: bool, check_id: int) -> CheckReport:
    return await run_liaison_check(db(settings), settings=settings, wait_s=wait, drill=drill, check_id=check_id)


@task(name="tell the office", cache_policy=NO_CACHE)
async def office_step(settings, report: CheckReport):
    return await report_stale(db(settings), settings, report)


@task(name="tell the heads of units that failed twice", cache_policy=NO_CACHE)
async def heads_step(settings, report: CheckReport) -> list[str]:
    return await escalate_repeated(db(settings), settings, report)


@task(name="tell the office of the holiday's duty gaps", cache_policy=NO_CACHE)
async def gaps_step(settings, check_id: int, holiday: HolidayLike) -> GapNotice:
    return await send_gap_notice(db(settings), settings, check_id=check_id, period=holiday)


@flow(name="liaison-check", flow_run_name=run_name, persist_result=False, log_prints=False)
async def liaison_check(wait: float | None = None, drill: bool = False, answer_rate: float = 0.9, seed: int = 0,
                        lang: Lang = "zh-CN", reason: CheckReason = CheckReason.manual,
                        only_before_holiday: bool = False, check_id: int | None = None) -> LiaisonCheckResult:
    """Message every unit's primary liaison, escalate the silent to their deputy, keep the result, tell the office
    who is stale and the heads of units that failed twice in a row.

    Args:
        wait: seconds (park time) each liaison is given to answer; empty: PARKLINK_CHECK_WAIT_S
        drill: send only to a drill gateway this run starts itself (its people answer at `answer_rate`)
        answer_rate: a drill's share of people who answer
        seed: a drill's seed (the same seed, the same people answer)
        lang: the language of the messages, zh-CN or en
        reason: why the check runs: weekly, holiday or manual
        only_before_holiday: run only when today is N days before an important holiday, else "not due"
        check_id: run this existing check again instead of starting a new one
    """
    settings = run_settings(lang)
    holiday = None
    try:
        if wait is not None and wait <= 0:
            raise InputError(f"wait {wait}: give seconds above 0")
        if not 0 <= answer_rate <= 1:
            raise InputError(f"answer_rate {answer_rate}: give a share between 0 and 1")
        if only_before_holiday:
            today = today_in_park()
            holiday = holiday_due(settings, today)
            if holiday is None:
                return Completed(message=f"not due: {today} is not {settings.check_days_before_holiday} days "
                                 "before an important holiday; nothing sent",
                                 data=LiaisonCheckResult(due=False, message="not due"))
        if not drill:
            require_live(db(settings), settings)
    except InputError as exc:
        return Failed(message=str(exc))
    async with AsyncExitStack() as stack:
        env = await standing_drill(stack, settings, drill=drill, answer_rate=answer_rate, seed=seed)
        settings = env.settings if env is not None else settings
        try:
            check_id = _open(settings, wait, drill, reason, check_id)
        except InputError as exc:
            return Failed(message=str(exc))
        report = await check_step(settings, wait, drill, check_id)
        office = await office_step(settings, report)
        heads = await heads_step(settings, report)
        gaps = await gaps_step(settings, report.check_id, holiday) if holiday is not None else None
        count = env.count() if env is not None else None
    with session_scope(db(settings)) as session:
        record = check_record(session=session, check_id=report.check_id)
    result = LiaisonCheckResult(
        message=f"liaison check #{report.check_id}: {report.acknowledged}/{report.checked} acknowledged, "
                f"{len(report.units_unreached)} unit(s) reached nobody",
        holiday=holiday.name if holiday is not None else None, check=record, report=report.as_dict(),
        stale=len(office.stale), office_notified=office.delivered, heads_notified=heads, drill_gateway=count,
        duty_gaps=None if gaps is None else gaps.gaps, gaps_notified=bool(gaps and gaps.delivered))
    return Completed(message=result.message, data=result)
