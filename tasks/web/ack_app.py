"""The acknowledgement web service: the page a liaison opens from a message, and a JSON API for the same.

    GET  /ack/{token}[?lang=en]   a small mobile page: what was sent, a form for ETA (minutes) and a note
    POST /ack/{token}             the form (urlencoded): records the acknowledgement once, with its time
    GET  /api/ack/{token}         JSON: the notification's state
    POST /api/ack/{token}         JSON {"eta_min": int|null, "note": str|null}: records it
                                  (a meeting invitation also takes "answer", "delegate", "reason": ack.py)
    GET  /healthz
    POST /api/reports             an enterprise's report, with its key (tasks/web/intake_app.py)
    GET/POST /login, POST /logout the board's login (tasks/web/auth.py; `app.state.auth`); the pages above need none

A forged, altered, expired or already-used token, one for a message never delivered, a finished check or a
stood-down incident gets a clear page (or JSON) with a 4xx status and changes nothing (tasks/notify/ack.py).
GET never changes anything, so a chat app's link preview cannot acknowledge for a person. A POST from another
site (its `Origin`/`Referer` not this service's) is refused with 403; every response, 404s included, forbids
framing (CSP `frame-ancestors 'none'`, `X-Frame-Options: DENY`); a body over 8 kB is refused with 413 before
it is read whole (tasks/web/guard.py).
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from models.i18n import LANGS, LANGUAGE_NAMES, N_, language, tr
from models.notification import ContextKind, Notification
from models.templating import sandbox
from models.types import local_time
from tasks.notify.ack import MAX_DELEGATE, MAX_ETA_MIN, MAX_NOTE, AckRefused, Refusal, acknowledge, inspect
from tasks.web.auth import Auth
from tasks.web.board_app import BOARD_HEADERS, add_board
from tasks.web.guard import DEFAULT_MAX_BODY as MAX_BODY
from tasks.web.guard import Guard, same_origin
from tasks.web.intake_app import PATH as INTAKE_PATH
from tasks.web.intake_app import Launcher, add_intake_routes

# On every response (tasks/web/guard.py). `same-origin`: the page's own POST carries its Origin (with
# `no-referrer` a browser sends `Origin: null`), and no other site ever sees a link's token in a Referer.
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin", "X-Content-Type-Options": "nosniff",
           "X-Frame-Options": "DENY",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                      "frame-ancestors 'none'; base-uri 'none'"}
TEMPLATES = Path(__file__).resolve().parent / "templates"  # ack.html.j2: the page, its words from the catalogue
# Why a token is refused (tasks/notify/ack.py's AckRefused.reason): the page's title, and what to do now.
TITLES = {
    Refusal.malformed: N_("This link is incomplete"),
    Refusal.forged: N_("This link is not valid"),
    Refusal.cross_origin: N_("Not sent from this page"),
    Refusal.expired: N_("This link has expired"),
    Refusal.used: N_("Already acknowledged"),
    Refusal.undelivered: N_("This message was not delivered"),
    Refusal.finished: N_("This check is already finished"),
    Refusal.closed: N_("This incident is already stood down"),
    Refusal.lifted: N_("This warning has ended"),
    Refusal.invalid: N_("Please correct the form"),
}
DETAILS = {
    Refusal.malformed: N_("Open the whole link from the original message."),
    Refusal.forged: N_("The link was altered or was not sent by ParkLink. Nothing was recorded."),
    Refusal.cross_origin: N_("The form came from another site. Nothing was recorded; open the link from the "
                             "original message."),
    Refusal.expired: N_("Please call the leading-group office. Nothing was recorded."),
    Refusal.undelivered: N_("Nothing was recorded; please call the leading-group office."),
    Refusal.finished: N_("Late acknowledgements are not recorded; call the leading-group office if needed."),
    Refusal.closed: N_("Late acknowledgements are not recorded; call the leading-group office if needed."),
    Refusal.lifted: N_("The warning was lifted, expired or became a response: nothing was recorded. Call the "
                       "leading-group office if needed."),
}


def _local(dt) -> str:
    return local_time(dt) + " (UTC+8)"


class Pages:
    """The three pages a liaison may see, rendered from tasks/web/templates/ack.html.j2 in the page's language."""

    def __init__(self, folder: Path = TEMPLATES):
        self.template = sandbox(folder, autoescape=True).get_template("ack.html.j2")

    def _page(self, lang: str, view: str, title: str, status: int = 200, **context) -> HTMLResponse:
        other = next(lg for lg in LANGS if lg != lang)
        doc = self.template.render(lang=lang, view=view, title=title, other_lang=other,
                                   other_lang_name=LANGUAGE_NAMES[other], _=partial(tr, lang), **context)
        return HTMLResponse(doc, status_code=status)

    def form(self, lang: str, token: str, row: Notification, error: str | None = None,
             status: int = 200) -> HTMLResponse:
        meeting = row.context_kind == ContextKind.meeting  # an invitation: will you attend?
        title = tr(lang, "Will your unit attend?") if meeting else tr(lang, "Please confirm receipt")
        return self._page(lang, "form", title, status, token=token, message=row.text, error=error, meeting=meeting,
                          max_eta_min=MAX_ETA_MIN, max_note=MAX_NOTE, max_delegate=MAX_DELEGATE)

    def refused(self, lang: str, exc: AckRefused) -> HTMLResponse:
        if exc.reason == "used" and exc.row is not None and exc.row.acked_at is not None:
            detail = tr(lang, "Acknowledged at {at}; nothing more to do.", at=_local(exc.row.acked_at))
        elif exc.reason == "invalid":
            detail = str(exc)
        else:
            detail = tr(lang, DETAILS[exc.reason])
        return self._page(lang, "refused", tr(lang, TITLES[exc.reason]), exc.status, reason=exc.reason,
                          detail=detail)

    def done(self, lang: str, row: Notification) -> HTMLResponse:
        eta = "" if row.ack_eta_min is None else tr(lang, "ETA {n} min.", n=row.ack_eta_min)
        return self._page(lang, "done", tr(lang, "Receipt confirmed"), acked_at=_local(row.acked_at), eta=eta)


