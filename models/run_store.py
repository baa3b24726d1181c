"""Persistence of run attempts (models.run_lease): one live run per incident, keyword-only, session first.

    claim_run(…) → Claimed | RunAlive   the lease: refused while another attempt's heartbeat is fresh; a stale
                                        one (or one whose holder is known gone) is taken over, marked crashed;
                                        the same flow run again (a Prefect retry) supersedes its own attempt
    beat, finish                        the heartbeat; the outcome and the run's result (JSON)
    attempts, attempt_counts, result_of what `parklink history` and `parklink report` read on any machine
    stale_runs, record_resume           the watchdog: open incidents whose live attempt went silent; a resumed
                                        flow run's placeholder attempt (a fresh heartbeat: its grace period)

Atomic on both backends, never a process-local lock: the claim first locks the incident's row — `SELECT …
FOR UPDATE` on PostgreSQL; on SQLite `BEGIN IMMEDIATE` (models.stock_lock) and an UPDATE of that row, the
database's write lock — so two claimers of one incident run one after the other and only one wins.
Call `claim_run` and `record_resume` in a session of their own (session_scope): the commit releases the lock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from models.errors import NotFound
from models.incident import Incident, IncidentStatus
from models.run_lease import IncidentRun, RunOutcome
from models.stock_lock import begin_write


@dataclass(frozen=True)
class Claimed:
    attempt_id: int
    taken_over: tuple[str, ...] = ()  # flow runs whose attempts this claim marked crashed


@dataclass(frozen=True)
class RunAlive:
    """Another attempt of the incident is alive: follow it, or wait until it ends."""

    incident_id: str
    flow_run_id: str
    holder: str
    age_s: float  # seconds since its last heartbeat


@dataclass(frozen=True)
class StaleRun:
    incident_id: str
    attempt: IncidentRun
    age_s: float
    resumes: int = 0  # attempts the watchdog submitted for this incident so far
    flow_run_ids: tuple[str, ...] = field(default=())


def lock_incident(*, session: Session, incident_id: str) -> None:
    """Hold the incident's row until the transaction ends (NotFound when there is none). Call it first."""
    if session.get_bind().dialect.name == "postgresql":
        found = session.execute(sa_select(Incident.id).where(Incident.id == incident_id).with_for_update()).first()
    else:  # SQLite: BEGIN IMMEDIATE, then a write of the row: the database's write lock, before anything is read
        begin_write(session)
        found = session.execute(update(Incident).where(Incident.id == incident_id).values(id=Incident.id)
                                .execution_options(synchronize_session=False)).rowcount
    if not found:
        raise NotFound(f"incident `{incident_id}` not found; see `parklink history`")


def _running(session: Session, incident_id: str) -> list[IncidentRun]:
    """The incident's attempts still running (read under the incident's lock: nobody changes them meanwhile)."""
    return list(session.exec(select(IncidentRun).where(IncidentRun.incident_id == incident_id,
                                                       IncidentRun.outcome == RunOutcome.running)
                             .order_by(IncidentRun.id).execution_options(populate_existing=True)).all())


def _end(row: IncidentRun, outcome: RunOutcome, now: datetime, note: str) -> None:
    row.outcome, row.ended_at, row.note = outcome, now, note


def claim_run(*, session: Session, incident_id: str, flow_run_id: str, holder: str, now: datetime,
              stale_after_s: float, gone: Callable[[str], bool] | None = None) -> Claimed | RunAlive:
    """Start an attempt of `flow_run_id` on the incident, unless another attempt is alive.

    Alive: its heartbeat is younger than `stale_after_s` and `gone(holder)` (the caller's knowledge that a
    process has died, e.g. a pid on this host that no longer exists) does not say otherwise. A refused claim
    is recorded as an attempt `refused`; nothing else is written.
    """
    lock_incident(session=session, incident_id=incident_id)
    running = _running(session, incident_id)
    for row in running:
        age = (now - row.heartbeat_at).total_seconds()
        if row.flow_run_id != flow_run_id and age < stale_after_s and not (gone and gone(row.holder)):
            session.add(IncidentRun(incident_id=incident_id, flow_run_id=flow_run_id, holder=holder, started_at=now,
                                    heartbeat_at=now, ended_at=now, outcome=RunOutcome.refused,
                                    note=f"{row.flow_run_id} alive on {row.holder}"))
            return RunAlive(incident_id=incident_id, flow_run_id=row.flow_run_id, holder=row.holder,
                            age_s=max(0.0, age))
    taken: list[str] = []
    for row in running:
        if row.flow_run_id == flow_run_id:
            _end(row, RunOutcome.superseded, now, "the same flow run started again")
        else:
            age = (now - row.heartbeat_at).total_seconds()
            _end(row, RunOutcome.crashed, now, f"taken over by {flow_run_id}: "
                 + (f"heartbeat {age:.0f} s old" if age >= stale_after_s else f"{row.holder} is gone"))
            taken.append(row.flow_run_id)
        session.add(row)
    attempt = IncidentRun(incident_id=incident_id, flow_run_id=flow_run_id, holder=holder, started_at=now,
                          heartbeat_at=now)
    session.add(attempt)
    session.flush()
    return Claimed(attempt_id=attempt.id, taken_over=tuple(taken))


