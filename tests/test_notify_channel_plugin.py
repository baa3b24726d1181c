"""A channel is a plug-in: a module written outside the package, registered with one line, delivers through the
real Sender over real HTTP on loopback, and its own answers decide what is retried."""

from __future__ import annotations

import asyncio
import json
from contextlib import contextmanager

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tasks.notify import Message, send_wave
from tasks.notify.channels import REGISTRY, Channels
from tasks.web.serving import serve_in_thread
from tests import channel_probe
from tests.notify_fixtures import fast_settings
from tests.test_notify_channels import ENV, NOW

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@contextmanager
def provider(*codes: str):
    """The provider on loopback: answers the scripted codes in turn, then "OK"; yields (received, URL)."""
    received, script = [], list(codes)

    async def messages(request: Request):
        received.append({"path": request.url.path, "headers": dict(request.headers),
                         "body": json.loads(await request.body())})
        return JSONResponse({"Code": script.pop(0) if script else "OK"})

    app = Starlette(routes=[Route("/{path:path}", messages, methods=["POST"])])
    with serve_in_thread(app, name="test SMS provider") as url:
        yield received, url


@pytest.fixture
def plugged(monkeypatch):
    monkeypatch.setitem(REGISTRY, channel_probe.NAME, channel_probe)  # the one registry line


def wave(engine, context_id: str, settings):
    [row] = asyncio.run(send_wave(engine, context_kind="incident", context_id=context_id, group="", units=["gwh"],
                                  message=Message("activate", "测试"), settings=settings))
    return row


@SQLITE_ONLY
def test_a_registered_module_delivers_and_its_retryable_answer_is_retried(cli, engine, plugged):
    assert cli("init").exit_code == 0
    with provider("Throttling") as (received, url):
        row = wave(engine, "plug-1", fast_settings(sms_url=url, sms_api_key="k-9", notify_retries=2))
    assert row.delivered_at is not None and row.channel == "sms" and row.attempts == 2 and row.last_error is None
    assert [r["path"] for r in received] == ["/messages", "/messages"]
    first, second = received
    assert first["headers"]["x-parklink-key"] == second["headers"]["x-parklink-key"] == row.idempotency_key
    assert first["headers"]["authorization"] == "Bearer k-9"
    assert second["body"] == {"phone": "+447700900000", "message": row.text, "ref": row.idempotency_key}


@SQLITE_ONLY
@pytest.mark.parametrize("codes, attempts, error", [
    (["Throttling"] * 3, 2, "sms: throttled after 2 attempt(s)"),  # retried, then given up
    (["InvalidPhone"], 1, "sms: the provider says InvalidPhone"),  # a refusal is not retried
])
def test_the_module_says_what_is_not_worth_retrying(cli, engine, plugged, codes, attempts, error):
    assert cli("init").exit_code == 0
    with provider(*codes) as (received, url):
        row = wave(engine, "plug-2", fast_settings(sms_url=url, sms_api_key="k-9", notify_retries=1))
    assert row.delivered_at is None and row.failed_at is not None
    assert (row.attempts, row.last_error, len(received)) == (attempts, error, attempts)


@SQLITE_ONLY
def test_a_registered_module_goes_to_the_drill_gateway_in_drill_mode(cli, engine, plugged):
    assert cli("init").exit_code == 0
    with provider() as (received, url):
        row = wave(engine, "plug-3", fast_settings(sms_url="http://127.0.0.1:9/never", sms_api_key="k-9",
                                                   drill_base_url=url + "/"))
    assert row.delivered_at is not None and [r["path"] for r in received] == ["/sms/messages"]


def test_the_registry_is_read_when_the_channels_are_configured(monkeypatch):
    settings = fast_settings(sms_url="http://127.0.0.1:9")
    standard = Channels(settings)
    monkeypatch.setitem(REGISTRY, channel_probe.NAME, channel_probe)
    assert Channels(settings).build("sms", "+1", ENV, now=NOW).url == "http://127.0.0.1:9/messages"
    assert standard.build("sms", "+1", ENV, now=NOW).url == "http://127.0.0.1:9"  # configured before: unchanged
    assert len(Channels(settings)) == len(standard) == 5
