"""`parklink init` loads the sample park once; the sample park holds what the source document names."""

from __future__ import annotations

import json
import re

from models.safe_yaml import load_yaml_file
from tests.conftest import REPO

COUNTY_UNITS = ("县委宣传部、应急局、工信局、发改局、公安局、民政局、财政局、自然资源局、住建局、交通运输局、农业农村局、"
                "水利局、卫健体局、生态环境局、文旅局、信访局、气象局、防震减灾服务中心、消防救援大队、移动公司、联通公司、"
                "电信公司、地电安泽分公司").split("、")
SOURCE = REPO.parent / "shared" / "reference" / "linkage-mechanism-plan.zh.txt"


def test_county_unit_list_matches_the_source_document():
    assert len(COUNTY_UNITS) == 23
    if SOURCE.exists():  # the copy of shared/ beside the clone; the list above is transcribed from it
        text = re.sub(r"\s+", "", SOURCE.read_text(encoding="utf-8"))
        listed = text.split("包括", 1)[1].split("。", 1)[0]
        assert listed.split("、") == COUNTY_UNITS


def test_init_loads_the_sample_park_and_a_second_run_changes_nothing(cli):
    first = cli("init", "--json")
    assert first.exit_code == 0, first.stderr
    loaded = json.loads(first.stdout)["loaded"]
    assert len(loaded["added"]) > 100 and loaded["changed"] == [] and loaded["deactivated"] == []

    second = json.loads(cli("init", "--json").stdout)["loaded"]
    assert second["added"] == [] and second["changed"] == [] and second["deactivated"] == []
    assert second["unchanged"] == len(loaded["added"])


def test_sample_park_contents(cli):
    cli("init")
    units = json.loads(cli("directory", "list", "--json").stdout)
    names = {u["name_zh"] for u in units}
    assert set(COUNTY_UNITS) <= names
    for body in ("园区派出所", "疾控中心", "医疗集团", "畜牧中心", "人防", "市场监督管理", "园区应急指挥中心", "金融"):
        assert any(body in n for n in names), body
    assert {u["kind"] for u in units} >= {"leading_group", "office", "enterprise", "fire", "police", "medical"}
    assert sum(u["kind"] == "enterprise" for u in units) >= 8
    assert {"code", "name_zh", "kind"} <= set(units[0])

    liaisons = json.loads(cli("directory", "list", "--liaisons", "--json").stdout)
    roles: dict[str, list[str]] = {}
    for li in liaisons:
        roles.setdefault(li["unit"], []).append(li["role"])
        assert li["phone"].startswith("+447700900"), "sample phones stay in the range reserved for fiction"
    assert set(roles) == {u["code"] for u in units}
    assert all(sorted(set(r) - {"duty_staff"}) == ["deputy", "head", "primary"] for r in roles.values())
    rostered = {u["code"] for u in units if u["kind"] in ("enterprise", "office")}
    assert {u for u, r in roles.items() if "duty_staff" in r} == rostered, "duty staff for the office and enterprises"
    who = json.loads(cli("duty", "who", "--at", "2026-10-01T12:00", "--json").stdout)
    assert {w["unit"] for w in who} == rostered and len(who) == 2 * len(rostered), "both roles on duty everywhere"

    depots = json.loads(cli("inventory", "depots", "--json").stdout)
    assert len(depots) >= 8 and {d["kind"] for d in depots} == {"government_reserve", "enterprise_reserve", "requisitionable"}
    types = json.loads(cli("inventory", "types", "--json").stdout)
    assert len(types) >= 25 and all(re.fullmatch(r"[1-3]\d{6}", t["code"]) for t in types)
    stock = json.loads(cli("inventory", "list", "--json").stdout)
    assert {"depot", "resource_type", "quantity", "reserved", "latitude", "longitude"} <= set(stock[0])
    assert {s["resource_type"] for s in stock} == {t["code"] for t in types}, "every type is stocked somewhere"


def test_sample_files_say_they_are_sample_data():
    for name in ("directory.yaml", "inventory.yaml"):
        path = REPO / "data" / "sample-park" / name
        assert "SAMPLE DATA" in path.read_text(encoding="utf-8").splitlines()[0]
        assert load_yaml_file(path)["sample"] is True


def test_summary_in_english(cli):
    cli("init")
    out = cli("--lang", "en", "summary")
    assert out.exit_code == 0 and "liaisons" in out.stdout and "170" in out.stdout
    zh = cli("summary")
    assert "联络员" in zh.stdout


def test_inventory_filters_refuse_unknown_codes(cli):
    cli("init")
    out = cli("inventory", "list", "--type", "9999999")
    assert out.exit_code == 2 and out.stderr.startswith("Error: --type `9999999`") and "Traceback" not in out.stderr
    one = json.loads(cli("inventory", "list", "--depot", "dp-xfz", "--json").stdout)
    assert one and {s["depot"] for s in one} == {"dp-xfz"}
