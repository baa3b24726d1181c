"""What an enterprise's report launches (issue 13 item 5): the playbooks' `auto_launch`, `parklink reports …`, an
incident report launched as a drill response, a warning report handed to `parklink.warn_launch.launch_warning`.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models.db import session_scope
from models.incident import Incident
from models.intake import EnterpriseReport, LaunchedBy, ReportKind, ReportState
from models.intake_store import add_report
from models.playbook import PlaybookInvalid
from models.playbook.library import load_playbook_text
from models.warning import WarningRecord
from models.warning_kinds import WarningSource
from tests.conftest import REPO
from tests.notify_fixtures import fast_settings, gateway
from tests.test_intake_api import body, issue_key, post, wait_notified

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
HAZMAT = (REPO / "playbooks" / "hazmat-leak.yaml").read_text(encoding="utf-8")


def plans(extra: str) -> dict:
    return load_playbook_text(HAZMAT + extra, name="hazmat-leak.yaml", parents_dir=REPO / "playbooks")


def issues(extra: str) -> list[str]:
    with pytest.raises(PlaybookInvalid) as info:
        plans(extra)
    return [str(i) for i in info.value.issues]


def test_auto_launch_defaults_to_waiting_and_is_read_per_type():
    shipped = load_playbook_text(HAZMAT, name="hazmat-leak.yaml", parents_dir=REPO / "playbooks")
    assert all(p.auto_launch.warning == [] and p.auto_launch.response == [] for p in shipped.values())
    said = plans("auto_launch: {warning: [orange, red], response: [I, II]}\n")
    assert {lvl: (p.auto_launch.warning, p.auto_launch.response) for lvl, p in said.items()} == {
        lvl: (["orange", "red"], ["I", "II"]) for lvl in ("IV", "III", "II", "I")}


def test_auto_launch_validation_names_every_bad_entry():
    line = HAZMAT.count("\n") + 1
    assert issues("auto_launch: {warning: [purple, red], response: [V, single], extra: 1}\n") == [
        f"hazmat-leak.yaml:{line}:15: auto_launch.warning[0]: `purple` is not allowed; choose 'blue', 'yellow', "
        "'orange' or 'red'",
        f"hazmat-leak.yaml:{line}:39: auto_launch.response[0]: `V` is not allowed; choose 'IV', 'III', 'II', 'I' or "
        "'single'",
        f"hazmat-leak.yaml:{line}:62: auto_launch.extra: unknown field `extra` (valid: response, warning)"]
    assert issues("auto_launch: {response: [single]}\n") == [
        f"hazmat-leak.yaml:{line}:1: auto_launch.response.0: level `single` does not belong to a statutory playbook "
        "(levels: IV, III, II, I)"]
    twice = issues("auto_launch: {warning: [red, red]}\n")
    assert len(twice) == 1 and "listed twice: red" in twice[0]
    nested = HAZMAT.replace("levels:\n  IV:\n", "levels:\n  IV:\n    auto_launch: {warning: [red]}\n", 1)
    with pytest.raises(PlaybookInvalid) as info:
        load_playbook_text(nested, name="hazmat-leak.yaml", parents_dir=REPO / "playbooks")
    assert any("levels.IV.auto_launch: unknown field" in str(i) for i in info.value.issues)


def new_report(engine, *, colour: str | None = None, enterprise: str = "qy-ha", **kw) -> str:
    row = EnterpriseReport(id="", enterprise=enterprise, playbook=kw.pop("playbook", "hazmat-leak"),
                           kind=ReportKind.warning if colour else ReportKind.report, colour=colour,
                           occurred_at=datetime.now(UTC) - timedelta(minutes=3), latitude=37.92, longitude=112.55,
                           description="储罐区氨泄漏", **kw)
    with session_scope(engine) as session:
        return add_report(session=session, report=row).id


def stored(engine, report_id: str) -> EnterpriseReport:
    with session_scope(engine) as session:
        return session.get(EnterpriseReport, report_id)


def test_reports_list_show_and_dismiss(cli, engine):
    assert cli("init").exit_code == 0
    first, second = new_report(engine, injured=2), new_report(engine, colour="yellow")
    assert first.endswith("-0001") and second.endswith("-0002")
    listed = json.loads(cli("reports", "list", "--json").stdout)
    assert [r["id"] for r in listed] == [second, first] and listed[0]["kind"] == "warning"
    table = cli("reports", "list")
    assert table.exit_code == 0 and "企业报送" in table.stdout and "已接收" in table.stdout
    shown = cli("reports", "show", first)
    assert shown.exit_code == 0 and f"报告 {first}，报送单位 qy-ha" in shown.stdout and "重伤 2 人" in shown.stdout
    assert "储罐区氨泄漏" in shown.stdout and "状态：已接收" in shown.stdout and "办公室通知：尚未" in shown.stdout
    assert json.loads(cli("reports", "show", first, "--json").stdout)["injured"] == 2
    assert cli("reports", "dismiss", first).exit_code == 2  # --why is required
    assert cli("reports", "dismiss", first, "--why", "企业误报，已电话核实").exit_code == 0
    row = stored(engine, first)
    assert (row.state, row.dismissed_why) == (ReportState.dismissed, "企业误报，已电话核实")
    again = cli("reports", "launch", first, "--drill")
    assert again.exit_code == 2 and "already dismissed" in again.stderr
    missing = cli("reports", "show", "RPT-20000101-0001")
    assert missing.exit_code == 1 and "no report `RPT-20000101-0001`" in missing.stderr


@pytest.mark.prefect
@SQLITE_ONLY
def test_a_warning_report_launches_the_warn_flow(prefect_api, cli, engine, monkeypatch):
    assert cli("init").exit_code == 0
    monkeypatch.setenv("PARKLINK_ACK_POLL_S", "0.05")
    monkeypatch.setenv("PARKLINK_DRILL_TIME_SCALE", "240")
    report_id = new_report(engine, colour="orange")
    refused = cli("reports", "launch", report_id)  # live, with no channel to reach anyone: refused, kept received
    assert refused.exit_code == 2 and "PARKLINK_ACK_BASE_URL" in refused.stderr
    assert stored(engine, report_id).state is ReportState.received and stored(engine, report_id).launch_error
    done = cli("reports", "launch", report_id, "--drill", "--json")
    assert done.exit_code in (0, 3), done.stderr
    data = json.loads(done.stdout)
    assert data["report"] == report_id and data["colour"] == "orange" and data["state"] == "lifted"
    with session_scope(engine) as session:
        warning = session.get(WarningRecord, data["warning"])
        assert (warning.source, warning.source_ref, warning.enterprise, warning.drill) == (
            WarningSource.enterprise, report_id, "qy-ha", True)
    row = stored(engine, report_id)
    assert (row.state, row.warning_id, row.launched_by) == (ReportState.launched, data["warning"],
                                                            LaunchedBy.operator)
    assert cli("reports", "launch", report_id).exit_code == 2  # launched once


@SQLITE_ONLY
def test_auto_launch_hands_the_report_to_the_launcher_and_says_so(cli, engine, tmp_path):
    assert cli("init").exit_code == 0
    books = tmp_path / "playbooks"
    shutil.copytree(REPO / "playbooks", books)
    target = books / "hazmat-leak.yaml"
    target.write_text(target.read_text(encoding="utf-8") + "auto_launch: {warning: [red], response: [IV]}\n",
                      encoding="utf-8")
    key = issue_key(cli)
    launched: list = []
    with gateway() as (gw, gw_url):
        settings = fast_settings(drill_base_url=gw_url, playbooks_dir=books)
        from tasks.web.ack_app import create_app
        from tasks.web.serving import serve_in_thread

        app = create_app(engine, settings, on_report=lambda rid, decision: launched.append((rid, decision)))
        with serve_in_thread(app, name="intake") as url:
            incident = post(url, key, body()).json()["report_id"]
            yellow = post(url, key, body(colour="yellow")).json()["report_id"]
            red = post(url, key, body(colour="red")).json()["report_id"]
            for rid in (incident, yellow, red):
                wait_notified(engine, rid)
            deadline = time.monotonic() + 10
            while len(launched) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
        texts = {m["key"].split(":")[1]: m["text"] for m in gw.messages}
    assert sorted(rid for rid, _ in launched) == sorted([incident, red])
    assert {rid: (d.auto, d.level) for rid, d in launched} == {incident: (True, "IV"), red: (True, None)}
    assert "已按预案自动启动" in texts[incident] and "已按预案自动启动" in texts[red]
    assert f"parklink reports launch {yellow}" in texts[yellow]


@pytest.mark.prefect
@SQLITE_ONLY
def test_reports_launch_starts_a_drill_response_linked_both_ways(prefect_api, cli, engine, monkeypatch):
    assert cli("init").exit_code == 0
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    monkeypatch.setenv("PARKLINK_ACK_POLL_S", "0.05")
    monkeypatch.setenv("PARKLINK_DRILL_TIME_SCALE", "300")
    for name in ("DRILL_BASE_URL", "ACK_BASE_URL", "ACK_SECRET", "WEBHOOK_SECRET", "DINGTALK_SECRET", "FEISHU_SECRET"):
        monkeypatch.setenv(f"PARKLINK_{name}", "")
        monkeypatch.delenv(f"PARKLINK_{name}")
    report_id = new_report(engine, chemical="UN1005", injured=1)
    done = cli("reports", "launch", report_id, "--level", "III", "--drill", "--json")
    assert done.exit_code in (0, 3), done.stderr[-2000:]
    out = json.loads(done.stdout)
    incident_id = f"INC-{report_id}"
    assert (out["report"], out["incident"], out["level"], out["state"]) == (report_id, incident_id, "III", "COMPLETED")
    row = stored(engine, report_id)
    assert (row.state, row.incident_id, row.launched_by) == (ReportState.launched, incident_id, LaunchedBy.operator)
    assert row.flow_run_id == out["flow_run_id"]
    with session_scope(engine) as session:
        incident = session.get(Incident, incident_id)
    assert incident is not None and incident.drill and incident.playbook_id == "hazmat-leak"
    assert report_id in incident.description
    assert cli("reports", "launch", report_id, "--drill").exit_code == 2


def test_the_service_launcher_hands_warnings_on_and_records_why_a_response_could_not_start(cli, engine, monkeypatch):
    from parklink.report_launch import auto_launcher
    from tasks.intake.decide import Decision

    assert cli("init").exit_code == 0
    launch = auto_launcher(engine, fast_settings())
    red = new_report(engine, colour="red")
    launch(red, Decision(True))  # automatic launches are live: no channel can reach anyone here, so it is refused
    row = stored(engine, red)
    assert row.state is ReportState.received and row.warning_id is None and "PARKLINK_ACK_BASE_URL" in row.launch_error
    with session_scope(engine) as session:
        assert session.exec(select(WarningRecord)).all() == []  # nothing half-written
    incident = new_report(engine)
    launch(incident, Decision(True, "IV"))  # a live run where no channel is configured: refused before it starts
    row = stored(engine, incident)
    assert row.state is ReportState.received and row.incident_id is None and row.launch_error
