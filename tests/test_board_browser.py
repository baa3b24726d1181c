"""The board in a real browser, beside a running drill: headless chromium logs in as each role, watches the nine
tiles change as the drill gateway's people acknowledge (no reload), a reviewer finds no Approve button and is
refused when posting anyway, a commander approves the waiting requisition from the board and the run goes on,
then stands the incident down from the board. Screenshots for the README are written under docs/.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from pathlib import Path

import pytest

from models.db import session_scope
from models.dispatch import RequisitionStatus
from models.events import EventKind
from models.requisition_store import list_requisitions
from models.roles import Role
from models.settings import get_settings
from models.user_store import add_user
from tasks.response.results import Approval
from tasks.web.ack_app import create_app
from tasks.web.serving import serve_in_thread
from tests.browser_support import CHROMIUM
from tests.respond_support import records, run_drill

pytestmark = [pytest.mark.browser, pytest.mark.prefect,
              pytest.mark.skipif(CHROMIUM is None, reason="no chromium installed (apt-get install chromium)")]

PASSWORD = "correct horse battery"
INCIDENT_ID = "INC-20261203-0042"
INCIDENT = {"incident_id": INCIDENT_ID, "enterprise": "qy-jh", "injured": 3,
            "description": "演练：焦化厂煤气柜区爆炸，3 人受伤"}


def log_in(page, base: str, name: str) -> None:
    page.send("Page.navigate", url=f"{base}/board/incidents/{INCIDENT_ID}")
    page.until("location.pathname === '/login' && document.querySelector('input[name=username]') !== null")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.tap_css("form button[type=submit]")
    page.until(f"location.pathname === '/board/incidents/{INCIDENT_ID}' && document.readyState === 'complete'")
    assert page.js("document.getElementById('whoami').dataset.role") == name


def log_out(page) -> None:
    page.tap_css("#logout")
    page.until("location.pathname === '/login'")


def waiting(engine) -> list[int]:
    with session_scope(engine) as session:
        return [r.id for r in list_requisitions(session=session, incident_id=INCIDENT_ID,
                                                status=RequisitionStatus.requested)]


def accept_dialog(page) -> str:
    """The confirmation the button asked for: its text, accepted."""
    opened = page.wait_event("Page.javascriptDialogOpening")
    page.send("Page.handleJavaScriptDialog", accept=True)
    return opened["params"]["message"]


def browse(page, base: str, engine, docs: Path) -> dict:
    seen: dict = {}
    page.send("Page.enable")
    page.send("Emulation.setDeviceMetricsOverride", width=1400, height=1000, deviceScaleFactor=1, mobile=False)

    # An operator may act on the level and stand down, but sees no Approve button.
    log_in(page, base, "operator")
    page.until("document.querySelectorAll('.tile').length >= 1")
    seen["operator_controls"] = page.js("[!!document.getElementById('level-form'), !!document.getElementById('stand-down')]")
    log_out(page)

    # A reviewer reads: the tiles change as people acknowledge, without a reload.
    log_in(page, base, "reviewer")
    page.js("window.__same_page = true")
    page.until("document.querySelectorAll('.tile').length === 9", timeout=60)
    first = page.js("[...document.querySelectorAll('.tile .acknowledged')].map(e => e.textContent).join()")
    page.until(f"[...document.querySelectorAll('.tile .acknowledged')].map(e => e.textContent).join() !== {json.dumps(first)}",
               timeout=60)
    seen["no_reload"] = page.js("window.__same_page === true")
    seen["reviewer_controls"] = page.js("[!!document.getElementById('level-form'), !!document.getElementById('stand-down')]")
    page.until("document.querySelector('.requisition.waiting') !== null", timeout=120)
    seen["reviewer_approve_buttons"] = page.js("document.querySelectorAll('button.approve').length")
    rid = waiting(engine)[0]
    seen["reviewer_post"] = page.send("Runtime.evaluate", awaitPromise=True, returnByValue=True, expression=(
        "(async () => { const t = document.querySelector('input[name=csrf_token]').value;"
        f" const r = await fetch('/board/incidents/{INCIDENT_ID}/requisitions/{rid}/approve', {{method: 'POST',"
        " headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'csrf_token=' + encodeURIComponent(t)});"
        " return r.status; })()"))["result"]["value"]
    seen["still_waiting_after_reviewer"] = rid in waiting(engine)
    log_out(page)

    # A commander approves from the board; the run picks it up.
    log_in(page, base, "commander")
    page.until(f"document.getElementById('approve-{rid}') !== null")
    page.screenshot(docs / "board.png")
    page.screenshot(docs / "site-map.png", selector="#site-map svg")
    seen["map"] = page.js("[!!document.querySelector('#site-map svg #isolation-circle'),"
                          " !!document.querySelector('#site-map svg #command-post')]")
    questions = []
    for each in waiting(engine):  # every requisition waits for the commander in this drill
        page.until(f"document.getElementById('approve-{each}') !== null")
        page.tap_css(f"#approve-{each}", wait=False)
        questions.append(accept_dialog(page))
        page.until(f"document.getElementById('approve-{each}') === null", timeout=30)
    seen["approve_questions"] = questions
    seen["waiting_after_commander"] = waiting(engine)
    page.until("document.querySelector('#dispatch .requisition.waiting') === null")

    # The phone-width layout for the command post on the ground.
    page.send("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=2, mobile=True)
    page.screenshot(docs / "board-phone.png", whole=False)
    page.send("Emulation.setDeviceMetricsOverride", width=1400, height=1000, deviceScaleFactor=1, mobile=False)

    # Stand down from the board.
    page.until("document.getElementById('stand-down') !== null")
    page.tap_css("#stand-down", wait=False)
    seen["stand_down_question"] = accept_dialog(page)
    page.until("document.getElementById('stand-down') === null", timeout=30)
    return seen


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_board_follows_a_drill_and_a_commander_approves_from_it(prefect_api, cli, engine, monkeypatch, chromium,
                                                                     tmp_path):
    # `PARKLINK_DOCS_DIR=docs pytest tests/test_board_browser.py`: the README's screenshots (else thrown away)
    docs = Path(os.environ.get("PARKLINK_DOCS_DIR") or tmp_path)
    assert cli("init").exit_code == 0
    with session_scope(engine) as session:
        for role in Role:
            add_user(session=session, name=role.value, role=role, password=PASSWORD)
    monkeypatch.setenv("PARKLINK_SESSION_SECRET", secrets.token_urlsafe(32))
    with serve_in_thread(create_app(engine, get_settings()), name="board") as base:
        seen: dict = {}

        async def during(run):
            while not records(engine, INCIDENT_ID)["incidents"]:
                await asyncio.sleep(0.1)
            seen.update(await asyncio.to_thread(browse, chromium, base, engine, docs))

        drill = asyncio.run(run_drill(engine, monkeypatch, "explosion", INCIDENT, level="II", seed=3, hold=True,
                                      answer_rate=0.8, time_scale=30, delay=(120.0, 480.0),
                                      options={"manual_approval": True}, during=during))
    assert drill.state.is_completed(), drill.state.message
    assert seen["operator_controls"] == [True, True]
    assert seen["no_reload"] is True
    assert seen["reviewer_controls"] == [False, False] and seen["reviewer_approve_buttons"] == 0
    assert seen["reviewer_post"] == 403 and seen["still_waiting_after_reviewer"]
    assert seen["map"] == [True, True]
    assert seen["approve_questions"] and all("批准征用" in q for q in seen["approve_questions"])
    assert seen["waiting_after_commander"] == [] and INCIDENT_ID in seen["stand_down_question"]
    assert drill.result.approval is Approval.approved
    for shot in ("board.png", "board-phone.png", "site-map.png"):
        assert (docs / shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", shot
    kinds = [e.kind for e in records(engine, INCIDENT_ID)["events"]]
    assert EventKind.approval_overdue not in kinds and EventKind.stand_down in kinds
