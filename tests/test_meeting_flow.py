"""The joint meeting end to end (issue 14 item 2): `parklink meeting schedule --drill` on the real Prefect engine,
invitations answered over real HTTP by the drill gateway's people (attend, delegate, absent with a reason, silent),
the attendance kept; the agenda holds the year's drill and an open action; minutes and resolutions recorded
(resolutions become actions); the record rendered in zh-CN and English."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlmodel import select

from models.action import ActionSource, ActionState
from models.action_store import add_action, list_actions
from models.db import session_scope
from models.directory import Unit
from models.incident import Incident
from models.meeting import AttendanceAnswer, Meeting, MeetingAttendance, MeetingState
from models.notification import ContextKind
from models.types import utcnow
from tasks.drill.gateway import Behaviour, DrillGateway
from tasks.web.serving import serve_in_thread
from tests.notify_fixtures import rows

UNITS = 14


def small_park(cli, engine, monkeypatch) -> list[str]:
    """`parklink init`, then only the first UNITS units active (and the office); park time 1200× faster."""
    assert cli("init").exit_code == 0
    with session_scope(engine) as session:
        kept = []
        for n, unit in enumerate(session.exec(select(Unit).order_by(Unit.code)).all()):
            unit.active = n < UNITS or unit.code == "ldzbgs"
            kept += [unit.code] if unit.active else []
            session.add(unit)
    monkeypatch.setenv("PARKLINK_DRILL_TIME_SCALE", "1200")  # a wait of 1800 park seconds lasts 1.5 s
    return kept


def seed_the_year(engine, owner: str) -> tuple[str, str]:
    """A drill of this year and an open corrective action, for the agenda."""
    with session_scope(engine) as session:
        session.add(Incident(id="INC-DRILL-MTG-1", playbook_id="hazmat-leak", playbook_hash="x", level="II",
                             drill=True, latitude=34.0, longitude=113.0, reported_at=utcnow() - timedelta(days=20)))
        action = add_action(session=session, key="INC-DRILL-MTG-1:kpi:ack", source=ActionSource.drill,
                            source_id="INC-DRILL-MTG-1", text="缩短主联络员确认时间", owner=owner,
                            due=date.today() + timedelta(days=30))
        return "INC-DRILL-MTG-1", action.id


@pytest.mark.prefect
def test_a_drill_meeting_is_answered_recorded_minuted_and_rendered(prefect_api, cli, engine, monkeypatch, tmp_path):
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    units = small_park(cli, engine, monkeypatch)
    drill_id, action_id = seed_the_year(engine, owner="yjj")
    day = (date.today() + timedelta(days=10)).isoformat()
    gw = DrillGateway(Behaviour(answer_rate=0.4, delay=(0.05, 0.3), error_rate=0.0, seed=5))
    with serve_in_thread(gw.app, name="drill gateway") as url:
        monkeypatch.setenv("PARKLINK_DRILL_BASE_URL", url)  # what the gateway's people received and did is read
        out = cli("--lang", "en", "meeting", "schedule", "--date", day, "--drill", "--wait", "1800", "--json")
        assert out.exit_code == 0, out.stderr
        result = json.loads(out.stdout)
        messages = gw.snapshot()["messages"]
    meeting_id = result["meeting"]
    assert meeting_id.startswith("MTG-") and result["flow_run_id"] and result["drill"] is True
    assert result["invited"] == len(units) - len(result["uninvited"]) > 0

    with session_scope(engine) as session:
        attendance = {a.unit: a for a in session.exec(select(MeetingAttendance).where(
            MeetingAttendance.meeting == meeting_id)).all()}
        meeting = session.get(Meeting, meeting_id)
    assert sorted(attendance) == sorted(units), "one row per active unit"
    assert meeting.state is MeetingState.invited and meeting.flow_run_id == result["flow_run_id"]
    answers = {a.answer for a in attendance.values()}
    assert {AttendanceAnswer.will_attend, AttendanceAnswer.delegate, AttendanceAnswer.absent} <= answers, answers
    counts = result["counts"]
    assert sum(counts.values()) == len(units)
    assert counts["no_answer"] == sum(a.answer is AttendanceAnswer.no_answer for a in attendance.values())
    for a in attendance.values():
        if a.answer is AttendanceAnswer.delegate:
            assert a.delegate and a.reason is None and a.answered_by and a.answered_at
        elif a.answer is AttendanceAnswer.absent:
            assert a.reason and a.delegate is None and a.answered_by
        elif a.answer is AttendanceAnswer.no_answer:
            assert a.answered_at is None

    # Over real HTTP: every answer the gateway's people posted was accepted and matches the row it landed on.
    invites = [m for m in messages if m["key"].startswith(f"meeting:{meeting_id}:")]
    assert invites and all("/ack/" in (m["ack_url"] or "") for m in invites)
    posted = [m for m in invites if (m["answer"] or {}).get("post_status") == 200]
    assert posted, "somebody answered"
    sent = {r.idempotency_key: r for r in rows(engine, context_kind=ContextKind.meeting)}
    for m in posted:
        row = sent[m["key"]]
        assert row.acked_at is not None
        assert attendance[row.unit].answer is not AttendanceAnswer.no_answer
    assert "Agenda:" in invites[0]["text"] and "1 drill(s)" in invites[0]["text"]
    reminders = [m for m in invites if ":reminder:remind:" in m["key"]]
    assert result["reminded"] == len(reminders) >= 1, "the silent were reminded once"
    assert "[Reminder]" in reminders[0]["text"] and counts["no_answer"] >= 1, "some never answer"

    minutes = tmp_path / "minutes.md"
    minutes.write_text("# 会议纪要\n\n各单位通报了年度应急工作。\n", encoding="utf-8")
    out = cli("meeting", "minutes", meeting_id, "--file", str(minutes), "--resolution", "补充危化品应急物资",
              "--owner", "yjj", "--due", "2027-03-31", "--resolution", "更新联络员名录", "--owner", "ldzbgs",
              "--due", "2027-02-28")
    assert out.exit_code == 0, out.stderr
    again = cli("meeting", "minutes", meeting_id, "--resolution", "更新联络员名录", "--owner", "ldzbgs", "--due",
                "2027-02-28")
    assert again.exit_code == 0, again.stderr
    with session_scope(engine) as session:
        actions = list_actions(session=session, source=ActionSource.meeting, source_id=meeting_id)
        held = session.get(Meeting, meeting_id, populate_existing=True)
    assert held.state is MeetingState.held and "年度应急工作" in held.minutes
    assert sorted(a.key for a in actions) == [f"{meeting_id}:resolution:1", f"{meeting_id}:resolution:2"]
    assert {a.owner for a in actions} == {"yjj", "ldzbgs"} and {a.state for a in actions} == {ActionState.open}

    zh = cli("meeting", "show", meeting_id)
    en = cli("meeting", "show", meeting_id, "--lang", "en")
    assert zh.exit_code == 0 and en.exit_code == 0, (zh.stderr, en.stderr)
    assert "联席会议" in zh.stdout and "一、参会情况" in zh.stdout and "补充危化品应急物资" in zh.stdout
    assert "## 1. Attendance" in en.stdout and "## 4. Resolutions" in en.stdout
    for text in (zh.stdout, en.stdout):
        assert drill_id in text and action_id in text and "各单位通报了年度应急工作" in text
    absent = next(a for a in attendance.values() if a.answer is AttendanceAnswer.absent)
    assert absent.reason in en.stdout + zh.stdout
    shown = json.loads(cli("meeting", "show", meeting_id, "--json").stdout)
    assert [i["id"] for i in shown["agenda"]["drills"]] == [drill_id]
    assert [a["id"] for a in shown["agenda"]["open_actions"]] == [action_id]
    due = {d["unit"]: d for d in shown["agenda"]["compliance"]}  # the park's drill compliance on the meeting's day
    with session_scope(engine) as session:
        active = {u.code: u.kind for u in session.exec(select(Unit).where(Unit.active)).all()}
    assert set(due) == set(active) and {d["required_every_months"] for d in due.values()} <= {6, 12, 24}
    overdue = [d for d in due.values() if d["overdue"]]
    assert f"{len(overdue)} of {len(due)} unit(s) overdue." in en.stdout and "暂无演练合规数据" not in zh.stdout
    assert len(shown["resolutions"]) == 2 and shown["counts"] == counts
    listed = json.loads(cli("meeting", "list", "--json").stdout)
    assert [m["id"] for m in listed] == [meeting_id] and listed[0]["state"] == "held"
