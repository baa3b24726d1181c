"""The command-post board on `parklink serve`: what is open, and a live page per incident.

    GET  /board                              open incidents and active warnings (…/open: the lists, polled)
    GET  /board/incidents/{id}               the nine group tiles, upward reports, level, dispatch, timeline, map
    GET  /board/incidents/{id}/stream        server-sent events: a section's new HTML whenever it changes
    GET  /board/incidents/{id}/map.svg       the site map (tasks/maps/figures.py)
    POST /board/incidents/{id}/level         fields level, reason          operators and commanders
    POST /board/incidents/{id}/stand-down                                  operators and commanders
    POST /board/incidents/{id}/requisitions/{rid}/approve                  commanders
    POST /board/drills                       fields playbook, level, enterprise, time_scale, manual_approval:
                                             a drill (parklink/board_launch.py)     operators and commanders

Every page needs a session (tasks/web/auth.py; none: 303 to /login); every POST needs the page's CSRF token and
the role's permission (else 403, nothing changed) and is logged with the user. The running response picks the
change up from the database as it does for `parklink escalate|stand-down|approve`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles

from models.errors import ParkLinkError
from models.i18n import language, tr
from models.roles import Permission
from tasks.board.read import incident_board, open_items
from tasks.web.auth import form_fields
from tasks.web.board_actions import ACTIONS, Refused, run_action
from tasks.web.board_pages import BoardPages
from tasks.web.board_stream import stream

PREFIX = "/board"
STATIC = Path(__file__).resolve().parent / "static"  # htmx and its SSE extension (vendored: static/README.md)
# The board's pages run their own scripts (same origin only), take the live stream and show inline SVG.
BOARD_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
             "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
BOARD_HEADERS = {PREFIX: {"Content-Security-Policy": BOARD_CSP},
                 "/static/": {"Content-Security-Policy": BOARD_CSP, "Cache-Control": "public, max-age=3600"}}


def _lang(request: Request, settings) -> str:
    return language(request.query_params.get("lang") or settings.lang)


def add_board_routes(app: FastAPI, engine: Engine, settings, auth, *, site_map=None, drills=None) -> None:
    """`auth`: tasks/web/auth.py's Auth; `site_map(incident_id, lang) -> svg`; `drills`: what launches a drill
    (parklink/board_launch.py DrillLauncher: `choices(lang)`, `launch(fields, user=, lang=)`), None: no drill form."""
    pages = BoardPages(site_map=site_map)

    def refused(lang: str, status: int, text: str, fragment: bool = False) -> HTMLResponse:
        if fragment:
            return HTMLResponse(pages.render("_notice.html.j2", lang, ok=False, text=text), status_code=status)
        return HTMLResponse(pages.render("refused.html.j2", lang, title=text, user=None), status_code=status)

    def reader(request: Request):
        user = auth.user(request)
        return user if user is not None and user.can(Permission.read) else None

    @app.get(PREFIX, response_class=HTMLResponse)
    async def board_index(request: Request):
        user, lang = reader(request), _lang(request, settings)
        if user is None:
            return auth.login_redirect(request)
        items = await run_in_threadpool(open_items, engine)
        choices = None
        if drills is not None and user.can(Permission.launch_drill):
            choices = await run_in_threadpool(drills.choices, lang)
        return HTMLResponse(pages.render("board.html.j2", lang, user=user, items=items, choices=choices,
                                         csrf=auth.csrf_token(request)))

    @app.get(PREFIX + "/open", response_class=HTMLResponse)
    async def board_open(request: Request):
        """The lists of what is open (the index page polls it every few seconds)."""
        user, lang = reader(request), _lang(request, settings)
        if user is None:
            return Response(status_code=403)
        items = await run_in_threadpool(open_items, engine)
        return HTMLResponse(pages.render("_open.html.j2", lang, user=user, items=items))

    async def _board(incident_id: str, lang: str):
        try:
            return await run_in_threadpool(incident_board, engine, settings, incident_id, lang)
        except ParkLinkError:
            return None

    @app.get(PREFIX + "/incidents/{incident_id}", response_class=HTMLResponse)
    async def incident_page(incident_id: str, request: Request):
        user, lang = reader(request), _lang(request, settings)
        if user is None:
            return auth.login_redirect(request)
        board = await _board(incident_id, lang)
        if board is None:
            return refused(lang, 404, tr(lang, "No incident {i}", i=incident_id))
        csrf = auth.csrf_token(request)
        sections = await run_in_threadpool(pages.sections, board, user=user, lang=lang, csrf=csrf)
        return HTMLResponse(pages.render("incident.html.j2", lang, b=board, user=user, csrf=csrf, sections=sections))

    @app.get(PREFIX + "/incidents/{incident_id}/stream")
    async def incident_stream(incident_id: str, request: Request):
        user, lang = reader(request), _lang(request, settings)
        if user is None:
            return Response(status_code=403)
        csrf = auth.csrf_token(request)

        def render():
            board = incident_board(engine, settings, incident_id, lang)
            return pages.sections(board, user=user, lang=lang, csrf=csrf)

        ended = pages.render("_notice.html.j2", lang, ok=False, text=tr(lang, "Your session has ended; log in again "
                                                                          "to follow this incident"))
        return StreamingResponse(stream(request, render, auth_ok=lambda: reader(request) is not None, ended=ended),
                                 media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})

    @app.get(PREFIX + "/incidents/{incident_id}/map.svg")
    async def incident_map(incident_id: str, request: Request):
        user, lang = reader(request), _lang(request, settings)
        if user is None:
            return auth.login_redirect(request)
        svg = await run_in_threadpool(pages.map_svg, incident_id, lang)
        if not svg:
            return refused(lang, 404, tr(lang, "No site map for {i}", i=incident_id))
        return Response(svg, media_type="image/svg+xml")

    async def checked(request: Request, permission: Permission, action: str, what: str):
        """(user, fields, lang, refusal): the refusal set when there is no session, the CSRF token is wrong or the
        role may not; each refusal of a user is logged."""
        fields = await form_fields(request)
        lang = language(fields.get("lang") or _lang(request, settings))
        fragment = request.headers.get("hx-request") == "true"
        user = auth.user(request)
        if user is None:
            return None, fields, lang, refused(lang, 403, tr(lang, "Please log in first"), fragment)
        if not auth.check_csrf(request, fields):
            auth.log(user, action, what, detail="csrf", ok=False)
            return user, fields, lang, refused(lang, 403, tr(lang, "This form is stale or came from another site; "
                                                                   "reload the page"), fragment)
        if not user.can(permission):
            auth.log(user, action, what, detail="forbidden", ok=False)
            return user, fields, lang, refused(lang, 403, tr(lang, "Your role may not do this"), fragment)
        return user, fields, lang, None

    @app.post(PREFIX + "/drills")
    async def launch_drill(request: Request):
        user, fields, lang, refusal = await checked(request, Permission.launch_drill, "launch_drill", "drill")
        if refusal is not None:
            return refusal
        if drills is None:
            return refused(lang, 503, tr(lang, "Drills cannot be launched from this service"))
        try:
            text = await run_in_threadpool(lambda: drills.launch(fields, user=user.name, lang=lang))
        except ParkLinkError as exc:
            auth.log(user, "launch_drill", fields.get("playbook") or "-", detail=str(exc), ok=False)
            return refused(lang, 422, str(exc))
        auth.log(user, "launch_drill", fields.get("playbook") or "-", detail=text)
        return Response(status_code=303, headers={"Location": f"{PREFIX}?lang={lang}"})

    async def act(request: Request, action: str, incident_id: str, target: str | None = None):
        what = f"{incident_id}" + (f"/{target}" if target else "")
        user, fields, lang, refusal = await checked(request, ACTIONS[action].permission, action, what)
        if refusal is not None:
            return refusal
        fragment = request.headers.get("hx-request") == "true"
        try:
            text = await run_in_threadpool(lambda: run_action(engine, settings, action, incident_id, target,
                                                              fields, user=user, lang=lang))
        except Refused as exc:
            auth.log(user, action, what, detail=str(exc), ok=False)
            return refused(lang, exc.status, str(exc), fragment)
        auth.log(user, action, what, detail=text)
        if fragment:
            return HTMLResponse(pages.render("_notice.html.j2", lang, ok=True, text=text))
        return Response(status_code=303, headers={"Location": f"{PREFIX}/incidents/{incident_id}?lang={lang}"})

    @app.post(PREFIX + "/incidents/{incident_id}/level")
    async def change_level(incident_id: str, request: Request):
        return await act(request, "level", incident_id)

    @app.post(PREFIX + "/incidents/{incident_id}/stand-down")
    async def stand_down(incident_id: str, request: Request):
        return await act(request, "stand_down", incident_id)

    @app.post(PREFIX + "/incidents/{incident_id}/requisitions/{requisition_id}/approve")
    async def approve(incident_id: str, requisition_id: str, request: Request):
        return await act(request, "approve", incident_id, requisition_id)


def add_board(app: FastAPI, engine: Engine, settings, auth, *, drills=None) -> None:
    """The board's routes and its static files on the web service, the site map drawn by tasks/maps/figures.py."""

    def site_map(incident_id: str, lang: str) -> str:
        from tasks.maps.figures import site_map_svg

        return site_map_svg(engine, settings, incident_id, lang)

    add_board_routes(app, engine, settings, auth, site_map=site_map, drills=drills)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
