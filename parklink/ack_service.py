"""The acknowledgement web service: the page a liaison opens from a message, and a JSON API for the same.

    GET  /ack/{token}[?lang=en]   a small mobile page: what was sent, a form for ETA (minutes) and a note
    POST /ack/{token}             the form (urlencoded): records the acknowledgement once, with its time
    GET  /api/ack/{token}         JSON: the notification's state
    POST /api/ack/{token}         JSON {"eta_min": int|null, "note": str|null}: records it
    GET  /healthz

A forged, altered, expired or already-used token, or one for a finished check, gets a clear page (or JSON)
with a 4xx status and changes nothing (tasks/notify/ack.py). GET never changes anything, so a chat app's
link preview cannot acknowledge for a person.
"""

from __future__ import annotations

import html
import json
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from models.notification import Notification
from models.types import local_time
from tasks.notify.ack import MAX_ETA_MIN, MAX_NOTE, AckRefused, acknowledge, inspect

HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"}
TITLES = {
    "malformed": ("链接不完整", "This link is incomplete"),
    "forged": ("链接无效", "This link is not valid"),
    "expired": ("链接已过期", "This link has expired"),
    "used": ("已经确认过了", "Already acknowledged"),
    "finished": ("本次核验已结束", "This check is already finished"),
    "invalid": ("请修改后再提交", "Please correct the form"),
}
DETAILS = {
    "malformed": ("请从原消息中完整打开链接。", "Open the whole link from the original message."),
    "forged": ("链接可能被改动过，或不是本系统发出的。未做任何记录。",
               "The link was altered or was not sent by ParkLink. Nothing was recorded."),
    "expired": ("请直接联系领导组办公室。未做任何记录。", "Please call the leading-group office. Nothing was recorded."),
    "finished": ("迟到的确认不再记录；如有需要请联系领导组办公室。",
                 "Late acknowledgements are not recorded; call the leading-group office if needed."),
}
STYLE = ("body{font-family:system-ui,-apple-system,'PingFang SC','Noto Sans CJK SC',sans-serif;margin:0;"
         "background:#f4f5f7;color:#1d2129}main{max-width:30rem;margin:0 auto;padding:1.2rem}"
         "h1{font-size:1.35rem}.msg{white-space:pre-wrap;background:#fff;border-radius:.5rem;padding:.8rem;"
         "word-break:break-all}label{display:block;margin:.9rem 0 .3rem}input,textarea{width:100%;"
         "font-size:1.1rem;padding:.5rem;box-sizing:border-box}button{width:100%;margin-top:1.2rem;padding:.9rem;"
         "font-size:1.2rem;background:#c62828;color:#fff;border:0;border-radius:.5rem}.ok{color:#1b5e20}"
         ".err{color:#b71c1c}nav{margin-top:1.5rem;font-size:.9rem}")


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def _local(dt) -> str:
    return local_time(dt) + " (UTC+8)"


def _page(lang: str, title: str, body: str, status: int = 200) -> HTMLResponse:
    doc = (f"<!doctype html><html lang=\"{'en' if lang == 'en' else 'zh-CN'}\"><head><meta charset=\"utf-8\">"
           f"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{html.escape(title)}"
           f"</title><style>{STYLE}</style></head><body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>")
    return HTMLResponse(doc, status_code=status, headers=HEADERS)


def _form(lang: str, token: str, row: Notification, error: str | None = None, status: int = 200) -> HTMLResponse:
    other = "zh-CN" if lang == "en" else "en"
    err = f"<p class=\"err\" id=\"error\">{html.escape(error)}</p>" if error else ""
    body = (f"<p>{html.escape(_t(lang, '您收到了以下应急联动消息：', 'You received this emergency message:'))}</p>"
            f"<div class=\"msg\" id=\"message\">{html.escape(row.text)}</div>{err}"
            f"<form method=\"post\" action=\"/ack/{html.escape(token)}\" id=\"ack-form\">"
            f"<input type=\"hidden\" name=\"lang\" value=\"{html.escape(lang)}\">"
            f"<label for=\"eta\">{_t(lang, '预计到达/响应时间（分钟，可不填）', 'ETA in minutes (optional)')}</label>"
            f"<input id=\"eta\" name=\"eta\" type=\"number\" inputmode=\"numeric\" min=\"0\" max=\"{MAX_ETA_MIN}\">"
            f"<label for=\"note\">{_t(lang, '备注（可不填）', 'Note (optional)')}</label>"
            f"<textarea id=\"note\" name=\"note\" rows=\"3\" maxlength=\"{MAX_NOTE}\"></textarea>"
            f"<button type=\"submit\" id=\"confirm\">{_t(lang, '确认收到', 'Confirm receipt')}</button></form>"
            f"<nav><a href=\"/ack/{html.escape(token)}?lang={other}\">{'English' if lang != 'en' else '中文'}</a></nav>")
    return _page(lang, _t(lang, "请确认收到", "Please confirm receipt"), body, status)


