"""The shipped playbooks, resolution and overlays, the content hash, the JSON Schema, templating."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from jinja2.exceptions import SecurityError, UndefinedError

from models.playbook import (
    GROUP_KEYS,
    PlaybookInvalid,
    load_playbook_text,
    load_playbooks,
    resolve,
    validate,
)
from models.playbook.schema import playbook_json_schema
from models.safe_yaml import load_yaml_file
from models.templating import FILE_CONTEXT, check_template_file, render_text, sandbox, template_names
from tests.source_tree import parse_file

REPO = Path(__file__).resolve().parent.parent
PLAYBOOKS = REPO / "playbooks"
SHIPPED = ["environmental", "explosion", "fire", "hazmat-leak", "mass-incident", "natural-disaster"]
ORDER = ["IV", "III", "II", "I"]


@pytest.fixture(scope="module")
def shipped():
    return load_playbooks(PLAYBOOKS)


def test_shipped_playbooks_are_valid_and_resolve_at_every_level(shipped):
    result = validate([PLAYBOOKS])
    assert result.issues == []
    assert shipped.ids() == SHIPPED
    for pid in SHIPPED:
        expected = ["single"] if pid == "mass-incident" else ORDER
        assert shipped.levels(pid) == expected
        for level in expected:
            plan = shipped.resolve(pid, level)
            assert plan.id == pid and plan.level == level and plan.groups
            assert plan.upward_reporting.first_report_deadline_min <= 60  # 1 hour to the county (条例493)
            assert len({n.id for n in plan.all_needs()}) == len(plan.all_needs())


def test_hazmat_leak_level_ii_has_the_nine_groups_of_the_source_document(shipped):
    plan = shipped.resolve("hazmat-leak", "II")
    assert plan.group_keys == list(GROUP_KEYS)
    units = {g.key: set(g.units) for g in plan.groups}
    assert units == {
        "experts": {"yjj", "incident_enterprise"},
        "rescue": {"incident_enterprise", "gaj", "yjj", "xfjydd"},
        "medical": {"wjtj", "jkzx", "yljt", "xmzx"},
        "cordon": {"yqpcs"},
        "evacuation": {"mzj", "yjj", "gxj", "gaj", "jtysj", "wlj", "rfb"},
        "logistics": {"fgj", "gxj", "mzj", "czj", "scjgj"},
        "information": {"yqyjzhzx", "xwxcb"},
        "special": {"gaj", "wjtj", "sthjj", "jrfwzx"},
        "coordination": {"ldzbgs"},
    }
    assert [g.name_zh for g in plan.groups] == [
        "技术专家组", "抢险救援组", "医疗救护和疫情防疫组", "治安警戒组", "人员疏散和安置组",
        "物资、经费和生活保障组", "综合信息、新闻发布组", "特种应急组", "综合协调组"]
    assert [g.number for g in plan.groups] == list(range(1, 10))
    assert plan.commander.unit == "ldz"
    assert plan.upward_reporting.followup_interval_min == 720  # twice a day at I–II


@pytest.mark.parametrize("pid", [p for p in SHIPPED if p != "mass-incident"])
def test_each_level_covers_everything_the_level_below_has(shipped, pid):
    for lower, higher in zip(ORDER, ORDER[1:], strict=False):
        a, b = shipped.resolve(pid, lower), shipped.resolve(pid, higher)
        assert set(a.group_keys) <= set(b.group_keys)
        for group in a.groups:
            other = b.group(group.key)
            assert set(group.units) <= set(other.units)
            assert other.ack_deadline_min <= group.ack_deadline_min
        needs = {n.id: n for n in b.all_needs()}
        for need in a.all_needs():
            assert needs[need.id].quantity >= need.quantity
            assert needs[need.id].deadline_min <= need.deadline_min
            assert needs[need.id].urgency <= need.urgency
        assert set(a.upward_reporting.recipients) <= set(b.upward_reporting.recipients)
        assert b.upward_reporting.first_report_deadline_min <= a.upward_reporting.first_report_deadline_min
        assert b.isolation_radius_m >= a.isolation_radius_m
        assert b.command_post.min_distance_m >= a.command_post.min_distance_m
    assert shipped.resolve(pid, "IV").commander.unit in {"gwh", "yqyjzhzx"}  # the park commands at IV
    assert shipped.resolve(pid, "I").commander.unit == "ldz"  # the county's leading group at I


def test_every_item_says_where_it_came_from(shipped):
    plan = shipped.resolve("hazmat-leak", "II")
    assert plan.sources["groups.information.members.xwxcb"].startswith("hazmat-leak.yaml:")
    assert plan.sources["groups.information.members.xwxcb"].endswith(" · II")
    assert plan.sources["groups.rescue.members.gaj"].startswith("_common.yaml:")
    assert plan.sources["groups.special"].endswith(" · II")
    assert plan.sources["groups.rescue.needs.rescue-scba"].endswith(" · II")
    assert plan.sources["groups.rescue.needs.rescue-hazmat-truck"].endswith(" · IV")
    for group in plan.groups:
        assert f"groups.{group.key}" in plan.sources
        for need in group.needs:
            assert f"groups.{group.key}.needs.{need.id}" in plan.sources


def test_mass_incident_has_one_level_and_no_statutory_grade(shipped):
    plan = shipped.resolve("mass-incident", "single")
    assert plan.levels == ["single"] and plan.grading.scheme == "single"
    assert plan.group("special").lead == "gaj"
    with pytest.raises(Exception, match="has no level `II`; choose single"):
        shipped.resolve("mass-incident", "II")


def test_isolation_radius_widens_for_the_chemical(shipped):
    plan = shipped.resolve("hazmat-leak", "IV")
    assert plan.isolation_radius_m == 100
    assert plan.isolation_radius_for("UN1079") == 100  # sulfur dioxide: isolate 100 m
    assert plan.isolation_radius_for("un 1005") == 100  # ammonia: 30 m, the plan's 100 m wins
    assert plan.chemicals["UN1017"].protect_night_km == 1.5
    assert plan.chemicals["UN1049"].fire_evacuate_m == 1600


def test_content_hash_is_stable_and_follows_the_files(tmp_path, shipped):
    again = load_playbooks(PLAYBOOKS)
    assert again.resolve("fire", "II").content_hash == shipped.resolve("fire", "II").content_hash
    hashes = {shipped.resolve("fire", lv).content_hash for lv in ORDER}
    assert len(hashes) == 4
    folder = tmp_path / "pb"
    shutil.copytree(PLAYBOOKS, folder)
    assert load_playbooks(folder).resolve("fire", "II").content_hash == shipped.resolve("fire", "II").content_hash
    text = (folder / "fire.yaml").read_text(encoding="utf-8")
    (folder / "fire.yaml").write_text(text.replace("quantity: 15000", "quantity: 16000"), encoding="utf-8")
    changed = load_playbooks(folder)
    assert changed.resolve("fire", "II").content_hash != shipped.resolve("fire", "II").content_hash
    assert changed.resolve("fire", "IV").content_hash != shipped.resolve("fire", "IV").content_hash  # file changed
    assert changed.resolve("hazmat-leak", "II").content_hash == shipped.resolve("hazmat-leak", "II").content_hash


NEW_PLAYBOOK = """\
id: confined-space
extends: _common
title_zh: 有限空间中毒窒息
title_en: Confined-space poisoning
levels:
  IV:
    groups:
      rescue:
        needs:
        - {id: cs-scba, resource_type: '2010101', quantity: 4, urgency: 1, deadline_min: 15}
      medical: {}
      coordination: {}
  III:
    groups:
      rescue:
        needs:
        - {id: cs-scba, resource_type: '2010101', quantity: 8, urgency: 1, deadline_min: 15}
  II: {}
  I: {}
