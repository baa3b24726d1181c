"""The warn flow's run, from the first wave to the end: what it starts, the changes it applies, how it ends.

    WarningLoop(opened, tracker).go(ends_by_itself=…, poll_s=…) → WarningResult (read back from the record)

`seq` numbers the waves: 0 the warning as raised, then each applied change its own (its id), and "end" for the
notices of its end, so the messages of one change are never confused with another's (a colour raised, lowered and
raised again messages its units again). A warning carried on after a change was applied does not repeat its first
wave; what a change was doing when its run died is not started again (the record says what was sent).
"""

from __future__ import annotations

import asyncio

from prefect import get_run_logger

from flows.respond import Tracker
from models.db import session_scope
from models.event_store import record_events
from models.events import SYSTEM, Event, WarningChanged
from models.types import utcnow
from models.warning import ChangeKind
from models.warning_kinds import Colour, WarningState
from models.warning_store import changes, get_warning, mark_applied, pending_changes, set_colour
from tasks.dispatch_reserve import current_stock
from tasks.response.results import WorkKey, WorkKind
from tasks.response.runtime import close_http_client, db
from tasks.warning.ending import end_warning, release_standby, stand_down_actions, switch_duty
from tasks.warning.opening import OpenedWarning
from tasks.warning.readback import read_back
from tasks.warning.results import ReserveCheckResult, WarningResult
from tasks.warning.rules import (
    actions_for,
    colour_delta,
    logistics_lead,
    reserve_shortfalls,
    run_expiry,
    standby_units,
)
from tasks.warning.steps import assign_action, call_standby, send_reserve_check


