"""Phase 4: activate one working group — notify its units' liaisons, wait, escalate the silent, record.

One async task per group (not a subflow, not a task per message); the groups of a level run concurrently.
One unit's channel failing never fails the group: it shows in that unit's outcome.
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from models.db import session_scope
from models.incident_store import get_incident, record_event
from models.playbook import GroupPlan, ResolvedPlan
from models.types import utcnow
from tasks.notify.escalation import UnitOutcome, notify_units, send_wave
from tasks.notify.texts import Message
from tasks.response.context import (
    PARK,
    command_post_context,
    deadline_text,
    group_context,
    incident_context,
    plan_context,
    unit_codes,
)
from tasks.response.runtime import Run, db, http_client, render_file, run_settings, unit_names


def notice_text(run: Run, plan: ResolvedPlan, group: GroupPlan, settings, engine) -> str:
    names = unit_names(engine)
    with session_scope(engine) as session:
        incident = get_incident(session=session, incident_id=run.incident_id)
        context = {
            "park": PARK, "incident": incident_context(incident, names, run.lang), "plan": plan_context(plan),
            "group": group_context(group, names, run.enterprise, run.lang),
            "command_post": command_post_context(incident, plan),
            "ack_deadline_at": deadline_text(utcnow(), group.ack_deadline_min, run.time_scale),
        }
    return render_file(settings.templates_dir, group.notice_template, run.lang, context)


def _person(p) -> str | None:
    return None if p is None else f"{p.unit}/{p.name}（{p.role}）"


def record_outcomes(engine, run: Run, group: GroupPlan, outcomes: list[UnitOutcome]) -> None:
    with session_scope(engine) as session:
        for out in outcomes:
            who = _person(out.acked_by)
            escalated = [_person(p) for p in out.escalated_to]
            if out.status == "acknowledged":
                zh, en = f"{out.unit} 已确认（{who}）", f"{out.unit} acknowledged ({who})"
            elif out.status == "escalated":
                zh = f"{out.unit} 主联络员未按时确认，已升级至 {'、'.join(escalated)}" + (f"，由 {who} 确认" if who else "")
                en = f"{out.unit}: primary silent, escalated to {', '.join(escalated)}" + (f"; {who} answered" if who else "")
            else:
                zh = f"{out.unit} 联系不上（已升级至 {'、'.join(escalated) or '无人可升级'}）"
                en = f"{out.unit} unreachable (escalated to {', '.join(escalated) or 'nobody'})"
            record_event(session=session, incident=run.incident_id, key=run.key("group", group.key, "unit", out.unit),
                         actor=who or out.unit, kind=f"unit_{out.status}", at=out.acked_at or utcnow(), zh=zh, en=en,
                         data={"group": group.key, "unit": out.unit, "status": out.status,
                               "acked_by": who, "acked_at": out.acked_at.isoformat() if out.acked_at else None,
                               "eta_min": out.eta_min, "escalated_to": escalated, "problems": out.problems,
                               "notifications": out.notifications})


@task(name="stand down groups", cache_policy=NO_CACHE)
async def stand_down_groups(run: Run, before: ResolvedPlan, keys: list[str]) -> dict:
    """A lowered level: the groups it no longer has are told they are stood down (their units' primaries)."""
    settings = run_settings(run.lang, run.time_scale)
    engine = db(settings)
    sent = {}
    for key in keys:
        group = before.group(key)
        units = unit_codes(group.units, run.enterprise)
        text = (f"[ParkLink] {run.incident_id}: the response level is now {run.level}; group {group.number} "
                f"{group.name_en} is stood down. Thank you." if run.lang == "en" else
                f"【园区应急联动】事件 {run.incident_id} 响应级别调整为 {run.level} 级，第{group.number}组“{group.name_zh}”"
                f"解除启动，感谢配合。")
        rows = await send_wave(engine, context_kind="incident", context_id=run.incident_id, group=key, units=units,
                               message=Message(f"stand-down-{key}", text), settings=settings,
                               client=http_client(settings))
        sent[key] = len(rows)
        with session_scope(engine) as session:
            record_event(session=session, incident=run.incident_id, key=run.key("group", key, "stood-down", run.level),
                         actor="commander", kind="group_stood_down",
                         zh=f"第{group.number}组 {group.name_zh} 解除启动（降至 {run.level} 级），通知 {len(rows)} 人",
                         en=f"group {group.number} {group.name_en} stood down (level {run.level}), {len(rows)} notified",
                         data={"group": key, "units": units})
    return sent


@task(name="group", cache_policy=NO_CACHE)
async def activate_group(run: Run, plan: ResolvedPlan, group: GroupPlan, only_units: list[str] | None = None) -> dict:
    """Notify the group's units (or `only_units`, for a level change), wait for acks, escalate; the outcome."""
    settings = run_settings(run.lang, run.time_scale)
    engine = db(settings)
    units = unit_codes(group.units, run.enterprise)
    if only_units is not None:
        units = [u for u in units if u in only_units]
    text = notice_text(run, plan, group, settings, engine)
    with session_scope(engine) as session:
        record_event(session=session, incident=run.incident_id,
                     key=run.key("group", group.key, "activated", plan.level if only_units is None else "+" + ",".join(units)),
                     actor=plan.commander.unit, kind="group_activated",
                     zh=f"启动第{group.number}组 {group.name_zh}：通知 {'、'.join(units)}",
                     en=f"group {group.number} {group.name_en} activated: notifying {', '.join(units)}",
                     data={"group": group.key, "units": units})
    chain = [step.to for step in group.escalation]
    outcomes = await notify_units(
        engine, context_kind="incident", context_id=run.incident_id, group=group.key, units=units,
        message=Message(f"activate-{group.key}", text), deadline_s=group.ack_deadline_min * 60.0,
        step_deadline_s=min(step.after_min for step in group.escalation) * 60.0, settings=settings,
        escalation=chain, client=http_client(settings))
    record_outcomes(engine, run, group, outcomes)
    return {
        "key": group.key, "name": group.name_en if run.lang == "en" else group.name_zh, "units": units,
        "notified": sum(len(o.notifications) for o in outcomes),
        "acknowledged": sum(o.status == "acknowledged" for o in outcomes),
        "escalated": sum(o.status == "escalated" for o in outcomes),
        "unreachable": sum(o.status == "unreachable" for o in outcomes),
        "outcomes": [{"unit": o.unit, "status": o.status, "acked_by": _person(o.acked_by),
                      "escalated_to": [_person(p) for p in o.escalated_to], "problems": o.problems} for o in outcomes],
    }
