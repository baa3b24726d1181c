"""A drill read the way a reviewer reads it (issue 10, items 12 and 13): the upward report signed by the office's
primary liaison, the assessment's timeline in time order naming units and people, and `parklink timeline` /
`parklink notifications` giving every entry and every message of the run."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlmodel import select

from models.db import session_scope
from models.incident import AssessmentRecord, UpwardReport
from tests.respond_support import records, run_drill

pytestmark = pytest.mark.prefect

INCIDENT = {"enterprise": "qy-ha", "injured": 2, "description": "演练：合成氨装置区管线泄漏 | <b>法兰</b>"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_drill_reads_with_names_in_time_order(prefect_api, cli, engine, monkeypatch):
    assert cli("init").exit_code == 0
    drill = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", INCIDENT, level="II", seed=3))
    assert drill.state.is_completed(), drill.state.message
    incident = drill.result.incident
    with session_scope(engine) as session:
        first = session.exec(select(UpwardReport).where(UpwardReport.incident == incident,
                                                        UpwardReport.seq == 1)).one()
        record = session.exec(select(AssessmentRecord).where(AssessmentRecord.incident == incident)).one()
    assert "**报告人**：徐思远（+447700900006）" in first.body, "signed by the office's primary liaison"
    assert "ParkLink" not in first.body and "<b>" not in first.body and "&#124;" in first.body
    assert "通知 领导组办公室" in first.body and "通知 ldzbgs" not in first.body, "measures name the units"

    timeline = record.markdown.split("## 六、处置时间线", 1)[1]
    times = [line.split("|")[1].strip() for line in timeline.splitlines() if line.startswith("| 20")]
    assert times and times == sorted(times), "the assessment's timeline is in time order"
    assert "领导组办公室" in timeline and "yjj/" not in timeline and "/" in timeline  # people as 单位/姓名

    out = cli("timeline", incident, "--json")
    assert out.exit_code == 0, out.stderr
    entries = json.loads(out.stdout)
    assert len(entries) == len(records(engine, incident)["events"])
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    messages = json.loads(cli("notifications", incident, "--json").stdout)
    assert len(messages) == len(records(engine, incident)["notifications"]) > 0
    assert {m["status"] for m in messages} <= {"acked", "delivered", "failed", "pending"}