class WarningLoop:
    def __init__(self, opened: OpenedWarning, tracker: Tracker):
        self.opened, self.tracker = opened, tracker
        self.run = opened.run
        self.log = get_run_logger()

    # --- the first wave -------------------------------------------------------------------------------------
    def _start_actions(self, actions, seq: int) -> None:
        for coloured in actions:
            named = assign_action.with_options(task_run_name=f"action {coloured.id} → {coloured.action.owner}")
            self.tracker.start(WorkKey(kind=WorkKind.action, name=coloured.id, level=str(seq)),
                               named(self.run, coloured, seq, return_state=True))

    def _start_standby(self, units: list[str], seq: int) -> None:
        all_units = self.run.colour >= Colour.yellow
        self.tracker.start(WorkKey(kind=WorkKind.standby, level=str(seq)),
                           call_standby(self.run, units, all_units, seq, return_state=True))

    def _reserve_check(self) -> ReserveCheckResult:
        plans, position = self.opened.plans, self.opened.position
        with session_scope(db()) as session:
            stock = current_stock(session=session)
        shortfalls, requisitions = reserve_shortfalls(plans, stock, position) if position is not None else ([], [])
        return ReserveCheckResult(levels=[p.level for p in plans], shortfalls=shortfalls, requisitions=requisitions)

    def _units(self, colour: Colour) -> list[str]:
        return standby_units(colour, lowest_level_units=self.opened.lowest_level_units,
                             linked_units=self.opened.linked_units)

    async def first_wave(self) -> None:
        run, plan = self.run, self.opened.plans[0]
        actions = actions_for(plan, run.colour)
        self.log.info("%s %s: %d action(s), %d unit(s) on standby", run.warning_id, run.colour.value, len(actions),
                      len(self._units(run.colour)))
        self._start_actions(actions, 0)
        self._start_standby(self._units(run.colour), 0)
        found = await asyncio.to_thread(self._reserve_check)
        to = logistics_lead(self.opened.plans, self.opened.office)
        self.tracker.start(WorkKey(kind=WorkKind.reserve_check), send_reserve_check(run, found, to, return_state=True))
        switch_duty(run, True)

    # --- changes --------------------------------------------------------------------------------------------
    async def apply_changes(self) -> WarningState | None:
        """Apply what was asked for; the end it asks for (a cancel), if any."""
        with session_scope(db()) as session:
            waiting = [(c.id, c.kind, c.to_colour) for c in pending_changes(session=session,
                                                                            warning_id=self.run.warning_id)]
        for change_id, kind, to in waiting:
            if kind is ChangeKind.cancel:
                with session_scope(db()) as session:
                    mark_applied(session=session, change_id=change_id)
                return WarningState.lifted
            await self._recolour(change_id, to)
        return None

    async def _recolour(self, change_id: int, to: Colour) -> None:
        old, seq = self.run.colour, change_id
        delta = colour_delta(self.opened.plans[0], old, to, lowest_level_units=self.opened.lowest_level_units,
                             linked_units=self.opened.linked_units)
        self.run = self.run.model_copy(update={"colour": to})
        self.log.info("%s %s → %s: +%d action(s), −%d action(s)", self.run.warning_id, old.value, to.value,
                      len(delta.added), len(delta.dropped))
        dropped = {a.id for a in delta.dropped}  # no more chasing for what is no longer needed
        stopped = [self.tracker.pending.pop(key) for key in list(self.tracker.pending)
                   if key.kind is WorkKind.action and key.name in dropped]
        for fut in stopped:
            fut.cancel()
        await asyncio.gather(*stopped, return_exceptions=True)
        self._start_actions(delta.added, seq)
        if delta.standby_added:
            self._start_standby(delta.standby_added, seq)
        released = 0
        if to < old:
            await stand_down_actions(self.run, delta.dropped, seq, lowered_to=to)
            released = await release_standby(self.run, delta.standby_released, seq, lowered_to=to)
        with session_scope(db()) as session:
            set_colour(session=session, warning_id=self.run.warning_id, colour=to)
            record_events(session=session, warning=self.run.warning_id, events=[Event(
                key=self.run.key("change", change_id), actor=SYSTEM, payload=WarningChanged(
                    from_colour=old, to_colour=to, added_actions=[a.id for a in delta.added],
                    dropped_actions=[a.id for a in delta.dropped], added_standby=len(delta.standby_added),
                    released_standby=released))])
            mark_applied(session=session, change_id=change_id)

    # --- the end --------------------------------------------------------------------------------------------
    def _ended_elsewhere(self) -> WarningState | None:
        """Promoted to a response (by `parklink warn promote`), or ended by another run."""
        with session_scope(db()) as session:
            state = get_warning(session=session, warning_id=self.run.warning_id).state
        return None if state is WarningState.active else state

    def _expired(self, expiry) -> bool:
        return expiry is not None and utcnow() >= expiry

    async def end(self, state: WarningState, reason: str) -> None:
        await self.tracker.cancel()  # whoever is still being chased need not answer now
        current = actions_for(self.opened.plans[0], self.run.colour)
        released = 0
        if state is not WarningState.promoted:  # a response takes the units over: nobody is released
            await stand_down_actions(self.run, current, "end", state=state)
            released = await release_standby(self.run, self._units(self.run.colour), "end", state=state)
        switch_duty(self.run, False)
        end_warning(self.run, state, reason, released, [a.id for a in current])
        self.log.info("%s %s (%s): %d unit(s) released", self.run.warning_id, state.value, reason, released)

    async def go(self, *, ends_by_itself: bool, poll_s: float) -> WarningResult:
        with session_scope(db()) as session:
            row = get_warning(session=session, warning_id=self.run.warning_id)
            expiry = run_expiry(raised_at=row.raised_at, onset=row.onset, expires=row.expires,
                                time_scale=self.run.time_scale)
            recoloured = any(c.applied_at is not None for c in changes(session=session, warning_id=row.id))
        if not recoloured:  # a warning carried on before any change: the same keys, nobody messaged twice
            await self.first_wave()
        while True:
            await self.tracker.collect()
            if (state := await self.apply_changes()) is not None:
                await self.end(state, "cancelled")
                break
            if (state := self._ended_elsewhere()) is not None:
                await self.end(state, "promoted" if state is WarningState.promoted else state.value)
                break
            if self._expired(expiry):
                await self.end(WarningState.expired, "expired")
                break
            if ends_by_itself and not self.tracker.pending:
                await self.end(WarningState.lifted, "drill over")
                break
            await asyncio.sleep(poll_s)
        await self.tracker.collect(wait=True)
        await close_http_client()
        failed = {str(k): v for k, v in self.tracker.failed.items() if "Cancelled" not in v}
        return read_back(db(), self.run.warning_id).model_copy(update={"failed": failed})
