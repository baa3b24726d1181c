"""Corrective actions (issue 14 item 1): the store and `parklink actions` on SQLite and PostgreSQL — list and its
filters, confirm, done with a text or a file as evidence, drop, add; every refused input one line, exit 2, nothing
written."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from models.action import ActionSource, ActionState, CorrectiveAction
from models.action_store import (
    add_action,
    complete_action,
    get_action,
    list_actions,
    mark_overdue,
    propose_action,
)
from models.db import session_scope
from models.directory import Unit, UnitKind
from models.errors import InputError, NotFound
from models.types import park_today
from tests.conftest import one_error_line

TODAY = park_today()


def rows(engine) -> list[CorrectiveAction]:
    with session_scope(engine) as session:
        return list(session.exec(select(CorrectiveAction).order_by(CorrectiveAction.id)).all())


UNITS = {"ldzbgs": ("领导组办公室", UnitKind.office), "xfjydd": ("消防救援大队", UnitKind.fire),
         "fgj": ("发改局", UnitKind.county_department), "yqpcs": ("园区派出所", UnitKind.police)}


@pytest.fixture
def park(cli, engine):
    """A few units of the sample park, and three actions: proposed (a drill's KPI), open, and open past its due
    day."""
    with session_scope(engine) as session:
        session.add_all([Unit(code=code, name_zh=name, kind=kind) for code, (name, kind) in UNITS.items()])
    with session_scope(engine) as session:
        proposed = propose_action(session=session, key="INC-D-1:kpi:all_groups_ack_min", source=ActionSource.drill,
                                  source_id="INC-D-1", text="全部工作组确认用时未达标", owner="xfjydd",
                                  due=TODAY + timedelta(days=30), kpi="all_groups_ack_min")
        live = add_action(session=session, key="MTG-1:r1", source=ActionSource.meeting, source_id="MTG-1",
                          text="修订联络员名录", owner="ldzbgs", due=TODAY + timedelta(days=7))
        late = add_action(session=session, key="INC-2:kpi:first_report_min", source=ActionSource.incident,
                          source_id="INC-2", text="首报超时", owner="ldzbgs", due=TODAY - timedelta(days=2))
        return {"proposed": proposed.id, "open": live.id, "late": late.id}


def listed(cli, *args: str) -> list[str]:
    out = cli("actions", "list", *args, "--json")
    assert out.exit_code == 0, out.stderr
    return [a["id"] for a in json.loads(out.stdout)]


def test_the_store_writes_one_action_per_finding_and_refuses_an_unknown_owner(park, engine):
    with session_scope(engine) as session:
        again = propose_action(session=session, key="INC-D-1:kpi:all_groups_ack_min", source=ActionSource.drill,
                               source_id="INC-D-1", text="another text", owner="ldzbgs", due=TODAY, kpi="x")
        assert (again.id, again.text, again.owner) == (park["proposed"], "全部工作组确认用时未达标", "xfjydd")
        with pytest.raises(NotFound, match="unit `xfjyd` not found; did you mean `xfjydd`"):
            add_action(session=session, key="k", source=ActionSource.meeting, source_id="M", text="t", owner="xfjyd",
                       due=TODAY)
    assert len(rows(engine)) == 3
    with session_scope(engine) as session:
        assert [r.id for r in mark_overdue(session=session, today=TODAY)] == [park["late"]]
        assert mark_overdue(session=session, today=TODAY) == []
        assert get_action(session=session, action_id=park["late"]).state is ActionState.overdue
        assert [r.id for r in list_actions(session=session, overdue_on=TODAY)] == [park["late"]]
        complete_action(session=session, action_id=park["open"], evidence="done")
        with pytest.raises(InputError, match="already done"):
            complete_action(session=session, action_id=park["open"], evidence="again")


def test_list_filters_by_source_owner_state_and_overdue(park, cli):
    assert listed(cli) == [park["late"], park["open"], park["proposed"]]  # by due day
    assert listed(cli, "--overdue") == [park["late"]]
    assert listed(cli, "--source", "drill") == [park["proposed"]]
    assert listed(cli, "--owner", "ldzbgs") == [park["late"], park["open"]]
    assert listed(cli, "--state", "overdue") == [park["late"]], "open past its due day reads overdue"
    assert listed(cli, "--state", "open") == [park["open"]]
    assert listed(cli, "--owner", "ldzbgs", "--source", "meeting") == [park["open"]]
    (late,) = json.loads(cli("actions", "list", "--overdue", "--json").stdout)
    assert {k: late[k] for k in ("id", "source", "source_id", "owner", "due", "state", "kpi", "evidence")} == {
        "id": park["late"], "source": "incident", "source_id": "INC-2", "owner": "ldzbgs",
        "due": (TODAY - timedelta(days=2)).isoformat(), "state": "overdue", "kpi": None, "evidence": None}
    table = cli("actions", "list")
    assert table.exit_code == 0 and "整改措施（3 项）" in table.stdout and "已逾期" in table.stdout
    english = cli("--lang", "en", "actions", "list", "--state", "proposed")
    assert "corrective actions (1)" in english.stdout and "proposed" in english.stdout


def test_confirm_opens_a_proposed_action_with_another_owner_and_due_day(park, cli, engine):
    due = (TODAY + timedelta(days=10)).isoformat()
    out = cli("actions", "confirm", park["proposed"], "--owner", "fgj", "--due", due)
    assert out.exit_code == 0, out.stderr
    shown = json.loads(cli("actions", "show", park["proposed"], "--json").stdout)
    assert (shown["state"], shown["owner"], shown["due"]) == ("open", "fgj", due) and shown["confirmed_at"]
    assert shown["messages"] == []
    line = one_error_line(cli("actions", "confirm", park["proposed"]))
    assert line == f"Error: action {park['proposed']} is open, not proposed: only a proposed action is confirmed"


def test_done_keeps_the_evidence_text_or_the_file_it_names(park, cli, engine, tmp_path):
    report = tmp_path / "整改报告.txt"
    report.write_text("已修订联络员名录，见附件。\n第二行\n", encoding="utf-8")
    assert cli("actions", "done", park["open"], "--evidence", str(report)).exit_code == 0
    assert cli("actions", "done", park["late"], "--evidence", "首报流程已修订").exit_code == 0
    done = {a["id"]: a for a in json.loads(cli("actions", "list", "--state", "done", "--json").stdout)}
    assert done[park["open"]]["evidence"] == "已修订联络员名录，见附件。\n第二行\n"
    assert done[park["late"]]["evidence"] == "首报流程已修订" and done[park["late"]]["closed_at"]
    human = cli("actions", "show", park["open"])
    assert "已完成" in human.stdout and "已修订联络员名录" in human.stdout


def test_drop_closes_with_the_reason(park, cli):
    assert cli("--lang", "en", "actions", "drop", park["proposed"], "--why", "covered by MTG-1").exit_code == 0
    shown = json.loads(cli("actions", "show", park["proposed"], "--json").stdout)
    assert shown["state"] == "dropped" and shown["why_dropped"] == "covered by MTG-1" and shown["closed_at"]
    assert listed(cli, "--state", "proposed") == []


def test_add_opens_an_operators_own_action_at_once(park, cli):
    due = (TODAY + timedelta(days=14)).isoformat()
    args = ("actions", "add", "--source", "warning", "--source-id", "WRN-20261202-0001", "--owner", "yqpcs",
            "--due", due, "--text", "补充警戒器材", "--json")
    first, second = json.loads(cli(*args).stdout), json.loads(cli(*args).stdout)
    assert first["id"] != second["id"], "an operator's own action is never merged with another"
    assert (first["state"], first["owner"], first["due"], first["source"]) == ("open", "yqpcs", due, "warning")
    assert first["confirmed_at"] and listed(cli, "--source", "warning") == sorted([first["id"], second["id"]])


@pytest.mark.parametrize("args, line", [
    (["show", "ACT-20990101-0001"], "action `ACT-20990101-0001` not found; see `parklink actions list`"),
    (["confirm", "ACT-20990101-0001"], "action `ACT-20990101-0001` not found"),
    (["done", "ACT-20990101-0001", "--evidence", "x"], "action `ACT-20990101-0001` not found"),
    (["drop", "ACT-20990101-0001", "--why", "x"], "action `ACT-20990101-0001` not found"),
    (["confirm", "{proposed}", "--owner", "xfjyd"], "unit `xfjyd` not found; did you mean `xfjydd`"),
    (["confirm", "{proposed}", "--due", "2026-02-30"], "--due `2026-02-30`: not a day; write YYYY-MM-DD"),
    (["confirm", "{proposed}", "--due", "2020-01-01"], "--due 2020-01-01: the day has passed"),
    (["confirm", "{open}"], "is open, not proposed"),
    (["list", "--owner", "nobody"], "unit `nobody` not found"),
    (["list", "--state", "late"], "Invalid value for '--state'"),
    (["add", "--source", "drill", "--source-id", "X", "--owner", "nobody", "--due", "2099-01-01", "--text", "t"],
     "unit `nobody` not found"),
    (["add", "--source", "drill", "--source-id", "X", "--owner", "fgj", "--due", "next week", "--text", "t"],
     "--due `next week`: not a day"),
    (["add", "--source", "drill", "--source-id", "X", "--owner", "fgj", "--due", "2099-01-01", "--text", " "],
     "--text and --source-id must say something"),
    (["add", "--source", "audit", "--source-id", "X", "--owner", "fgj", "--due", "2099-01-01", "--text", "t"],
     "Invalid value for '--source'"),
    (["done", "{open}", "--evidence", " "], "--evidence is empty"),
    (["done", "{open}", "--evidence", "{big}"], "over the 65,536 bytes limit"),
    (["done", "{open}", "--evidence", "{folder}"], "is a directory, not a regular file"),
    (["done", "{open}", "--evidence", "{binary}"], "not UTF-8 text"),
    (["drop", "{open}", "--why", ""], "--why is empty"),
    (["done", "{closed}", "--evidence", "again"], "is already done"),
    (["drop", "{closed}", "--why", "again"], "is already done"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(park, cli, engine, tmp_path, args, line):
    with session_scope(engine) as session:
        closed = add_action(session=session, key="closed", source=ActionSource.meeting, source_id="M", text="t",
                            owner="fgj", due=TODAY)
        complete_action(session=session, action_id=closed.id, evidence="ok")
    (tmp_path / "big.txt").write_text("x" * (64 * 1024 + 1), encoding="utf-8")
    (tmp_path / "binary.bin").write_bytes(b"\xff\xfe\x00photo")
    where = {**park, "closed": closed.id, "big": str(tmp_path / "big.txt"), "folder": str(tmp_path),
             "binary": str(tmp_path / "binary.bin")}
    before = [r.model_dump() for r in rows(engine)]
    out = cli("actions", *[a.format(**where) for a in args])
    assert line in one_error_line(out)
    assert [r.model_dump() for r in rows(engine)] == before, "nothing written"


def test_a_bad_action_setting_is_one_line_exit_1(cli, monkeypatch):
    monkeypatch.setenv("PARKLINK_ACTION_REMIND_DAYS", "7,soon")
    line = one_error_line(cli("actions", "list"), code=1)
    assert line == ("Error: setting PARKLINK_ACTION_REMIND_DAYS: Value error, `7,soon`: give whole days (0–365) "
                    "before the due day, comma-separated, e.g. 7,1; fix the environment variable")
