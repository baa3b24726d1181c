"""`parklink respond … --deployment`: the same run, submitted to its playbook's deployment and run by a worker.

    parameters(...)        the flow's typed parameters as JSON (what the Prefect UI's form holds)
    submit(playbook, …)    create the flow run of deployment `respond/<playbook>`; InputError when there is none
    outcome(engine, id)    wait until that run is final and read its ResponseResult from the database (any machine:
                           the flow run records its result on its attempt, not in a worker's result storage)

The CLI checks the input first (exit 2, nothing submitted), then follows the run's record from the database as it
does for a run in-process. A run the watchdog resumed after its worker died is followed on to the run that
carried it on.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import Engine

from models.drill import DrillPeople
from models.errors import InputError
from models.incident_report import IncidentReport
from tasks.response.run_claim import recorded_result, resumed_by

POLL_S = 1.0


@dataclass(frozen=True)
class Submitted:
    flow_run_id: str
    deployment: str


def parameters(*, report: IncidentReport, level: str | None, drill: bool, people: DrillPeople | None,
               time_scale: float, lang: str, hold: bool, manual_approval: bool = False) -> dict:
    return {"incident": report.model_dump(mode="json"), "level": level, "drill": drill,
            "people": people.model_dump(mode="json") if people else None, "time_scale": time_scale,
            "lang": lang, "hold": hold, "manual_approval": manual_approval}


async def submit(playbook: str, params: dict) -> Submitted:
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    name = f"respond/{playbook}"
    try:
        run = await run_deployment(name=name, parameters=params, timeout=0, as_subflow=False)
    except ObjectNotFound:
        raise InputError(f"no deployment `{name}` on this Prefect server: run `parklink deploy` first",
                         exit_code=2) from None
    return Submitted(flow_run_id=str(run.id), deployment=name)


async def _final_state(flow_run_id: str):
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        while True:
            run = await client.read_flow_run(flow_run_id)
            if run.state is not None and run.state.is_final():
                return run.state
            await asyncio.sleep(POLL_S)


async def outcome(engine: Engine, flow_run_id: str):
    """(final state, ResponseResult or None) of the run, or of the run that resumed it when it crashed."""
    while True:
        state = await _final_state(flow_run_id)
        result = await asyncio.to_thread(recorded_result, engine, flow_run_id)
        if result is not None or not (state.is_crashed() or state.is_cancelled()):
            return state, result
        successor = None
        for _ in range(int(180 / POLL_S)):  # the watchdog resubmits a lost run within its interval
            successor = await asyncio.to_thread(resumed_by, engine, flow_run_id)
            if successor:
                break
            await asyncio.sleep(POLL_S)
        if not successor:
            return state, None
        flow_run_id = successor
