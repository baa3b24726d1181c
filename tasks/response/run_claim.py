"""One live run per incident: the respond flow claims the incident's lease, beats while it runs, records how
it ended (models.run_store holds the rules; this is the flow's side of them).

    RunLease          `async with` it around the run: claim(incident_id) → None, or the Failed state of a
                      refused run; ended(state) records the outcome and the run's ResponseResult as JSON; on
                      exit the heartbeat stops (an attempt whose outcome nobody recorded is recorded failed)
    holding_incident  the same as an async context manager that claims at once (raises RunAliveError)
    recorded_result   the ResponseResult a flow run recorded (a CLI on another machine reads a deployment
                      run's result from the database, not from the worker that ran it)
    RunAliveError     InputError: one line naming the live run — "incident X is being run by flow run <id> on
                      <holder> (heartbeat N s ago): follow it, or wait until it ends; nothing was sent"

The holder is `host:pid:nonce` (tasks.notify.leases): a run killed on this host is taken over at once, one
on another host when its heartbeat is `stale_after_s` old. Database writes run off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import BaseModel
from sqlalchemy import Engine

from models.db import session_scope
from models.errors import InputError, ParkLinkError
from models.incident_store import find_incident
from models.run_lease import RunOutcome
from models.run_store import RunAlive, beat, claim_run, finish, incident_of, result_of, successor
from models.types import utcnow
from tasks.notify import leases
from tasks.response.results import ResponseResult

log = logging.getLogger("parklink.run_lease")


class LeaseLost(ParkLinkError):
    """This run's attempt was taken over (it was silent too long and another run holds the incident now): it
    stops at once, and gives nothing back — what the incident holds is the new run's."""


class RunAliveError(InputError):
    def __init__(self, alive: RunAlive):
        self.alive = alive
        super().__init__(f"incident {alive.incident_id} is being run by flow run {alive.flow_run_id} on "
                         f"{alive.holder} (heartbeat {alive.age_s:.0f} s ago): follow it, or wait until it ends; "
                         "nothing was sent", exit_code=2)


