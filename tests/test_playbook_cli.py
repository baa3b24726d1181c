"""`parklink playbooks …` through the real entry point, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "playbooks"


def test_validate_is_clean_on_the_shipped_playbooks(cli):
    result = cli("playbooks", "validate")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "7 个文件、6 个预案、21 个级别全部通过校验" in result.stdout
    # no directory in the database yet: the sample park is used, and that is said in one line
    assert result.stderr.count("\n") == 1 and "示例园区" in result.stderr


def test_validate_checks_against_the_database_once_it_has_a_directory(cli):
    assert cli("init").exit_code == 0
    result = cli("--lang", "en", "playbooks", "validate")
    assert result.exit_code == 0 and result.stderr == ""
    assert "6 playbook(s), 21 level(s): all valid" in result.stdout


def test_validate_a_broken_file_lists_every_error_grouped_and_exits_1(cli):
    result = cli("--lang", "en", "playbooks", "validate", str(FIXTURES / "unknown-units.yaml"),
                 str(FIXTURES / "weakens.yaml"), str(FIXTURES / "duplicate-key.yaml"))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "syntax errors (1)"
    assert lines[2] == "references errors (4)"
    assert "Traceback" not in result.stdout + result.stderr
    assert any(line.endswith("unknown-units.yaml:12:9: levels.IV.groups.rescue.members[0]: unknown unit `xfjy`; "
                             "did you mean `xfjydd` (消防救援大队)?") for line in lines)
    assert lines[-1] == "15 error(s) in 3 file(s)"


def test_validate_json_and_a_missing_path(cli):
    result = cli("playbooks", "validate", "--json", str(FIXTURES / "no-such-file.yaml"))
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["issues"][0]["kind"] == "syntax" and "cannot read the file" in data["issues"][0]["message"]


def test_list_show_diff_schema(cli):
    listing = json.loads(cli("playbooks", "list", "--json").stdout)
    assert [p["id"] for p in listing] == ["environmental", "explosion", "fire", "hazmat-leak", "mass-incident",
                                          "natural-disaster"]
    assert all(len(p["content_hash"]) == 64 for p in listing)
    plan = json.loads(cli("playbooks", "show", "hazmat-leak", "--level", "II", "--json").stdout)
    assert len(plan["groups"]) == 9 and plan["level"] == "II"
    assert plan["content_hash"] == next(p for p in listing if p["id"] == "hazmat-leak")["level_hashes"]["II"]
    human = cli("playbooks", "show", "hazmat-leak", "-l", "II")
    assert human.exit_code == 0 and "抢险救援组" in human.stdout and "hazmat-leak.yaml:" in human.stdout
    as_yaml = cli("playbooks", "show", "mass-incident", "--yaml")
    assert as_yaml.exit_code == 0 and "level: single" in as_yaml.stdout
    diff = cli("playbooks", "diff", "hazmat-leak", "--from", "III", "--to", "II")
    assert diff.exit_code == 0
    assert "+ groups.special: 8 特种应急组 / Special emergencies, lead gaj    ← hazmat-leak.yaml:" in diff.stdout
    assert "~ upward_reporting.followup_interval_min: 1440 → 720" in diff.stdout
    schema = json.loads(cli("playbooks", "schema").stdout)
    assert schema["title"] == "ParkLink playbook" and "levels" in schema["properties"]


def test_bad_arguments_are_one_line_errors(cli):
    result = cli("playbooks", "show", "firex", "--level", "II")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: unknown playbook `firex`; did you mean `fire`?")
    result = cli("playbooks", "show", "fire", "--level", "V")
    assert result.exit_code == 1 and result.stderr == "Error: playbook `fire` has no level `V`; choose IV, III, II, I\n"
    result = cli("playbooks", "show", "fire")
    assert result.exit_code == 2 and "choose one with --level" in result.stderr


def test_commands_that_need_valid_playbooks_list_every_error(cli, tmp_path, monkeypatch):
    folder = tmp_path / "pb"
    folder.mkdir()
    (folder / "_common.yaml").write_text((REPO / "playbooks" / "_common.yaml").read_text(encoding="utf-8"),
                                         encoding="utf-8")
    (folder / "weakens.yaml").write_text((FIXTURES / "weakens.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("PARKLINK_PLAYBOOKS_DIR", str(folder))
    result = cli("playbooks", "list")
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert len(errors) == 11 and all(line.startswith("Error: ") for line in errors)
    assert errors[-1].startswith("Error: 10 playbook error(s) in 1 file(s)")
