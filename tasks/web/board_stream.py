"""Server-sent events for a live board page: each second the page's sections are rendered again from the record,
and those whose HTML changed are sent as `event: <section>` (htmx's SSE extension swaps them in).

    stream(request, render, auth_ok=, every=1.0) → async iterator of SSE frames

`render()` (sync, run in a worker thread) returns {section: html}. A comment line every 15 s keeps proxies from
closing a quiet stream; the stream ends when the client goes away or its session no longer holds (logged out,
disabled, password changed: the page is told so in its notice).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

KEEPALIVE_S = 15.0


def frame(event: str, html: str) -> str:
    """One SSE message; every line of the HTML is its own `data:` line (the browser joins them with newlines)."""
    data = "\n".join(f"data: {line}" for line in html.replace("\r", "").split("\n"))
    return f"event: {event}\n{data}\n\n"


async def stream(request: Request, render: Callable[[], dict[str, str]], *, auth_ok: Callable[[], bool],
                 ended: str = "", every: float = 1.0) -> AsyncIterator[str]:
    """`ended`: the notice's HTML sent (as `event: notice`) when the session stops holding, before the stream ends."""
    sent: dict[str, str] = {}
    quiet_since = time.monotonic()
    yield "retry: 3000\n\n"
    while not await request.is_disconnected():
        if not await run_in_threadpool(auth_ok):
            yield frame("notice", ended)
            return
        try:
            sections = await run_in_threadpool(render)
        except Exception:  # noqa: BLE001 — a failed read (database busy) is tried again next second
            sections = {}
        for name, html in sections.items():
            if sent.get(name) != html:
                sent[name] = html
                quiet_since = time.monotonic()
                yield frame(name, html)
        if time.monotonic() - quiet_since > KEEPALIVE_S:
            quiet_since = time.monotonic()
            yield ": keep-alive\n\n"
        await asyncio.sleep(every)
