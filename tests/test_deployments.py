"""prefect.yaml: one deployment per shipped playbook, each pointing at the generic respond flow."""

from __future__ import annotations

import importlib

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


def test_the_watchdog_is_deployed_on_a_schedule_one_at_a_time():
    spec = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    (watchdog,) = [d for d in spec["deployments"] if d["name"] == "watchdog"]
    module = importlib.import_module("flows.watchdog")
    assert watchdog["entrypoint"] == "flows/watchdog.py:watchdog" and module.watchdog.name == "watchdog"
    assert watchdog["concurrency_limit"] == 1 and [s["interval"] for s in watchdog["schedules"]] == [30]
