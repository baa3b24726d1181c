"""Delivery under a hostile network: 30 % of requests answered 5xx, 10 % held until the sender times out.

Every message ends delivered or recorded as failed, none is accepted twice, every request the gateway saw is
counted on its row, and a re-run sends nothing already delivered and creates no row.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from tasks.notify import Message, send_wave
from tests.notify_fixtures import fast_settings, gateway, rows

# Backend-neutral behaviour: SQLite alone keeps the suite quick (PostgreSQL runs the rest).
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def unit_codes(cli) -> list[str]:
    import json

    return [u["code"] for u in json.loads(cli("directory", "list", "--json").stdout)]


def test_flaky_network_delivers_or_fails_each_message_once(cli, engine):
    assert cli("init").exit_code == 0
    units = unit_codes(cli)
    message = Message("activate", "疏散安置组：请立即集结")
    with gateway(error_rate=0.3, timeout_rate=0.1, slow_s=0.6, seed=4) as (gw, url):
        settings = fast_settings(drill_base_url=url, notify_timeout_s=0.3, notify_retries=1, notify_concurrency=64)
        first = asyncio.run(send_wave(engine, context_kind="incident", context_id="flaky-1", group="g5",
                                      units=units, message=message, settings=settings))
        after_first = gw.snapshot()
        again = asyncio.run(send_wave(engine, context_kind="incident", context_id="flaky-1", group="g5",
                                      units=units, message=message, settings=settings))
        after_again = gw.snapshot()

    recorded = rows(engine, context_id="flaky-1")
    assert len(first) == len(units) == len(recorded) == 43  # one row per unit, also after the re-run
    for row in first:
        assert (row.delivered_at is None) != (row.failed_at is None), row
    delivered = {r.idempotency_key for r in first if r.delivered_at}
    failed = {r.idempotency_key for r in first if r.failed_at}
    accepted = Counter(m["key"] for m in after_first["messages"])
    assert set(accepted) == delivered and max(accepted.values()) == 1
    requests = Counter(r["key"] for r in after_first["requests"])
    outcomes = Counter(r["outcome"] for r in after_first["requests"])
    assert outcomes["5xx"] > 0 and outcomes["slow"] > 0  # the faults really happened
    assert {r.idempotency_key: r.attempts for r in first} == dict(requests)  # every attempt counted on its row
    assert failed and any(r.delivered_at and r.last_error for r in first)  # both endings, and fallbacks, seen
    for row in first:
        if row.failed_at:  # every channel tried, each with 1 + 1 retry
            parts = row.last_error.split("; ")
            assert all(p.endswith("after 2 attempt(s)") for p in parts) and row.attempts == 2 * len(parts)

    # The re-run: delivered messages are not sent again; failed ones are tried again (never accepted before).
    new_requests = after_again["requests"][len(after_first["requests"]):]
    assert {r["key"] for r in new_requests} <= failed
    assert max(Counter(m["key"] for m in after_again["messages"]).values()) == 1
    assert {r.id for r in again} == {r.id for r in first}


@SQLITE_ONLY
def test_permanent_errors_are_not_retried(cli, engine):
    """A 4xx moves on to the next channel at once: one request per channel, then recorded as failed."""
    assert cli("init").exit_code == 0
    with gateway() as (gw, url):
        settings = fast_settings(drill_base_url=f"{url}/nowhere")
        [row] = asyncio.run(send_wave(engine, context_kind="incident", context_id="p-1", group="", units=["ldz"],
                                      message=Message("activate", "x"), settings=settings))
    assert row.failed_at is not None and row.delivered_at is None and row.attempts == 2 and row.channel == "sms"
    assert "wecom: HTTP 404" in row.last_error and "sms: HTTP 404" in row.last_error


@SQLITE_ONLY
def test_connection_refused_is_recorded_not_raised(cli, engine):
    assert cli("init").exit_code == 0
    settings = fast_settings(drill_base_url="http://127.0.0.1:9")
    out = asyncio.run(send_wave(engine, context_kind="incident", context_id="c-1", group="", units=["gwh", "ldz"],
                                message=Message("activate", "x"), settings=settings))
    assert [r.failed_at is not None for r in out] == [True, True]
    assert all("ConnectError" in r.last_error for r in out)
    assert [r.attempts for r in out] == [1, 2]  # sms only; wecom then sms — no retries on a refused connection
