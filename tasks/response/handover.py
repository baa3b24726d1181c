"""Duty handover while an incident runs (issue 12): a shift change sends the incoming duty officer its state.

    hand_over(run, plan) -> list[DutyHandover]   called by the respond flow every few seconds; each unit of the
        incident that keeps a roster, and the office, whose duty officer's shift began after the incident was
        reported gets one message (template `duty-handover`: the activated groups, acknowledged of all, the
        open check-list items) and one DutyHandover row under (incident, unit, role, shift start), with a
        timeline entry — so a re-run or a resumed run never sends it twice.

Which changes are due and what the message says is tasks.response.phases.handover (pure).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from models.db import session_scope
from models.directory import Liaison
from models.duty import DutyHandover
from models.duty_store import handovers, record_handover, roster_units
from models.event_store import events
from models.events import EventKind, GroupActivated
from models.incident_store import get_incident
from models.notification import ContextKind, Notification
from models.notification_store import incident_messages
from models.playbook import ResolvedPlan
from models.templating import render_text
from models.types import utcnow
from tasks.duty.roster_db import duty_liaison, load_rosters
from tasks.notify.sender import Context, Sender, Target
from tasks.notify.texts import Message
from tasks.response.context import incident_context, local, pick, plan_context
from tasks.response.phases.handover import (
    ROLE,
    HandoverDue,
    due_handovers,
    group_states,
    handover_event,
    watched_units,
)
from tasks.response.run import Run
from tasks.response.runtime import db, http_client, park_context, render_file, settings_for, unit_names
from tasks.run_log import record

TEMPLATE = "duty-handover"
HANDOVER_CHECK_S = 2.0  # how often a running incident looks for a shift change (wall seconds)


@dataclass(frozen=True)
class _Due:
    due: HandoverDue
    liaison: Liaison
    text: str


def _state(run: Run, plan: ResolvedPlan, settings, engine) -> list[_Due]:
    now = utcnow()
    with session_scope(engine) as session:
        incident = get_incident(session=session, incident_id=run.incident_id)
        if incident is None or incident.stood_down_at is not None:
            return []
        kept = roster_units(session=session)
        units = [u for u in watched_units(plan.groups, run.enterprise, plan.office_unit) if u in kept]
        rosters = {}
        for unit in units:  # usually two: the incident enterprise and the office
            rosters.update(load_rosters(session=session, unit=unit))
        done = {h.idempotency_key for h in handovers(session=session, incident_id=run.incident_id)}
        dues = due_handovers(rosters, units, reported_at=incident.reported_at, now=now, done=done,
                             incident_id=run.incident_id)
        if not dues:
            return []
        names = unit_names(engine)
        activated = {}
        for e in events(session=session, incident=run.incident_id, kinds=[EventKind.group_activated]):
            if isinstance(e.payload, GroupActivated):
                activated.setdefault(e.payload.group, e.at)
        acked: dict[str, set[str]] = {}
        for n in incident_messages(session=session, incident=run.incident_id):
            if n.acked_at is not None and n.message_kind.startswith("activate-"):
                acked.setdefault(n.group, set()).add(n.unit)
        states = group_states(plan.groups, run.enterprise, acked=acked, activated_at=activated,
                              time_scale=run.time_scale)
        base = {"park": park_context(settings, engine), "incident": incident_context(incident, names, run.lang),
                "plan": plan_context(plan)}
        out = []
        for due in dues:
            liaison = duty_liaison(session=session, unit=due.unit, role=ROLE, at=now)
            if liaison is None or liaison.name != due.incoming:
                continue  # the roster names someone the directory does not have: nobody to tell
            context = {**base, "handover": {
                "unit_name": pick(names.get(due.unit, (due.unit, due.unit)), run.lang), "incoming": due.incoming,
                "outgoing": due.outgoing or "", "shift_start": local(due.shift_start),
                "groups": [{"number": g.number, "name": pick((g.name_zh, g.name_en), run.lang),
                            "acked": g.acked, "total": g.total,
                            "open_actions": [{"item": render_text(pick((a.item_zh, a.item_en), run.lang), base),
                                              "owner_name": pick(names.get(a.owner, (a.owner, a.owner)), run.lang),
                                              "due_at": local(a.due_at)} for a in g.open_actions]}
                           for g in states]}}
            out.append(_Due(due, liaison, render_file(settings.templates_dir, TEMPLATE, run.lang, context)))
        return out


def _record(run: Run, due: HandoverDue, row: Notification) -> DutyHandover:
    engine = db(settings_for(run))
    with session_scope(engine) as session:
        found = record_handover(session=session, row=DutyHandover(
            idempotency_key=due.key, incident_id=run.incident_id, unit=due.unit, role=due.role,
            outgoing=due.outgoing, incoming=due.incoming, shift_start=due.shift_start, notification_id=row.id))
        record(session, incident=run.incident_id, lang=run.lang, events=[handover_event(
            run, due, delivered=row.delivered_at is not None, notification_id=row.id, at=found.handed_over_at)])
        return found


async def hand_over(run: Run, plan: ResolvedPlan) -> list[DutyHandover]:
    """Tell each incoming duty officer the incident's state, once per shift change during the incident."""
    settings = settings_for(run)
    engine = db(settings)
    dues = await asyncio.to_thread(_state, run, plan, settings, engine)
    if not dues:
        return []
    out = []
    async with Sender(engine, settings, http_client(settings)) as sender:
        for d in dues:
            message = Message(f"handover-{int(d.due.shift_start.timestamp())}", d.text)
            target = Target(unit=d.due.unit, liaison=d.liaison, label="handover")
            rows = await asyncio.to_thread(sender.prepare, Context(ContextKind.incident, run.incident_id, ""),
                                           message, [target])
            [row] = await sender.deliver(rows)
            out.append(await asyncio.to_thread(_record, run, d.due, row))
    return out


class HandoverWatch:
    """The flow's cheap check: every `every_s` seconds one `hand_over` in the background, never two at once; a
    failure is logged and tried again at the next check (the run goes on)."""

    def __init__(self, every_s: float = HANDOVER_CHECK_S, log=None):
        self.every_s, self.log = every_s, log
        self._next = time.monotonic() + every_s  # the first look once the groups are under way
        self._task: asyncio.Task | None = None

    def tick(self, run: Run, plan: ResolvedPlan) -> None:
        now = time.monotonic()
        if now < self._next or (self._task is not None and not self._task.done()):
            return
        self._reap()
        self._next = now + self.every_s
        self._task = asyncio.ensure_future(hand_over(run, plan))

    def _reap(self) -> None:
        if self._task is not None and self._task.done() and not self._task.cancelled() and self._task.exception():
            if self.log is not None:
                self.log.warning("duty handover: %s", self._task.exception())
        self._task = None

    async def close(self) -> None:
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
            self._reap()
