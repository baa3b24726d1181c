"""Helpers of the response-flow tests: the Prefect engine (test harness) and drills over loopback."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from dataclasses import dataclass

from sqlmodel import select

from models.db import session_scope
from models.dispatch import DispatchNeed, Reservation
from models.event_store import events
from models.incident import Incident
from models.notification import Notification
from models.settings import get_settings
from parklink.cli_respond import _exported
from tasks.drill.environment import drill_environment
from tasks.response.results import ResponseResult

SCALE = 120.0  # a 3-minute escalation step lasts 1.5 s
# People who answer do so within 15–60 park seconds (0.1–0.5 s here): inside every first escalation step (2 min
# at the least), so whoever the seed lets answer is the one who acknowledges.
PROMPT = (15.0, 60.0)


@dataclass
class Drill:
    state: object
    result: ResponseResult
    gateway: dict


async def run_drill(engine, monkeypatch, playbook: str, incident: dict, *, level: str | None = None, seed: int = 1,
                    answer_rate: float = 0.8, time_scale: float = SCALE, hold: bool = False, during=None,
                    drill: bool = True, **faults) -> Drill:
    """A drill of the real flow on the test harness's engine, people played by the drill gateway (`faults`: its
    error_rate, timeout_rate, delay, as `parklink respond --drill` takes them)."""
    from flows.respond import respond

    monkeypatch.setenv("PARKLINK_ACK_POLL_S", "0.05")
    for name in ("DRILL_BASE_URL", "ACK_BASE_URL", "ACK_SECRET", "WEBHOOK_SECRET", "DINGTALK_SECRET", "FEISHU_SECRET"):
        monkeypatch.delenv(f"PARKLINK_{name}", raising=False)  # a new drill: its own gateway and keys
    faults.setdefault("delay", PROMPT)
    async with drill_environment(engine, get_settings(), answer_rate=answer_rate, seed=seed,
                                 time_scale=time_scale, **faults) as env:
        with _exported(env.overrides):  # the drill's settings reach the flow the way the CLI passes them
            run = asyncio.ensure_future(respond(playbook, incident, level=level, drill=drill, time_scale=time_scale,
                                                hold=hold, return_state=True))
            if during is not None:
                await during(run)
            state = await run
            result = await state.aresult(raise_on_failure=False)
        return Drill(state, result, env.gateway.snapshot())


def records(engine, incident_id: str) -> dict:
    with session_scope(engine) as session:
        return {
            "incidents": session.exec(select(Incident)).all(),
            "notifications": session.exec(select(Notification).where(Notification.context_id == incident_id)).all(),
            "reservations": session.exec(select(Reservation).where(Reservation.incident_id == incident_id)).all(),
            "needs": session.exec(select(DispatchNeed).where(DispatchNeed.incident_id == incident_id)).all(),
            "events": events(session=session, incident=incident_id),
        }


def received_once(gateway: dict, notifications) -> bool:
    """Every message the record says was delivered reached the drill gateway exactly once, and nothing else did
    (counted at the receiving end, by the idempotency key each request carries)."""
    received = Counter(m["key"] for m in gateway["messages"])
    delivered = {n.idempotency_key for n in notifications if n.delivered_at is not None}
    return set(received) == delivered and set(received.values()) <= {1}


def prefect_api_env() -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
