"""The response flow: one playbook run, from incident report to after-action assessment.

    respond(playbook, incident, level=None, drill=False, time_scale=1.0, manual_approval=False) → ResponseResult

Phases (section 三 of the source document and the joint-response chain of 二(四)): open the incident →
grade → command post → the level's groups, concurrently, each one async task → first upward report →
dispatch → (level changes, follow-up reports) → stand-down → assessment. Every effect is written under an
idempotency key, so running the same incident id again continues it and never notifies or reserves twice.

A live run waits for `parklink stand-down`; a drill ends by itself once its first wave is done (unless
`hold`). Level changes requested with `parklink escalate` are applied while the run goes on; a duty officer's
shift change is handed over (tasks/response/handover.py). A drill with `manual_approval` waits for the commander on
every requisition. The run's log says each entry its tasks record (tasks/run_log.py); its artifacts link the board.

One live run per incident (tasks/response/run_claim.py): the run claims the incident's lease before anything is
written (an incident already there) or right after opening it (a new one); while another run's heartbeat is
fresh, it is refused — Failed with one line naming that run, nothing written or sent.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run
from prefect.states import Completed, Failed

from flows.drill_env import own_drill
from models.db import session_scope
from models.drill import DrillPeople
from models.errors import InputError
from models.incident_report import IncidentReport, check_time_scale, validated_report
from models.incident_store import get_incident, pending_level_changes, set_flow_run, stand_down_requested
from models.playbook import GroupPlan, PlaybookSet, ResolvedPlan
from models.report_store import last_report_seq
from models.settings import Lang
from models.types import utcnow
from tasks.drill.environment import DrillEnvironment
from tasks.response.assessing import assessment_step
from tasks.response.board import publish_board
from tasks.response.closing import give_back_step, record_level_change, release_needs_step, stand_down_step
from tasks.response.dispatching import dispatch
from tasks.response.groups import activate_group, stand_down_groups
from tasks.response.handover import HandoverWatch
from tasks.response.launch import effective_drill, require_drill_for_manual_approval, require_live
from tasks.response.levels import level_delta
from tasks.response.opening import command_post_step, open_incident_step
from tasks.response.phases.upward import due_at
from tasks.response.results import DispatchResult, GroupResult, Opened, ResponseResult, WorkKey, WorkKind
from tasks.response.run import Run
from tasks.response.run_claim import LeaseLost, RunLease, run_lease
from tasks.response.runtime import close_http_client, db, library, run_settings
from tasks.response.upward import upward_report

POLL_S = 0.5


def run_name() -> str:
    params = flow_run.parameters
    incident = params.get("incident") or {}
    ident = incident.get("incident_id") if isinstance(incident, dict) else getattr(incident, "incident_id", None)
    return f"{params.get('playbook')} · {params.get('level') or '?'} · {ident or 'new'}"


def group_call(run: Run, plan: ResolvedPlan, group: GroupPlan, only_units: list[str] | None = None):
    named = activate_group.with_options(task_run_name=f"group {group.key} {group.name_zh}")
    return named(run, plan, group, only_units, return_state=True)


async def _name_the_run(run: Run) -> None:
    run_id = flow_run.get_id()
    if not run_id:
        return
    async with get_client() as client:
        await client.update_flow_run(run_id, name=f"{run.playbook} · {run.level} · {run.incident_id}")
    with session_scope(db()) as session:
        set_flow_run(session=session, incident_id=run.incident_id, flow_run_id=str(run_id))


class Tracker:
    """The run's concurrent work: task states by WorkKey, and what failed."""

    def __init__(self) -> None:
        self.pending: dict[WorkKey, asyncio.Future] = {}
        self.results: dict[WorkKey, object] = {}
        self.failed: dict[WorkKey, str] = {}

    def start(self, key: WorkKey, coro) -> None:
        self.pending[key] = asyncio.ensure_future(coro)

    async def collect(self, wait: bool = False, kind: WorkKind | None = None) -> None:
        """Record what has finished; with `wait`, first wait for everything pending (of `kind`)."""
        waiting = [f for key, f in self.pending.items() if kind is None or key.kind is kind]
        if wait and waiting:
            await asyncio.wait(waiting)
        for key, fut in list(self.pending.items()):
            if not fut.done():
                continue
            del self.pending[key]
            state = fut.result()
            if state.is_completed():
                self.results[key] = await state.aresult()
            else:
                self.failed[key] = state.message or state.type.value

    async def cancel(self) -> None:
        """Stop whatever is still under way (the run is giving up), and wait until it has stopped."""
        for fut in self.pending.values():
            fut.cancel()
        await asyncio.gather(*self.pending.values(), return_exceptions=True)
        self.pending.clear()

    def groups(self) -> list[GroupResult]:
        """The groups activated whole (not the members a level change added)."""
        return [r for k, r in self.results.items() if k.kind is WorkKind.group and k.level is None]

    def failed_groups(self) -> dict[str, str]:
        return {k.name: error for k, error in self.failed.items() if k.kind is WorkKind.group}


