"""`POST /api/reports`: an enterprise's incident or warning report (issue 13 item 5), on `parklink serve`.

    Authorization: Bearer <key>     the key `parklink directory credentials ENTERPRISE` issued (only its hash is
                                    kept); unknown, revoked, missing, or the enterprise no longer active → 401
                                    with `WWW-Authenticate: Bearer`
    rate                            PARKLINK_INTAKE_RATE per enterprise (default 10/minute) → 429 + Retry-After
    body                            JSON (tasks/intake/body.py); every bad field listed → 422
                                    {"errors": [{"field", "message"}]}
    accepted                        202 {"report_id": "RPT-YYYYMMDD-NNNN"}; then, in a worker thread of the
                                    service, the office's duty officer is told and (when the playbook's
                                    `auto_launch` says so) `on_report` launches it

Every request is logged (intake_request), refused ones too; a body over PARKLINK_INTAKE_MAX_BODY is refused by
the guard (413) before the app sees it, so it is not logged here.

Rate limiting uses the `limits` library (moving window) in this process's memory: the service is one process
(`parklink serve`), so a shared store would buy nothing; a park that runs several must give each its share or
put a shared `limits` storage (Redis) here. The count restarts with the service, which at worst lets an
enterprise send one window's worth again.

The work after the answer runs in a small thread pool, not FastAPI's BackgroundTasks: those run inside the
request's cycle, so a keep-alive connection's next request would wait for the message to be sent.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from models.db import session_scope
from models.directory import Unit, UnitKind
from models.intake import EnterpriseReport, ReportKind
from models.intake_store import add_report, credential_for, log_request
from models.types import utcnow
from tasks.intake.body import FieldError, ReportBody, parse_body
from tasks.intake.decide import Decision, decide
from tasks.intake.keys import bearer, key_hash, same_hash
from tasks.intake.notice import send_report_notice
from tasks.response.runtime import library

PATH = "/api/reports"
log = logging.getLogger("parklink.intake")
# on_report(report_id, decision): launches a report the playbook auto-launches (parklink/report_launch.py);
# tasks/ may not import parklink/, so `parklink serve` hands it in.
Launcher = Callable[[str, Decision], None]


def _json(status: int, body: dict, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(body, status, headers=headers)


def _errors(errors: list[FieldError]) -> dict:
    return {"errors": [{"field": e.field, "message": e.message} for e in errors]}


class Intake:
    """The route's state: the limiter, the worker pool, the launcher."""

    def __init__(self, engine: Engine, settings, on_report: Launcher | None):
        self.engine, self.settings, self.on_report = engine, settings, on_report
        self.rate = parse(settings.intake_rate)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="parklink-intake")

    def enterprise_of(self, header: str | None) -> str | None:
        key = bearer(header)
        if key is None:
            return None
        digest = key_hash(key)
        with session_scope(self.engine) as session:
            found = credential_for(session=session, key_hash=digest)
            if found is None or not same_hash(found.key_hash, digest):
                return None
            unit = session.get(Unit, found.enterprise)
            ok = unit is not None and unit.active and unit.kind == UnitKind.enterprise
            return found.enterprise if ok else None

    def log(self, *, enterprise: str | None, remote: str | None, status: int, report_id: str | None = None,
            error: str | None = None) -> None:
        with session_scope(self.engine) as session:
            log_request(session=session, enterprise=enterprise, remote_addr=remote, status=status,
                        report_id=report_id, error=error)

    def choices(self) -> tuple[set[str], set[str]]:
        """The playbook ids a report may name, and the UN numbers any of them knows."""
        books = library(self.settings)
        ids = set(books.ids())
        chemicals = {un for pid in ids for un in books.resolve(pid, books.levels(pid)[0]).chemicals}
        return ids, chemicals

    def record(self, enterprise: str, body: ReportBody, remote: str | None) -> str:
        row = EnterpriseReport(id="", enterprise=enterprise, playbook=body.playbook,
                               kind=ReportKind.warning if body.is_warning else ReportKind.report,
                               colour=str(body.colour) if body.colour else None, occurred_at=body.occurred_at,
                               latitude=body.latitude, longitude=body.longitude, description=body.description,
                               chemical=body.chemical, deaths=body.deaths, injured=body.injured,
                               evacuated=body.evacuated, loss_cny=body.loss_cny)
        with session_scope(self.engine) as session:
            add_report(session=session, report=row)
            log_request(session=session, enterprise=enterprise, remote_addr=remote, status=202, report_id=row.id)
        return row.id

    def after(self, report_id: str) -> None:
        """In a worker thread: decide, tell the office (saying whether it was launched), then launch."""
        with session_scope(self.engine) as session:
            report = session.get(EnterpriseReport, report_id)
        decision = decide(self.settings, report)
        auto = decision.auto and self.on_report is not None
        asyncio.run(send_report_notice(self.engine, self.settings, report_id, auto=auto))
        if auto:
            try:
                self.on_report(report_id, decision)
            except Exception:  # noqa: BLE001 — the launcher records its own failures; this is the last resort
                log.exception("report %s: the automatic launch failed", report_id)

    def retry_after(self, enterprise: str) -> int:
        reset, _ = self.limiter.get_window_stats(self.rate, enterprise)
        return max(1, math.ceil(reset - time.time()))


def add_intake_routes(app: FastAPI, engine: Engine, settings, *, on_report: Launcher | None = None) -> Intake:
    intake = Intake(engine, settings, on_report)

    @app.post(PATH)
    async def post_report(request: Request):
        remote = request.client.host if request.client else None
        enterprise = await run_in_threadpool(intake.enterprise_of, request.headers.get("authorization"))
        if enterprise is None:
            await run_in_threadpool(lambda: intake.log(enterprise=None, remote=remote, status=401,
                                                       error="no valid key"))
            return _json(401, _errors([FieldError("authorization", "give a valid key: Authorization: Bearer <key>")]),
                         {"WWW-Authenticate": 'Bearer realm="parklink"'})
        if not intake.limiter.hit(intake.rate, enterprise):
            wait = intake.retry_after(enterprise)
            await run_in_threadpool(lambda: intake.log(enterprise=enterprise, remote=remote, status=429,
                                                       error=f"over {settings.intake_rate}"))
            return _json(429, _errors([FieldError("rate", f"over {settings.intake_rate}; retry in {wait} s")]),
                         {"Retry-After": str(wait)})
        raw = await request.body()
        playbooks, chemicals = await run_in_threadpool(intake.choices)
        parsed = parse_body(raw, playbooks=playbooks, chemicals=chemicals, now=utcnow())
        if not isinstance(parsed, ReportBody):
            summary = "; ".join(f"{e.field}: {e.message}" for e in parsed)
            await run_in_threadpool(lambda: intake.log(enterprise=enterprise, remote=remote, status=422,
                                                       error=summary))
            return _json(422, _errors(parsed))
        report_id = await run_in_threadpool(intake.record, enterprise, parsed, remote)
        intake.pool.submit(intake.after, report_id)
        return _json(202, {"report_id": report_id})

    return intake
