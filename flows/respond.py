"""The response flow: one playbook run, from incident report to after-action assessment.

    respond(playbook, incident, level=None, drill=False, time_scale=1.0)

Phases (section 三 of the source document and the joint-response chain of 二(四)): open the incident →
grade → command post → the level's groups, concurrently, each one async task → first upward report →
dispatch → (level changes, follow-up reports) → stand-down → assessment. Every effect is written under an
idempotency key, so running the same incident id again continues it and never notifies or reserves twice.

A live run waits for `parklink stand-down`; a drill ends by itself once its first wave is done (unless
`hold`). Level changes requested with `parklink escalate` are applied while the run goes on.
"""

from __future__ import annotations

import asyncio
import time

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run
from prefect.states import Completed, Failed
from sqlmodel import select

from models.db import session_scope
from models.dispatch_store import list_dispatch_needs
from models.incident import UpwardReport
from models.incident_store import get_incident, pending_level_changes
from models.playbook import ResolvedPlan
from models.types import utcnow
from tasks.response.closing import assessment_step, record_level_change, release_needs_step, stand_down_step
from tasks.response.dispatching import dispatch
from tasks.response.groups import activate_group, stand_down_groups
from tasks.response.levels import level_delta, needs_to_release
from tasks.response.opening import command_post_step, open_incident_step
from tasks.response.report import IncidentReport
from tasks.response.reports import due_at, upward_report
from tasks.response.runtime import Run, close_http_client, db, library, run_settings

POLL_S = 0.5


def run_name() -> str:
    params = flow_run.parameters
    incident = params.get("incident") or {}
    ident = incident.get("incident_id") if isinstance(incident, dict) else getattr(incident, "incident_id", None)
    return f"{params.get('playbook')} · {params.get('level') or '?'} · {ident or 'new'}"


def group_call(run: Run, plan: ResolvedPlan, group, only_units=None):
    named = activate_group.with_options(task_run_name=f"group {group.key} {group.name_zh}")
    return named(run, plan, group, only_units, return_state=True)


async def _name_the_run(run: Run) -> None:
    run_id = flow_run.get_id()
    if not run_id:
        return
    async with get_client() as client:
        await client.update_flow_run(run_id, name=f"{run.playbook} · {run.level} · {run.incident_id}")
    with session_scope(db()) as session:
        get_incident(session=session, incident_id=run.incident_id).flow_run_id = str(run_id)


class Tracker:
    """The run's concurrent work: task states by label, and what failed."""

    def __init__(self) -> None:
        self.pending: dict[str, asyncio.Task] = {}
        self.results: dict[str, object] = {}
        self.failed: dict[str, str] = {}

    def start(self, label: str, coro) -> None:
        self.pending[label] = asyncio.ensure_future(coro)

    async def collect(self, wait: bool = False, prefix: str = "") -> None:
        """Record what has finished; with `wait`, first wait for everything pending (whose label starts
        with `prefix`)."""
        waiting = [f for label, f in self.pending.items() if label.startswith(prefix)]
        if wait and waiting:
            await asyncio.wait(waiting)
        for label, fut in list(self.pending.items()):
            if not fut.done():
                continue
            del self.pending[label]
            state = fut.result()
            if state.is_completed():
                self.results[label] = await state.aresult()
            else:
                self.failed[label] = state.message or state.type.value


async def _apply_level_changes(run: Run, plan: ResolvedPlan, playbooks, tracker: Tracker) -> tuple[Run, ResolvedPlan]:
    with session_scope(db()) as session:
        changes = [(c.id, c.to_level) for c in pending_level_changes(session=session, incident_id=run.incident_id)]
    for change_id, to_level in changes:
        new_plan = playbooks.resolve(run.playbook, to_level)
        delta = level_delta(plan, new_plan, run.enterprise)
        new_run = run.model_copy(update={"level": to_level})
        for group in delta.new_groups:
            tracker.start(f"group:{group.key}", group_call(new_run, new_plan, group))
        for key, units in delta.added_members.items():
            tracker.start(f"group:{key}:{to_level}", group_call(new_run, new_plan, new_plan.group(key), units))
        if delta.new_needs:
            tracker.start(f"dispatch:{to_level}", dispatch(new_run, new_plan, delta.new_needs, return_state=True))
        record_level_change(new_run, change_id, delta)
        if delta.dropped_groups:
            tracker.start(f"stand-down:{to_level}", stand_down_groups(new_run, plan, delta.dropped_groups,
                                                                      return_state=True))
        if new_plan.levels.index(to_level) < new_plan.levels.index(plan.level):  # lowered: give back
            await tracker.collect(wait=True, prefix="dispatch")  # the dispatch under way finishes first
            with session_scope(db()) as session:
                applied = {n.need_id: n.quantity for n in list_dispatch_needs(session=session,
                                                                               incident_id=run.incident_id)}
            whole, reduce = needs_to_release(applied, new_plan)
            if whole or reduce:
                release_needs_step(new_run, whole, reduce)
        run, plan = new_run, new_plan
    return run, plan


