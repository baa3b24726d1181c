"""`python -m bench board`: what one second of a live board page costs (issue 15).

A board page's stream reads the incident's record and renders its sections every second for each open page
(tasks/web/board_stream.py). Here a level-II `hazmat-leak` drill is run once on a local Prefect server (SQLite, or
PARKLINK_BENCH_RESPOND_DATABASE_URL), then, interleaved, medians of:

    read       tasks/board/read.incident_board — the incident, its entries, notifications, reports, dispatch
    render     the page's seven sections from that view (the site map's SVG included)
    baseline   the incident's activity log alone, as `parklink timeline` reads it (models.event_store.timeline)

The ratio (read + render) / baseline says what the board adds to reading the log on this noisy machine; the
absolute figure, how many open pages one core serves each second.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time

from bench.respond_latency import _load_park, _setup

REPEATS = 21
INCIDENT = "BENCH-BOARD-001"


async def _record(engine, settings) -> None:
    from flows.respond import respond
    from parklink import engine as engine_manager
    from tasks.drill.environment import drill_environment

    await asyncio.to_thread(engine_manager.ensure, settings)
    try:
        async with drill_environment(engine, settings, answer_rate=0.8, seed=1, time_scale=600.0) as env:
            os.environ["PARKLINK_DRILL_BASE_URL"] = env.gateway_url
            state = await respond("hazmat-leak", {"enterprise": "qy-ha", "chemical": "UN1005",
                                                  "incident_id": INCIDENT}, level="II", drill=True,
                                  time_scale=600.0, return_state=True)
            if not state.is_completed():
                raise RuntimeError(f"the drill ended {state.type.value}: {state.message}")
    finally:
        await asyncio.to_thread(engine_manager.stop, settings)


def main() -> int:
    _setup()
    from models.db import get_engine, session_scope
    from models.event_store import timeline
    from models.roles import Role
    from models.settings import get_settings
    from tasks.board.read import incident_board
    from tasks.web.auth import SessionUser
    from tasks.web.board_pages import BoardPages

    settings = get_settings()
    engine = get_engine(settings.db_url)
    _load_park(engine)
    asyncio.run(_record(engine, settings))

    from tasks.maps.figures import site_map_svg

    pages = BoardPages(site_map=lambda i, lang: site_map_svg(engine, settings, i, lang))
    user = SessionUser(name="bench", role=Role.commander)  # a commander's page: every button drawn
    reads, renders, bases = [], [], []
    board = None
    for _ in range(REPEATS):
        t = time.perf_counter()
        board = incident_board(engine, settings, INCIDENT, "zh-CN")
        reads.append(time.perf_counter() - t)
        t = time.perf_counter()
        html = pages.sections(board, user=user, lang="zh-CN", csrf="x")
        renders.append(time.perf_counter() - t)
        t = time.perf_counter()
        with session_scope(engine) as session:
            entries = timeline(session=session, incident=INCIDENT, lang="zh-CN")
        bases.append(time.perf_counter() - t)
    r, h, b = (statistics.median(x) for x in (reads, renders, bases))
    print(f"\n== a live board page, one tick ({engine.url.get_backend_name()}, level II hazmat-leak drill: "
          f"{len(board.tiles)} tiles, {len(entries)} log entries, {sum(len(v) for v in html.values()) // 1024} KiB "
          f"of sections; median of {REPEATS}) ==")
    print(f"read {r * 1000:.1f} ms, render {h * 1000:.1f} ms, baseline (the log alone) {b * 1000:.1f} ms; "
          f"(read + render) / baseline {(r + h) / b:.1f}×; one core: about {1 / (r + h):.0f} open pages a second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
