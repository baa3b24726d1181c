"""Helpers of the response-flow tests: the Prefect engine (test harness) and drills over loopback."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections import Counter
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from urllib.parse import quote

from sqlmodel import select

from models.db import session_scope
from models.directory import Liaison
from models.dispatch import DispatchNeed, Reservation
from models.event_store import events
from models.incident import Incident
from models.notification import Notification
from models.settings import get_settings
from tasks.drill.gateway import Behaviour, DrillGateway
from tasks.response.results import ResponseResult
from tasks.web.ack_app import create_app
from tasks.web.serving import serve_in_thread

SCALE = 120.0  # a 3-minute escalation step lasts 1.5 s
# People who answer do so within 15–60 park seconds (0.1–0.5 s here): inside every first escalation step (2 min
# at the least), so whoever the seed lets answer is the one who acknowledges.
PROMPT = (15.0, 60.0)


@dataclass
class Drill:
    state: object
    result: ResponseResult
    gateway: dict


DRILL_VARS = ("DRILL_BASE_URL", "ACK_BASE_URL", "ACK_SECRET", "WEBHOOK_SECRET", "DINGTALK_SECRET", "FEISHU_SECRET")


@contextmanager
def people_at(settings, *, answer_rate: float, seed: int, time_scale: float, error_rate: float = 0.0,
              timeout_rate: float = 0.0, delay=PROMPT, slow_s: float | None = None):
    """A drill gateway on loopback playing the liaisons (and their channels): (gateway, its URL)."""
    gateway = DrillGateway(Behaviour(answer_rate=answer_rate, delay=delay, error_rate=error_rate,
                                     timeout_rate=timeout_rate, slow_s=slow_s or settings.notify_timeout_s * 2,
                                     seed=seed, time_scale=time_scale))
    with serve_in_thread(gateway.app, name="drill gateway") as url:
        yield gateway, url


def live_channels(engine, monkeypatch, url: str) -> None:
    """Every real channel's endpoint at `url` (a loopback gateway that records and plays people), as a park
    configures its own: WeCom, DingTalk, Feishu, SMS by their PARKLINK_*_URL, webhooks by the liaisons' addresses."""
    for name, path in (("WECOM", "wecom/send"), ("DINGTALK", "dingtalk/send"), ("FEISHU", "feishu/hook"),
                       ("SMS", "sms/send")):
        monkeypatch.setenv(f"PARKLINK_{name}_URL", f"{url}/{path}")
    for name in ("ACK_SECRET", "WEBHOOK_SECRET"):
        monkeypatch.setenv(f"PARKLINK_{name}", secrets.token_urlsafe(32))
    with session_scope(engine) as session:
        for liaison in session.exec(select(Liaison).where(Liaison.webhook.is_not(None))).all():
            if not liaison.webhook.startswith(url):
                liaison.webhook = f"{url}/webhook?to={quote(liaison.webhook, safe='')}"
                session.add(liaison)


async def run_drill(engine, monkeypatch, playbook: str, incident: dict, *, level: str | None = None, seed: int = 1,
                    answer_rate: float = 0.8, time_scale: float = SCALE, hold: bool = False, during=None,
                    drill: bool = True, watch=None, options: dict | None = None, **faults) -> Drill:
    """A run of the real flow on the test harness's engine, people played by a loopback drill gateway (`faults`:
    its error_rate, timeout_rate, delay, as `parklink respond --drill` takes them). A drill is told to use it as an
    external drill gateway (PARKLINK_DRILL_BASE_URL) and starts its own acknowledgement service; a live run
    (`drill=False`) reaches it as every real channel's endpoint, with an acknowledgement service the test starts.
    `watch(gateway)`, if given, runs beside the flow (a scripted person reading what the gateway received);
    `options`: more of the flow's parameters (lang, manual_approval)."""
    from flows.respond import respond

    monkeypatch.setenv("PARKLINK_ACK_POLL_S", "0.05")
    for name in DRILL_VARS:
        monkeypatch.delenv(f"PARKLINK_{name}", raising=False)  # a new drill: its own gateway and keys
    with ExitStack() as stack:
        gateway, url = stack.enter_context(people_at(get_settings(), answer_rate=answer_rate, seed=seed,
                                                     time_scale=time_scale, **faults))
        if drill:
            monkeypatch.setenv("PARKLINK_DRILL_BASE_URL", url)
        else:
            live_channels(engine, monkeypatch, url)
            ack = stack.enter_context(serve_in_thread(create_app(engine, get_settings()), name="ack service"))
            monkeypatch.setenv("PARKLINK_ACK_BASE_URL", ack)
        run = asyncio.ensure_future(respond(playbook, incident, level=level, drill=drill, time_scale=time_scale,
                                            hold=hold, return_state=True, **(options or {})))
        watcher = asyncio.ensure_future(watch(gateway)) if watch is not None else None
        try:
            if during is not None:
                await during(run)
            state = await run
        finally:
            if watcher is not None:
                watcher.cancel()
                await asyncio.gather(watcher, return_exceptions=True)
        result = await state.aresult(raise_on_failure=False)
        return Drill(state, result, gateway.snapshot())


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
