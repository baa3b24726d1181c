"""Launching the warn flow: in this process (the CLI, following it), or in the background (the report intake).

    run_warning(warning_id, people=…, hold=…, lang=…)  → (flow state, WarningResult | None), in this process
    launch_warning(request, drill=…, lang=…, start=True) → warning id   the warning written now (checked, exit 2
        when wrong), its run started without waiting for it: on the `warn/warning` deployment when a Prefect server
        is configured and has it (a worker runs it), else in a background thread of this process (`parklink
        serve`); `start=False` leaves starting it to the caller (the CLI follows it in this process)
"""

from __future__ import annotations

import asyncio
import os
import threading

from models.drill import DrillPeople
from models.warning_kinds import WarningRequest
from tasks.warning.opening import new_warning


async def run_warning(warning_id: str, *, drill: bool, people: DrillPeople | None, hold: bool, lang: str):
    from flows.warn import warn  # Prefect loads only when a run is launched

    state = await warn(warning_id=warning_id, drill=drill, people=people, hold=hold, lang=lang, return_state=True)
    return state, await state.aresult(raise_on_failure=False)


async def _submit(warning_id: str, drill: bool, lang: str) -> bool:
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    try:
        await run_deployment(name="warn/warning", parameters={"warning_id": warning_id, "drill": drill, "lang": lang},
                             timeout=0, as_subflow=False)
    except ObjectNotFound:
        return False
    return True


def launch_warning(request: WarningRequest, *, drill: bool, lang: str, time_scale: float | None = None,
                   start: bool = True) -> str:
    """Write the warning and start its run without waiting for it (a web request must not wait for a warning
    that lasts until it is lifted); its id."""
    row = new_warning(request, drill=drill, time_scale=time_scale, lang=lang)
    if not start:
        return row.id
    if os.environ.get("PREFECT_API_URL") and asyncio.run(_submit(row.id, drill, lang)):
        return row.id
    thread = threading.Thread(target=lambda: asyncio.run(run_warning(row.id, drill=drill, people=None, hold=False,
                                                                     lang=lang)),
                              name=f"warning {row.id}", daemon=True)
    thread.start()
    return row.id
