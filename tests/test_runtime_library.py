"""A run checks playbooks against the park's own directory, not the sample files: a real park's unit codes."""

from __future__ import annotations

import shutil

from models.db import session_scope
from models.directory import Liaison, Unit
from models.settings import get_settings
from tasks.response.runtime import library
from tests.conftest import REPO


def test_playbooks_are_checked_against_the_directory_in_the_database(cli, engine, tmp_path, monkeypatch):
    cli("init")
    folder = tmp_path / "playbooks"
    shutil.copytree(REPO / "playbooks", folder)
    common = folder / "_common.yaml"
    common.write_text(common.read_text(encoding="utf-8").replace("lead: yqpcs", "lead: zz-new-station"),
                      encoding="utf-8")
    monkeypatch.setenv("PARKLINK_PLAYBOOKS_DIR", str(folder))
    refused = cli("respond", "fire", "--enterprise", "qy-jh", "--drill")
    assert refused.exit_code == 2 and "do not validate" in refused.stderr

    with session_scope(engine) as session:  # the park's directory gains the unit the playbook names
        session.add(Unit(code="zz-new-station", name_zh="新设园区警务站", kind="police", parent="gaj"))
        session.flush()
        session.add(Liaison(unit="zz-new-station", name="新联络员", role="primary", phone="+447700900998"))
    plan = library(get_settings()).resolve("fire", "IV")
    assert plan.group("cordon").lead == "zz-new-station"
