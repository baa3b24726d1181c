"""Helpers of the warning tests: run the real warn flow on the test harness's engine, read what it recorded."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass

from sqlmodel import select

from models.db import session_scope
from models.drill import DrillPeople
from models.event_store import events
from models.notification import ContextKind, Notification
from models.settings import get_settings
from models.warning_store import list_warnings
from tasks.web.ack_app import create_app
from tasks.web.serving import serve_in_thread
from tests.respond_support import DRILL_VARS, PROMPT, live_channels, people_at

SCALE = 240.0  # a 10-minute acknowledgement deadline lasts 2.5 s
EVERYONE = DrillPeople(answer_rate=1.0, seed=1, delay=PROMPT)


@dataclass
class Ran:
    state: object
    result: object


def newest(engine) -> str | None:
    with session_scope(engine) as session:
        rows = list_warnings(session=session)
        return rows[0].id if rows else None


async def run_warning(engine, monkeypatch, request: dict, *, drill: bool = True, hold: bool = False,
                      people: DrillPeople = EVERYONE, during=None, time_scale: float = SCALE) -> Ran:
    """The warn flow in this process: a drill with its own drill gateway; a live run reaching a loopback gateway as
    every real channel, with an acknowledgement service the test starts. `during(warning_id)` runs beside it."""
    from flows.warn import warn

    monkeypatch.setenv("PARKLINK_ACK_POLL_S", "0.05")
    for name in DRILL_VARS:
        monkeypatch.delenv(f"PARKLINK_{name}", raising=False)
    with ExitStack() as stack:
        if not drill:
            _, url = stack.enter_context(people_at(get_settings(), answer_rate=people.answer_rate, seed=people.seed,
                                                   time_scale=time_scale, delay=people.delay or PROMPT))
            live_channels(engine, monkeypatch, url)
            monkeypatch.setenv("PARKLINK_ACK_BASE_URL", stack.enter_context(
                serve_in_thread(create_app(engine, get_settings()), name="ack service")))
        before = newest(engine)
        run = asyncio.ensure_future(warn(request=request, drill=drill, time_scale=time_scale, hold=hold,
                                         people=people if drill else None, return_state=True))
        if during is not None:
            from tests.test_respond_flow import wait_for

            await wait_for(lambda: newest(engine) not in (None, before) or run.done())
            await during(newest(engine))
        state = await run
        return Ran(state, await state.aresult(raise_on_failure=False))


def messages(engine, warning_id: str) -> list[Notification]:
    with session_scope(engine) as session:
        return list(session.exec(select(Notification).where(Notification.context_kind == ContextKind.warning,
                                                            Notification.context_id == warning_id)).all())


def by_group(rows: list[Notification]) -> Counter:
    """How many messages each group of the warning sent (`action:<id>`, `standby`, `reserve`), first waves only."""
    return Counter(r.group for r in rows if r.step == 0 and not r.message_kind.startswith(("release", "stand-down")))


def kinds(engine, warning_id: str) -> list[str]:
    with session_scope(engine) as session:
        return [e.kind.value for e in events(session=session, warning=warning_id)]


async def until(predicate, timeout: float = 90.0) -> None:
    from tests.test_respond_flow import wait_for

    await wait_for(predicate, timeout)
