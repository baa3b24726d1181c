"""A chain that cannot finish inside its group's acknowledgement deadline is a validation warning, not an error."""

from __future__ import annotations

import json

from models.playbook import validate
from tests.conftest import REPO

FIXTURE = REPO / "tests" / "fixtures" / "playbooks-warnings" / "slow-chain.yaml"


def test_a_chain_slower_than_its_deadline_is_warned_about_with_where_and_which_levels():
    result = validate([FIXTURE], playbooks_dir=REPO / "playbooks", templates_dir=REPO / "templates")
    assert result.ok, result.issues
    assert result.warnings == [
        "slow-chain.yaml:10: playbook `slow-chain` group `rescue` (levels IV, III, II, I): escalation steps add up to 15 min, "
        "more than the 10-min acknowledgement deadline; the last step is reached after the target"]


def test_the_shipped_playbooks_have_no_warning_and_the_cli_shows_them(cli):
    shipped = validate(playbooks_dir=REPO / "playbooks", templates_dir=REPO / "templates")
    assert shipped.ok and shipped.warnings == []
    out = cli("playbooks", "validate", str(FIXTURE), "--json")
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["ok"] is True and len(data["warnings"]) == 1 and "15 min" in data["warnings"][0]
    shown = cli("playbooks", "validate", str(FIXTURE))
    assert shown.exit_code == 0 and "警告（1）" in shown.stdout and "slow-chain.yaml:10" in shown.stdout
