"""The board over real HTTP (tasks/web/board_app.py): who may see and do what, CSRF, and what the record becomes.

The record is seeded through the stores (an open drill incident, a requisition waiting for the commander); the
whole path with a running response and a real browser is tests/test_board_browser.py.
"""

from __future__ import annotations

import re

import httpx
import pytest

from models.db import session_scope
from models.dispatch import Requisition, RequisitionStatus
from models.incident import Incident
from models.incident_store import get_incident, level_changes, open_incident
from models.roles import Role
from models.user import UserAction
from models.user_store import add_user
from tasks.web.ack_app import create_app
from tasks.web.serving import serve_in_thread
from tests.notify_fixtures import fast_settings

PASSWORD = "correct horse battery"
INCIDENT = "INC-20261203-0001"


@pytest.fixture
def board(cli, engine):
    """The web service on loopback over a park with one open drill incident and one waiting requisition, and a user
    of each role: (base URL, engine, requisition id)."""
    assert cli("init").exit_code == 0
    with session_scope(engine) as session:
        for name, role in (("op", Role.operator), ("cmd", Role.commander), ("rev", Role.reviewer)):
            add_user(session=session, name=name, role=role, password=PASSWORD)
        open_incident(session=session, incident=Incident(
            id=INCIDENT, playbook_id="hazmat-leak", playbook_hash="h", level="III", drill=True, latitude=36.1447,
            longitude=112.2801, enterprise="qy-ha", chemical="UN1005", description="演练：液氨泄漏"))
        req = Requisition(incident_id=INCIDENT, need_id="rescue-foam@dp-xfz", holder="xfjydd", depot="dp-xfz",
                          resource_type="1010101", quantity=4, unit_price=1200.0)
        session.add(req)
        session.flush()
        req_id = req.id
    with serve_in_thread(create_app(engine, fast_settings()), name="board") as url:
        yield url, engine, req_id


def login(url: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=url, follow_redirects=False, timeout=10)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token, "next": "/board"})
    assert answer.status_code == 303, answer.text
    return client


