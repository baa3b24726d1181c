"""`parklink history [INCIDENT]`: the incidents, or every attempt to run one, from ParkLink's record.

Without INCIDENT: one row per incident (playbook, level changes, status, its latest flow run and that run's
state, attempts). With it: every attempt (models.run_lease) — flow run, holder, started, last heartbeat, ended,
outcome (crashed and refused attempts too) — with the Prefect state of each flow run when the engine answers;
without an engine the record alone is shown.
"""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer

from models.db import session_scope
from models.i18n import tr
from models.incident_store import get_incident, level_changes, list_incidents
from models.run_store import attempt_counts, attempts
from models.types import local_time
from parklink.app import print_json, print_table, state

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]


async def _states(ids: list[str]) -> dict[str, tuple[str, float | None]]:
    from prefect.client.orchestration import get_client

    out = {}
    try:
        async with get_client() as client:
            for run_id in dict.fromkeys(ids):
                try:
                    run = await client.read_flow_run(run_id)
                except Exception:  # noqa: BLE001 — a run the server no longer knows (or an id that is not one)
                    continue
                out[run_id] = (run.state.type.value if run.state else "?", run.total_run_time.total_seconds())
    except Exception:  # noqa: BLE001 — no engine running: history still lists ParkLink's records
        return out
    return out


def flow_run_states(ids: list[str]) -> dict[str, tuple[str, float | None]]:
    """flow run id → (Prefect state, run time s) for those the engine knows; {} when no engine answers."""
    from parklink import engine as engine_manager

    running = engine_manager.status(state.settings)
    if not running.running or not ids:
        return {}
    os.environ.setdefault("PREFECT_API_URL", running.url)
    return asyncio.run(_states(ids))


def _attempts(incident: str, json_out: bool) -> None:
    with session_scope(state.engine) as session:
        get_incident(session=session, incident_id=incident)
        rows = attempts(session=session, incident_id=incident)
    states = flow_run_states([a.flow_run_id for a in rows])
    out = [{"flow_run_id": a.flow_run_id, "holder": a.holder, "started_at": a.started_at.isoformat(),
            "heartbeat_at": a.heartbeat_at.isoformat(), "ended_at": a.ended_at.isoformat() if a.ended_at else None,
            "outcome": a.outcome.value, "resumed": a.resumed, "note": a.note,
            "flow_run_state": states.get(a.flow_run_id, (None, None))[0]} for a in rows]
    if json_out:
        return print_json(out)
    when = "%m-%d %H:%M:%S"
    print_table(tr(state.lang, "runs of {i}", i=incident),
                ["flow run", "holder", "started", "heartbeat", "ended", "outcome", "state"],
                [[a.flow_run_id[:8], a.holder, local_time(a.started_at, when), local_time(a.heartbeat_at, when),
                  local_time(a.ended_at, when), r["outcome"], r["flow_run_state"]]
                 for r, a in zip(out, rows, strict=True)])


def history(incident: Annotated[str | None, typer.Argument(help="incident id: every attempt to run it")] = None,
            json_out: JsonOpt = False) -> None:
    """Incidents with playbook, level changes, flow run and its state, attempts; or one incident's attempts."""
    if incident is not None:
        return _attempts(incident, json_out)
    with session_scope(state.engine) as session:
        incidents = list_incidents(session=session)
        changes = {i.id: [f"{c.from_level}→{c.to_level}" for c in level_changes(session=session, incident_id=i.id)]
                   for i in incidents}
        counts = attempt_counts(session=session)
    states = flow_run_states([i.flow_run_id for i in incidents if i.flow_run_id])
    rows = []
    for i in incidents:
        st, seconds = states.get(i.flow_run_id or "", (None, None))
        end = i.stood_down_at
        rows.append({"incident": i.id, "playbook": i.playbook_id, "level": i.level, "drill": i.drill,
                     "status": i.status.value, "level_changes": changes[i.id], "flow_run_id": i.flow_run_id,
                     "flow_run_state": st, "reported_at": i.reported_at.isoformat(),
                     "duration_s": round((end - i.reported_at).total_seconds(), 1) if end else None,
                     "run_time_s": seconds, "attempts": counts.get(i.id, 0)})
    if json_out:
        return print_json(rows)
    print_table(tr(state.lang, "incidents"),
                ["incident", "playbook", "level", "changes", "status", "flow run", "state", "attempts", "reported",
                 "duration s"],
                [[r["incident"], r["playbook"], r["level"], " ".join(r["level_changes"]), r["status"],
                  (r["flow_run_id"] or "")[:8], r["flow_run_state"], r["attempts"], local_time(i.reported_at),
                  r["duration_s"]]
                 for r, i in zip(rows, incidents, strict=True)])
