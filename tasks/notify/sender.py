"""Sending: one httpx.AsyncClient, bounded concurrency, retries only on timeouts and 5xx, every outcome recorded.

Best-effort fan-out (Netflix Dispatch style): each recipient is delivered in its own try; one failure is
recorded on its row and the others go on. A recipient's channels are tried in their order (preferred, then
fallbacks); on each channel what its module (tasks/notify/channels) calls worth retrying — a timeout or a 5xx —
is retried with exponential backoff, anything else (4xx, a robot's error code, a connection refused, a channel
not configured) moves on to the next channel at once. The sender is the only thing here doing HTTP.

Idempotency: `prepare` finds or creates one row per idempotency key; `deliver` first takes a lease with a
conditional UPDATE that only succeeds on an undelivered row, so a retry or a re-run never sends a delivered
message again and two senders never send the same row at once. The lease names its holder, is short
(`LEASE_S`) and renewed by a heartbeat while the sender works (tasks/notify/lease_keeper.py); a row leased to
a holder that is gone (killed) or whose lease expired is taken over, and a row a live sender holds is waited
for (bounded) until that sender records its outcome. So after `deliver` every row is delivered or failed
with its reason, unless another live sender still holds it; and the first `deliver` in a context also takes
over that context's orphans (rows a killed run had claimed or queued), so a re-run leaves none pending.

    ParkLinkError      raised by `prepare` when the acknowledgement service is not configured
    (nothing else)     `deliver` never raises for a recipient: the row says delivered or failed, and why
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy import Engine
from sqlmodel import select

from models.db import session_scope
from models.directory import Liaison
from models.errors import ParkLinkError
from models.notification import ContextKind, Notification, idempotency_key
from models.notification_store import (
    get_or_create_notification,
    record_outcome,
)
from models.types import utcnow
from tasks.notify.channels import ChannelError, Channels, Envelope, Fault, Outcome, Reply, WireRequest
from tasks.notify.lease_keeper import LEASE_S, LeaseKeeper
from tasks.notify.texts import Message, compose
from tasks.notify.tokens import issue_token


@dataclass(frozen=True)
class Context:
    kind: str
    id: str
    group: str = ""


@dataclass(frozen=True)
class Target:
    """One person to message about one unit, at one step of its escalation chain."""

    unit: str
    liaison: Liaison
    step: int = 0
    label: str = "primary"
    parent_id: int | None = None
    silent: str | None = None
    subject_name: str | None = None


def _check_id(ctx: Context) -> int | None:
    """The liaison check a message belongs to (its acknowledgement refused once the check is closed): the check's
    own messages (group ""), not the office's or heads' follow-ups sent after it closed."""
    return int(ctx.id) if ctx.kind == ContextKind.check and not ctx.group else None


def ack_secret(settings) -> str:
    if settings.ack_secret is None or not settings.ack_secret.get_secret_value():
        raise ParkLinkError("PARKLINK_ACK_SECRET is not set: give the sender and `parklink serve` the same random "
                            "secret (python -c 'import secrets; print(secrets.token_urlsafe(32))')")
    return settings.ack_secret.get_secret_value()


def require_ack_config(settings) -> None:
    if not settings.ack_base_url:
        raise ParkLinkError("PARKLINK_ACK_BASE_URL is not set: point it at `parklink serve` (or run a drill)")
    ack_secret(settings)


def ack_url(settings, row: Notification) -> str:
    require_ack_config(settings)
    token = issue_token(ack_secret(settings), row.id, row.idempotency_key, row.expires_at)
    return f"{settings.ack_base_url.rstrip('/')}/ack/{token}"


class Sender:
    """Use as `async with Sender(engine, settings) as sender:`; pass `client` to share one AsyncClient."""

    def __init__(self, engine: Engine, settings, client: httpx.AsyncClient | None = None, *,
                 lease_s: float = LEASE_S):
        self.engine, self.settings = engine, settings
        self.channels = Channels(settings)  # every channel configured now: a broken one is found before sending
        self._client, self._own_client = client, client is None
        self._sem = asyncio.Semaphore(settings.notify_concurrency)
        self._liaisons: dict[int, Liaison] = {}
        self._pending: list = []
        self._write_lock = asyncio.Lock()
        self._swept: set[tuple[str, str]] = set()  # contexts whose orphans this sender has taken over
        channels = len(self.channels)
        per_channel = (settings.notify_retries + 1) * (settings.notify_timeout_s + min(30.0, settings.notify_backoff_s * 8))
        # how long another live sender may take for a row before this one stops waiting for its outcome
        self.leases = LeaseKeeper(engine, lease_s=lease_s, wait_s=min(3600.0, channels * per_channel + 60))

    async def __aenter__(self) -> Sender:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.settings.notify_timeout_s, follow_redirects=False,
                                             headers={"User-Agent": "ParkLink/0.1"})
        self.leases.start()
        return self

    async def __aexit__(self, *exc) -> None:
        self.leases.stop()
        if self._own_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    # ---- rows -------------------------------------------------------------------------------------------
    def prepare(self, ctx: Context, message: Message, targets: list[Target]) -> list[Notification]:
        """Find or create one row per target (sync: run it in a thread from async code)."""
        require_ack_config(self.settings)
        rows = []
        with session_scope(self.engine) as session:
            for target in targets:
                li = target.liaison
                self._liaisons[li.id] = li
                key = idempotency_key(context_kind=ctx.kind, context_id=ctx.id, group=ctx.group,
                                      message_kind=message.kind, step=target.step, unit=target.unit, liaison_id=li.id)
                row, created = get_or_create_notification(session=session, row=Notification(
                    idempotency_key=key, context_kind=ContextKind(ctx.kind), context_id=ctx.id, group=ctx.group,
                    check_id=_check_id(ctx), message_kind=message.kind,
                    step=target.step, escalation_target=target.label, parent_id=target.parent_id, unit=target.unit,
                    recipient_unit=li.unit, liaison_id=li.id, liaison_name=li.name, liaison_role=str(li.role),
                    expires_at=utcnow() + timedelta(seconds=self.settings.ack_ttl_s),
                    lease_holder=self.leases.holder))  # queued by this sender: no other takes it while it lives
                if created:
                    row.text = compose(self.settings.lang, message=message, recipient=li.name,
                                       ack_url=ack_url(self.settings, row), subject_unit=target.subject_name,
                                       silent=target.silent)
                    session.add(row)
                    session.flush()
                rows.append(row)
        return rows

    # ---- delivery ---------------------------------------------------------------------------------------
    async def deliver(self, rows: list[Notification]) -> list[Notification]:
        """Deliver every row not yet delivered, concurrently; return the rows as recorded afterwards."""
        missing = {r.liaison_id for r in rows} - set(self._liaisons)
        if missing:
            await asyncio.to_thread(self._load_liaisons, missing)
        claimed = await asyncio.to_thread(self._claim, [r.id for r in rows])  # one transaction for the wave
        orphans = await asyncio.to_thread(self._orphans, rows)
        sent = await asyncio.gather(*(self._deliver_one(r.id, claimed.get(r.id)) for r in rows),
                                    *(self._deliver_one(i, row) for i, row in orphans.items()))
        return list(sent[:len(rows)])

    def _orphans(self, rows: list[Notification]) -> dict[int, Notification]:
        """Once per context: what a killed sender had claimed or queued in it and nobody alive will send."""
        out: dict[int, Notification] = {}
        for ctx in dict.fromkeys((str(r.context_kind), r.context_id) for r in rows):
            if ctx not in self._swept:
                self._swept.add(ctx)
                out.update(self.leases.orphans(*ctx, skip={r.id for r in rows}))
        missing = {r.liaison_id for r in out.values()} - set(self._liaisons)
        if missing:
            self._load_liaisons(missing)
        return out

    def _load_liaisons(self, ids: set[int]) -> None:
        with session_scope(self.engine) as session:
            for li in session.exec(select(Liaison).where(Liaison.id.in_(ids))).all():
                self._liaisons[li.id] = li

    def _claim(self, row_ids: list[int]) -> dict[int, Notification]:
        return self.leases.claim(row_ids)

    async def _record(self, row_id: int, **kw) -> Notification:
        """Record one outcome; outcomes that arrive while a write is under way go together in the next one."""
        future = asyncio.get_running_loop().create_future()
        self._pending.append((row_id, kw, future))
        async with self._write_lock:
            if not future.done():
                batch, self._pending = self._pending, []
                try:
                    written = await asyncio.to_thread(self._write, batch)
                except BaseException as exc:
                    for _, _, f in batch:
                        if not f.done():
                            f.set_exception(exc)
                    raise
                for (_, _, f), row in zip(batch, written, strict=True):
                    f.set_result(row)
        return await future

    def _write(self, batch: list) -> list[Notification]:
        with session_scope(self.engine) as session:
            written = [record_outcome(session=session, notification_id=i, holder=self.leases.holder, **kw)
                       for i, kw, _ in batch]
        self.leases.released(i for i, _, _ in batch)
        return written

    def _current(self, row_id: int) -> Notification:
        with session_scope(self.engine) as session:
            return session.get(Notification, row_id)

    async def _deliver_one(self, row_id: int, claimed: Notification | None) -> Notification:
        if claimed is None:  # delivered already, or another sender holds the lease: its outcome, or take over
            claimed = await self.leases.claim_or_wait(row_id)
        if claimed is None:
            return await asyncio.to_thread(self._current, row_id)
        attempts, channel, errors = 0, None, []
        try:
            liaison = self._liaisons[claimed.liaison_id]
            env = Envelope(key=claimed.idempotency_key, notification_id=claimed.id, kind=claimed.message_kind,
                           context_kind=str(claimed.context_kind), context_id=claimed.context_id, group=claimed.group,
                           unit=claimed.unit, recipient_name=liaison.name, recipient_role=str(liaison.role),
                           phone=liaison.phone, text=claimed.text, ack_url=ack_url(self.settings, claimed))
            for ch in liaison.channel_order():
                channel = str(ch)
                used, error = await self._try_channel(channel, liaison.address(ch), env)
                attempts += used
                if error is None:
                    return await self._record(claimed.id, delivered=True, channel=channel,
                                                   attempts=attempts, error="; ".join(errors) or None)
                errors.append(error)
            if not errors:
                errors.append("the liaison has no channel")
        except asyncio.CancelledError:
            await asyncio.shield(self._record(claimed.id, delivered=False, channel=channel,
                                                   attempts=attempts, error="cancelled while sending"))
            raise
        except Exception as exc:  # noqa: BLE001 — one recipient's failure is recorded, the others go on
            errors.append(f"{exc.__class__.__name__}: {exc}")
        return await self._record(claimed.id, delivered=False, channel=channel,
                                       attempts=attempts, error="; ".join(errors))

    async def _try_channel(self, channel: str, address: str | None, env: Envelope) -> tuple[int, str | None]:
        """(requests made, None when delivered else why not) for one channel; its module says what to retry."""
        used, last = 0, ""
        for attempt in range(self.settings.notify_retries + 1):
            if attempt:
                await asyncio.sleep(min(30.0, self.settings.notify_backoff_s * 2 ** (attempt - 1))
                                    * random.uniform(0.5, 1.0))
            try:
                req = self.channels.build(channel, address, env, now=utcnow())
            except ChannelError as exc:
                return used, str(exc)
            used += 1
            answer = self.channels.read(channel, await self._send(req))
            if answer.outcome is not Outcome.retry:
                return used, answer.reason
            last = answer.reason
        return used, f"{channel}: {last} after {used} attempt(s)"

    async def _send(self, req: WireRequest) -> Reply:
        """The one place a request goes on the wire; what happened, as a `Reply` for the channel to read."""
        try:
            async with self._sem:
                resp = await self._client.request(req.method, req.url, headers=req.headers, content=req.body)
        except httpx.TimeoutException:
            return Reply(fault=Fault.timeout)
        except httpx.HTTPError as exc:
            return Reply(fault=Fault.transport, detail=f"{exc.__class__.__name__}: {exc}")
        return Reply(status=resp.status_code, body=resp.content)