async def _apply_level_changes(run: Run, plan: ResolvedPlan, playbooks: PlaybookSet,
                               tracker: Tracker) -> tuple[Run, ResolvedPlan]:
    with session_scope(db()) as session:
        changes = [(c.id, c.to_level) for c in pending_level_changes(session=session, incident_id=run.incident_id)]
    for change_id, to_level in changes:
        new_plan = playbooks.resolve(run.playbook, to_level)
        delta = level_delta(plan, new_plan, run.enterprise)
        new_run = run.model_copy(update={"level": to_level})
        for group in delta.new_groups:
            tracker.start(WorkKey(kind=WorkKind.group, name=group.key), group_call(new_run, new_plan, group))
        for key, units in delta.added_members.items():
            tracker.start(WorkKey(kind=WorkKind.group, name=key, level=to_level),
                          group_call(new_run, new_plan, new_plan.group(key), units))
        if delta.new_needs:
            tracker.start(WorkKey(kind=WorkKind.dispatch, level=to_level),
                          dispatch(new_run, new_plan, delta.new_needs, return_state=True))
        record_level_change(new_run, change_id, delta)
        if delta.dropped_groups:
            tracker.start(WorkKey(kind=WorkKind.stand_down, level=to_level),
                          stand_down_groups(new_run, plan, new_plan, delta.dropped_groups, return_state=True))
        if new_plan.levels.index(to_level) < new_plan.levels.index(plan.level):  # lowered: give back
            await tracker.collect(wait=True, kind=WorkKind.dispatch)  # the dispatch under way finishes first
            release_needs_step(new_run, new_plan)
        run, plan = new_run, new_plan
    return run, plan


def _stand_down_requested(run: Run) -> bool:
    with session_scope(db()) as session:
        return stand_down_requested(session=session, incident_id=run.incident_id)


def _next_report(run: Run, plan: ResolvedPlan) -> tuple[int, float]:
    """The next follow-up's number and when it is due (monotonic seconds from now)."""
    with session_scope(db()) as session:
        reported_at = get_incident(session=session, incident_id=run.incident_id).reported_at
        seq = last_report_seq(session=session, incident=run.incident_id) + 1
    due = due_at(reported_at, plan, seq, run.time_scale)
    return seq, time.monotonic() + max(0.0, (due - utcnow()).total_seconds())


async def _respond(run: Run, plan: ResolvedPlan, playbooks: PlaybookSet, tracker: Tracker, *, hold: bool,
                   check) -> Run:
    """Groups, reports, dispatch, level changes, until stand-down (a drill: until its first wave is done)."""
    for group in plan.groups:
        tracker.start(WorkKey(kind=WorkKind.group, name=group.key), group_call(run, plan, group))
    tracker.start(WorkKey(kind=WorkKind.report, name="1"), upward_report(run, plan, 1, return_state=True))
    tracker.start(WorkKey(kind=WorkKind.dispatch), dispatch(run, plan, plan.all_needs(), return_state=True))
    ends_by_itself = run.drill and not hold
    seq, next_due = _next_report(run, plan)
    handover = HandoverWatch(log=get_run_logger())
    while True:
        check()  # LeaseLost: another run holds the incident now
        await tracker.collect()
        run, plan = await _apply_level_changes(run, plan, playbooks, tracker)
        handover.tick(run, plan)  # a shift change during the incident: the incoming duty officer told its state
        if time.monotonic() >= next_due and not ends_by_itself:
            tracker.start(WorkKey(kind=WorkKind.report, name=str(seq)),
                          upward_report(run, plan, seq, return_state=True))
            seq, next_due = seq + 1, next_due + plan.upward_reporting.followup_interval_min * 60 / run.time_scale
        if _stand_down_requested(run) or (ends_by_itself and not tracker.pending):
            break
        await asyncio.sleep(POLL_S)
    await handover.close()
    await tracker.collect(wait=True)
    await close_http_client()
    return run


def _closed(opened: Opened) -> Completed:
    run = opened.run
    result = ResponseResult(incident=run.incident_id, level=run.level, flow_run_id=str(flow_run.get_id() or ""),
                            playbook_hash=opened.playbook_hash, continued=True, groups=[], allocations=[],
                            requisitions=[], shortfalls=[], approval=None, stand_down=None, assessment=None,
                            failed={}, closed=True)
    return Completed(message=f"{run.incident_id} was closed already: nothing done", data=result)