def _json_row(row: Notification) -> dict:
    return {"notification": row.id, "unit": row.unit, "liaison": row.liaison_name, "state": row.state,
            "acked_at": row.acked_at.isoformat() if row.acked_at else None, "eta_min": row.ack_eta_min,
            "note": row.ack_note}


def _cross_origin() -> AckRefused:
    return AckRefused(Refusal.cross_origin, "refused: this form was not sent from the acknowledgement page")


def create_app(engine: Engine, settings, *, on_report: Launcher | None = None, drills=None) -> Guard:
    """The service as an ASGI app, its every response guarded (tasks/web/guard.py); `on_report` launches the
    enterprise reports a playbook auto-launches (none given: every report waits for an operator); `drills` the
    drills operators launch from the board (parklink/board_launch.py; none: the board has no drill form)."""
    app = FastAPI(title="ParkLink acknowledgements", docs_url=None, redoc_url=None, openapi_url=None)
    pages = Pages()

    def lang_of(value: str | None) -> str:
        return language(value or settings.lang)

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"ok": True}

    @app.get("/ack/{token}", response_class=HTMLResponse)
    async def ack_page(token: str, lang: str | None = None):
        lang = lang_of(lang)
        try:
            row = await run_in_threadpool(inspect, engine, token, settings=settings)
        except AckRefused as exc:
            return pages.refused(lang, exc)
        return pages.form(lang, token, row)

    @app.post("/ack/{token}", response_class=HTMLResponse)
    async def ack_submit(token: str, request: Request):
        fields = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        lang = lang_of(fields.get("lang") or request.query_params.get("lang"))
        if not same_origin(request, settings.ack_base_url):
            return pages.refused(lang, _cross_origin())
        try:
            row = await run_in_threadpool(lambda: acknowledge(
                engine, token, settings=settings, via="web", eta_min=fields.get("eta"), note=fields.get("note"),
                answer=fields.get("answer"), delegate=fields.get("delegate"), reason=fields.get("reason")))
        except AckRefused as exc:
            if exc.reason == "invalid":
                try:
                    row = await run_in_threadpool(inspect, engine, token, settings=settings)
                except AckRefused as again:
                    return pages.refused(lang, again)
                return pages.form(lang, token, row, error=str(exc), status=exc.status)
            return pages.refused(lang, exc)
        return pages.done(lang, row)

    _api_routes(app, engine, settings)
    app.state.intake = add_intake_routes(app, engine, settings, on_report=on_report)
    app.state.auth = Auth(engine, settings)
    app.state.auth.add_routes(app)
    add_board(app, engine, settings, app.state.auth, drills=drills)
    too_large = tr(settings.lang, "The form is too long (over {size} bytes); nothing was recorded.", size=MAX_BODY)
    return Guard(app, headers=HEADERS, max_body=MAX_BODY, too_large=too_large,
                 max_body_for={INTAKE_PATH: settings.intake_max_body}, headers_for=BOARD_HEADERS)


def _api_routes(app: FastAPI, engine: Engine, settings) -> None:
    """The JSON API: read a token's state, acknowledge with a JSON body."""

    @app.get("/api/ack/{token}")
    async def api_state(token: str):
        try:
            row = await run_in_threadpool(inspect, engine, token, settings=settings)
        except AckRefused as exc:
            if exc.reason == "used" and exc.row is not None:
                return JSONResponse({"ok": True, **_json_row(exc.row)})
            return JSONResponse({"ok": False, "error": exc.reason, "message": str(exc)}, exc.status)
        return JSONResponse({"ok": True, **_json_row(row)})

    @app.post("/api/ack/{token}")
    async def api_ack(token: str, request: Request):
        if not same_origin(request, settings.ack_base_url):
            exc = _cross_origin()
            return JSONResponse({"ok": False, "error": exc.reason, "message": str(exc)}, exc.status)
        raw = await request.body()
        try:
            data = json.loads(raw) if raw.strip() else {}
            if not isinstance(data, dict):
                raise ValueError
        except ValueError:
            return JSONResponse({"ok": False, "error": "invalid", "message": "body: give a JSON object"}, 422)
        try:
            row = await run_in_threadpool(lambda: acknowledge(
                engine, token, settings=settings, via="api", eta_min=data.get("eta_min"), note=data.get("note"),
                answer=data.get("answer"), delegate=data.get("delegate"), reason=data.get("reason")))
        except AckRefused as exc:
            return JSONResponse({"ok": False, "error": exc.reason, "message": str(exc)}, exc.status)
        return JSONResponse({"ok": True, **_json_row(row)})
