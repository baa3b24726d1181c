"""The watchdog flow: lost runs resumed.

    watchdog(stale_after_s=None, max_resumes=3) → WatchdogResult

Meant to run as a scheduled deployment (every 30 s, `prefect.yaml`). Each tick, for every open incident whose
live attempt's heartbeat is stale (no run alive, models.run_store.stale_runs): the dead flow run is marked
Crashed if Prefect still says Running or Pending, and — as tasks/response/resume_rules.py decides — a run of
the same deployment is submitted with the same parameters and the incident id filled in, or it is left (and
said so in the record). Why a flow and not a Prefect automation on Crashed: an automation cannot see
ParkLink's lease (a run whose process is alive but stuck, or a killed worker Prefect still calls Running, is
lost for ParkLink before it is Crashed for Prefect), cannot template the incident id a run created into the
parameters of the next, and cannot count the resumes of an incident across flow runs.
"""

from __future__ import annotations

from prefect import flow

from tasks.response.resume_rules import MAX_RESUMES
from tasks.response.resuming import WatchdogResult, find_lost_runs, handle_lost_run
from tasks.response.runtime import run_settings


@flow(name="watchdog", persist_result=False, log_prints=False)
async def watchdog(stale_after_s: float | None = None, max_resumes: int = MAX_RESUMES) -> WatchdogResult:
    stale = stale_after_s or run_settings().run_stale_s
    found = await find_lost_runs(stale, max_resumes)
    handled = [await handle_lost_run(d, found.parameters.get(d.lost.flow_run_id, {}), stale, max_resumes)
               for d in found.decisions]
    return WatchdogResult(handled=handled)
