"""One live run per incident, on the real engine: a second run of an incident whose first run is alive is
refused at once (Failed, one line naming the live run, nothing written or sent), and a run whose previous
attempt went silent takes the incident over."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from models.db import session_scope
from models.incident import Incident
from models.incident_store import request_stand_down
from models.playbook import load_playbooks
from models.run_lease import IncidentRun, RunOutcome
from models.run_store import attempts, result_of
from models.settings import get_settings
from models.types import utcnow
from tasks.response.run_claim import recorded_result
from tests.respond_support import SCALE, received_once, records, run_drill

pytestmark = pytest.mark.prefect

LIBRARY = load_playbooks(get_settings().playbooks_dir)
INCIDENT = {"enterprise": "qy-ha", "injured": 1, "description": "演练：合成氨装置区管线泄漏"}


def runs(engine, incident_id: str) -> list[IncidentRun]:
    with session_scope(engine) as session:
        return attempts(session=session, incident_id=incident_id)


async def wait_for(predicate, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not await asyncio.to_thread(predicate):
        assert loop.time() < end, "timed out waiting for the run"
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_second_run_while_the_first_is_alive_is_refused_and_sends_nothing(prefect_api, cli, engine, monkeypatch):
    from flows.respond import respond

    assert cli("init").exit_code == 0
    incident_id = "INC-LEASE-0101"
    seen = {}

    async def during(first):
        await wait_for(lambda: any(e.kind == "dispatched" for e in records(engine, incident_id)["events"]))
        again = await respond("hazmat-leak", {**INCIDENT, "incident_id": incident_id}, level="III", drill=True,
                              time_scale=SCALE, hold=True, return_state=True)
        seen["state"], seen["first_run"] = again, runs(engine, incident_id)[0].flow_run_id
        assert not first.done(), "the first run is still alive"
        with session_scope(engine) as session:
            request_stand_down(session=session, incident_id=incident_id)

    drill = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", {**INCIDENT, "incident_id": incident_id},
                                  level="III", seed=3, hold=True, during=during))
    refused = seen["state"]
    assert refused.is_failed()
    assert refused.message.startswith(f"incident {incident_id} is being run by flow run {seen['first_run']} on ")
    assert refused.message.endswith("nothing was sent") and "\n" not in refused.message
    rec = records(engine, incident_id)
    assert not [e for e in rec["events"] if e.kind == "resumed"], "the refused run wrote nothing (not even that "\
                                                                  "it continued the incident)"

    assert drill.state.is_completed(), drill.state.message
    assert str(drill.result.flow_run_id) == seen["first_run"]
    assert received_once(drill.gateway, rec["notifications"]), "nobody was paged twice"
    rows = runs(engine, incident_id)
    assert [r.outcome for r in rows] == [RunOutcome.completed, RunOutcome.refused]
    with session_scope(engine) as session:
        stored = json.loads(result_of(session=session, flow_run_id=seen["first_run"]))
    assert stored["incident"] == incident_id and stored["level"] == "III"
    typed = recorded_result(engine, seen["first_run"])
    assert typed.incident == incident_id and sorted(g.key for g in typed.groups) == sorted(
        g.key for g in drill.result.groups) and typed.assessment.kpis == drill.result.assessment.kpis

    monkeypatch.setenv("PREFECT_API_URL", prefect_api)  # `parklink history INCIDENT` asks the engine for states
    shown = cli("history", incident_id, "--json")
    assert shown.exit_code == 0, shown.stderr
    assert [(r["flow_run_id"] == seen["first_run"], r["outcome"], r["flow_run_state"])
            for r in json.loads(shown.stdout)] == [(True, "completed", "COMPLETED"), (False, "refused", "FAILED")]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_run_whose_previous_attempt_went_silent_takes_it_over(prefect_api, cli, engine, monkeypatch):
    assert cli("init").exit_code == 0
    incident_id = "INC-LEASE-0102"
    silent = utcnow() - timedelta(minutes=2)
    with session_scope(engine) as session:
        session.add(Incident(id=incident_id, playbook_id="hazmat-leak", level="IV", drill=True, time_scale=SCALE,
                             playbook_hash=LIBRARY.resolve("hazmat-leak", "IV").content_hash, latitude=36.15,
                             longitude=112.27, enterprise="qy-ha"))
        session.flush()
        session.add(IncidentRun(incident_id=incident_id, flow_run_id="lost-run", holder="another-host:4242:x",
                                started_at=silent, heartbeat_at=silent))

    drill = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", {**INCIDENT, "incident_id": incident_id},
                                  seed=2, answer_rate=1.0))
    assert drill.state.is_completed(), drill.state.message
    assert drill.result.continued
    rows = runs(engine, incident_id)
    assert [(r.flow_run_id, r.outcome) for r in rows] == [("lost-run", RunOutcome.crashed),
                                                           (drill.result.flow_run_id, RunOutcome.completed)]
    assert "heartbeat 120 s old" in rows[0].note or "heartbeat 12" in rows[0].note


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_run_whose_lease_was_taken_over_stops_and_gives_nothing_back(prefect_api, cli, engine, monkeypatch):
    """A run silent too long (a partition, a stalled machine) whose incident another run took over stops at its
    next heartbeat: it sends nothing more and leaves what the incident holds to the run that holds it now."""
    from models.dispatch import ReservationStatus

    assert cli("init").exit_code == 0
    monkeypatch.setenv("PARKLINK_RUN_BEAT_S", "0.2")
    incident_id = "INC-LEASE-0103"
    seen = {}

    async def during(first):
        await wait_for(lambda: any(e.kind == "dispatched" for e in records(engine, incident_id)["events"]))
        with session_scope(engine) as session:  # what the watchdog's resume writes: dead attempt, new holder
            [mine] = [a for a in attempts(session=session, incident_id=incident_id)
                      if a.outcome is RunOutcome.running]
            mine.outcome, mine.ended_at = RunOutcome.crashed, utcnow()
            session.add_all([mine, IncidentRun(incident_id=incident_id, flow_run_id="the-new-run",
                                               holder="another-host:1:y", resumed=True)])
        seen["at"] = utcnow()
        await asyncio.wait([first], timeout=15)
        if not first.done():  # it went on as if it still held the incident: end it, so the test says so
            with session_scope(engine) as session:
                request_stand_down(session=session, incident_id=incident_id)

    drill = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", {**INCIDENT, "incident_id": incident_id},
                                  level="III", seed=4, answer_rate=0.3, hold=True, during=during))
    assert drill.state.is_failed() and "lost its lease" in drill.state.message, drill.state.message
    rec = records(engine, incident_id)
    assert [r for r in rec["reservations"] if r.status is ReservationStatus.held], "nothing given back"
    ended = drill.state.timestamp
    assert (ended - seen["at"]).total_seconds() < 10, "it stopped at its next heartbeat, not at stand-down"
    assert [n for n in rec["notifications"] if n.delivered_at and n.delivered_at > ended] == [], \
        "nothing sent after it stopped"
    with session_scope(engine) as session:
        assert session.get(Incident, incident_id).status.value != "closed", "the incident is the new run's"