@flow(name="respond", flow_run_name=run_name, persist_result=False, log_prints=False)
async def respond(playbook: str, incident: IncidentReport, level: str | None = None, drill: bool = False,
                  time_scale: float | None = None, lang: Lang = "zh-CN", hold: bool = False,
                  people: DrillPeople | None = None, consumed: dict[str, int] | None = None,
                  manual_approval: bool = False) -> ResponseResult:
    """Run a playbook for an incident: command post, the level's working groups, upward reports, dispatch,
    stand-down and the after-action assessment.

    Args:
        playbook: the playbook id (each deployment fixes its own)
        incident: what was reported: where (enterprise code, or latitude and longitude), the chemical's UN
            number, casualties, first loss estimate, evacuated; an existing incident_id continues that incident
        level: the response level (I–IV); empty: graded from the report by the playbook's rules
        drill: a drill sends every message to a drill gateway this run starts itself, never to a real channel
        time_scale: deadlines shrink by this factor; empty: the drill time scale for a drill, 1 for a live run
        lang: the language of notices and records, zh-CN or en
        hold: a drill waits for `parklink stand-down` instead of ending once its first wave is done
        people: a drill's people, as its drill gateway plays them (who answers, when, what fails)
        consumed: resources used up by type, recorded at stand-down
        manual_approval: a drill waits for the commander's approval of every requisition (none approved by itself)
    """
    engine = db()
    try:  # refused before anything is written or sent: one line in the run's state
        report = (incident if isinstance(incident, IncidentReport) else validated_report(incident)).require_place()
        drill = effective_drill(engine, report, drill)
        require_drill_for_manual_approval(drill, manual_approval)
        base = run_settings(lang)
        time_scale = check_time_scale(time_scale if time_scale is not None else
                                      (base.drill_time_scale if drill else 1.0))
        if not drill:
            require_live(engine, run_settings(lang, time_scale))
    except InputError as exc:
        return Failed(message=str(exc))
    async with run_lease(engine, base) as lease:  # one live run per incident; the attempt's outcome recorded
        if (refused := await lease.claim(report.incident_id)) is not None:  # before anything is written
            return refused  # Failed with one line: another run of the incident is alive
        opened = open_incident_step(playbook, report, level, drill, time_scale, lang, manual_approval)
        if (refused := await lease.claim(opened.run.incident_id)) is not None:  # a new incident
            return refused
        if opened.closed:
            return await lease.ended(_closed(opened))
        return await lease.ended(await _drill_or_live(opened, report, people, lease, hold=hold, consumed=consumed))


async def _drill_or_live(opened: Opened, report: IncidentReport, people: DrillPeople | None, lease: RunLease, *,
                         hold: bool, consumed: dict[str, int] | None):
    """The run, inside its own drill gateway and acknowledgement service when it is a drill (in this process, on
    any worker); when it breaks: its work stopped, what it holds given back, why recorded, raised; when another
    run took the incident over: its work stopped, nothing given back, Failed."""
    tracker = Tracker()
    async with AsyncExitStack() as stack:
        try:
            gateway = await own_drill(stack, opened.run.incident_id, drill=opened.run.drill, lang=opened.run.lang,
                                      time_scale=opened.run.time_scale, people=people)
            return await _run(opened, report, tracker, hold=hold, consumed=consumed, gateway=gateway,
                              check=lease.check)
        except LeaseLost as lost:
            await tracker.cancel()
            await close_http_client()
            return Failed(message=str(lost))
        except Exception as exc:  # the run itself broke: stop its work, give back what it holds, say why, fail
            await tracker.cancel()
            await close_http_client()
            give_back_step(opened.run, f"{exc.__class__.__name__}: {exc}")
            raise


async def _run(opened: Opened, report, tracker: Tracker, *, hold: bool, consumed: dict[str, int] | None,
               gateway: DrillEnvironment | None, check):
    run = opened.run
    await _name_the_run(run)
    board = await publish_board(run)
    playbooks = library(run_settings())
    plan = playbooks.resolve(run.playbook, run.level)
    command_post_step(run, plan, report.wind_from_deg)
    if not _stand_down_requested(run):  # stood down while no run was alive: close it, send nothing new
        run = await _respond(run, plan, playbooks, tracker, hold=hold, check=check)
        check()
    plan = playbooks.resolve(run.playbook, run.level)

    stood_down = stand_down_step(run, consumed)
    assessment = await assessment_step(run, plan, tracker.failed_groups())
    dispatched = tracker.results.get(WorkKey(kind=WorkKind.dispatch))
    dispatched = dispatched if isinstance(dispatched, DispatchResult) else None
    result = ResponseResult(
        incident=run.incident_id, level=run.level, flow_run_id=str(flow_run.get_id() or ""),
        playbook_hash=opened.playbook_hash, continued=not opened.created, groups=tracker.groups(),
        allocations=dispatched.allocations if dispatched else [],
        requisitions=dispatched.requisitions if dispatched else [],
        shortfalls=dispatched.shortfalls if dispatched else [], approval=dispatched.approval if dispatched else None,
        stand_down=stood_down, assessment=assessment, failed={str(k): v for k, v in tracker.failed.items()},
        unreached=assessment.unreached, undelivered_reports=assessment.undelivered_reports,
        drill_gateway=gateway.count() if gateway is not None else None, board_url=board)
    if tracker.failed:
        return Failed(message="failed: " + "; ".join(f"{k}: {v}" for k, v in result.failed.items()), data=result)
    if not result.reached_everyone:
        return Completed(message=f"{run.incident_id} stood down with unreached units or undelivered reports",
                         data=result)
    return Completed(message=f"{run.incident_id} stood down", data=result)
