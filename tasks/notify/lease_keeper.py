"""Keeping a sender's leases: claim rows, renew them while sending (the heartbeat), wait for or take over
rows another sender holds (tasks/notify/leases.py says whether that holder is gone). Used by the `Sender`.

    claim(ids)          one transaction: the rows now this keeper's (delivered rows and live leases skipped)
    claim_or_wait(id)   a row not got at once: claimed when its holder is gone or its lease ran out; None when
                        its holder recorded an outcome (delivered, or failed with its reason) or outlived `wait_s`
    orphans(ctx, skip)  the context's other unsettled rows that nobody alive will send: queued by a sender
                        that is gone, or leased to a holder that is gone or whose lease ran out — claimed now
                        (a re-run takes over what the killed run had decided to send)
    released(ids)       outcomes recorded: no more heartbeat for those rows
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import Engine

from models.db import session_scope
from models.notification import Notification
from models.notification_store import claim_for_sending, get_notification, renew_leases, unsettled
from models.types import utcnow
from tasks.notify import leases

LEASE_S = 30.0  # a sending lease; its holder renews it every third of that while it sends


class LeaseKeeper:
    def __init__(self, engine: Engine, *, lease_s: float = LEASE_S, wait_s: float):
        self.engine, self.lease_s, self.wait_s = engine, lease_s, wait_s
        self.holder = leases.new_holder()
        self._held: set[int] = set()
        self._heartbeat: asyncio.Task | None = None

    def start(self) -> None:
        leases.enter(self.holder)
        self._heartbeat = asyncio.create_task(self._beat(), name=f"lease heartbeat {self.holder}")

    def stop(self) -> None:
        leases.leave(self.holder)
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None

    def claim(self, row_ids: list[int]) -> dict[int, Notification]:
        with session_scope(self.engine) as session:
            out = {i: claim_for_sending(session=session, notification_id=i, holder=self.holder, lease_s=self.lease_s)
                   for i in row_ids}
        claimed = {i: row for i, row in out.items() if row is not None}
        self._held.update(claimed)
        return claimed

    def orphans(self, context_kind: str, context_id: str, skip: set[int]) -> dict[int, Notification]:
        now, out = utcnow(), {}
        with session_scope(self.engine) as session:
            for row in unsettled(session=session, context_kind=context_kind, context_id=context_id):
                gone = leases.holder_gone(row.lease_holder)
                if row.lease_until is None:  # queued: by a sender that is gone, or (no holder) long ago
                    free = gone or (row.lease_holder is None and row.created_at < now - timedelta(seconds=self.lease_s))
                else:
                    free = gone or row.lease_until < now
                if row.id in skip or not free:
                    continue
                claimed = claim_for_sending(session=session, notification_id=row.id, holder=self.holder,
                                            lease_s=self.lease_s, take_from=row.lease_holder if gone else None)
                if claimed is not None:
                    out[row.id] = claimed
        self._held.update(out)
        return out

    def released(self, row_ids) -> None:
        self._held.difference_update(row_ids)

    async def claim_or_wait(self, row_id: int) -> Notification | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_s
        while True:
            row = await asyncio.to_thread(self._current, row_id)
            if row.delivered_at is not None or (row.lease_until is None and row.failed_at is not None):
                return None  # its holder's outcome
            take_from = row.lease_holder if leases.holder_gone(row.lease_holder) else None
            if row.lease_until is None or row.lease_until < utcnow() or take_from is not None:
                claimed = await asyncio.to_thread(self._claim_one, row_id, take_from)
                if claimed is not None:
                    return claimed
                continue  # another sender was quicker: see what it does
            if loop.time() >= deadline:
                return None
            await asyncio.sleep(min(1.0, self.lease_s / 4, max(0.0, deadline - loop.time())))

    def _current(self, row_id: int) -> Notification:
        with session_scope(self.engine) as session:
            return get_notification(session=session, notification_id=row_id)

    def _claim_one(self, row_id: int, take_from: str | None) -> Notification | None:
        with session_scope(self.engine) as session:
            row = claim_for_sending(session=session, notification_id=row_id, holder=self.holder,
                                    lease_s=self.lease_s, take_from=take_from)
        if row is not None:
            self._held.add(row_id)
        return row

    async def _beat(self) -> None:
        """Renew the leases held while sending, so a live sender's rows are never taken over."""
        while True:
            await asyncio.sleep(self.lease_s / 3)
            if self._held:
                try:
                    await asyncio.to_thread(self._renew, list(self._held))
                except Exception:  # noqa: BLE001 — a missed beat is survivable; the next one tries again
                    continue

    def _renew(self, ids: list[int]) -> None:
        with session_scope(self.engine) as session:
            renew_leases(session=session, ids=ids, holder=self.holder, lease_s=self.lease_s)
