"""The warning response's effects as Prefect tasks: assign an action, call units to standby, check reserves.

Each one sends through the response's machinery (tasks/notify: the same sender, acknowledgement links, deadlines
counted from delivery on the run's time scale, escalation along PARKLINK_ESCALATION_CHAIN with its duty steps),
under the warning's context (`ContextKind.warning`, the warning id) and a message kind that names the colour
change it belongs to (`seq`: 0 for the warning itself, then one per applied change), so a retried task or a re-run
never messages anyone twice. What happened goes on the warning's log (models/events/warning.py).
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict

from models.db import session_scope
from models.event_store import record_events
from models.events import (
    SYSTEM,
    UNIT_PAYLOADS,
    ActionAssigned,
    Event,
    ReserveChecked,
    StandbyCalled,
    UnitStatus,
)
from models.notification import ContextKind
from models.types import utcnow
from models.warning_kinds import COLOUR_ZH, Colour
from models.warning_store import set_reserve_check
from tasks.notify.escalation import notify_units, send_wave
from tasks.notify.outcome import UnitOutcome
from tasks.notify.texts import Message
from tasks.response.context import deadline_text
from tasks.response.runtime import db, http_client, park_context, render_file, settings_of
from tasks.warning.results import ActionResult, ReserveCheckResult, StandbyResult
from tasks.warning.rules import ColouredAction, ack_deadline_min


class WarningRun(BaseModel):
    """The identity of one warning's run, passed to every task (small: tasks re-read what they need)."""

    model_config = ConfigDict(frozen=True)
    warning_id: str
    playbook: str
    colour: Colour
    title_zh: str
    title_en: str
    lang: str = "zh-CN"
    time_scale: float = 1.0
    drill: bool = False
    enterprise: str | None = None
    text: str = ""

    def key(self, *parts: object) -> str:
        return ":".join([self.warning_id, *(str(p) for p in parts)])

    def settings(self):
        return settings_of(self.warning_id, lang=self.lang, time_scale=self.time_scale, drill=self.drill)


def context(run: WarningRun, settings, engine, **more) -> dict:
    return {"park": park_context(settings, engine),
            "warning": {"id": run.warning_id, "colour": run.colour.value, "colour_zh": COLOUR_ZH[run.colour],
                        "title_zh": run.title_zh, "title_en": run.title_en, "drill": run.drill, "text": run.text},
            **more}


def record(run: WarningRun, events: list[Event], engine=None) -> None:
    with session_scope(engine or db()) as session:
        record_events(session=session, warning=run.warning_id, events=events)


def outcome_events(run: WarningRun, group: str, outcomes: list[UnitOutcome]) -> list[Event]:
    """One entry per unit: acknowledged, escalated or unreachable, and by whom (the response's words)."""
    out = []
    for o in outcomes:
        who = o.acked_by.label() if o.acked_by else None
        payload = UNIT_PAYLOADS[o.status](group=group, unit=o.unit, status=o.status, acked_by=who,
                                          acked_at=o.acked_at, eta_min=o.eta_min,
                                          escalated_to=[p.label() for p in o.escalated_to], problems=o.problems,
                                          notifications=o.notifications)
        out.append(Event(key=run.key(group, "unit", o.unit), actor=who or o.unit, at=o.acked_at or utcnow(),
                         payload=payload))
    return out


@task(name="warning action", cache_policy=NO_CACHE)
async def assign_action(run: WarningRun, coloured: ColouredAction, seq: int) -> ActionResult:
    """Give one warning action to its owner with an acknowledgement deadline; chase and escalate; the outcome."""
    settings, action = run.settings(), coloured.action
    engine = db(settings)
    minutes = ack_deadline_min(coloured.colour)
    group = f"action:{action.id}"
    text = render_file(settings.templates_dir, "warning-action", run.lang, context(
        run, settings, engine, action=action.model_dump(), stood_down=False, reason="",
        ack_deadline_at=deadline_text(utcnow(), minutes, run.time_scale)))
    record(run, [Event(key=run.key(group, "assigned", seq), actor=SYSTEM, payload=ActionAssigned(
        action=action.id, colour=coloured.colour, owner=action.owner, what={"zh": action.text_zh, "en": action.text_en},
        deadline_min=minutes))], engine)
    [out] = await notify_units(engine, context_kind=ContextKind.warning, context_id=run.warning_id, group=group,
                               units=[action.owner], message=Message(f"action-{seq}", text),
                               deadline_s=minutes * 60.0, settings=settings, client=http_client(settings))
    record(run, outcome_events(run, group, [out]), engine)
    return ActionResult(id=action.id, colour=coloured.colour, owner=action.owner,
                        acknowledged=out.status is not UnitStatus.unreachable, status=out.status,
                        acked_by=out.acked_by.label() if out.acked_by else None)


@task(name="standby", cache_policy=NO_CACHE)
async def call_standby(run: WarningRun, units: list[str], all_units: bool, seq: int) -> StandbyResult:
    """Put the units' liaisons on standby (a message with an acknowledgement link); chase and escalate."""
    settings = run.settings()
    engine = db(settings)
    minutes = ack_deadline_min(run.colour)
    record(run, [Event(key=run.key("standby", "called", seq), actor=SYSTEM, payload=StandbyCalled(
        colour=run.colour, units=units, all_units=all_units))], engine)
    if not units:
        return StandbyResult()
    text = render_file(settings.templates_dir, "warning-standby", run.lang, context(
        run, settings, engine, released=False, reason="",
        ack_deadline_at=deadline_text(utcnow(), minutes, run.time_scale)))
    outcomes = await notify_units(engine, context_kind=ContextKind.warning, context_id=run.warning_id,
                                  group="standby", units=units, message=Message(f"standby-{seq}", text),
                                  deadline_s=minutes * 60.0, settings=settings, client=http_client(settings))
    record(run, outcome_events(run, "standby", outcomes), engine)
    return StandbyResult(units=len(units), notified=sum(o.delivered > 0 for o in outcomes),
                         acknowledged=sum(o.status is not UnitStatus.unreachable for o in outcomes),
                         unreached=[o.unit for o in outcomes if o.status is UnitStatus.unreachable])


@task(name="reserve check", cache_policy=NO_CACHE)
async def send_reserve_check(run: WarningRun, found: ReserveCheckResult, to: str) -> ReserveCheckResult:
    """Send the reserve check's shortfalls to the logistics lead and put them on record (once)."""
    settings = run.settings()
    engine = db(settings)
    text = render_file(settings.templates_dir, "warning-reserve", run.lang, context(
        run, settings, engine, levels=found.levels, shortfalls=[s.model_dump() for s in found.shortfalls],
        requisitions=[s.model_dump() for s in found.requisitions]))
    rows = await send_wave(engine, context_kind=ContextKind.warning, context_id=run.warning_id, group="reserve",
                           units=[to], message=Message("reserve-check", text), settings=settings,
                           client=http_client(settings))
    delivered = any(r.delivered_at is not None for r in rows)
    with session_scope(engine) as session:
        set_reserve_check(session=session, warning_id=run.warning_id,
                          shortfalls=found.model_dump(mode="json", include={"levels", "shortfalls", "requisitions"}))
        record_events(session=session, warning=run.warning_id, events=[Event(
            key=run.key("reserve-check"), actor=SYSTEM, payload=ReserveChecked(
                levels=found.levels, shortfalls=found.shortfalls, requisitions=found.requisitions, sent_to=to,
                delivered=delivered))])
    return found.model_copy(update={"sent_to": to, "delivered": delivered})
