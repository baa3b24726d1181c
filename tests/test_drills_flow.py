"""Drills on the real Prefect engine: a drill response run of one enterprise is recorded against the units it
exercised, scored with the playbook's weights, reported to the county department beside the unit's previous
drills; `drills schedule` creates one Scheduled run of the playbook's deployment per planned drill, once."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import date, datetime

import pytest
from sqlmodel import select

from models.db import session_scope
from models.drill_frequency import add_months
from models.drill_record import DrillParticipation, DrillPlanEntry, DrillScore
from models.incident import AssessmentRecord
from models.notification import ContextKind, Notification
from models.playbook import load_playbooks
from models.settings import get_settings
from models.types import SHANGHAI
from tests.conftest import REPO
from tests.respond_support import run_drill

pytestmark = pytest.mark.prefect

LIBRARY = load_playbooks(get_settings().playbooks_dir)
INCIDENT = {"enterprise": "qy-ha", "description": "演练：合成氨装置区液氨管线法兰泄漏"}


def weighted_share(detail: list[dict]) -> float:
    total = sum(d["weight"] for d in detail if d["weight"] > 0)
    return round(sum(d["weight"] for d in detail if d["met"] and d["weight"] > 0) / total, 3)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_drill_run_is_recorded_scored_and_reported(prefect_api, cli, engine, monkeypatch, tmp_path):
    assert cli("init").exit_code == 0
    before = {d["unit"]: d for d in json.loads(cli("drills", "compliance", "--json").stdout)}
    assert before["qy-ha"]["overdue"] and before["qy-ha"]["last_drill"] is None

    first = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", INCIDENT, level="IV", seed=3, answer_rate=1.0))
    assert first.state.is_completed(), first.state.message
    incident = first.result.incident
    with session_scope(engine) as session:
        rows = session.exec(select(DrillParticipation).where(DrillParticipation.incident == incident)).all()
        notified = set(session.exec(select(Notification.unit).where(Notification.context_kind == ContextKind.incident,
                                                                    Notification.context_id == incident)).all())
        score = session.get(DrillScore, incident)
        kpis = session.exec(select(AssessmentRecord).where(AssessmentRecord.incident == incident)).first().kpis
    roles = {r.unit: r.role.value for r in rows}
    assert roles["qy-ha"] == "enterprise" and len(notified) > 5
    assert set(roles) == notified | {"qy-ha"} and all(roles[u] == "notified" for u in notified - {"qy-ha"})

    plan = LIBRARY.resolve("hazmat-leak", "IV")
    detail = {d["target"]: d for d in score.detail}
    assert set(detail) == set(plan.assessment_targets.model_dump())
    assert detail["all_groups_ack_min"]["weight"] == 2 and detail["command_post_min"]["weight"] == 1
    assert detail["command_post_min"]["met"] == (kpis["time_to_command_post_min"] <= 30)
    assert score.score == weighted_share(score.detail) and score.checks == 4
    assert score.met == sum(d["met"] for d in score.detail)

    today = datetime.now(SHANGHAI).date()
    after = {d["unit"]: d for d in json.loads(cli("drills", "compliance", "--json").stdout)}
    assert after["qy-ha"]["last_drill"] == today.isoformat() and not after["qy-ha"]["overdue"]
    assert after["qy-ha"]["next_due"] == add_months(today, 6).isoformat()
    assert after["qy-jc"]["overdue"], "an enterprise that did not drill is still overdue"
    assert all(not after[u]["overdue"] for u in notified), "every unit the drill exercised has drilled"

    second = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", INCIDENT, level="IV", seed=5, answer_rate=0.2))
    assert second.state.is_completed(), second.state.message
    history = json.loads(cli("drills", "history", "qy-ha", "--json").stdout)
    assert [h["incident"] for h in history] == [incident, second.result.incident]
    assert history[0]["score"] == score.score and all(h["role"] == "enterprise" for h in history)

    zh = cli("drills", "report", second.result.incident)
    assert zh.exit_code == 0, zh.stderr
    assert "应急演练情况报告" in zh.stdout and "示例合成氨尿素有限公司" in zh.stdout and "氨" in zh.stdout
    assert f"| {incident} |" in zh.stdout and f"{score.score * 100:.0f}%" in zh.stdout, "the previous drill's score"
    en = cli("drills", "report", second.result.incident, "--lang", "en")
    assert "Drill report" in en.stdout and "Sample Ammonia and Urea Co." in en.stdout and "previous drill" in en.stdout
    assert "drilling enterprise" in en.stdout and "all groups acknowledged" in en.stdout
    assert cli("--lang", "en", "drills", "report", second.result.incident).stdout == en.stdout
    written = cli("drills", "report", incident, "-o", str(tmp_path / "report.md"))
    assert written.exit_code == 0 and "示例合成氨尿素有限公司" in (tmp_path / "report.md").read_text(encoding="utf-8")


async def deploy_respond(ids: list[str]) -> None:
    """The respond flow's deployments, as `parklink deploy` makes them (without a work pool: nothing runs them)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    from flows.respond import respond

    async with get_client() as client:
        flow_id = await client.create_flow(respond)
        for pid in ids:
            try:
                await client.read_deployment_by_name(f"respond/{pid}")
                continue  # `parklink deploy`'s own (tests/test_deploy.py), kept as it made it
            except ObjectNotFound:
                pass
            await client.create_deployment(flow_id=flow_id, name=pid, parameters={"playbook": pid},
                                           parameter_openapi_schema=respond.parameters.model_dump())


