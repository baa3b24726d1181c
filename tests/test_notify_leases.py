"""Sending leases: a lease names its holder, is renewed while the holder sends, and is taken over when the
holder is gone or its lease has run out — so no message is left pending after a crash, and none is sent twice.

Real loopback HTTP to the drill gateway; a real process killed with SIGKILL; SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import httpx
import sqlalchemy as sa
from sqlalchemy import update

from models.db import session_scope
from models.notification import Notification
from models.types import utcnow
from tasks.notify import Message
from tasks.notify.escalation import _Directory
from tasks.notify.leases import holder_gone, new_holder
from tasks.notify.sender import Context, Sender, Target
from tests.conftest import REPO
from tests.notify_fixtures import fast_settings, gateway, rows

MESSAGE = Message("activate", "抢险救援组：请立即集结")
UNITS = ["gwh", "ldz", "yjj"]

# The holder: claims the rows as a sender about to send them, says so, and is killed before it sends.
HOLDER = """
import sys, time
from models.db import get_engine
from tasks.notify.sender import Sender
from tests.notify_fixtures import fast_settings
sender = Sender(get_engine(sys.argv[1]), fast_settings())
claimed = sender._claim([int(i) for i in sys.argv[2].split(",")])
print(",".join(map(str, sorted(claimed))), flush=True)
time.sleep(120)
"""


def prepared(engine, settings, context_id: str) -> list[Notification]:
    directory = _Directory(engine)
    targets = [Target(unit=u, liaison=directory.resolve(u, "primary")) for u in UNITS]
    return Sender(engine, settings).prepare(Context("incident", context_id, "rescue"), MESSAGE, targets)


async def deliver(engine, settings, rows_: list[Notification], *, delay_s: float = 0.0, **kw) -> list[Notification]:
    client = httpx.AsyncClient(transport=_Slow(delay_s), timeout=settings.notify_timeout_s)
    async with client, Sender(engine, settings, client, **kw) as sender:
        return await sender.deliver(rows_)


class _Slow(httpx.AsyncBaseTransport):
    """Loopback HTTP whose every request takes `delay_s` longer: a send that is under way for a while."""

    def __init__(self, delay_s: float):
        self.delay_s, self.inner = delay_s, httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request):
        await asyncio.sleep(self.delay_s)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def assert_each_delivered_once(gw, out: list[Notification], engine, context_id: str) -> None:
    assert all(r.delivered_at is not None and r.lease_until is None and r.lease_holder is None for r in out), out
    assert all(r.delivered_at is not None for r in rows(engine, context_id=context_id)), "none pending"
    requests = Counter(r["key"] for r in gw.snapshot()["requests"])
    assert requests == Counter({r.idempotency_key: 1 for r in out}), "each message on the wire once"


def test_rows_of_a_killed_holder_are_taken_over_at_once(cli, engine, db_url):
    """Killed mid-send: the next sender in that context takes over every row it held, asked for or not."""
    assert cli("init").exit_code == 0
    with gateway() as (gw, url):
        settings = fast_settings(drill_base_url=url)
        ids = [r.id for r in prepared(engine, settings, "lease-kill")]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, db_url, ",".join(map(str, ids))], cwd=REPO,
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            line = holder.stdout.readline().decode().strip()
            assert line == ",".join(map(str, sorted(ids))), holder.stderr.read().decode()[-2000:]
        finally:
            os.killpg(holder.pid, signal.SIGKILL)  # mid-send: no clean-up of any kind
            holder.wait(timeout=30)
        leased = rows(engine, context_id="lease-kill")
        assert all(r.lease_until is not None and r.lease_until > utcnow() + timedelta(seconds=10) for r in leased)
        assert all(r.delivered_at is None and r.failed_at is None for r in leased)

        started = time.monotonic()
        out = asyncio.run(deliver(engine, settings, leased[:1]))  # the re-run asks for one of them only
        assert time.monotonic() - started < 5, "taken over at once, not after the lease ran out"
        assert [r.id for r in out] == [leased[0].id]
        assert_each_delivered_once(gw, rows(engine, context_id="lease-kill"), engine, "lease-kill")


def test_a_live_holder_is_waited_for_and_its_outcome_returned(cli, engine):
    assert cli("init").exit_code == 0
    with gateway() as (gw, url):
        settings = fast_settings(drill_base_url=url)
        first_rows = prepared(engine, settings, "lease-live")

        async def both():
            first = asyncio.create_task(deliver(engine, settings, first_rows, delay_s=0.8))
            await asyncio.sleep(0.3)  # the first sender holds every lease and is sending
            second = await deliver(engine, settings, first_rows)
            return await first, second

        first, second = asyncio.run(both())
        assert_each_delivered_once(gw, first, engine, "lease-live")
        assert [r.delivered_at for r in second] == [r.delivered_at for r in first], "the holder's outcome"


def test_heartbeat_keeps_a_slow_send_and_an_expired_lease_is_taken_over(cli, engine):
    assert cli("init").exit_code == 0
    with gateway() as (gw, url):
        settings = fast_settings(drill_base_url=url)
        slow_rows = prepared(engine, settings, "lease-beat")

        async def slow_and_eager():  # each send takes 4 leases' time; the second sender is ready to take over
            first = asyncio.create_task(deliver(engine, settings, slow_rows, delay_s=2.0, lease_s=0.5))
            await asyncio.sleep(0.2)
            return await first, await deliver(engine, settings, slow_rows, lease_s=0.5)

        first, _ = asyncio.run(slow_and_eager())
        assert_each_delivered_once(gw, first, engine, "lease-beat")

        stale = prepared(engine, settings, "lease-stale")  # held by a sender on another host, lease running out
        with session_scope(engine) as session:
            session.execute(update(Notification).where(Notification.id.in_([r.id for r in stale]))
                            .values(lease_holder="elsewhere:1:0", lease_until=utcnow() + timedelta(seconds=1)))
        started = time.monotonic()
        out = asyncio.run(deliver(engine, settings, stale))
        assert time.monotonic() - started >= 0.5, "a live foreign lease is respected until it runs out"
        assert all(r.delivered_at is not None for r in out) and not any(r.lease_holder for r in out)
        assert all(r.delivered_at is not None for r in rows(engine, context_id="lease-stale"))


def test_holder_gone_is_sure_or_says_alive():
    mine = new_holder()
    assert holder_gone(mine), "a holder of this process that no open Sender has"
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = mine.split(":")[0]
    assert holder_gone(f"{host}:{done.stdout.strip()}:0")
    assert not holder_gone(f"{host}:1:0") and not holder_gone("elsewhere:99999999:0")
    assert not holder_gone(None) and not holder_gone("") and not holder_gone(f"{host}:١٢:0")


def test_init_adds_the_lease_holder_column_to_an_older_database(cli, engine):
    """A database made before leases named their holder: `parklink init` adds the column, data kept."""
    assert cli("init").exit_code == 0
    with gateway() as (_gw, url):
        [row, *_] = prepared(engine, fast_settings(drill_base_url=url), "lease-old")
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE notification DROP COLUMN lease_holder"))
    assert "lease_holder" not in {c["name"] for c in sa.inspect(engine).get_columns("notification")}
    assert cli("init").exit_code == 0
    assert "lease_holder" in {c["name"] for c in sa.inspect(engine).get_columns("notification")}
    assert cli("init").exit_code == 0  # twice changes nothing
    [again] = [r for r in rows(engine, context_id="lease-old") if r.id == row.id]
    assert again.idempotency_key == row.idempotency_key and again.lease_holder is None