def csrf(page: httpx.Response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def status(engine, req_id: int) -> RequisitionStatus:
    with session_scope(engine) as session:
        return session.get(Requisition, req_id).status


@pytest.mark.parametrize("path", ["/board", f"/board/incidents/{INCIDENT}"])
def test_without_a_session_the_board_sends_you_to_log_in(board, path):
    url, _, _ = board
    answer = httpx.get(url + path, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")


def test_every_role_reads_the_board_and_only_a_commander_sees_approve(board):
    url, _, req_id = board
    for name, approve_shown in (("rev", False), ("op", False), ("cmd", True)):
        client = login(url, name)
        index = client.get("/board")
        assert index.status_code == 200 and INCIDENT in index.text
        page = client.get(f"/board/incidents/{INCIDENT}")
        assert page.status_code == 200 and 'id="tiles"' in page.text and "等待指挥长批准" in page.text
        assert (f'id="approve-{req_id}"' in page.text) is approve_shown
        assert ('id="stand-down"' in page.text) is (name != "rev")
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp


def test_a_reviewers_approve_is_refused_and_changes_nothing(board):
    url, engine, req_id = board
    client = login(url, "rev")
    token = csrf(client.get(f"/board/incidents/{INCIDENT}"))
    answer = client.post(f"/board/incidents/{INCIDENT}/requisitions/{req_id}/approve", data={"csrf_token": token})
    assert answer.status_code == 403
    assert status(engine, req_id) is RequisitionStatus.requested
    with session_scope(engine) as session:
        refused = [a for a in session.query(UserAction).all() if a.user == "rev" and not a.ok]
    assert refused, "the refusal is logged with the user"


def test_a_post_without_the_csrf_token_is_refused(board):
    url, engine, req_id = board
    client = login(url, "cmd")
    answer = client.post(f"/board/incidents/{INCIDENT}/requisitions/{req_id}/approve", data={})
    assert answer.status_code == 403
    forged = client.post(f"/board/incidents/{INCIDENT}/requisitions/{req_id}/approve", data={"csrf_token": "x" * 40})
    assert forged.status_code == 403
    assert status(engine, req_id) is RequisitionStatus.requested


def test_a_commander_approves_once_and_the_record_says_who(board):
    url, engine, req_id = board
    client = login(url, "cmd")
    token = csrf(client.get(f"/board/incidents/{INCIDENT}"))
    path = f"/board/incidents/{INCIDENT}/requisitions/{req_id}/approve"
    answer = client.post(path, data={"csrf_token": token}, headers={"HX-Request": "true"})
    assert answer.status_code == 200 and f"征用 {req_id} 已批准" in answer.text
    assert status(engine, req_id) is RequisitionStatus.approved
    again = client.post(path, data={"csrf_token": token}, headers={"HX-Request": "true"})
    assert again.status_code == 409
    with session_scope(engine) as session:
        logged = [a for a in session.query(UserAction).all() if a.user == "cmd" and a.ok and "approve" in a.action]
    assert len(logged) == 1


def test_an_operator_changes_the_level_and_stands_down(board):
    url, engine, _ = board
    client = login(url, "op")
    token = csrf(client.get(f"/board/incidents/{INCIDENT}"))
    bad = client.post(f"/board/incidents/{INCIDENT}/level", data={"csrf_token": token, "level": "V"})
    assert bad.status_code == 422
    answer = client.post(f"/board/incidents/{INCIDENT}/level", data={"csrf_token": token, "level": "II",
                                                                   "reason": "扩散到厂外"})
    assert answer.status_code == 303
    with session_scope(engine) as session:
        [change] = level_changes(session=session, incident_id=INCIDENT)
    assert (change.from_level, change.to_level, change.requested_by, change.reason) == ("III", "II", "op", "扩散到厂外")
    assert client.post(f"/board/incidents/{INCIDENT}/stand-down", data={"csrf_token": token}).status_code == 303
    assert client.post(f"/board/incidents/{INCIDENT}/stand-down", data={"csrf_token": token}).status_code == 409
    with session_scope(engine) as session:
        assert get_incident(session=session, incident_id=INCIDENT).stand_down_requested_at is not None


def test_the_page_speaks_english_when_asked(board):
    url, _, _ = board
    client = login(url, "rev")
    page = client.get(f"/board/incidents/{INCIDENT}?lang=en")
    assert "Working groups" in page.text and "Waiting for the commander&#39;s approval" in page.text


def test_the_open_list_is_read_again_by_the_page(board):
    url, _, _ = board
    assert httpx.get(url + "/board/open").status_code == 403
    listed = login(url, "rev").get("/board/open")
    assert listed.status_code == 200 and f'data-incident="{INCIDENT}"' in listed.text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_drill_form_is_checked_before_anything_starts(cli, engine, monkeypatch):
    from parklink.board_launch import DrillLauncher

    assert cli("init").exit_code == 0
    with session_scope(engine) as session:
        add_user(session=session, name="op", role=Role.operator, password=PASSWORD)
        add_user(session=session, name="rev", role=Role.reviewer, password=PASSWORD)
    started = []
    monkeypatch.setattr("parklink.board_launch.start_in_background", lambda *a, **kw: started.append((a, kw)))
    settings = fast_settings()
    with serve_in_thread(create_app(engine, settings, drills=DrillLauncher(engine, settings)), name="board") as url:
        rev = login(url, "rev")
        assert 'id="drill-form"' not in rev.get("/board").text
        assert rev.post("/board/drills", data={"csrf_token": csrf(rev.get("/board")), "playbook": "fire"}).status_code == 403
        op = login(url, "op")
        page = op.get("/board")
        assert 'id="drill-form"' in page.text and 'value="qy-ha"' in page.text
        token = csrf(page)
        bad = op.post("/board/drills", data={"csrf_token": token, "playbook": "flood", "enterprise": "qy-ha"})
        assert bad.status_code == 422 and "unknown playbook `flood`" in bad.text
        scale = op.post("/board/drills", data={"csrf_token": token, "playbook": "fire", "enterprise": "qy-ha",
                                               "time_scale": "0"})
        assert scale.status_code == 422 and "time scale 0" in scale.text
        assert started == []
        good = op.post("/board/drills", data={"csrf_token": token, "playbook": "fire", "level": "III",
                                              "enterprise": "qy-ha", "time_scale": "120", "manual_approval": "on"})
    assert good.status_code == 303
    [(args, kw)] = started
    assert args[2] == "fire" and args[3].enterprise == "qy-ha" and "op" in args[3].description
    assert kw == {"level": "III", "drill": True, "time_scale": 120.0, "lang": "zh-CN", "manual_approval": True}


def test_the_stream_sends_what_changed_and_tells_the_page_when_its_session_ends(board):
    from models.user_store import disable_user

    url, engine, _ = board
    client = login(url, "rev")
    seen: list[str] = []
    with client.stream("GET", f"/board/incidents/{INCIDENT}/stream") as answer:
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")
        data: list[str] = []
        for line in answer.iter_lines():
            if line.startswith("event: "):
                seen.append(line[7:])
                data = []
            elif line.startswith("data: "):
                data.append(line[6:])
            if seen.count("header") == 2 and "disabled" not in seen:  # the clock ticked: now end the session
                with session_scope(engine) as session:
                    disable_user(session=session, name="rev")
                seen.append("disabled")
            if seen and seen[-1] == "notice" and data:
                break
    assert {"header", "tiles", "reports", "dispatch", "levels", "timeline", "map"} <= set(seen[:7])
    assert seen.count("tiles") == 1, "a section that did not change is not sent again"
    assert seen[-1] == "notice" and "会话已结束" in "\n".join(data)
