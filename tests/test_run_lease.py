"""One live run per incident: the lease's store functions on SQLite and PostgreSQL, two claimers at once
(threads, each on its own connection, the real database), takeover of a stale or dead holder, the watchdog's
rows, and the flow's side (tasks/response/run_claim.py)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import timedelta

import pytest

from models import run_store
from models.db import session_scope
from models.incident import Incident, IncidentStatus
from models.run_lease import IncidentRun, RunOutcome
from models.run_store import (
    Claimed,
    RunAlive,
    attempts,
    beat,
    claim_run,
    finish,
    record_resume,
    result_of,
    stale_runs,
)
from models.types import utcnow
from tasks.response.run_claim import RunAliveError, holding_incident

INC = "INC-LEASE-0001"


def add_incident(engine, incident_id: str = INC, status: IncidentStatus = IncidentStatus.open) -> None:
    with session_scope(engine) as session:
        session.add(Incident(id=incident_id, playbook_id="hazmat-leak", playbook_hash="h", level="III",
                             latitude=34.0, longitude=113.0, status=status))


def claim(engine, flow_run_id: str, *, holder: str = "far-host:1", now=None, stale: float = 30.0, gone=None):
    with session_scope(engine) as session:
        return claim_run(session=session, incident_id=INC, flow_run_id=flow_run_id, holder=holder,
                         now=now or utcnow(), stale_after_s=stale, gone=gone)


def outcomes(engine, incident_id: str = INC) -> list[tuple[str, RunOutcome]]:
    with session_scope(engine) as session:
        return [(a.flow_run_id, a.outcome) for a in attempts(session=session, incident_id=incident_id)]


def test_a_second_claim_is_refused_while_the_first_beats_and_takes_over_once_it_is_stale(engine):
    add_incident(engine)
    t0 = utcnow()
    first = claim(engine, "run-a", now=t0)
    assert isinstance(first, Claimed)
    refused = claim(engine, "run-b", holder="other:2", now=t0 + timedelta(seconds=10))
    assert refused == RunAlive(incident_id=INC, flow_run_id="run-a", holder="far-host:1", age_s=10.0)
    with session_scope(engine) as session:
        assert beat(session=session, attempt_id=first.attempt_id, now=t0 + timedelta(seconds=20))
    assert isinstance(claim(engine, "run-c", now=t0 + timedelta(seconds=45)), RunAlive), "the beat kept it alive"
    taken = claim(engine, "run-d", now=t0 + timedelta(seconds=51))
    assert isinstance(taken, Claimed) and taken.taken_over == ("run-a",)
    assert outcomes(engine) == [("run-a", RunOutcome.crashed), ("run-b", RunOutcome.refused),
                                ("run-c", RunOutcome.refused), ("run-d", RunOutcome.running)]
    with session_scope(engine) as session:
        assert not beat(session=session, attempt_id=first.attempt_id, now=t0 + timedelta(seconds=52)), \
            "the old holder learns it lost the lease"
        finish(session=session, attempt_id=taken.attempt_id, outcome=RunOutcome.completed, now=utcnow(),
               result_json='{"incident": "INC-LEASE-0001"}')
    with session_scope(engine) as session:
        assert result_of(session=session, flow_run_id="run-d") == '{"incident": "INC-LEASE-0001"}'
        assert result_of(session=session, flow_run_id="run-a") is None
    assert isinstance(claim(engine, "run-e"), Claimed), "a finished attempt holds nothing"


def test_the_same_flow_run_again_is_a_retry_and_a_holder_known_gone_is_taken_over_at_once(engine):
    add_incident(engine)
    first = claim(engine, "run-a")
    retry = claim(engine, "run-a")
    assert isinstance(retry, Claimed) and retry.attempt_id != first.attempt_id and retry.taken_over == ()
    taken = claim(engine, "run-b", gone=lambda holder: holder == "far-host:1")
    assert isinstance(taken, Claimed) and taken.taken_over == ("run-a",)
    assert outcomes(engine) == [("run-a", RunOutcome.superseded), ("run-a", RunOutcome.crashed),
                                ("run-b", RunOutcome.running)]


def test_two_claimers_at_once_exactly_one_wins(engine, monkeypatch):
    """Each claimer pauses between reading the running attempts and writing its own: without the lock on the
    incident's row both would read "none running" and both would win."""
    add_incident(engine)
    real = run_store._running

    def slow(session, incident_id):
        rows = real(session, incident_id)
        time.sleep(0.3)
        return rows

    monkeypatch.setattr(run_store, "_running", slow)
    barrier, got = threading.Barrier(2), {}

    def body(name: str) -> None:
        barrier.wait()
        got[name] = claim(engine, name, holder=f"host-{name}:1")

    threads = [threading.Thread(target=body, args=(n,)) for n in ("run-a", "run-b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    winners = [n for n, r in got.items() if isinstance(r, Claimed)]
    losers = [r for r in got.values() if isinstance(r, RunAlive)]
    assert len(winners) == 1 and len(losers) == 1 and losers[0].flow_run_id == winners[0]
    assert sorted(o for _, o in outcomes(engine)) == sorted([RunOutcome.running, RunOutcome.refused])


def test_stale_runs_are_open_incidents_whose_live_attempt_went_silent_and_a_resume_is_recorded_once(engine):
    add_incident(engine)
    add_incident(engine, "INC-LEASE-0002", status=IncidentStatus.closed)
    t0 = utcnow() - timedelta(minutes=5)
    dead = claim(engine, "run-a", now=t0)
    with session_scope(engine) as session:
        session.add(IncidentRun(incident_id="INC-LEASE-0002", flow_run_id="run-z", holder="h:1", started_at=t0,
                                heartbeat_at=t0))
    claim(engine, "run-b", now=t0 + timedelta(seconds=5))  # refused: does not hide the silent one
    with session_scope(engine) as session:
        found = stale_runs(session=session, now=utcnow(), stale_after_s=30)
    assert [(s.incident_id, s.attempt.flow_run_id, s.resumes) for s in found] == [(INC, "run-a", 0)], \
        "the closed incident is not resumed"
    with session_scope(engine) as session:
        placeholder = record_resume(session=session, incident_id=INC, dead_attempt_id=dead.attempt_id,
                                    flow_run_id="run-r", holder="watchdog", now=utcnow(), stale_after_s=30)
        again = record_resume(session=session, incident_id=INC, dead_attempt_id=dead.attempt_id,
                              flow_run_id="run-s", holder="watchdog", now=utcnow(), stale_after_s=30)
    assert placeholder is not None and placeholder.resumed and again is None
    with session_scope(engine) as session:
        assert stale_runs(session=session, now=utcnow(), stale_after_s=30) == [], "the placeholder's grace period"
        found = stale_runs(session=session, now=utcnow() + timedelta(seconds=31), stale_after_s=30)
    assert [(s.attempt.flow_run_id, s.resumes, s.flow_run_ids) for s in found] == [("run-r", 1, ("run-a", "run-r"))]
    assert isinstance(claim(engine, "run-r"), Claimed), "the resumed flow run takes up its placeholder"
    assert outcomes(engine)[-2:] == [("run-r", RunOutcome.superseded), ("run-r", RunOutcome.running)]


def test_holding_incident_refuses_in_one_line_beats_and_records_the_outcome(engine):
    add_incident(engine)

    async def scenario():
        async with holding_incident(engine, INC, "flow-1", beat_s=0.05, stale_after_s=30) as lease:
            with session_scope(engine) as session:
                started = attempts(session=session, incident_id=INC)[0].heartbeat_at
            with pytest.raises(RunAliveError) as refused:
                async with holding_incident(engine, INC, "flow-2"):
                    raise AssertionError("never entered")
            await asyncio.sleep(0.3)
            with session_scope(engine) as session:
                assert attempts(session=session, incident_id=INC)[0].heartbeat_at > started, "it beats"
            await lease.end(RunOutcome.completed, '{"ok": true}')
        return refused.value

    error = asyncio.run(scenario())
    assert str(error).startswith(f"incident {INC} is being run by flow run flow-1 on ")
    assert str(error).endswith("s ago): follow it, or wait until it ends; nothing was sent") and error.exit_code == 2
    assert outcomes(engine) == [("flow-1", RunOutcome.completed), ("flow-2", RunOutcome.refused)]
    with session_scope(engine) as session:
        assert result_of(session=session, flow_run_id="flow-1") == '{"ok": true}'

    async def breaks():
        async with holding_incident(engine, INC, "flow-3", beat_s=0.05):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        asyncio.run(breaks())
    assert outcomes(engine)[-1] == ("flow-3", RunOutcome.failed)


def test_history_lists_attempts_per_incident_and_every_attempt_of_one(cli, engine, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("PARKLINK_ENGINE_PORT", "4329")  # no engine there: the record alone
    add_incident(engine)
    add_incident(engine, "INC-LEASE-0002")
    t0 = utcnow() - timedelta(minutes=3)
    claim(engine, "run-a", now=t0)
    claim(engine, "run-b", holder="other:2", now=t0 + timedelta(seconds=1))
    claim(engine, "run-c", holder="third:3")
    listed = cli("history", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert {r["incident"]: r["attempts"] for r in json.loads(listed.stdout)} == {INC: 3, "INC-LEASE-0002": 0}
    shown = cli("history", INC, "--json")
    assert shown.exit_code == 0, shown.stderr
    rows = json.loads(shown.stdout)
    assert [(r["flow_run_id"], r["holder"], r["outcome"]) for r in rows] == [
        ("run-a", "far-host:1", "crashed"), ("run-b", "other:2", "refused"), ("run-c", "third:3", "running")]
    assert rows[0]["ended_at"] and rows[2]["ended_at"] is None and "heartbeat 180 s old" in rows[0]["note"]
    assert all(r["flow_run_state"] is None for r in rows), "no engine answered"
    table = cli("--lang", "en", "history", INC)
    assert table.exit_code == 0 and "run-a" in table.stdout and "crashed" in table.stdout
    missing = cli("history", "INC-NOPE-0001")
    assert missing.exit_code == 1 and "INC-NOPE-0001" in missing.stderr and "not found" in missing.stderr
