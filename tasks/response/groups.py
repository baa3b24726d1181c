"""Phase 4 as Prefect tasks: activate one working group, and stand down the groups a lowered level drops.

One async task per group (not a subflow, not a task per message); the groups of a level run concurrently.
One unit's channel failing never fails the group: it shows in that unit's outcome. The notices are the
templates the playbook names (activation) and `group-stand-down`; what is recorded comes from the pure
phase tasks.response.phases.groups.
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from models.db import session_scope
from models.incident_store import get_incident
from models.notification import ContextKind
from models.playbook import GroupPlan, ResolvedPlan
from models.types import utcnow
from tasks.notify.escalation import notify_units, send_wave
from tasks.notify.texts import Message
from tasks.response.context import (
    command_post_context,
    deadline_text,
    group_context,
    incident_context,
    plan_context,
    unit_codes,
)
from tasks.response.phases import groups as phase
from tasks.response.phases.story import group_counts
from tasks.response.results import GroupResult
from tasks.response.run import Run
from tasks.response.runtime import db, http_client, park_context, render_file, settings_for, unit_names
from tasks.run_log import record, say

STAND_DOWN_TEMPLATE = "group-stand-down"


def notice_text(run: Run, plan: ResolvedPlan, group: GroupPlan, template: str, settings, engine) -> str:
    names = unit_names(engine)
    with session_scope(engine) as session:
        incident = get_incident(session=session, incident_id=run.incident_id)
        context = {
            "park": park_context(settings, engine), "incident": incident_context(incident, names, run.lang),
            "plan": plan_context(plan), "group": group_context(group, names, run.enterprise, run.lang),
            "command_post": command_post_context(incident, plan, run.lang),
            "ack_deadline_at": deadline_text(utcnow(), group.ack_deadline_min, run.time_scale),
        }
    return render_file(settings.templates_dir, template, run.lang, context)


@task(name="stand down groups", cache_policy=NO_CACHE)
async def stand_down_groups(run: Run, before: ResolvedPlan, after: ResolvedPlan, keys: list[str]) -> int:
    """A lowered level: the groups it no longer has are told they are stood down (their units' primaries);
    how many people were messaged."""
    settings = settings_for(run)
    engine = db(settings)
    sent = 0
    for key in keys:
        group = before.group(key)
        units = unit_codes(group.units, run.enterprise)
        text = notice_text(run, after, group, STAND_DOWN_TEMPLATE, settings, engine)
        rows = await send_wave(engine, context_kind=ContextKind.incident, context_id=run.incident_id, group=key,
                               units=units, message=Message(f"stand-down-{key}", text), settings=settings,
                               client=http_client(settings))
        sent += len(rows)
        with session_scope(engine) as session:
            record(session, incident=run.incident_id, lang=run.lang,
                   events=[phase.stood_down(run, group, units, len(rows))])
    return sent


@task(name="group", cache_policy=NO_CACHE)
async def activate_group(run: Run, plan: ResolvedPlan, group: GroupPlan,
                         only_units: list[str] | None = None) -> GroupResult:
    """Notify the group's units (or `only_units`, for a level change), wait for acks, escalate; the outcome."""
    settings = settings_for(run)
    engine = db(settings)
    units = unit_codes(group.units, run.enterprise)
    if only_units is not None:
        units = [u for u in units if u in only_units]
    text = notice_text(run, plan, group, group.notice_template, settings, engine)
    with session_scope(engine) as session:
        record(session, incident=run.incident_id, lang=run.lang, events=[phase.activation(
            run, group, units, commander_unit=plan.commander.unit, added=only_units is not None)])
    outcomes = await notify_units(
        engine, context_kind=ContextKind.incident, context_id=run.incident_id, group=group.key, units=units,
        message=Message(f"activate-{group.key}", text), deadline_s=group.ack_deadline_min * 60.0,
        waits_s=[step.after_min * 60.0 for step in group.escalation], settings=settings,
        escalation=[step.to for step in group.escalation], client=http_client(settings))
    outcome = phase.group_outcome(run, group, units, outcomes, utcnow())
    with session_scope(engine) as session:
        record(session, incident=run.incident_id, lang=run.lang, events=outcome.events)
    say(group_counts(run.lang, group, outcome.result))
    return outcome.result
