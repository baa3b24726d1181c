"""What a lower colour or the end of a warning stands down, and the duty switch, as Prefect tasks.

    switch_duty(run, on)                 live: a special duty period (issue 12's DutyEvent, kind warning, the
                                         warning's id) until lifted; a drill only rehearses it (no real roster moves)
    release_standby(run, units, seq, …)  the units no longer needed are told they are released (no ack)
    stand_down_actions(run, actions, …)  the owners of actions no longer needed are told so
    end_warning(run, state, reason, …)   the warning's end on record: lifted, expired or promoted
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlmodel import select

from models.db import session_scope
from models.duty import DutyEvent
from models.duty_kinds import PeriodKind
from models.duty_store import add_record, lift_event
from models.event_store import record_events
from models.events import SYSTEM, DutySwitched, Event, WarningEnded
from models.events.warning import colour_text
from models.i18n import N_, tr
from models.notification import ContextKind
from models.warning_kinds import Colour, WarningState
from models.warning_store import finish, get_warning
from tasks.notify.escalation import send_wave
from tasks.notify.texts import Message
from tasks.response.runtime import db, http_client, render_file
from tasks.warning.rules import ColouredAction
from tasks.warning.steps import WarningRun, context


def _reason(run: WarningRun, state: WarningState | None, lowered_to: Colour | None) -> dict:
    """Why, as the notices say it in the run's language (`预警已{reason}`, `the warning is {reason}`)."""
    if lowered_to is not None:
        return {"reason": tr(run.lang, "lowered to {colour}", colour=colour_text(lowered_to, run.lang))}
    words = {WarningState.expired: N_("expired"), WarningState.promoted: N_("promoted to a response")}
    return {"reason": tr(run.lang, words.get(state, N_("lifted")))}


@task(name="duty switch", cache_policy=NO_CACHE)
def switch_duty(run: WarningRun, on: bool) -> bool:
    """Duty to a special period (on) or back to normal (off) — once each, keyed by the warning's id."""
    engine = db(run.settings())
    with session_scope(engine) as session:
        if not run.drill:
            if on:
                exists = session.exec(select(DutyEvent).where(DutyEvent.kind == PeriodKind.warning,
                                                              DutyEvent.source_id == run.warning_id)).first()
                if exists is None:
                    add_record(session=session, record=DutyEvent(
                        kind=PeriodKind.warning, starts_at=get_warning(session=session, warning_id=run.warning_id).raised_at,
                        source_id=run.warning_id,
                        reason=f"{run.warning_id} {run.colour.value} {run.playbook}"[:200]))
            else:
                lift_event(session=session, kind=PeriodKind.warning, source_id=run.warning_id)
        record_events(session=session, warning=run.warning_id, events=[Event(
            key=run.key("duty", "on" if on else "off"), actor=SYSTEM, payload=DutySwitched(on=on, drill=run.drill))])
    return on



@task(name="release standby", cache_policy=NO_CACHE)
async def release_standby(run: WarningRun, units: list[str], seq: int | str, *, state: WarningState | None = None,
                          lowered_to: Colour | None = None) -> int:
    """Tell the units on standby that are no longer needed that they are released; how many were messaged."""
    if not units:
        return 0
    settings = run.settings()
    engine = db(settings)
    text = render_file(settings.templates_dir, "warning-standby", run.lang,
                       context(run, settings, engine, released=True, **_reason(run, state, lowered_to)))
    rows = await send_wave(engine, context_kind=ContextKind.warning, context_id=run.warning_id, group="standby",
                           units=units, message=Message(f"release-{seq}", text), settings=settings,
                           client=http_client(settings))
    return sum(r.delivered_at is not None for r in rows)


@task(name="stand down actions", cache_policy=NO_CACHE)
async def stand_down_actions(run: WarningRun, actions: list[ColouredAction], seq: int | str, *,
                             state: WarningState | None = None, lowered_to: Colour | None = None) -> int:
    """Tell each owner of an action no longer needed that it is stood down; how many were messaged."""
    settings = run.settings()
    engine = db(settings)
    told = 0
    for coloured in actions:
        text = render_file(settings.templates_dir, "warning-action", run.lang, context(
            run, settings, engine, action=coloured.action.model_dump(), stood_down=True,
            **_reason(run, state, lowered_to)))
        rows = await send_wave(engine, context_kind=ContextKind.warning, context_id=run.warning_id,
                               group=f"action:{coloured.id}", units=[coloured.action.owner],
                               message=Message(f"stand-down-{seq}", text), settings=settings,
                               client=http_client(settings))
        told += sum(r.delivered_at is not None for r in rows)
    return told


@task(name="end warning", cache_policy=NO_CACHE)
def end_warning(run: WarningRun, state: WarningState, reason: str, released: int, closed: list[str],
                incident: str | None = None) -> WarningState:
    engine = db(run.settings())
    with session_scope(engine) as session:
        row = finish(session=session, warning_id=run.warning_id, state=state, reason=reason)
        record_events(session=session, warning=run.warning_id, events=[Event(
            key=run.key("ended"), actor=SYSTEM, payload=WarningEnded(
                state=row.state, reason=row.lift_reason, released=released, closed_actions=closed,
                incident=incident or row.incident_id))])
        return row.state
