"""Directory and inventory imports: every bad row reported, nothing written, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models.directory import Liaison
from models.inventory import Stock


def snapshot(cli) -> tuple[str, str]:
    return cli("directory", "export").stdout, cli("inventory", "export").stdout


def assert_rejected(out, expected: list[str]) -> None:
    assert out.exit_code == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert lines[:-1] == [f"Error: {e}" for e in expected]
    assert lines[-1] == f"Error: {len(expected)} error(s); nothing was imported"


BAD_DIRECTORY_CSV = """unit_code,unit_name_zh,unit_name_en,unit_kind,unit_parent,liaison_name,liaison_role,liaison_phone,liaison_channels
zz-new,新单位,New unit,enterprise,gwh,甲,primary,+447700900901,sms
zz-new,新单位,New unit,enterprise,gwh,乙,deputy,+447700900902,sms
zz-bad,坏单位,Bad unit,spaceship,gwh,丙,primary,+447700900903,sms
zz-orphan,孤儿,Orphan,enterprise,nosuch,丁,primary,+447700900904,sms
zz-two,两个主,Two primaries,enterprise,gwh,戊,primary,+447700900905,sms
zz-two,两个主,Two primaries,enterprise,gwh,己,primary,+447700900906,sms
zz-chan,渠道,Channels,enterprise,gwh,庚,primary,+447700900907,"wecom,pager"
"""


def test_bad_directory_csv_is_rejected_whole(cli, tmp_path):
    cli("init")
    before = snapshot(cli)
    path = tmp_path / "dir.csv"
    path.write_text(BAD_DIRECTORY_CSV, encoding="utf-8")
    out = cli("directory", "import", str(path))
    assert_rejected(out, [
        f"{path}:4: kind: `spaceship` is not one of 'leading_group', 'office', 'county_department', 'utility', "
        "'park_body', 'enterprise', 'medical', 'police', 'fire', 'finance' or 'other'",
        f"{path}:5: parent: unknown unit `nosuch`",
        f"{path}:6: zz-two.liaisons: unit `zz-two` needs exactly one active primary liaison, has 2",
        f"{path}:8: zz-chan.channels: channel `wecom` is listed but the liaison has no wecom address",
        f"{path}:8: zz-chan.channels: unknown channel `pager`; choose from sms, wecom, dingtalk, feishu, webhook",
    ])
    assert snapshot(cli) == before


BAD_INVENTORY_YAML = """\
resource_types:
  - {code: "2999901", name_zh: 新类型, uom: 个, unit_price: 10}
  - {code: "29999", name_zh: 短编码, uom: 个}
  - {code: "2999901", name_zh: 重复, uom: 个}
depots:
  - {code: dp-new, owner: nobody, name_zh: 新库, latitude: 123, longitude: 112.2, kind: government_reserve}
stock:
  - {depot: dp-xfz, resource_type: "2010101", quantity: -5}
  - {depot: dp-xfz, resource_type: "2010102", quantity: 3, reserved: 4}
  - {depot: dp-nowhere, resource_type: "2010101", quantity: 1}
  - {depot: dp-xfz, resource_type: "2010103", quantity: 1, colour: red}
  - {depot: dp-xfz, resource_type: "2999901", quantity: 7}