async def scheduled_runs() -> list:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        return [r for r in await client.read_flow_runs(limit=200) if r.deployment_id is not None]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_schedule_creates_each_planned_drill_once_on_the_server(prefect_api, cli, engine, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    monkeypatch.setattr("parklink.cli_drills.today", lambda: date(2026, 12, 1))  # the whole of 2027 ahead
    cli("init")
    asyncio.run(deploy_respond(LIBRARY.ids()))
    known = {r.id for r in asyncio.run(scheduled_runs())}
    out = cli("drills", "schedule", "--year", "2027", "--json")
    assert out.exit_code == 0, out.stderr
    rows = json.loads(out.stdout)["scheduled"]
    assert len(rows) == 51 and all(r["new"] for r in rows)
    runs = {str(r.id): r for r in asyncio.run(scheduled_runs()) if r.id not in known}
    assert set(runs) == {r["flow_run_id"] for r in rows}
    for row in rows:
        run = runs[row["flow_run_id"]]
        assert run.state.is_scheduled()
        when = run.expected_start_time.astimezone(SHANGHAI)
        assert (when.date().isoformat(), when.hour, when.minute) == (row["day"], 9, 30)
        assert run.parameters["drill"] is True and run.parameters["incident"]["incident_id"] == row["incident_id"]
        assert run.parameters["incident"]["enterprise"] == row["site"]
    again = json.loads(cli("drills", "schedule", "--year", "2027", "--json").stdout)["scheduled"]
    assert [r["flow_run_id"] for r in again] == [r["flow_run_id"] for r in rows] and not any(r["new"] for r in again)
    assert len([r for r in asyncio.run(scheduled_runs()) if r.id not in known]) == 51, "scheduling twice adds nothing"
    with session_scope(engine) as session:
        assert len(session.exec(select(DrillPlanEntry).where(DrillPlanEntry.flow_run_id.is_not(None))).all()) == 51


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_schedule_without_the_deployment_is_one_line_and_schedules_nothing(prefect_api, cli, engine, monkeypatch,
                                                                          tmp_path):
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    monkeypatch.setattr("parklink.cli_drills.today", lambda: date(2026, 12, 1))
    playbooks = tmp_path / "playbooks"
    shutil.copytree(REPO / "playbooks", playbooks)
    text = (playbooks / "fire.yaml").read_text(encoding="utf-8")
    (playbooks / "tank-fire.yaml").write_text(text.replace("id: fire\n", "id: tank-fire\n"), encoding="utf-8")
    monkeypatch.setenv("PARKLINK_PLAYBOOKS_DIR", str(playbooks))
    cli("init")
    directory = tmp_path / "directory.yaml"
    directory.write_text(cli("directory", "export").stdout.replace("risks: hazmat-leak,explosion", "risks: tank-fire"),
                         encoding="utf-8")
    assert cli("directory", "import", str(directory)).exit_code == 0
    known = {r.id for r in asyncio.run(scheduled_runs())}
    out = cli("drills", "schedule", "--year", "2027")
    assert out.exit_code == 2 and out.stderr == ("Error: no deployment `respond/tank-fire` on this Prefect server: run "
                                                 "`parklink deploy` first; nothing was scheduled\n")
    assert {r.id for r in asyncio.run(scheduled_runs())} == known
    with session_scope(engine) as session:
        assert session.exec(select(DrillPlanEntry)).all() == []