def beat(*, session: Session, attempt_id: int, now: datetime) -> bool:
    """The heartbeat; False when the attempt is no longer running (it was taken over)."""
    result = session.execute(update(IncidentRun).where(IncidentRun.id == attempt_id,
                                                       IncidentRun.outcome == RunOutcome.running)
                             .values(heartbeat_at=now).execution_options(synchronize_session=False))
    return result.rowcount == 1


def finish(*, session: Session, attempt_id: int, outcome: RunOutcome, now: datetime,
           result_json: str | None = None) -> IncidentRun:
    """Record how the attempt ended (kept as it is when another already marked it) and the run's result."""
    row = session.get(IncidentRun, attempt_id)
    if row is None:
        raise NotFound(f"run attempt {attempt_id} not found")
    if row.outcome is RunOutcome.running:
        row.outcome, row.ended_at = outcome, now
    if result_json is not None:
        row.result_json = result_json
    session.add(row)
    return row


def attempts(*, session: Session, incident_id: str) -> list[IncidentRun]:
    return list(session.exec(select(IncidentRun).where(IncidentRun.incident_id == incident_id)
                             .order_by(IncidentRun.id)).all())


def attempt_counts(*, session: Session) -> dict[str, int]:
    """incident id → attempts recorded (refused ones included)."""
    rows = session.exec(select(IncidentRun.incident_id, func.count()).group_by(IncidentRun.incident_id)).all()
    return {incident: count for incident, count in rows}


def result_of(*, session: Session, flow_run_id: str) -> str | None:
    """The final result (ResponseResult JSON) the flow run recorded, if it ended with one."""
    return session.exec(select(IncidentRun.result_json).where(IncidentRun.flow_run_id == flow_run_id,
                                                              col(IncidentRun.result_json).is_not(None))
                        .order_by(col(IncidentRun.id).desc())).first()


def incident_of(*, session: Session, flow_run_id: str) -> str | None:
    """The incident a flow run claimed (None until it has)."""
    return session.exec(select(IncidentRun.incident_id).where(IncidentRun.flow_run_id == flow_run_id)).first()


def successor(*, session: Session, flow_run_id: str) -> str | None:
    """The flow run the watchdog submitted to carry on this one's incident after it was lost (the first resumed
    attempt after it), if any."""
    mine = session.exec(select(IncidentRun).where(IncidentRun.flow_run_id == flow_run_id)
                        .order_by(col(IncidentRun.id).desc())).first()
    if mine is None:
        return None
    return session.exec(select(IncidentRun.flow_run_id).where(
        IncidentRun.incident_id == mine.incident_id, col(IncidentRun.id) > mine.id, col(IncidentRun.resumed),
        IncidentRun.flow_run_id != flow_run_id).order_by(col(IncidentRun.id))).first()


def stale_runs(*, session: Session, now: datetime, stale_after_s: float) -> list[StaleRun]:
    """Open incidents whose live attempt (the latest one not refused) is running with a stale heartbeat."""
    cutoff = now - timedelta(seconds=stale_after_s)
    rows = session.exec(select(IncidentRun).join(Incident, Incident.id == IncidentRun.incident_id)
                        .where(IncidentRun.outcome == RunOutcome.running, IncidentRun.heartbeat_at < cutoff,
                               Incident.status != IncidentStatus.closed).order_by(IncidentRun.id)).all()
    out = []
    for row in rows:
        history = [a for a in attempts(session=session, incident_id=row.incident_id)
                   if a.outcome is not RunOutcome.refused]
        if history[-1].id != row.id:
            continue
        out.append(StaleRun(incident_id=row.incident_id, attempt=row, age_s=(now - row.heartbeat_at).total_seconds(),
                            resumes=sum(a.resumed for a in history),
                            flow_run_ids=tuple(dict.fromkeys(a.flow_run_id for a in history))))
    return out


def record_resume(*, session: Session, incident_id: str, dead_attempt_id: int, flow_run_id: str, holder: str, now: datetime,
                  stale_after_s: float, note: str = "") -> IncidentRun | None:
    """The dead attempt marked crashed and a placeholder for the flow run submitted to resume it (its heartbeat
    fresh: a grace period until that run claims the incident itself). None when the dead attempt is no longer
    the stale live one (a run claimed the incident meanwhile): nothing written."""
    lock_incident(session=session, incident_id=incident_id)
    dead = session.get(IncidentRun, dead_attempt_id, populate_existing=True)
    if dead is None or dead.incident_id != incident_id:
        raise NotFound(f"run attempt {dead_attempt_id} of incident `{incident_id}` not found")
    if dead.outcome is not RunOutcome.running or (now - dead.heartbeat_at).total_seconds() < stale_after_s:
        return None
    _end(dead, RunOutcome.crashed, now, note or f"lost; resumed as {flow_run_id}")
    placeholder = IncidentRun(incident_id=dead.incident_id, flow_run_id=flow_run_id, holder=holder, started_at=now,
                              heartbeat_at=now, resumed=True, note=f"resumes {dead.flow_run_id}")
    session.add_all([dead, placeholder])
    session.flush()
    return placeholder


def mark_crashed(*, session: Session, attempt_id: int, now: datetime, note: str) -> None:
    """A lost attempt that will not be resumed (no deployment to submit it to, or too many resumes)."""
    row = session.get(IncidentRun, attempt_id)
    if row is not None and row.outcome is RunOutcome.running:
        _end(row, RunOutcome.crashed, now, note)
        session.add(row)