def _refused(lang: str, exc: AckRefused) -> HTMLResponse:
    zh, en = TITLES[exc.reason]
    if exc.reason == "used" and exc.row is not None and exc.row.acked_at is not None:
        detail = _t(lang, f"已于 {_local(exc.row.acked_at)} 确认，无需重复操作。",
                    f"Acknowledged at {_local(exc.row.acked_at)}; nothing more to do.")
    elif exc.reason == "invalid":
        detail = str(exc)
    else:
        detail = _t(lang, *DETAILS[exc.reason])
    return _page(lang, _t(lang, zh, en), f"<p class=\"err\" id=\"refused\" data-reason=\"{exc.reason}\">"
                                         f"{html.escape(detail)}</p>", exc.status)


def _done(lang: str, row: Notification) -> HTMLResponse:
    eta = ""
    if row.ack_eta_min is not None:
        eta = _t(lang, f"预计 {row.ack_eta_min} 分钟。", f"ETA {row.ack_eta_min} min.")
    body = (f"<p class=\"ok\" id=\"acknowledged\">{html.escape(_t(lang, '已记录您的确认：', 'Recorded at '))}"
            f"{_local(row.acked_at)}。{html.escape(eta)}</p>"
            f"<p>{_t(lang, '谢谢，请保持电话畅通。', 'Thank you; please stay reachable by phone.')}</p>")
    return _page(lang, _t(lang, "已确认收到", "Receipt confirmed"), body)


def _json_row(row: Notification) -> dict:
    return {"notification": row.id, "unit": row.unit, "liaison": row.liaison_name, "state": row.state,
            "acked_at": row.acked_at.isoformat() if row.acked_at else None, "eta_min": row.ack_eta_min,
            "note": row.ack_note}


def create_app(engine: Engine, settings) -> FastAPI:
    app = FastAPI(title="ParkLink acknowledgements", docs_url=None, redoc_url=None, openapi_url=None)

    def lang_of(value: str | None) -> str:
        return "en" if value == "en" else ("zh-CN" if value else ("en" if settings.lang == "en" else "zh-CN"))

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"ok": True}

    @app.get("/ack/{token}", response_class=HTMLResponse)
    async def ack_page(token: str, lang: str | None = None):
        lang = lang_of(lang)
        try:
            row = await run_in_threadpool(inspect, engine, token, settings=settings)
        except AckRefused as exc:
            return _refused(lang, exc)
        return _form(lang, token, row)

    @app.post("/ack/{token}", response_class=HTMLResponse)
    async def ack_submit(token: str, request: Request):
        fields = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        lang = lang_of(fields.get("lang") or request.query_params.get("lang"))
        try:
            row = await run_in_threadpool(lambda: acknowledge(engine, token, settings=settings, via="web",
                                                              eta_min=fields.get("eta"), note=fields.get("note")))
        except AckRefused as exc:
            if exc.reason == "invalid":
                try:
                    row = await run_in_threadpool(inspect, engine, token, settings=settings)
                except AckRefused as again:
                    return _refused(lang, again)
                return _form(lang, token, row, error=str(exc), status=exc.status)
            return _refused(lang, exc)
        return _done(lang, row)

    @app.get("/api/ack/{token}")
    async def api_state(token: str):
        try:
            row = await run_in_threadpool(inspect, engine, token, settings=settings)
        except AckRefused as exc:
            if exc.reason == "used" and exc.row is not None:
                return JSONResponse({"ok": True, **_json_row(exc.row)}, headers=HEADERS)
            return JSONResponse({"ok": False, "error": exc.reason, "message": str(exc)}, exc.status, headers=HEADERS)
        return JSONResponse({"ok": True, **_json_row(row)}, headers=HEADERS)

    @app.post("/api/ack/{token}")
    async def api_ack(token: str, request: Request):
        raw = await request.body()
        try:
            data = json.loads(raw) if raw.strip() else {}
            if not isinstance(data, dict):
                raise ValueError
        except ValueError:
            return JSONResponse({"ok": False, "error": "invalid", "message": "body: give a JSON object"}, 422,
                                headers=HEADERS)
        try:
            row = await run_in_threadpool(lambda: acknowledge(engine, token, settings=settings, via="api",
                                                              eta_min=data.get("eta_min"), note=data.get("note")))
        except AckRefused as exc:
            return JSONResponse({"ok": False, "error": exc.reason, "message": str(exc)}, exc.status, headers=HEADERS)
        return JSONResponse({"ok": True, **_json_row(row)}, headers=HEADERS)

    return app
