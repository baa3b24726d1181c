"""DESIGN.md's arrows: parklink → flows → tasks → models, never back; pure logic free of Prefect and the database."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import REPO

LAYERS = ["parklink", "flows", "tasks", "models"]  # each may import only those to its right
PURE = ["tasks/grading.py", "tasks/playbook_plan.py", "tasks/siting.py", "tasks/geo.py", "tasks/assessment.py",
        "tasks/dispatch/planner.py", "tasks/dispatch/types.py", "tasks/dispatch/travel.py",
        "tasks/response/levels.py", "tasks/notify/tokens.py", "tasks/notify/channels/__init__.py",
        "tasks/notify/channels/protocol.py", "tasks/notify/channels/common.py", "tasks/notify/channels/registry.py",
        "tasks/notify/channels/webhook.py", "tasks/notify/channels/wecom.py", "tasks/notify/channels/dingtalk.py",
        "tasks/notify/channels/feishu.py", "tasks/notify/channels/sms.py"]


def imports(path, top: bool = True) -> set[str]:
    """Modules imported at run time (imports under `if TYPE_CHECKING:` are for type checkers only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for n in ast.walk(node)}
    out = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return {m.split(".")[0] for m in out} if top else out


@pytest.mark.parametrize("layer", LAYERS)
def test_arrows_point_one_way(layer):
    allowed = set(LAYERS[LAYERS.index(layer):])
    offenders = {}
    for path in (REPO / layer).rglob("*.py"):
        bad = imports(path) & (set(LAYERS) - allowed)
        if bad:
            offenders[str(path.relative_to(REPO))] = sorted(bad)
    assert offenders == {}


@pytest.mark.parametrize("module", PURE)
def test_pure_logic_imports_neither_prefect_nor_the_database(module):
    found = imports(REPO / module)
    assert not found & {"prefect", "sqlalchemy", "sqlmodel", "httpx"}, found
    assert not {m for m in imports(REPO / module, top=False) if m.startswith(("models.db", "models.incident_store"))}
