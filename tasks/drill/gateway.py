"""The drill gateway: one loopback HTTP server that accepts every channel's format and behaves like people.

    POST /webhook?to=…  /wecom/send?key=…  /dingtalk/send?access_token=…  /feishu/hook/{id}  /sms/send
    GET  /messages   every accepted message (JSON), with what its "person" did
    GET  /requests   every request, including the ones answered with 5xx or held until the sender timed out
    GET  /stats      counts

Behaviour is seeded per message, not per arrival order, so a drill replays exactly: whether a request fails
is drawn from (seed, message identity, attempt number); whether its person answers, after which delay, and
through the page form or the JSON API, from (seed, identity). The identity is the idempotency key without
its context id, so the next check with the same seed meets the same people behaving the same way. A person who answers first opens the link (GET),
then submits (POST). Only loopback acknowledgement links are ever followed. A joint meeting's invitation (its key
begins `meeting:`) is answered as people answer one, seeded the same way: most will attend, some send a delegate
(named), some are absent with a reason (`MEETING_ANSWERS`); the rest never answer, as anywhere (`answer_rate`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import random
import re
import threading
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from models.errors import InputError
from models.i18n import N_, both
from models.notification import replay_identity
from models.types import utcnow
from tasks.web.serving import LOOPBACK

ACK_URL = re.compile(r"https?://[^\s\"'<>\\]+/ack/[0-9a-z]+\.[0-9a-z]+\.[A-Za-z0-9_-]{22}")
OK = {"wecom": {"errcode": 0, "errmsg": "ok"}, "dingtalk": {"errcode": 0, "errmsg": "ok"},
      "feishu": {"code": 0, "msg": "success", "data": {}}, "webhook": {"ok": True}, "sms": {"code": "OK"}}
# A meeting invitation's person: (answer, share of those who answer); a delegate's name; why one is absent.
MEETING_ANSWERS = (("will_attend", 0.7), ("delegate", 0.15), ("absent", 0.15))
DELEGATES = ("陈志远", "刘晓燕", "周海涛", "孙丽娟", "吴建军", "郑文静")
ABSENCES = (N_("the unit's leaders are at another emergency"), N_("a county inspection is held that day"),
            N_("the unit's liaison and deputy are both on leave"))
KEPT_HEADERS = ("content-type", "idempotency-key", "x-parklink-key", "x-parklink-timestamp", "x-parklink-signature")


@dataclass(frozen=True)
class Behaviour:
    answer_rate: float = 0.9
    delay: tuple[float, float] = (1.0, 30.0)
    error_rate: float = 0.05
    timeout_rate: float = 0.0
    slow_s: float = 30.0
    seed: int = 0
    time_scale: float = 1.0

    def __post_init__(self):
        for name in ("answer_rate", "error_rate", "timeout_rate"):
            if not 0 <= getattr(self, name) <= 1:
                raise InputError(f"--{name.replace('_', '-')} {getattr(self, name)}: give a share between 0 and 1",
                                 exit_code=2)
        if self.error_rate + self.timeout_rate > 1:
            raise InputError("--error-rate plus --timeout-rate exceed 1", exit_code=2)


def parse_delay(text: str) -> tuple[float, float]:
    """`5` or `1-30` (seconds) → (low, high)."""
    try:
        low, _, high = text.partition("-")
        pair = (float(low), float(high or low))
    except ValueError:
        raise InputError(f"--delay `{text}`: give seconds as N or LOW-HIGH, e.g. 1-30", exit_code=2) from None
    if not all(math.isfinite(x) for x in pair) or pair[0] < 0 or pair[1] < pair[0]:
        raise InputError(f"--delay `{text}`: give 0 ≤ LOW ≤ HIGH", exit_code=2)
    return pair


def _parse(channel: str, request: Request, body: bytes) -> tuple[dict | str, str, str | None]:
    """(body as recorded, the text a person reads, the recipient address); ValueError when malformed."""
    q = request.query_params
    if channel == "sms":
        try:
            data = json.loads(body)
        except ValueError:
            data = body.decode("utf-8", "replace")
        text = data.get("text", json.dumps(data, ensure_ascii=False)) if isinstance(data, dict) else data
        return data, str(text), data.get("to") if isinstance(data, dict) else None
    data = json.loads(body)
    if channel == "webhook":
        if not {"text", "ack_url", "id"} <= set(data):
            raise ValueError("webhook body needs id, text, ack_url")
        return data, f"{data['text']}\n{data['ack_url']}", q.get("to")
    if channel == "feishu":
        if data.get("msg_type") != "text" or "text" not in data.get("content", {}):
            raise ValueError("feishu body needs msg_type text and content.text")
        return data, data["content"]["text"], request.path_params["hook"]
    if data.get("msgtype") != "text" or "content" not in data.get("text", {}):
        raise ValueError(f"{channel} body needs msgtype text and text.content")
    address = q.get("key") if channel == "wecom" else q.get("access_token")
    if not address:
        raise ValueError(f"{channel}: missing {'key' if channel == 'wecom' else 'access_token'} in the URL")
    return data, data["text"]["content"], address


class DrillGateway:
    def __init__(self, behaviour: Behaviour | None = None):
        self.behaviour = behaviour or Behaviour()
        self.requests: list[dict] = []
        self.messages: list[dict] = []
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()
        self._tasks: set[asyncio.Task] = set()
        routes = [Route(path, self._receiver(ch), methods=["POST"]) for ch, path in (
            ("webhook", "/webhook"), ("wecom", "/wecom/send"), ("dingtalk", "/dingtalk/send"),
            ("feishu", "/feishu/hook/{hook}"), ("sms", "/sms/send"))]
        routes += [Route("/messages", lambda r: JSONResponse(self.snapshot()["messages"])),
                   Route("/requests", lambda r: JSONResponse(self.snapshot()["requests"])),
                   Route("/stats", lambda r: JSONResponse(self.stats())),
                   Route("/healthz", lambda r: JSONResponse({"ok": True}))]
        self._client: httpx.AsyncClient | None = None
        self.app = Starlette(routes=routes, lifespan=self._lifespan)

    @asynccontextmanager
    async def _lifespan(self, _app):
        # One client for every "person" (a client per answer costs more than the answer).
        async with httpx.AsyncClient(timeout=30) as client:
            self._client = client
            yield
            self._client = None

    def _rng(self, *parts) -> random.Random:
        return random.Random(hashlib.sha256("|".join(map(str, (self.behaviour.seed, *parts))).encode()).digest())

    def snapshot(self) -> dict:
        with self._lock:
            return json.loads(json.dumps({"messages": self.messages, "requests": self.requests}, default=str))

    def stats(self) -> dict:
        with self._lock:
            outcomes = [r["outcome"] for r in self.requests]
            answered = [m for m in self.messages if (m.get("answer") or {}).get("post_status") == 200]
            return {"requests": len(outcomes), **{k: outcomes.count(k) for k in ("accepted", "5xx", "slow", "rejected")},
                    "duplicates": sum(1 for m in self.messages if m["duplicate"]), "answered": len(answered),
                    "seed": self.behaviour.seed}

    def _receiver(self, channel: str):
        async def receive(request: Request):
            return await self._receive(channel, request)
        return receive

    async def _receive(self, channel: str, request: Request):
        body = await request.body()
        key = request.headers.get("x-parklink-key") or "body:" + hashlib.sha256(body).hexdigest()[:16]
        with self._lock:
            attempt = self._seen.get(key, 0)
            self._seen[key] = attempt + 1
            entry = {"seq": len(self.requests) + 1, "channel": channel, "key": key, "attempt": attempt + 1,
                     "at": utcnow().isoformat(), "outcome": "accepted", "status": 200}
            self.requests.append(entry)
        b = self.behaviour
        identity = replay_identity(key)
        draw = self._rng("request", identity, attempt).random()
        if draw < b.error_rate:
            entry.update(outcome="5xx", status=503)
            return JSONResponse({"errcode": -1, "errmsg": "drill: service unavailable"}, 503)
        if draw < b.error_rate + b.timeout_rate:
            entry.update(outcome="slow", status=504)
            await asyncio.sleep(b.slow_s)
            return JSONResponse({"errcode": -1, "errmsg": "drill: too slow"}, 504)
        try:
            data, text, address = _parse(channel, request, body)
        except (ValueError, AttributeError, TypeError) as exc:
            entry.update(outcome="rejected", status=400, error=str(exc))
            return JSONResponse({"errcode": 400, "errmsg": f"drill: {exc}"}, 400)
        found = ACK_URL.search(text)
        person = self._rng("person", identity)
        answers = person.random() < b.answer_rate
        plan = {"answers": answers, "delay_s": round(person.uniform(*b.delay) / b.time_scale, 3),
                "method": person.choice(["form", "api"]), "eta_min": person.randint(5, 60)}
        if identity.startswith("meeting:"):
            plan["meeting"] = _meeting_answer(person)
        with self._lock:
            duplicate = any(m["key"] == key for m in self.messages)
            message = {"seq": len(self.messages) + 1, "channel": channel, "key": key, "to": address,
                       "received_at": entry["at"], "path": request.url.path, "query": dict(request.query_params),
                       "headers": {k: v for k, v in request.headers.items() if k in KEPT_HEADERS},
                       "body": data, "raw": body.decode("utf-8", "replace"), "text": text,
                       "ack_url": found[0] if found else None, "duplicate": duplicate, "plan": plan, "answer": None}
            self.messages.append(message)
        if answers and found and not duplicate:
            task = asyncio.create_task(self._answer(message, plan))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return JSONResponse(OK[channel])

    async def _answer(self, message: dict, plan: dict) -> None:
        await asyncio.sleep(plan["delay_s"])
        url = message["ack_url"]
        if urlsplit(url).hostname not in LOOPBACK:
            message["answer"] = {"skipped": "only loopback links are followed in a drill"}
            return
        answer: dict = {"method": plan["method"]}
        client = self._client
        if client is None:  # the server is shutting down
            return
        try:
            answer["get_status"] = (await client.get(url)).status_code
            form_note, api_note = both("drill auto-answer")  # the page's person writes Chinese, the API's English
            meeting = plan.get("meeting")
            if plan["method"] == "form":
                fields = {"eta": str(plan["eta_min"]), "note": form_note} if meeting is None else meeting["form"]
                resp = await client.post(url, data=fields)
            else:
                body = {"eta_min": plan["eta_min"], "note": api_note} if meeting is None else meeting["api"]
                resp = await client.post(url.replace("/ack/", "/api/ack/", 1), json=body)
            answer["post_status"] = resp.status_code
        except httpx.HTTPError as exc:
            answer["error"] = f"{exc.__class__.__name__}: {exc}"
        answer["at"] = utcnow().isoformat()
        with self._lock:
            message["answer"] = answer


def _meeting_answer(person: random.Random) -> dict:
    """What a meeting invitation's person answers, as the page's form (Chinese) and as the JSON API (English)."""
    draw, answer = person.random(), MEETING_ANSWERS[-1][0]
    for choice, share in MEETING_ANSWERS:
        if draw < share:
            answer = choice
            break
        draw -= share
    delegate = person.choice(DELEGATES) if answer == "delegate" else ""
    zh, en = both(person.choice(ABSENCES)) if answer == "absent" else ("", "")
    return {"answer": answer, "form": {"answer": answer, "delegate": delegate, "reason": zh},
            "api": {"answer": answer, "delegate": delegate or None, "reason": en or None}}
