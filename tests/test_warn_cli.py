"""`parklink warn` (issue 13 item 4): a drill from the command line with its JSON, every refused input as one line
with exit code 2 and nothing written, the change commands' checks, list and show, promotion to a response."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlmodel import select

from models.db import session_scope
from models.incident import Incident
from models.warning import WarningChange, WarningRecord
from models.warning_kinds import WarningState
from models.warning_store import get_warning
from tests.warn_support import messages, run_warning, until

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def warnings(engine) -> list[WarningRecord]:
    with session_scope(engine) as session:
        return list(session.exec(select(WarningRecord)).all())


@pytest.mark.prefect
@SQLITE
def test_a_drill_warning_from_the_command_line(prefect_api, cli, engine, monkeypatch):
    cli("init")
    monkeypatch.setenv("PARKLINK_ACK_POLL_S", "0.05")
    out = cli("warn", "--type", "natural-disaster", "--colour", "blue", "--at", "36.145,112.27", "--drill",
              "--time-scale", "240", "--answer-rate", "1", "--delay", "15-60", "--json")
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"warning", "colour", "state", "actions", "standby", "reserve_check", "flow_run_id"} <= set(data)
    assert data["colour"] == "blue" and data["state"] == "lifted" and data["flow_run_id"]
    assert [a["id"] for a in data["actions"]][:2] == ["gather-info", "duty-watch"]
    assert all({"id", "owner", "acknowledged"} <= set(a) and a["acknowledged"] for a in data["actions"])
    assert data["standby"]["notified"] == data["standby"]["acknowledged"] > 0
    assert all({"level", "resource_type", "quantity"} <= set(s) for s in data["reserve_check"]["shortfalls"])
    assert data["reached_everyone"] and data["unreached"] == []
    listed = json.loads(cli("warn", "list", "--json").stdout)
    assert [w["id"] for w in listed] == [data["warning"]]
    shown = json.loads(cli("warn", "show", data["warning"], "--json").stdout)
    assert shown["actions"] == data["actions"] and shown["log"][0]["kind"] == "warning_raised"
    assert shown["log"][-1]["kind"] == "warning_lifted"
    human = cli("warn", "show", data["warning"])
    assert "gather-info" in human.stdout and "预警解除" in human.stdout


@SQLITE
@pytest.mark.parametrize("args, line", [
    (["--type", "hazmat-leak"], "say which warning: --type PLAYBOOK --colour blue|yellow|orange|red"),
    (["--type", "flood", "--colour", "red"], "unknown playbook `flood`; choose from"),
    (["--type", "fire", "--colour", "red", "--at", "36.1"], "--at"),
    (["--type", "fire", "--colour", "red", "--expires", "2026-12-02T18:00"], "--expires `2026-12-02T18:00`: say the "
                                                                            "offset"),
    (["--type", "fire", "--colour", "red", "--expires", "tomorrow"], "not an ISO 8601 time"),
    (["--type", "fire", "--colour", "red", "--onset", "2026-12-02T18:00+08:00", "--expires", "2026-12-02T17:00+08:00"],
     "expires must be after onset"),
    (["--type", "fire", "--colour", "red", "--enterprise", "yjj"], "enterprise `yjj`: not a resident enterprise"),
    (["--type", "fire", "--colour", "purple"], "purple"),
    (["--type", "fire", "--colour", "red", "--hold"], "--hold goes with --drill"),
    (["--type", "fire", "--colour", "red"], "PARKLINK_ACK_BASE_URL"),  # live, but nobody could acknowledge
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(cli, engine, args, line):
    cli("init")
    out = cli("warn", *args)
    assert out.exit_code == 2, out
    assert line in out.stderr and len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert warnings(engine) == []


@SQLITE
def test_change_commands_check_the_colour_and_the_state(cli, engine):
    cli("init")
    from models.warning_kinds import WarningRequest
    from models.warning_store import create_warning, finish

    with session_scope(engine) as session:
        wid = create_warning(session=session, request=WarningRequest(playbook="fire", colour="yellow"), drill=True,
                             lang="zh-CN", time_scale=60).id
    assert "use `parklink warn lower`" in cli("warn", "raise", wid, "--colour", "blue").stderr
    assert "is yellow already" in cli("warn", "raise", wid, "--colour", "yellow").stderr
    assert cli("warn", "raise", wid, "--colour", "red").exit_code == 0
    assert "is red already" in cli("warn", "raise", wid, "--colour", "red").stderr  # the pending change counts
    assert cli("warn", "cancel", wid).exit_code == 0
    assert "being cancelled already" in cli("warn", "lower", wid, "--colour", "blue").stderr
    assert "not found" in cli("warn", "cancel", "WRN-20000101-0001").stderr
    with session_scope(engine) as session:
        assert [(c.kind.value, c.to_colour) for c in session.exec(select(WarningChange)).all()] == [
            ("raise", "red"), ("cancel", None)]
        finish(session=session, warning_id=wid, state=WarningState.lifted, reason="test")
    out = cli("warn", "raise", wid, "--colour", "red")
    assert out.exit_code == 2 and "is lifted; it can no longer change" in out.stderr


@pytest.mark.prefect
@SQLITE
def test_a_warning_promoted_to_a_response_is_linked_both_ways(prefect_api, cli, engine, monkeypatch):
    cli("init")
    promoted = {}

    async def during(warning_id):
        await until(lambda: any(r.group == "standby" and r.delivered_at for r in messages(engine, warning_id)))
        out = await asyncio.to_thread(cli, "warn", "promote", warning_id, "--level", "IV", "--injured", "1", "--json")
        promoted["out"] = out

    ran = asyncio.run(run_warning(engine, monkeypatch, {"playbook": "hazmat-leak", "colour": "orange",
                                                        "enterprise": "qy-ha", "text": "液氨储罐压力持续升高"},
                                  hold=True, during=during))
    out = promoted["out"]
    assert out.exit_code in (0, 3), out.stderr
    response = json.loads(out.stdout)
    assert ran.state.is_completed(), ran.state.message
    assert ran.result.state is WarningState.promoted and ran.result.incident == response["incident"]
    with session_scope(engine) as session:
        incident = session.get(Incident, response["incident"])
        warning = get_warning(session=session, warning_id=ran.result.warning)
        assert incident.drill and incident.enterprise == "qy-ha" and incident.playbook_id == "hazmat-leak"
        assert ran.result.warning in incident.description and "液氨储罐压力持续升高" in incident.description
        assert warning.incident_id == incident.id
    assert ran.result.standby.notified > 0  # what it had sent before the response took over stays on record
    assert not [r for r in messages(engine, ran.result.warning) if r.message_kind.startswith("release")]
    assert "warning_lifted" in [e["kind"] for e in json.loads(cli("warn", "show", ran.result.warning,
                                                                  "--json").stdout)["log"]]
    again = cli("warn", "promote", ran.result.warning)
    assert again.exit_code == 2 and "only an active warning can be promoted" in again.stderr