def _stand_down_requested(run: Run) -> bool:
    with session_scope(db()) as session:
        return get_incident(session=session, incident_id=run.incident_id).stand_down_requested_at is not None


def _next_report(run: Run, plan: ResolvedPlan) -> tuple[int, float]:
    """The next follow-up's number and when it is due (monotonic seconds from now)."""
    with session_scope(db()) as session:
        incident = get_incident(session=session, incident_id=run.incident_id)
        sent = session.exec(select(UpwardReport.seq).where(UpwardReport.incident == run.incident_id)).all()
        seq = max(sent, default=1) + 1
        due = due_at(incident.reported_at, plan, seq, run.time_scale)
    return seq, time.monotonic() + max(0.0, (due - utcnow()).total_seconds())


@flow(name="respond", flow_run_name=run_name, persist_result=False, log_prints=False)
async def respond(playbook: str, incident: dict, level: str | None = None, drill: bool = False,
                  time_scale: float = 1.0, lang: str = "zh-CN", hold: bool = False,
                  consumed: dict[str, int] | None = None) -> dict:
    report = IncidentReport.model_validate(incident)
    opened = open_incident_step(playbook, report, level, drill, time_scale, lang)
    run = opened.run
    await _name_the_run(run)
    playbooks = library(run_settings())
    plan = playbooks.resolve(playbook, run.level)
    command_post_step(run, plan, report.wind_from_deg)

    tracker = Tracker()
    for group in plan.groups:
        tracker.start(f"group:{group.key}", group_call(run, plan, group))
    tracker.start("report:1", upward_report(run, plan, 1, return_state=True))
    tracker.start("dispatch", dispatch(run, plan, plan.all_needs(), return_state=True))

    seq, next_due = _next_report(run, plan)
    while True:
        await tracker.collect()
        run, plan = await _apply_level_changes(run, plan, playbooks, tracker)
        if time.monotonic() >= next_due and not (drill and not hold):
            tracker.start(f"report:{seq}", upward_report(run, plan, seq, return_state=True))
            seq, next_due = seq + 1, next_due + plan.upward_reporting.followup_interval_min * 60 / run.time_scale
        if _stand_down_requested(run) or (drill and not hold and not tracker.pending):
            break
        await asyncio.sleep(POLL_S)
    await tracker.collect(wait=True)
    await close_http_client()

    stood_down = stand_down_step(run, consumed)
    failed_groups = {k.split(":")[1]: v for k, v in tracker.failed.items() if k.startswith("group:")}
    assessment = await assessment_step(run, plan, failed_groups)
    groups = [v for k, v in tracker.results.items() if k.startswith("group:") and k.count(":") == 1]
    dispatched = tracker.results.get("dispatch") or {}
    result = {
        "incident": run.incident_id, "level": run.level, "flow_run_id": str(flow_run.get_id() or ""),
        "playbook_hash": opened.playbook_hash, "continued": not opened.created,
        "groups": [{k: g[k] for k in ("key", "name", "units", "notified", "acknowledged", "escalated", "unreachable")}
                   for g in groups],
        "allocations": dispatched.get("allocations", []), "requisitions": dispatched.get("requisitions", []),
        "shortfalls": dispatched.get("shortfalls", []), "approval": dispatched.get("approval"),
        "stand_down": stood_down,
        "assessment": {k: assessment[k] for k in ("kpis", "markdown", "html")},
        "failed": tracker.failed,
    }
    if tracker.failed:
        return Failed(message="failed: " + "; ".join(f"{k}: {v}" for k, v in tracker.failed.items()), data=result)
    return Completed(message=f"{run.incident_id} stood down", data=result)
