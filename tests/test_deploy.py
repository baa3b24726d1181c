"""`parklink deploy` and `parklink worker` against a real Prefect server (the harness), read back through its client."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess

import pytest

from models.settings import get_settings
from parklink import deploy as deploying
from parklink import versions, worker, zombie
from tasks.response.runtime import library
from tests.conftest import REPO

SET_DIR = "prefect.deployments.steps.set_working_directory"
# besides one deployment per playbook
STANDING = ["liaison-check", "warning", "warning-feed", "joint-meeting", "action-reminders"]


def expected_version() -> str:
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                         check=True).stdout.strip()
    playbooks = library(get_settings())
    lines = "\n".join(f"{p}:{playbooks.playbook_hash(p)}" for p in sorted(playbooks.ids()))
    return f"{sha}-{hashlib.sha256(lines.encode()).hexdigest()[:12]}"


def test_the_playbook_set_hash_is_of_the_sorted_playbooks():
    assert versions.playbook_set_hash({"b": "2", "a": "1"}) == hashlib.sha256(b"a:1\nb:2").hexdigest()
    assert versions.playbook_set_hash({"a": "1", "b": "2"}) != versions.playbook_set_hash({"a": "1", "b": "3"})
    assert versions.deploy_version("abc1234", "f" * 64) == "abc1234-ffffffffffff"


def test_outside_a_checkout_the_commit_is_the_images_build_argument(tmp_path, monkeypatch):
    monkeypatch.delenv("PARKLINK_COMMIT", raising=False)
    assert versions.git_commit(tmp_path) == "nogit"
    monkeypatch.setenv("PARKLINK_COMMIT", "1a2b3c4")
    assert versions.git_commit(tmp_path) == "1a2b3c4"


@pytest.mark.parametrize("args, message", [
    (["--source", "git"], "--source git needs --repo-url"),
    (["--branch", "main"], "--repo-url and --branch go with --source git"),
    (["--zombie-after", "30"], "--zombie-after 30: at least 60 s"),
    (["--limit", "0"], "--limit 0"),
    (["--source", "svn"], "--source svn: choose local or git"),
])
def test_bad_options_are_refused_in_one_line(cli, args, message):
    out = cli("deploy", *args)
    assert out.exit_code == 2 and out.stderr.startswith(f"Error: {message}") and out.stderr.count("\n") == 1


def _read_back(api):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        pool = client.read_work_pool("parklink")
        deployments = {d.name: d for d in client.read_deployments() if d.work_pool_name == "parklink"}
        variable = client.read_variable_by_name(deploying.REPO_VARIABLE)
        automations = client.read_automations_by_name(zombie.NAME)
    return pool, deployments, variable, automations


@pytest.mark.prefect
def test_deploy_creates_the_pool_the_deployments_and_the_automation_then_changes_nothing(
        prefect_api, cli, monkeypatch, tmp_path):
    from prefect.deployments.steps.core import run_steps

    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    out = cli("deploy", "--limit", "3", "--zombie-after", "90", "--json")
    assert out.exit_code == 0, out.stderr
    result = json.loads(out.stdout)
    version = expected_version()
    ids = library(get_settings()).ids()
    assert result["version"] == version and result["limit"] == 3 and result["missing"] == []
    assert sorted(a["deployment"] for a in result["deployments"]) == sorted([*ids, *STANDING])

    pool, deployments, variable, automations = _read_back(prefect_api)
    assert pool.type == "process" and pool.concurrency_limit == 3
    assert set(ids) <= set(deployments)
    for playbook in ids:
        d = deployments[playbook]
        assert d.version == version and d.parameters == {"playbook": playbook} and d.entrypoint == "flows/respond.py:respond"
        assert d.pull_steps == [{SET_DIR: {"directory": "{{ prefect.variables.parklink_repo }}"}}]
        assert d.job_variables["env"]["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] == "30"
    check = deployments["liaison-check"]  # the standing mechanism: on its schedules, without prompting
    assert check.entrypoint == "flows/liaison_check.py:liaison_check" and check.version == version
    schedules = sorted((s.schedule.cron, s.schedule.timezone, s.parameters, s.active) for s in check.schedules)
    assert schedules == [("0 10 * * *", "Asia/Shanghai", {"reason": "holiday", "only_before_holiday": True}, True),
                         ("0 9 * * 1", "Asia/Shanghai", {"reason": "weekly"}, True)]
    assert check.global_concurrency_limit.limit == 1
    assert variable.value == str(REPO)
    monkeypatch.chdir(tmp_path)  # the worker resolves the pull step at run time: it lands in this checkout
    assert asyncio.run(run_steps(deployments[ids[0]].pull_steps, print_function=lambda *_: None)) == {
        "directory": str(REPO)}
    monkeypatch.chdir(REPO)

    (automation,) = automations
    trigger = automation.trigger
    assert trigger.posture == "Proactive" and trigger.within.total_seconds() == 90
    assert trigger.after == {"prefect.flow-run.heartbeat"} and trigger.for_each == {"prefect.resource.id"}
    assert {"prefect.flow-run.heartbeat", "prefect.flow-run.Completed", "prefect.flow-run.Failed",
            "prefect.flow-run.Cancelled", "prefect.flow-run.Crashed"} <= trigger.expect
    watched = set(trigger.match_related.model_dump()["prefect.resource.id"])  # only ParkLink's deployments' runs
    assert watched == {f"prefect.deployment.{deployments[p].id}" for p in [*ids, *STANDING]}
    (action,) = automation.actions
    assert action.type == "change-flow-run-state" and action.state == "CRASHED"

    again = cli("--lang", "en", "deploy", "--limit", "3", "--zombie-after", "90")  # the table, the closing line
    assert again.exit_code == 0, again.stderr
    assert f"{len(ids) + len(STANDING)} deployments (0 changed) on pool parklink (limit 3, unchanged); automation " \
        "parklink-zombie-runs: crash after 90 s without a heartbeat (unchanged)" in " ".join(again.stdout.split())
    assert _read_back(prefect_api)[1]["fire"].updated == deployments["fire"].updated

    paused = cli("deploy", "--limit", "3", "--zombie-after", "90", "--pause-schedules", "--json")
    assert paused.exit_code == 0, paused.stderr
    changed = {a["deployment"] for a in json.loads(paused.stdout)["deployments"] if a["status"] != "unchanged"}
    assert changed == {"liaison-check", "warning-feed", "joint-meeting", "action-reminders"}, \
        "only the deployments with schedules change"
    check = _read_back(prefect_api)[1]["liaison-check"]
    assert len(check.schedules) == 2 and not any(s.active for s in check.schedules), "a test server fires nothing"

    git = cli("deploy", "--limit", "4", "--source", "git", "--repo-url", "https://git.example.org/parklink.git",
              "--branch", "deploy", "--json")
    assert git.exit_code == 0, git.stderr
    assert {a["status"] for a in json.loads(git.stdout)["deployments"]} == {"updated"}
    pool, deployments, _, automations = _read_back(prefect_api)
    assert pool.concurrency_limit == 4 and automations[0].trigger.within.total_seconds() == 60
    assert deployments["fire"].pull_steps == [{"prefect.deployments.steps.git_clone": {
        "repository": "https://git.example.org/parklink.git", "branch": "deploy"}}]


def test_worker_check_without_prefect_api_url_refuses_in_one_line(cli, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    out = cli("--lang", "en", "worker", "--check")
    errors = [line for line in out.stderr.splitlines() if line.startswith("Error:")]
    assert out.exit_code == 2 and errors == [
        "Error: PREFECT_API_URL is not set: a worker takes its runs from the shared Prefect server; "
        "export PREFECT_API_URL=http://<server>:4200/api"]


@pytest.mark.prefect
def test_worker_checks_then_becomes_prefect_worker_with_parklink_environment(prefect_api, cli, db_url, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    for name in ("PARKLINK_ACK_BASE_URL", "PARKLINK_ACK_SECRET", "PARKLINK_ACK_SECRET_BLOCK",
                 "PREFECT_WORKER_QUERY_SECONDS", "PREFECT_FLOWS_HEARTBEAT_FREQUENCY"):
        monkeypatch.delenv(name, raising=False)
    out = cli("--lang", "en", "worker", "--check")
    assert out.exit_code == 0, out.stderr
    assert f"ok: Prefect API {prefect_api} answers" in out.stdout
    warnings = [line for line in out.stderr.splitlines() if line.startswith("Warning:")]
    if db_url.startswith("sqlite"):
        assert warnings.pop(0).startswith("Warning: PARKLINK_DATABASE_URL is SQLite: other machines cannot share it")
    else:
        assert "ok: database postgresql" in out.stdout
    assert warnings[0].endswith("is missing: live runs will be refused here; drills still work")

    monkeypatch.setenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "10")
    bad = cli("--lang", "en", "worker", "--check")
    assert bad.exit_code == 2 and "Error: PREFECT_FLOWS_HEARTBEAT_FREQUENCY=10: Prefect needs a whole number of " \
        "at least 30 seconds" in bad.stderr
    monkeypatch.delenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY")

    started = {}
    monkeypatch.setattr(worker.os, "execve", lambda path, argv, env: started.update(argv=argv, env=env))
    assert cli("worker", "--limit", "2", "--name", "w1", "--watch-every", "0").exit_code == 0
    assert started["argv"][1:] == ["-m", "prefect", "worker", "start", "--pool", "parklink", "--type", "process",
                                   "--limit", "2", "--name", "w1"]
    env = started["env"]
    assert env["PREFECT_WORKER_QUERY_SECONDS"] == "2" and env["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] == "30"
    assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false" and env["PREFECT_API_URL"] == prefect_api
