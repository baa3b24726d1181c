"""Headless chromium for the browser tests, driven over the DevTools protocol (websockets): a page, its events,
typing and tapping, screenshots. Chromium is kept off every network but loopback by its host resolver rules.
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
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
        self.fill(f"#{element_id}", text)

    def fill(self, selector: str, text: str) -> None:
        """Focus the element `selector` matches and type `text` into it, as a keyboard would."""
        self.js(f"document.querySelector({json.dumps(selector)}).focus()")
        self.send("Input.insertText", text=text)

    def send_nowait(self, method: str, **params) -> int:
        """A command whose answer may wait on the page (a click that opens a dialog); the answer is kept as an event."""
        ident = next(self.ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        return ident

    def until(self, expression: str, timeout: float = 30, every: float = 0.2):
        """Evaluate `expression` until it is truthy; its value (AssertionError with the expression when it never is)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(every)
        raise AssertionError(f"never true in the page: {expression}")

    def screenshot(self, path: Path, selector: str | None = None, *, whole: bool = True) -> None:
        """A PNG of the whole page (`whole=False`: what the screen shows; `selector`: that element), to `path`."""
        params: dict = {"format": "png", "captureBeyondViewport": whole}
        if selector:
            box = self.js(f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
                          " return [r.x + window.scrollX, r.y + window.scrollY, r.width, r.height]; })()")
            params["clip"] = {"x": box[0], "y": box[1], "width": box[2], "height": box[3], "scale": 1}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", **params)["data"]))

    def tap(self, element_id: str) -> None:
        self.tap_css(f"#{element_id}")

    def tap_css(self, selector: str, *, wait: bool = True) -> None:
        """A left click in the middle of the element; `wait=False` when the click opens a dialog (its release is
        answered only once the dialog is dealt with)."""
        box = self.js(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView();"
                      " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        self.send("Input.dispatchMouseEvent", type="mousePressed", x=box[0], y=box[1], button="left", clickCount=1)
        release = dict(type="mouseReleased", x=box[0], y=box[1], button="left", clickCount=1)
        if wait:
            self.send("Input.dispatchMouseEvent", **release)
        else:
            self.send_nowait("Input.dispatchMouseEvent", **release)


@pytest.fixture
def chromium(tmp_path):
    """A fresh headless chromium (its own profile) and its first page."""
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