class RunLease:
    """The lease of one flow run on (at most) one incident."""

    def __init__(self, engine: Engine, flow_run_id: str | None, *, beat_s: float = 5.0, stale_after_s: float = 30.0):
        self.engine, self.beat_s, self.stale_after_s = engine, beat_s, stale_after_s
        self.flow_run_id = str(flow_run_id or uuid.uuid4())
        self.holder = leases.new_holder()
        self.incident_id: str | None = None
        self.attempt_id: int | None = None
        self.lost = False
        self._ended = False
        self._heartbeat: asyncio.Task | None = None

    async def acquire(self, incident_id: str) -> None:
        """Claim the incident (again a no-op); RunAliveError when another run of it is alive."""
        if self.attempt_id is not None:
            return
        outcome = await asyncio.to_thread(self._claim, incident_id)
        if isinstance(outcome, RunAlive):
            raise RunAliveError(outcome)
        self.incident_id, self.attempt_id = incident_id, outcome.attempt_id
        leases.enter(self.holder)
        self._heartbeat = asyncio.create_task(self._beat(), name=f"run lease {incident_id}")
        if outcome.taken_over:
            log.warning("incident %s: took over from lost flow run(s) %s", incident_id, ", ".join(outcome.taken_over))

    async def claim(self, incident_id: str | None):
        """For the flow: None when claimed (or there is nothing to claim yet: no such incident), else the
        Failed state to return — a refused run writes and sends nothing."""
        from prefect.states import Failed

        if incident_id is None or not await asyncio.to_thread(self._exists, incident_id):
            return None
        try:
            await self.acquire(incident_id)
        except RunAliveError as refused:
            return Failed(message=str(refused), data=refused)
        return None

    def check(self) -> None:
        """LeaseLost once a heartbeat found the attempt taken over."""
        if self.lost:
            raise LeaseLost(f"incident {self.incident_id}: flow run {self.flow_run_id} lost its lease (silent longer "
                            f"than {self.stale_after_s:g} s, taken over by another run); it stopped and gave "
                            "nothing back")

    async def ended(self, state):
        """Record the flow's final state (completed or failed) and its result; the state, unchanged."""
        outcome = RunOutcome.completed if state.is_completed() else RunOutcome.failed
        data = state.data
        await self.end(outcome, data.model_dump_json() if isinstance(data, BaseModel) else None)
        return state

    async def end(self, outcome: RunOutcome, result_json: str | None = None) -> None:
        if self.attempt_id is None or self._ended:
            return
        self._ended = True
        await asyncio.to_thread(self._finish, outcome, result_json)

    async def __aenter__(self) -> RunLease:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.release()

    async def release(self) -> None:
        """Stop the heartbeat; an attempt whose outcome nobody recorded ended failed."""
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)
            self._heartbeat = None
        try:
            await self.end(RunOutcome.failed)
        finally:
            leases.leave(self.holder)

    def _exists(self, incident_id: str) -> bool:
        with session_scope(self.engine) as session:
            return find_incident(session=session, incident_id=incident_id) is not None

    def _claim(self, incident_id: str):
        with session_scope(self.engine) as session:
            return claim_run(session=session, incident_id=incident_id, flow_run_id=self.flow_run_id,
                             holder=self.holder, now=utcnow(), stale_after_s=self.stale_after_s,
                             gone=leases.holder_gone)

    def _finish(self, outcome: RunOutcome, result_json: str | None) -> None:
        with session_scope(self.engine) as session:
            finish(session=session, attempt_id=self.attempt_id, outcome=outcome, now=utcnow(),
                   result_json=result_json)

    def _beat_once(self) -> bool:
        with session_scope(self.engine) as session:
            return beat(session=session, attempt_id=self.attempt_id, now=utcnow())

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.beat_s)
            try:
                held = await asyncio.to_thread(self._beat_once)
            except Exception as exc:  # noqa: BLE001 — a missed beat is survivable; the next one tries again
                log.warning("incident %s: heartbeat not written (%s)", self.incident_id, exc)
                continue
            if not held and not self.lost:
                self.lost = True
                log.error("incident %s: flow run %s lost its lease (another run took it over)", self.incident_id,
                          self.flow_run_id)


@asynccontextmanager
async def holding_incident(engine: Engine, incident_id: str, flow_run_id: str, *, beat_s: float = 5.0,
                           stale_after_s: float = 30.0) -> AsyncIterator[RunLease]:
    """Hold the incident's lease for the block: claimed at once (RunAliveError when another run is alive),
    beaten every `beat_s`, ended completed — or failed when the block raises. `lease.end(…, result_json)`
    inside the block records the result."""
    lease = RunLease(engine, flow_run_id, beat_s=beat_s, stale_after_s=stale_after_s)
    await lease.acquire(incident_id)
    try:
        yield lease
    except BaseException:
        await lease.release()
        raise
    await lease.end(RunOutcome.completed)
    await lease.release()


def run_lease(engine: Engine, settings) -> RunLease:
    """The lease of the flow run under way (Prefect's id), with the settings' beat and staleness."""
    from prefect.runtime import flow_run

    return RunLease(engine, flow_run.get_id(), beat_s=settings.run_beat_s, stale_after_s=settings.run_stale_s)


def recorded_result(engine: Engine, flow_run_id: str) -> ResponseResult | None:
    """The final result the flow run recorded on its attempt; None while it runs, or when it recorded none."""
    with session_scope(engine) as session:
        found = result_of(session=session, flow_run_id=flow_run_id)
    return ResponseResult.model_validate_json(found) if found else None


def resumed_by(engine: Engine, flow_run_id: str) -> str | None:
    """The flow run that carries on a lost run's incident (submitted by the watchdog), once there is one."""
    with session_scope(engine) as session:
        return successor(session=session, flow_run_id=flow_run_id)


def claimed_incident(engine: Engine, flow_run_id: str) -> str | None:
    """The incident the flow run holds (or held), once it has claimed it."""
    with session_scope(engine) as session:
        return incident_of(session=session, flow_run_id=flow_run_id)
