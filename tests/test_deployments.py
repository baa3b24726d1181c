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



def test_a_deployment_may_be_scheduled_and_limited(tmp_path):
    from parklink.deploy import load_specs

    path = tmp_path / "prefect.yaml"
    path.write_text("deployments:\n  - name: reminders\n    entrypoint: flows/x.py:x\n    concurrency_limit: 1\n"
                    "    schedules:\n      - interval: 3600\n", encoding="utf-8")
    (spec,) = load_specs(path)
    assert spec.intervals_s == (3600.0,) and spec.concurrency_limit == 1
