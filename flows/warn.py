"""The warning flow: one run per warning, from its raising to its lifting (预警联动, source document 二(四)1).

    warn(request=WarningRequest(…) | warning_id="WRN-…", drill=False, time_scale=None, hold=False) → WarningResult

On a warning of a colour: the playbook's warning actions of that colour and every lower one go to their owners,
each with an acknowledgement deadline and the response's escalation (tasks/warning/steps.py); the units the
colour needs stand by (from yellow up every linked unit, at blue those of the playbook's lowest response level);
the reserves are checked — every response level's needs against the stock now, the dispatch planner in dry run —
and the shortfalls go to the logistics lead; duty switches to a special period until the warning is lifted.

Then the run applies what operators (`parklink warn raise|lower|cancel`) and CAP Updates/Cancels ask for: a
higher colour adds only its actions and standby, a lower one stands down what it no longer needs; a cancel, the
warning's expiry or its promotion to a response ends it — standby released with a notice, duty back to normal,
open actions closed. A drill is the same run through its own drill gateway, on a time scale; it ends by itself
once its first wave is done, unless `hold`. Running the same warning id again carries it on: every message and
entry is written under an idempotency key, so nobody is messaged twice.
"""

from __future__ import annotations

from contextlib import AsyncExitStack

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run
from prefect.states import Completed, Failed

from flows.drill_env import own_drill
from flows.respond import Tracker
from flows.warn_loop import WarningLoop
from models.db import session_scope
from models.drill import DrillPeople
from models.errors import InputError
from models.settings import Lang
from models.warning_kinds import WarningRequest
from models.warning_store import set_flow_run
from tasks.response.runtime import close_http_client, db
from tasks.warning.opening import OpenedWarning, open_warning

POLL_S = 0.5


def run_name() -> str:
    """`warning · yellow · hazmat-leak · WRN-20261201-0001` (a new warning's id is only known once it is written:
    the run renames itself then)."""
    params = flow_run.parameters
    request = params.get("request") or {}
    get = request.get if isinstance(request, dict) else (lambda k: getattr(request, k, None))
    colour, playbook, ident = get("colour"), get("playbook"), params.get("warning_id")
    if ident:
        from models.warning_store import find_warning

        with session_scope(db()) as session:
            row = find_warning(session=session, warning_id=ident)
            if row is not None:
                colour, playbook = row.colour, row.playbook_id
    return " · ".join(["warning", str(getattr(colour, "value", colour) or "?"), str(playbook or "?"), ident or "new"])


async def _name_the_run(opened: OpenedWarning) -> None:
    run = opened.run
    run_id = flow_run.get_id()
    if not run_id:
        return
    async with get_client() as client:
        await client.update_flow_run(run_id, name=f"warning · {run.colour.value} · {run.playbook} · {run.warning_id}")
    with session_scope(db()) as session:
        set_flow_run(session=session, warning_id=run.warning_id, flow_run_id=str(run_id))


@flow(name="warn", flow_run_name=run_name, persist_result=False, log_prints=False)
async def warn(request: WarningRequest | None = None, warning_id: str | None = None, drill: bool = False,
               time_scale: float | None = None, lang: Lang = "zh-CN", hold: bool = False,
               people: DrillPeople | None = None):
    """Run the warning response of a playbook: actions to their owners, standby, reserve check, duty, until lifted.

    Args:
        request: the new warning: its type (playbook), colour, where, onset, expires, source and text
        warning_id: carry on an existing warning instead (its run died, or a change waits to be applied)
        drill: a drill sends every message to a drill gateway this run starts itself, never to a real channel
        time_scale: deadlines shrink by this factor; empty: the drill time scale for a drill, 1 for a live run
        lang: the language of notices and records, zh-CN or en
        hold: a drill waits for `parklink warn cancel` (or its expiry) instead of ending after its first wave
        people: a drill's people, as its drill gateway plays them
    """
    try:
        opened = open_warning(request, warning_id, drill=drill, time_scale=time_scale, lang=lang)
    except InputError as exc:
        return Failed(message=str(exc))
    if opened.finished is not None:
        return Completed(message=f"{opened.run.warning_id} has ended already: nothing done", data=opened.finished)
    tracker = Tracker()
    async with AsyncExitStack() as stack:
        try:
            gateway = await own_drill(stack, opened.run.warning_id, drill=opened.run.drill, lang=opened.run.lang,
                                      time_scale=opened.run.time_scale, people=people)
            await _name_the_run(opened)
            loop = WarningLoop(opened, tracker)
            result = await loop.go(ends_by_itself=opened.run.drill and not hold, poll_s=POLL_S)
        except Exception:
            await tracker.cancel()
            await close_http_client()
            raise
    result = result.model_copy(update={"flow_run_id": str(flow_run.get_id() or ""),
                                       "drill_gateway": gateway.count() if gateway is not None else None})
    if result.failed:
        return Failed(message="failed: " + "; ".join(f"{k}: {v}" for k, v in result.failed.items()), data=result)
    if not result.reached_everyone:
        return Completed(message=f"{result.warning} {result.state.value}, with people not reached: "
                                 + ", ".join(result.unreached or ["reserve check not delivered"]), data=result)
    return Completed(message=f"{result.warning} {result.state.value}", data=result)