"""


def test_bad_inventory_yaml_is_rejected_whole(cli, tmp_path):
    cli("init")
    before = snapshot(cli)
    path = tmp_path / "inv.yaml"
    path.write_text(BAD_INVENTORY_YAML, encoding="utf-8")
    out = cli("inventory", "import", str(path))
    assert_rejected(out, [
        f"{path}:3: code: must be 7 digits in the GB/T 38565 scheme (1+2+2+2, first digit 1–3), "
        "e.g. 2010101 (got `29999`)",
        f"{path}:4: code: duplicate resource type `2999901` (first at line 2)",
        f"{path}:6: latitude: Input should be less than or equal to 90 (got `123`)",
        f"{path}:6: owner: unknown unit `nobody`",
        f"{path}:8: quantity: Input should be greater than or equal to 0 (got `-5`)",
        f"{path}:9: reserved: reserved 4 exceeds quantity 3",
        f"{path}:10: depot: unknown depot `dp-nowhere`; known: dp-ha, dp-jc, dp-jh, dp-jz, dp-qn, "
        "dp-sw, dp-wl, dp-xfz, dp-xyjck, dp-yljt, dp-yqzx",
        f"{path}:11: colour: unknown field",
    ])
    assert snapshot(cli) == before


@pytest.mark.parametrize("content, message", [
    (b"", "empty file; nothing to import"),
    (b"   \n\n", "empty file; nothing to import"),
    ("units:\n  - code: gbk\n    name_zh: 名字\n".encode("gbk"), "3: not UTF-8 text (byte 0xc3); save the file as UTF-8"),
])
def test_unreadable_files(cli, tmp_path, content, message):
    cli("init")
    before = snapshot(cli)
    path = tmp_path / "d.yaml"
    path.write_bytes(content)
    out = cli("directory", "import", str(path))
    assert out.exit_code == 1 and "Traceback" not in out.stderr
    assert out.stderr.splitlines()[0] in (f"Error: {path}: {message}", f"Error: {path}:{message}")
    assert snapshot(cli) == before


def test_yaml_syntax_and_duplicate_keys(cli, tmp_path):
    cli("init")
    path = tmp_path / "d.yaml"
    path.write_text("units:\n  - code: a1\n    code: a2\n", encoding="utf-8")
    out = cli("directory", "import", str(path))
    assert out.stderr.splitlines()[0] == f"Error: {path}:3: duplicate key `code` (first at line 2)"


def test_unknown_file_type_and_missing_file(cli, tmp_path):
    cli("init")
    out = cli("directory", "import", str(tmp_path / "x.yaml"))
    assert out.exit_code == 1 and out.stderr.startswith(f"Error: {tmp_path / 'x.yaml'}: cannot read")
    (tmp_path / "x.txt").write_text("a", encoding="utf-8")
    out = cli("directory", "import", str(tmp_path / "x.txt"))
    assert out.stderr.strip() == f"Error: {tmp_path / 'x.txt'}: unknown file type `.txt`; use .csv, .yaml or .yml"


def test_directory_import_adds_changes_and_deactivates(cli, tmp_path):
    cli("init")
    path = tmp_path / "update.yaml"
    path.write_text("""\
units:
  - code: yjj
    name_zh: 应急局
    name_en: Emergency Management Bureau (renamed)
    kind: county_department
    parent: ldz
    liaisons:
      - {name: 新主联络员, role: primary, phone: "+447700900990", channels: sms}
  - code: qy-new
    name_zh: 示例新入园企业
    kind: enterprise
    parent: gwh
    liaisons:
      - {name: 新企业联络员, role: primary, phone: "+447700900991", channels: sms}
