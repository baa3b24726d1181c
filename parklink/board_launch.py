"""Drills an operator launches from the board (`parklink serve`, POST /board/drills).

    DrillLauncher(engine, settings)
        .choices(lang) → DrillChoices      the playbooks with their levels, the resident enterprises, the default
                                           time scale: what the board's form offers
        .launch(fields, user=, lang=) → str  checks the form as `parklink respond --drill` checks its options
                                           (one InputError line, nothing started), then starts the drill; the line
                                           the board shows
    start_in_background(engine, settings, playbook, report, …, on_done=)
        where the run goes: submitted to the deployment `respond/<playbook>` when a Prefect API is configured (a
        worker runs it), else on ParkLink's own engine in a daemon thread of the service — as report_launch.py
        does for an enterprise's report. `on_done(flow_run_id)` is told the run's id.

A drill launched here is a drill like any other (its own gateway and acknowledgement service, never a real
channel); the form never launches a live run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import select

from models.db import session_scope
from models.directory import Unit, UnitKind
from models.errors import InputError
from models.event_store import names
from models.i18n import tr
from models.incident_report import IncidentReport, check_time_scale

log = logging.getLogger("parklink.board")


@dataclass(frozen=True)
class DrillChoices:
    playbooks: dict[str, list[str]]  # id → levels, lowest first
    enterprises: list[tuple[str, str]]  # (code, name)
    time_scale: float


def start_in_background(engine: Engine, settings, playbook: str, report: IncidentReport, *, level: str | None,
                        drill: bool, time_scale: float, lang: str, manual_approval: bool = False,
                        on_done: Callable[[str | None], None] = lambda _run: None) -> None:
    asked = {"manual_approval": True} if manual_approval else {}  # a drill that waits for the commander
    if os.environ.get("PREFECT_API_URL"):
        from parklink.submit import parameters, submit

        params = parameters(report=report, level=level, drill=drill, people=None, time_scale=time_scale, lang=lang,
                            hold=False)
        params.update(asked)
        on_done(asyncio.run(submit(playbook, params)).flow_run_id)
        return
    from flows.respond import respond
    from parklink import engine as engine_manager

    engine_manager.ensure(settings)

    async def go():
        state = await respond(playbook, report, level=level, drill=drill, time_scale=time_scale, lang=lang,
                              return_state=True, **asked)
        return await state.aresult(raise_on_failure=False)

    def run() -> None:
        try:
            on_done(getattr(asyncio.run(go()), "flow_run_id", None))
        except Exception:  # noqa: BLE001 — the run's own record says what happened; the thread must not die loud
            log.exception("%s: the response run failed", playbook)

    threading.Thread(target=run, name=f"parklink-respond-{playbook}", daemon=True).start()


class DrillLauncher:
    def __init__(self, engine: Engine, settings):
        self.engine, self.settings = engine, settings

    def choices(self, lang: str) -> DrillChoices:
        from tasks.response.runtime import library

        plans = library(self.settings)
        with session_scope(self.engine) as session:
            rows = session.exec(select(Unit).where(Unit.kind == UnitKind.enterprise, Unit.active)
                                .order_by(Unit.code)).all()
            known = names(session=session)
            enterprises = [(u.code, known.unit(u.code, lang)) for u in rows if u.latitude is not None]
        return DrillChoices(playbooks={p: plans.levels(p) for p in sorted(plans.ids())}, enterprises=enterprises,
                            time_scale=self.settings.drill_time_scale)

    def launch(self, fields: dict[str, str], *, user: str, lang: str) -> str:
        from parklink.cli_respond import build_report

        playbook = (fields.get("playbook") or "").strip()
        level = (fields.get("level") or "").strip() or None
        try:
            scale = float(fields.get("time_scale") or self.settings.drill_time_scale)
        except ValueError:
            raise InputError(f"time scale `{fields.get('time_scale')}`: give a number", exit_code=2) from None
        scale = check_time_scale(scale, option="time scale")
        description = tr(lang, "Drill launched from the board by {user}", user=user)
        report = build_report(playbook=playbook, level=level, enterprise=(fields.get("enterprise") or "").strip() or None,
                              at=None, chemical=(fields.get("chemical") or "").strip() or None, deaths=0, injured=0,
                              loss=0.0, evacuated=0, description=description, incident_id=None, wind_from=315.0,
                              engine=self.engine, settings=self.settings)
        start_in_background(self.engine, self.settings, playbook, report, level=level, drill=True, time_scale=scale,
                            lang=lang, manual_approval=fields.get("manual_approval") == "on")
        return tr(lang, "Drill {playbook} launched; it appears among the open incidents in a moment",
                  playbook=playbook)
