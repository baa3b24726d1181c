"""A real browser: headless chromium opens an acknowledgement link, a "person" types into the form and taps
the button, and the acknowledgement is recorded. Driven over the DevTools protocol (websockets); chromium is
kept off every network but loopback by its host resolver rules.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tasks.notify import Message, send_wave
from tests.notify_fixtures import ack_service, fast_settings, gateway, rows

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="no chromium installed (apt-get install chromium)")]


class Page:
    """The smallest DevTools client: commands by id, events kept until asked for."""

    def __init__(self, ws_url: str):
        self.ws = connect(ws_url, max_size=None, open_timeout=10)
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def send(self, method: str, **params):
        ident = next(self.ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv(timeout=20))
            if msg.get("id") == ident:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_event(self, name: str, timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == name:
                    return self.events.pop(i)
            self.events.append(json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic()))))

    def js(self, expression: str):
        return self.send("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def type_into(self, element_id: str, text: str) -> None:
        self.js(f"document.getElementById({json.dumps(element_id)}).focus()")
        self.send("Input.insertText", text=text)

    def tap(self, element_id: str) -> None:
        box = self.js(f"(() => {{ const e = document.getElementById({json.dumps(element_id)}); e.scrollIntoView();"
                      " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)


@pytest.fixture
def chromium(tmp_path):
    profile = tmp_path / "chromium-profile"
    proc = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
         "--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
         f"--user-data-dir={profile}", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
         "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port_file = Path(profile) / "DevToolsActivePort"
    try:
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            assert proc.poll() is None and time.monotonic() < deadline, "chromium did not start"
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        pages = [t for t in httpx.get(f"http://127.0.0.1:{port}/json/list").json() if t["type"] == "page"]
        page = Page(pages[0]["webSocketDebuggerUrl"])
        yield page
        page.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


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