""", encoding="utf-8")
    out = cli("directory", "import", str(path), "--json")
    assert out.exit_code == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["added"] == ["unit qy-new 示例新入园企业", "liaison yjj/新主联络员 (primary)",
                                "liaison qy-new/新企业联络员 (primary)"]
    assert summary["changed"] == ["unit yjj 应急局"]
    assert len(summary["deactivated"]) == 3 and all(d.startswith("liaison yjj/") for d in summary["deactivated"])
    liaisons = json.loads(cli("directory", "list", "--liaisons", "--json").stdout)
    assert [li["name"] for li in liaisons if li["unit"] == "yjj"] == ["新主联络员"]
    again = json.loads(cli("directory", "import", str(path), "--json").stdout)
    assert again["added"] == again["changed"] == again["deactivated"] == []


def test_prune_deactivates_units_missing_from_the_file(cli, tmp_path):
    cli("init")
    path = tmp_path / "one.yaml"
    path.write_text("units:\n  - code: gwh\n    name_zh: 安泽经济技术开发区管委会\n    kind: park_body\n    liaisons:\n"
                    "      - {name: 甲, role: primary, phone: '+447700900900', channels: sms}\n", encoding="utf-8")
    summary = json.loads(cli("directory", "import", str(path), "--prune", "--json").stdout)
    assert sum(d.startswith("unit ") for d in summary["deactivated"]) == 42
    assert [u["code"] for u in json.loads(cli("directory", "list", "--json").stdout)] == ["gwh"]


@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_export_round_trips(cli, tmp_path, fmt):
    cli("init")
    dump = tmp_path / f"dir.{fmt}"
    assert cli("directory", "export", "--format", fmt, "-o", str(dump)).exit_code == 0
    summary = json.loads(cli("directory", "import", str(dump), "--json").stdout)
    assert summary["added"] == summary["changed"] == summary["deactivated"] == []
    inv = tmp_path / f"inv.{fmt}"
    assert cli("inventory", "export", "--format", fmt, "-o", str(inv)).exit_code == 0
    summary = json.loads(cli("inventory", "import", str(inv), "--json").stdout)
    assert summary["added"] == summary["changed"] == [] and summary["unchanged"] >= 96


def test_inventory_csv_updates_stock(cli, tmp_path):
    cli("init")
    path = tmp_path / "stock.csv"
    path.write_text("depot,resource_type,quantity\ndp-xfz,2010101,44\n", encoding="utf-8")
    summary = json.loads(cli("inventory", "import", str(path), "--json").stdout)
    assert summary["changed"] == ["stock dp-xfz/2010101"]
    row = json.loads(cli("inventory", "list", "--depot", "dp-xfz", "--type", "2010101", "--json").stdout)[0]
    assert row["quantity"] == 44 and row["reserved"] == 0


def test_stock_import_keeps_reservations_of_running_incidents(cli, engine, tmp_path):
    cli("init")
    with Session(engine) as s:
        s.get(Stock, ("dp-xfz", "2010101")).reserved = 10
        s.commit()
    path = tmp_path / "stock.csv"
    path.write_text("depot,resource_type,quantity,reserved\ndp-xfz,2010101,8,\ndp-xfz,2010102,20,0\n", encoding="utf-8")
    out = cli("inventory", "import", str(path))
    assert out.stderr.splitlines()[0] == f"Error: {path}:2: reserved: reserved 10 exceeds quantity 8"
    path.write_text("depot,resource_type,quantity,reserved\ndp-xfz,2010101,30,0\n", encoding="utf-8")
    out = cli("inventory", "import", str(path))
    assert out.stderr.splitlines()[0] == f"Error: {path}:2: reserved: 10 are reserved by running incidents; cannot set 0"


def test_database_constraints_hold_without_the_importer(cli, engine):
    cli("init")
    with Session(engine) as s, pytest.raises(IntegrityError):
        s.get(Stock, ("dp-xfz", "2010101")).reserved = 10_000
        s.commit()
    with Session(engine) as s, pytest.raises(IntegrityError):
        s.get(Stock, ("dp-xfz", "2010101")).quantity = -1
        s.commit()
    with Session(engine) as s, pytest.raises(IntegrityError):
        s.add(Liaison(unit="yjj", name="第二主联络员", role="primary", phone="+447700900999"))
        s.commit()


def test_the_park_is_named_by_its_directory_and_settings_win(cli, engine, tmp_path, monkeypatch):
    from models.db import session_scope
    from models.settings import get_settings
    from tasks.response.runtime import park_context

    cli("init")
    assert park_context(get_settings(), engine) == {
        "name_zh": "安泽经济技术开发区化工园区", "name_en": "Anze Economic and Technological Development Zone chemical park"}
    path = tmp_path / "renamed.yaml"
    path.write_text("park: {name_zh: 示例化工园区}\nunits: []\n", encoding="utf-8")
    assert cli("directory", "import", str(path), "--json").exit_code == 0
    assert park_context(get_settings(), engine) == {"name_zh": "示例化工园区", "name_en": "示例化工园区"}
    monkeypatch.setenv("PARKLINK_PARK_NAME_EN", "Sample chemical park")
    assert park_context(get_settings(), engine)["name_en"] == "Sample chemical park"

    bad = tmp_path / "bad.yaml"
    bad.write_text("park:\n  name_en: No Chinese name\nunits: []\n", encoding="utf-8")
    result = cli("directory", "import", str(bad))
    assert result.exit_code != 0 and f"{bad}:2: park.name_zh: Field required" in result.stderr, result.stderr
    with session_scope(engine) as session:
        from models.park_store import get_park

        assert get_park(session=session).name_zh == "示例化工园区", "a rejected file changes nothing"
