"""A real browser: headless chromium opens an acknowledgement link, a "person" types into the form and taps
the button, and the acknowledgement is recorded. Driven over the DevTools protocol (websockets); chromium is
kept off every network but loopback by its host resolver rules.
"""

from __future__ import annotations

import asyncio

import pytest

from tasks.notify import Message, send_wave
from tests.browser_support import CHROMIUM
from tests.notify_fixtures import ack_service, fast_settings, gateway, rows

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="no chromium installed (apt-get install chromium)")]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_person_acknowledges_in_chromium(cli, engine, chromium):
    assert cli("init").exit_code == 0
    with ack_service(engine, fast_settings()) as ack_url, gateway() as (gw, gw_url):
        settings = fast_settings(ack_base_url=ack_url, drill_base_url=gw_url)
        [row] = asyncio.run(send_wave(engine, context_kind="incident", context_id="b-1", group="g3", units=["yljt"],
                                      message=Message("activate", "医疗救护组：请派救护车到东门"), settings=settings))
        link = gw.messages[0]["ack_url"]

        chromium.send("Page.enable")
        chromium.send("Page.navigate", url=link)
        chromium.wait_event("Page.loadEventFired")
        assert chromium.js("document.title") == "请确认收到"
        assert "请派救护车到东门" in chromium.js("document.getElementById('message').innerText")
        assert rows(engine, id=row.id)[0].acked_at is None  # opening the page records nothing

        chromium.type_into("eta", "15")
        chromium.type_into("note", "救护车已出发")
        chromium.tap("confirm")
        chromium.wait_event("Page.loadEventFired")
        assert chromium.js("document.title") == "已确认收到"
        assert "已记录您的确认" in chromium.js("document.getElementById('acknowledged').innerText")

    [acked] = rows(engine, id=row.id)
    assert acked.acked_at is not None and acked.ack_eta_min == 15 and acked.ack_note == "救护车已出发"
    assert acked.ack_via == "web"
