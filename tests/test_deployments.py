"""prefect.yaml: one deployment per shipped playbook, each pointing at the generic respond flow."""

from __future__ import annotations

import importlib

import pytest
import yaml

from models.settings import get_settings
from tasks.response.runtime import library
from tests.conftest import REPO


def test_one_deployment_per_playbook_on_the_respond_flow():
    spec = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    deployments = [d for d in spec["deployments"] if d["entrypoint"] == "flows/respond.py:respond"]
    ids = library(get_settings()).ids()
    assert sorted(d["parameters"]["playbook"] for d in deployments) == sorted(ids)
    assert {d["name"] for d in deployments} == set(ids)
    for d in deployments:
        path, name = d["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, name)
        assert flow.name == "respond" and d["work_pool"]["name"] == "parklink"
        assert set(d["parameters"]) <= set(flow.parameters.properties)



def test_a_deployment_may_be_scheduled_and_limited(tmp_path):
    from parklink.deploy import load_specs

    path = tmp_path / "prefect.yaml"
    path.write_text("deployments:\n  - name: reminders\n    entrypoint: flows/x.py:x\n    concurrency_limit: 1\n"
                    "    schedules:\n      - interval: 3600\n", encoding="utf-8")
    (spec,) = load_specs(path)
    assert spec.intervals_s == (3600.0,) and spec.concurrency_limit == 1


def test_the_liaison_check_is_deployed_weekly_and_before_each_important_holiday():
    from flows.liaison_check import liaison_check
    from parklink.deploy import CronSpec, load_specs

    spec = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    (d,) = [d for d in spec["deployments"] if d["name"] == "liaison-check"]
    assert d["entrypoint"] == "flows/liaison_check.py:liaison_check" and d["work_pool"]["name"] == "parklink"
    assert liaison_check.name == "liaison-check"
    weekly, holiday = d["schedules"]
    assert weekly == {"cron": "0 9 * * 1", "timezone": "Asia/Shanghai", "parameters": {"reason": "weekly"}}
    assert holiday["timezone"] == "Asia/Shanghai" and holiday["cron"].endswith("* * *")  # every day, due or not
    assert holiday["parameters"] == {"reason": "holiday", "only_before_holiday": True}
    for schedule in (weekly, holiday):
        assert set(schedule["parameters"]) <= set(liaison_check.parameters.properties)
    (loaded,) = [s for s in load_specs(REPO / "prefect.yaml") if s.name == "liaison-check"]
    assert loaded.crons == (CronSpec("0 9 * * 1", "Asia/Shanghai", (("reason", "weekly"),)),
                            CronSpec(holiday["cron"], "Asia/Shanghai",
                                     (("only_before_holiday", True), ("reason", "holiday"))))
    assert loaded.intervals_s == ()


def test_a_bad_cron_is_one_clear_error(tmp_path):
    from models.errors import InputError
    from parklink.deploy import load_specs

    path = tmp_path / "prefect.yaml"
    path.write_text("deployments:\n  - name: x\n    entrypoint: flows/x.py:x\n    schedules:\n"
                    "      - cron: 'every monday'\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a prefect.yaml with deployments"):
        load_specs(path)
