"""Exports (issue 10, items 9 and 11): no formula reaches a spreadsheet, the same bytes every run, a known key order."""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.park_io import LIAISON_COLUMNS, STOCK_CSV_COLUMNS, UNIT_COLUMNS
from tasks.park_io.cells import FormulaRefused, escape, is_formula, unescape
from tasks.park_io.export import DEPOT_KEYS, RESOURCE_TYPE_KEYS

FORMULAS = ['=HYPERLINK("http://evil.example","点我")', "@SUM(1+1)", "+cmd|' /C calc'!A0", "-2+3*A1", "\t=1+1",
            "\r=1", "=1", " =cmd", "'=already escaped", "-", "+"]
NOT_FORMULAS = ["+447700900000", "+44 (0)20 7946 0000", "-12.5", "0-1", "应急局", "a=b", "'t Hooft", "2026-01-01",
                "https://hooks.example.invalid/x", ""]


@pytest.mark.parametrize("text", FORMULAS)
def test_formulas_are_escaped_and_refused_bare(text):
    escaped = escape(text)
    assert escaped == "'" + text and not is_formula(escaped)
    assert unescape(escaped) == text
    if not text.startswith("'"):
        with pytest.raises(FormulaRefused, match="would run as a spreadsheet formula"):
            unescape(text)


@pytest.mark.parametrize("text", NOT_FORMULAS)
def test_numbers_phones_and_text_pass_unchanged(text):
    assert escape(text) == text and unescape(text) == text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("=+-@\t\r' 0123456789aA|()!"), max_size=12) | st.text(max_size=12))
def test_escape_round_trips_and_never_leaves_a_formula(text):
    assert not is_formula(escape(text))
    assert unescape(escape(text)) == text


HOSTILE = {"qy-f1": '=HYPERLINK("http://evil.example","点我")', "qy-f2": "@SUM(1+1)", "qy-f3": "+cmd|' /C calc'!A0",
           "qy-f4": "-2+3", "qy-f5": "\t=1+1"}


def hostile_yaml() -> str:
    units = [{"code": code, "name_zh": name, "kind": "enterprise", "parent": "gwh",
              "liaisons": [{"name": name, "role": "primary", "phone": "+447700900000", "channels": "sms"}]}
             for code, name in HOSTILE.items()]
    return yaml.safe_dump({"units": units}, allow_unicode=True)


def test_directory_csv_export_never_emits_a_formula_and_round_trips(cli, tmp_path):
    cli("init")
    path = tmp_path / "hostile.yaml"
    path.write_text(hostile_yaml(), encoding="utf-8")
    assert cli("directory", "import", str(path)).exit_code == 0
    out = cli("directory", "export", "--format", "csv")
    assert out.exit_code == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    cells = [cell for row in rows for cell in row.values()]
    assert [c for c in cells if is_formula(c)] == []
    mine = {r["unit_code"]: r for r in rows if r["unit_code"] in HOSTILE}
    assert {code: r["unit_name_zh"] for code, r in mine.items()} == {c: "'" + n for c, n in HOSTILE.items()}
    assert {r["liaison_phone"] for r in mine.values()} == {"+447700900000"}, "a phone keeps its +"
    dump = tmp_path / "dir.csv"
    dump.write_text(out.stdout, encoding="utf-8")
    summary = json.loads(cli("directory", "import", str(dump), "--json").stdout)
    assert summary["added"] == summary["changed"] == summary["deactivated"] == [], "the ' comes off on import"
    names = {u["code"]: u["name_zh"] for u in json.loads(cli("directory", "list", "--json").stdout)}
    assert {code: names[code] for code in HOSTILE} == HOSTILE


def test_a_formula_in_an_imported_csv_is_refused(cli, tmp_path):
    cli("init")
    before = cli("directory", "export").stdout
    path = tmp_path / "dir.csv"
    path.write_text("unit_code,unit_name_zh,unit_kind,unit_parent,liaison_name,liaison_role,liaison_phone\n"
                    "qy-x,=1+1,enterprise,gwh,@me,primary,+447700900000\n"
                    "qy-y,好名字,enterprise,gwh,甲,primary,+447700900001\n", encoding="utf-8")
    out = cli("directory", "import", str(path))
    assert out.exit_code == 1 and "Traceback" not in out.stderr
    assert out.stderr.splitlines() == [
        f"Error: {path}:2: liaison_name: `@me` would run as a spreadsheet formula; put a ' before it to keep it as text",
        f"Error: {path}:2: unit_name_zh: `=1+1` would run as a spreadsheet formula; put a ' before it to keep it as "
        "text",
        "Error: 2 error(s); nothing was imported",
    ]
    assert cli("directory", "export").stdout == before


@pytest.mark.parametrize("command", ["directory", "inventory"])
@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_exports_are_byte_stable(cli, command, fmt):
    cli("init")
    first = cli(command, "export", "--format", fmt).stdout
    assert first and cli(command, "export", "--format", fmt).stdout == first


def _in_order(keys: list[str], order: list[str]) -> bool:
    return keys == [k for k in order if k in keys]


def test_exports_keep_the_documented_key_order(cli):
    cli("init")
    units = yaml.safe_load(cli("directory", "export").stdout)["units"]
    assert [u["code"] for u in units] == sorted(u["code"] for u in units)
    for unit in units:
        assert _in_order(list(unit), [*UNIT_COLUMNS, "liaisons"]), unit
        assert [li["role"] for li in unit["liaisons"]] == sorted((li["role"] for li in unit["liaisons"]),
                                                                 key=["primary", "deputy", "head", "duty_staff"].index)
        assert all(_in_order(list(li), LIAISON_COLUMNS) for li in unit["liaisons"]), unit
    inventory = yaml.safe_load(cli("inventory", "export").stdout)
    assert list(inventory) == ["resource_types", "depots", "stock"]
    assert RESOURCE_TYPE_KEYS == ["code", "name_zh", "name_en", "uom", "unit_price"]
    assert DEPOT_KEYS == ["code", "owner", "name_zh", "name_en", "latitude", "longitude", "kind"]
    for section, order in [("resource_types", RESOURCE_TYPE_KEYS), ("depots", DEPOT_KEYS),
                           ("stock", STOCK_CSV_COLUMNS)]:
        assert all(_in_order(list(item), order) for item in inventory[section]), section

