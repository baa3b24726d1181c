"""`parklink meeting`: every refused input is one line and exit 2, nothing written; a meeting invitation's answer
through the acknowledgement service (page form and JSON API over loopback HTTP), refused for any other message;
the agenda built from typed inputs."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import httpx
import pytest
from sqlmodel import select

from models.action import CorrectiveAction
from models.db import session_scope
from models.drill_due import DrillDue
from models.meeting import AttendanceAnswer, Meeting, MeetingAttendance, MeetingKind
from models.meeting_store import create_meeting
from tasks.meeting.agenda import AgendaAction, AgendaIncident, AgendaInputs, agenda_text, build_agenda
from tasks.notify import Message, send_wave
from tests.notify_fixtures import ack_service, fast_settings, gateway, rows

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
SOON = (date.today() + timedelta(days=20)).isoformat()


@SQLITE_ONLY
@pytest.mark.parametrize("args, says", [
    (["schedule", "--date", "2027-13-40", "--drill"], "--date `2027-13-40`: give a day as YYYY-MM-DD"),
    (["schedule", "--date", "12/01/2027", "--drill"], "--date `12/01/2027`: give a day as YYYY-MM-DD"),
    (["schedule", "--date", "2020-01-01", "--drill"], "--date 2020-01-01: the day is in the past"),
    (["schedule", "--date", SOON, "--ad-hoc", "--drill"], "--ad-hoc needs --reason"),
    (["schedule", "--date", SOON, "--drill", "--time-scale", "0"], "--time-scale 0.0: give a factor above 0"),
    (["show", "MTG-20270112-0009"], "meeting `MTG-20270112-0009` not found"),
    (["show", "nonsense"], "meeting `nonsense`: an id looks like MTG-"),
    (["minutes", "MTG-20270112-0009", "--file", "x.md"], "meeting `MTG-20270112-0009` not found"),
    (["minutes", "{m}"], "give --file minutes.md, or --resolution"),
    (["minutes", "{m}", "--resolution", "做某事", "--owner", "nosuchunit", "--due", "2027-03-01"],
     "--owner `nosuchunit`: unknown unit"),
    (["minutes", "{m}", "--resolution", "做某事", "--owner", "yjj", "--due", "2027-02-30"],
     "--due `2027-02-30`: give a day as YYYY-MM-DD"),
    (["minutes", "{m}", "--resolution", "做某事", "--owner", "yjj"], "1 --resolution, 1 --owner, 0 --due"),
    (["minutes", "{m}", "--file", "/dev/zero"], "/dev/zero"),
    (["minutes", "{m}", "--file", "{missing}"], "missing.md"),
])
def test_refused_input_is_one_line_exit_2_and_writes_nothing(cli, engine, tmp_path, args, says):
    assert cli("init").exit_code == 0
    with session_scope(engine) as session:
        meeting = create_meeting(session=session, day=date(2027, 1, 12), kind=MeetingKind.annual, reason=None,
                                 drill=True, lang="zh-CN").id
    args = [a.format(m=meeting, missing=tmp_path / "missing.md") for a in args]
    out = cli("--lang", "en", "meeting", *args)
    assert out.exit_code == 2, (out.stdout, out.stderr)
    assert len(out.stderr.strip().splitlines()) == 1 and out.stderr.startswith("Error: "), out.stderr
    assert says in out.stderr, out.stderr
    with session_scope(engine) as session:
        assert [m.id for m in session.exec(select(Meeting)).all()] == [meeting]
        assert session.exec(select(CorrectiveAction)).all() == []
        assert session.get(Meeting, meeting).minutes is None


@SQLITE_ONLY
def test_a_live_meeting_is_refused_where_a_drill_gateway_is_configured(cli, engine, monkeypatch):
    assert cli("init").exit_code == 0
    monkeypatch.setenv("PARKLINK_DRILL_BASE_URL", "http://127.0.0.1:9")
    out = cli("--lang", "en", "meeting", "schedule", "--date", SOON)
    assert out.exit_code == 2 and out.stderr.startswith("Error: a live run never sends to a drill gateway")
    with session_scope(engine) as session:
        assert session.exec(select(Meeting)).all() == []


@SQLITE_ONLY
def test_a_meeting_invitation_takes_an_answer_and_other_messages_refuse_one(cli, engine, monkeypatch):
    """Real HTTP: the page shows the choices, the form and the JSON API answer, a bad answer is refused (422);
    `parklink ack --answer` the same from a shell."""
    assert cli("init").exit_code == 0
    monkeypatch.setenv("PARKLINK_ACK_SECRET", "test-ack-key")  # fast_settings' key: the CLI checks the same links
    with session_scope(engine) as session:
        meeting = create_meeting(session=session, day=date(2027, 1, 12), kind=MeetingKind.annual, reason=None,
                                 drill=True, lang="zh-CN").id
    with ack_service(engine, fast_settings()) as ack_url, gateway() as (gw, gw_url):
        settings = fast_settings(ack_base_url=ack_url, drill_base_url=gw_url)

        async def send():
            await send_wave(engine, context_kind="meeting", context_id=meeting, group="", settings=settings,
                            units=["yjj", "xfjydd", "gaj", "czj"], message=Message("invite", "联席会议邀请"))
            await send_wave(engine, context_kind="incident", context_id="INC-X", group="g2", settings=settings,
                            units=["yjj"], message=Message("activate", "集结"))

        asyncio.run(send())
        sent = {m["key"]: m["ack_url"] for m in gw.messages}
        links = {(r.unit if r.context_kind == "meeting" else "check"): sent[r.idempotency_key] for r in rows(engine)}

        def api(unit: str) -> str:
            return links[unit].replace("/ack/", "/api/ack/", 1)

        with httpx.Client(timeout=10) as http:
            page = http.get(links["yjj"] + "?lang=en")
            assert page.status_code == 200 and 'name="answer" value="delegate"' in page.text
            assert "Will your unit attend?" in page.text and 'name="eta"' not in page.text
            assert 'name="answer"' not in http.get(links["check"]).text, "other messages: the page as before"
            bad = http.post(api("yjj"), json={"answer": "delegate"})
            assert bad.status_code == 422 and "delegate" in bad.json()["message"]
            assert http.post(links["yjj"], data={"answer": "delegate", "delegate": "陈志远"}).status_code == 200
            absent = http.post(api("xfjydd"), json={"answer": "absent", "reason": "同日迎检"})
            assert absent.status_code == 200 and absent.json()["ok"] is True
            assert http.post(api("gaj"), json={}).status_code == 200  # no answer given: will attend
            refused = http.post(api("check"), json={"answer": "absent", "reason": "x"})
            assert refused.status_code == 422 and refused.json()["error"] == "invalid"
            assert http.post(api("check"), json={}).status_code == 200, "an incident's message acknowledges as before"
        shell = cli("--lang", "en", "ack", links["czj"], "--answer", "absent")
        assert shell.exit_code == 1 and "reason: say why your unit cannot attend" in shell.stderr
        assert cli("ack", links["czj"], "--answer", "absent", "--reason", "外出培训").exit_code == 0
    with session_scope(engine) as session:
        got = {a.unit: (a.answer, a.delegate, a.reason) for a in session.exec(select(MeetingAttendance)).all()}
    assert got == {"yjj": (AttendanceAnswer.delegate, "陈志远", None),
                   "xfjydd": (AttendanceAnswer.absent, None, "同日迎检"),
                   "gaj": (AttendanceAnswer.will_attend, None, None),
                   "czj": (AttendanceAnswer.absent, None, "外出培训")}


def test_the_agenda_is_built_from_typed_inputs_and_says_when_there_is_no_compliance_data():
    today = date(2027, 1, 5)
    inputs = AgendaInputs(
        since=date(2026, 1, 12), until=date(2027, 1, 12),
        incidents=[AgendaIncident(id="INC-2", type="fire", level="III", drill=True, reported_on=date(2026, 6, 1),
                                  status="closed"),
                   AgendaIncident(id="INC-1", type="fire", level="II", drill=False, reported_on=date(2026, 3, 1),
                                  status="closed"),
                   AgendaIncident(id="INC-0", type="fire", level="II", drill=False, reported_on=date(2025, 3, 1),
                                  status="closed")],
        actions=[AgendaAction(id="ACT-1", source="drill", source_id="INC-2", text="a", owner="yjj",
                              due=date(2027, 1, 1), state="open"),
                 AgendaAction(id="ACT-2", source="drill", source_id="INC-2", text="b", owner="yjj",
                              due=date(2027, 2, 1), state="open")])
    agenda = build_agenda(inputs, today)
    assert [i.id for i in agenda.incidents] == ["INC-1"] and [i.id for i in agenda.drills] == ["INC-2"]
    assert [a.id for a in agenda.overdue_actions] == ["ACT-1"] and [a.id for a in agenda.open_actions] == ["ACT-2"]
    assert agenda.by_type[0].model_dump() == {"type": "fire", "real": 1, "drills": 1}
    assert agenda_text("en", agenda).splitlines()[-1] == "4. Drill compliance: no drill compliance data"
    due = [DrillDue(unit="qy-ha", required_every_months=6, next_due=date(2026, 12, 1), overdue=True),
           DrillDue(unit="yjj", required_every_months=24, next_due=date(2027, 6, 1), overdue=False)]
    with_due = build_agenda(inputs.model_copy(update={"drills_due": due}), today)
    assert [d.unit for d in with_due.compliance_overdue] == ["qy-ha"]
    assert agenda_text("en", with_due).splitlines()[-1] == "4. Drill compliance: 1 unit(s) overdue of 2"
