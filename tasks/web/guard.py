"""ASGI guards of ParkLink's web service: security headers on every response, a bound on request bodies, and
the same-origin rule for requests that change something.

    `Guard(app, headers=…, max_body=…)`   every response — the app's, a 404, a 405, the guard's own 413 —
        carries `headers`; a body declared or found longer than `max_body` bytes is refused with 413 before it
        is read whole (the guard reads at most `max_body` + 1 bytes, then replays them to the app).
    `same_origin(request, base_url)`      False when a browser says the request comes from another site:
        its `Origin` (or, without one, its `Referer`) is neither the configured base URL's origin nor the
        origin the request itself was addressed to (scheme and Host, as Django's CSRF check does). A request
        with neither header (curl, a script) is not a cross-site browser request and passes.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.requests import Request

DEFAULT_MAX_BODY = 8 * 1024  # a note of 500 CJK characters is 4.5 kB urlencoded


def _origin(url: str | None) -> str | None:
    """scheme://host[:port] of a URL, the default port left out; None when it is not one."""
    try:
        parts = urlsplit(url or "")
        port = parts.port
    except ValueError:  # a port that is not a number, a bad IPv6 literal
        return None
    if not parts.scheme or not parts.netloc:
        return None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port and port != default else "")


def same_origin(request: Request, base_url: str | None) -> bool:
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if claimed is None:
        return True
    own = {o for o in (_origin(base_url), _origin(str(request.base_url))) if o}
    return _origin(claimed) in own


class Guard:
    def __init__(self, app, *, headers: dict[str, str], max_body: int = DEFAULT_MAX_BODY, too_large: str = "",
                 max_body_for: dict[str, int] | None = None, headers_for: dict[str, dict[str, str]] | None = None):
        """`too_large`: the line a person reads on a refused page (/api/ paths get JSON); `max_body_for`: a
        path's own bound (e.g. the report intake's longer bodies), else `max_body`; `headers_for`: a path
        prefix's headers over `headers` (the board's pages load their own scripts: a CSP of their own)."""
        self.app, self.max_body, self.max_body_for = app, max_body, dict(max_body_for or {})
        self.too_large = too_large or f"request body over {max_body} bytes"
        self.headers = self._encoded(headers)
        self.headers_for = [(prefix, self._encoded({**headers, **extra}))
                            for prefix, extra in sorted((headers_for or {}).items(), key=lambda kv: -len(kv[0]))]
        self._names = {k for k, _ in self.headers} | {k for _, hs in self.headers_for for k, _ in hs}

    @staticmethod
    def _encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
        return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    def _headers(self, path: str) -> list[tuple[bytes, bytes]]:
        return next((hs for prefix, hs in self.headers_for if path.startswith(prefix)), self.headers)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        own = self._headers(scope.get("path", ""))

        async def send_guarded(message):
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in self._names]
                message = {**message, "headers": kept + own}
            await send(message)

        limit = self.max_body_for.get(scope.get("path", ""), self.max_body)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await self._too_large(scope, send_guarded, limit)
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return None  # the client went away
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > limit:
                return await self._too_large(scope, send_guarded, limit)
        body, replayed = b"".join(chunks), False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send_guarded)

    async def _too_large(self, scope, send, limit: int) -> None:
        if scope.get("path", "").startswith("/api/"):
            message = f"request body over {limit} bytes"
            payload = json.dumps({"ok": False, "error": "too_large", "message": message}).encode()
            kind = b"application/json"
        else:
            payload, kind = self.too_large.encode() + b"\n", b"text/plain; charset=utf-8"
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(payload)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": payload})
