"""Prefect tells the story too: a drill's flow-run log, read back from the real Prefect API, says what the timeline
says — groups with their unit counts, who acknowledged (by name, with the ETA), dispatch, requisitions — in Chinese by
default and in English with lang en; the run's artifacts link the incident's board."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models.db import session_scope
from models.dispatch import RequisitionStatus
from models.events import Event, UpwardReported
from models.incident import Incident
from models.notification import Notification
from models.playbook import load_playbooks
from models.settings import get_settings
from tasks.response.phases.story import late_line
from tasks.run_log import LOG, log_events, record, say
from tasks.web.board_links import board_key, board_url
from tests import respond_support
from tests.respond_support import run_drill
from tests.run_log_support import link_artifacts, logged, requisitions, run_logs
from tests.test_respond_flow import wait_for

INCIDENT = {"enterprise": "qy-jh", "description": "演练：焦炉煤气管道爆炸"}  # level III: cranes only holders have
PLAN = load_playbooks(get_settings().playbooks_dir).resolve("explosion", "III")
SERVE = "http://127.0.0.1:9/plk"  # where `parklink serve` would be: the board's base URL (nothing listens)


def acknowledgements(engine, incident_id: str) -> list[Notification]:
    """The first-wave messages of group activations that their person acknowledged, with an ETA."""
    with session_scope(engine) as session:
        rows = session.exec(select(Notification).where(Notification.context_id == incident_id,
                                                       Notification.step == 0)).all()
    return [n for n in rows if n.message_kind.startswith("activate-") and n.acked_at and n.ack_eta_min is not None]


def drill(engine, monkeypatch, incident_id: str, lang: str) -> tuple[object, list[str]]:
    """A drill of explosion III with `parklink serve`'s base URL configured; its result and its run's log."""
    monkeypatch.setattr(respond_support, "DRILL_VARS", tuple(v for v in respond_support.DRILL_VARS
                                                             if v != "ACK_BASE_URL"))
    monkeypatch.setenv("PARKLINK_ACK_BASE_URL", SERVE)
    done = asyncio.run(run_drill(engine, monkeypatch, "explosion", {**INCIDENT, "incident_id": incident_id},
                                 level="III", seed=3, options={"lang": lang}))
    assert done.state.is_completed(), done.state.message
    last = "评估报告" if lang == "zh-CN" else "After-action assessment"
    asyncio.run(wait_for(lambda: logged(engine, incident_id, last)))  # the last line has reached the API
    return done.result, run_logs(done.result.flow_run_id)


@pytest.mark.prefect
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_run_log_tells_the_drill_in_chinese(prefect_api, cli, engine, monkeypatch):
    cli("init")
    incident_id = "INC-LOGS-0001"
    result, lines = drill(engine, monkeypatch, incident_id, "zh-CN")
    text = "\n".join(lines)

    for group in result.groups:
        plan = PLAN.group(group.key)
        assert f"第{plan.number}组 {plan.name_zh}：已通知 {len(group.units)} 个单位，{group.acknowledged} 个已确认" \
            in text, group.key
    acked = acknowledgements(engine, incident_id)
    assert acked, "seed 3 lets somebody answer"
    for n in acked:
        assert any(n.liaison_name in line and "已确认" in line and f"预计 {n.ack_eta_min} 分钟" in line
                   for line in lines), n.liaison_name
    assert any(line.startswith("物资调拨：") for line in lines)
    for a in result.allocations:
        assert f"调拨：{a.depot} → {a.need}，{a.quantity} × {a.resource_type}" in text
    reqs = requisitions(engine, incident_id)
    assert reqs and {r.status for r in reqs} != {RequisitionStatus.requested}, "a drill approves its own"
    assert f"{len(reqs)} 条征用无需指挥长批准，已自动批准" in text

    url = f"{SERVE}/board/incidents/{incident_id}"
    assert result.board_url == url and f"事件指挥看板：{url}" in lines
    [artifact] = link_artifacts(board_key(incident_id))
    assert artifact.data == f"[{incident_id} 指挥看板]({url})", "a link artifact: its text and the board's URL"
    assert str(artifact.flow_run_id) == result.flow_run_id


@pytest.mark.prefect
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_run_log_in_english(prefect_api, cli, engine, monkeypatch):
    cli("init")
    incident_id = "INC-LOGS-0002"
    result, lines = drill(engine, monkeypatch, incident_id, "en")
    text = "\n".join(lines)
    for group in result.groups:
        plan = PLAN.group(group.key)
        assert f"group {plan.number} {plan.name_en}: {len(group.units)} units notified" in text, group.key
    for n in acknowledgements(engine, incident_id):
        assert any(n.liaison_name in line and "acknowledged" in line and f"ETA {n.ack_eta_min} min." in line
                   for line in lines), n.liaison_name
    assert any(line.startswith("dispatch: ") for line in lines)
    assert not any("已确认" in line for line in lines)


def test_the_board_link_and_its_artifact_key():
    assert board_url("https://plk.example.test/", "INC-20261203-0001") == \
        "https://plk.example.test/board/incidents/INC-20261203-0001"
    assert board_url(None, "INC-1") is None
    assert board_key("INC-20261203-0001") == "board-inc-20261203-0001"
    assert board_key("INC_A.B") == "board-inc-a-b"


def test_the_run_log_outside_a_run_falls_back_to_the_module_logger(caplog):
    with caplog.at_level(logging.INFO, logger=LOG.name):
        say("第2组 抢险救援组：已通知 5 个单位")
        log_events([object()], "zh-CN")  # not an entry: dropped, never raised
    assert [r.getMessage() for r in caplog.records if r.name == LOG.name] == ["第2组 抢险救援组：已通知 5 个单位"]


def test_an_entry_is_told_once_when_it_is_written_not_when_a_retry_finds_it(engine, caplog):
    with session_scope(engine) as session:
        session.add(Incident(id="INC-LOGS-0009", playbook_id="explosion", playbook_hash="h", level="III",
                             latitude=36.15, longitude=112.27))
    entry = Event(key="INC-LOGS-0009:report:1", actor="ldzbgs", payload=UpwardReported(
        seq=1, recipients=["yjj", "xzf"], delivered=1, sent=2, on_time=True))
    with caplog.at_level(logging.INFO, logger=LOG.name):
        for _ in range(2):  # the task retried: the second call finds the entry and says nothing
            with session_scope(engine) as session:
                [recorded] = record(session, incident="INC-LOGS-0009", lang="en", events=[entry])
    told = [r.getMessage() for r in caplog.records if r.name == LOG.name]
    assert told == ["first report sent upward (yjj, xzf), 1/2 delivered"] == [recorded.text("en")]


def test_a_late_upward_report_is_said_late_in_shanghai_time_and_one_on_time_is_not():
    due = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    assert late_line("zh-CN", 2, due, due + timedelta(minutes=3)) == \
        "第 2 次上报超时：应于 2026-12-03 10:00:00 报送，实际 2026-12-03 10:03:00"
    assert late_line("en", 1, due, due) is None and late_line("en", 1, due, None) is None