"""


def test_a_new_playbook_in_a_folder_works_without_code_changes(tmp_path, monkeypatch):
    folder = tmp_path / "playbooks"
    folder.mkdir()
    shutil.copy(PLAYBOOKS / "_common.yaml", folder)
    (folder / "confined-space.yaml").write_text(NEW_PLAYBOOK, encoding="utf-8")
    monkeypatch.setenv("PARKLINK_PLAYBOOKS_DIR", str(folder))
    plan = resolve("confined-space", "III")
    assert plan.title_zh == "有限空间中毒窒息"
    assert plan.group("rescue").needs[0].quantity == 8
    assert load_playbooks(folder).ids() == ["confined-space"]


def test_load_playbook_text_raises_only_playbook_invalid():
    plans = load_playbook_text(NEW_PLAYBOOK, parents_dir=PLAYBOOKS)
    assert list(plans) == ORDER
    with pytest.raises(PlaybookInvalid) as info:
        load_playbook_text(NEW_PLAYBOOK.replace("'2010101', quantity: 8", "'2010101', quantity: 2"),
                           parents_dir=PLAYBOOKS)
    assert [i.path for i in info.value.issues] == ["levels.III.groups.rescue.needs[0].quantity"]
    assert info.value.lines()[-1].startswith("1 playbook error(s) in 1 file(s)")


def test_json_schema_accepts_the_shipped_playbooks_and_rejects_unknown_fields():
    schema = playbook_json_schema()
    validator = jsonschema.Draft202012Validator(schema)
    for path in PLAYBOOKS.glob("*.yaml"):
        data = json.loads(json.dumps(load_yaml_file(path)))
        assert list(validator.iter_errors(data)) == [], path.name
    assert list(validator.iter_errors({"id": "x", "titel_zh": "t"}))
    assert schema["properties"]["groups"]["propertyNames"]["enum"] == list(GROUP_KEYS)


def test_text_fields_render_in_a_strict_sandbox():
    assert render_text("隔离 {{ plan.isolation_radius_m }} 米", {"plan": {"isolation_radius_m": 300}}) == "隔离 300 米"
    with pytest.raises(UndefinedError):
        render_text("{{ incident.place }}", {"incident": {}})
    with pytest.raises(SecurityError):
        render_text("{{ ''.__class__.__mro__[1].__subclasses__() }}", {})


def test_shipped_templates_exist_in_both_languages_and_render():
    templates = REPO / "templates"
    assert {"upward-report", "group-activation"} <= template_names(templates)
    for name in ("upward-report", "group-activation"):
        assert check_template_file(templates, name) == []
    text = sandbox(templates).get_template("upward-report.zh-CN.md.j2").render(**FILE_CONTEXT)
    for part in ("报告单位", "事发时间", "伤亡情况", "直接经济损失", "已采取的措施"):
        assert part in text


def test_pure_modules_import_neither_prefect_nor_a_session():
    for path in [*(REPO / "models" / "playbook").glob("*.py"), REPO / "tasks" / "grading.py",
                 REPO / "tasks" / "playbook_plan.py", REPO / "models" / "templating.py"]:
        tree = parse_file(path)
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not any(n.startswith(("prefect", "sqlmodel", "sqlalchemy", "models.db")) for n in names), path
