"""DESIGN.md's arrows: parklink → flows → tasks → models, never back; pure logic free of Prefect and the database;
modules that fit in a head.

Every import counts — at the top, inside a function, under `if TYPE_CHECKING:` — because each is a dependency
someone reading or moving the module has to follow.
"""

from __future__ import annotations

import ast
import re

import pytest

from tests.conftest import REPO
from tests.source_tree import parse_file

LAYERS = ["parklink", "flows", "tasks", "models"]  # each may import only those to its right
PACKAGES = ["models", "tasks", "flows", "parklink", "bench"]
MAX_LINES = 300
IMPURE = {"prefect", "sqlalchemy", "sqlmodel", "httpx"}

REWRITTEN = "issue 9: being rewritten"


def being_rewritten(module: str, reason: str = REWRITTEN):
    """A module that fails a check until another part of issue 9 lands; strict: it must fail until then."""
    return pytest.param(module, marks=pytest.mark.xfail(strict=True, reason=reason))


# Modules that are pure: they import neither Prefect, SQLAlchemy, SQLModel, httpx, nor the database or a store.
# Every module whose docstring says it is pure must be here (test_every_module_that_says_it_is_pure_is_checked).
PURE = [
    "models/allocation.py", "models/position.py", "models/did_you_mean.py", "models/safe_yaml.py",
    "models/templating.py", "models/markdown_text.py", "models/drill.py", "models/drill_due.py",
    "models/playbook/__init__.py", "models/playbook/checks.py", "models/playbook/errors.py",
    "models/playbook/library.py", "models/playbook/loader.py", "models/playbook/overlay.py",
    "models/playbook/plan.py", "models/playbook/presets.py", "models/playbook/resolve.py",
    "models/playbook/schema.py",
    "models/playbook/references.py",
    "tasks/duty/calendar.py", "tasks/duty/roster.py", "tasks/duty/roster_file.py", "tasks/duty/periods.py",
    "tasks/duty/ical.py", "tasks/duty/ical_export.py", "tasks/duty/ical_import.py", "tasks/duty/ical_lines.py",
    "models/duty_kinds.py", "models/warning_kinds.py", "tasks/warning/rules.py", "tasks/warning/results.py", "tasks/warning/__init__.py",
    "tasks/intake/body.py", "tasks/intake/keys.py",
    "tasks/board/__init__.py", "tasks/board/view.py", "tasks/web/board_stream.py",
    "models/events/warning.py", "bench/duty_speed.py", "tasks/__init__.py", "tasks/grading.py", "tasks/playbook_plan.py", "tasks/siting.py", "tasks/geo.py", "tasks/assessment.py",
    "tasks/documents.py", "tasks/print_layout.py", "tasks/print_pdf.py",
    "tasks/dispatch/__init__.py", "tasks/dispatch/planner.py", "tasks/dispatch/travel.py",
    "tasks/dispatch/needs_file.py",
    "tasks/park_io/__init__.py", "tasks/park_io/rows.py", "tasks/park_io/directory.py",
    "tasks/park_io/inventory.py", "tasks/park_io/cells.py", "tasks/park_io/export.py", "models/text_file.py",
    "tasks/response/levels.py", "tasks/response/context.py", "tasks/response/__init__.py", "tasks/response/run.py",
    "tasks/response/phases/__init__.py", "tasks/response/phases/dispatch.py", "tasks/response/phases/groups.py",
    "tasks/response/phases/opening.py", "tasks/response/phases/upward.py", "tasks/response/phases/handover.py",
    "tasks/response/phases/closing.py", "tasks/response/phases/story.py", "tasks/web/board_links.py",
    "tasks/response/results.py", "tasks/response/resume_rules.py",
    "tasks/notify/tokens.py", "tasks/notify/texts.py", "tasks/notify/outcome.py", "tasks/notify/channels/__init__.py",
    "tasks/notify/check_rules.py",
    "tasks/notify/channels/protocol.py", "tasks/notify/channels/common.py", "tasks/notify/channels/registry.py",
    "tasks/notify/channels/webhook.py", "tasks/notify/channels/wecom.py", "tasks/notify/channels/dingtalk.py",
    "tasks/notify/channels/feishu.py", "tasks/notify/channels/sms.py",
    "models/cap_kinds.py", "tasks/cap/__init__.py", "tasks/cap/model.py", "tasks/cap/fields.py", "tasks/cap/parse.py",
    "tasks/cap/maps.py", "tasks/cap/area.py", "tasks/cap/interpret.py", "tasks/cap/feed.py",
    "tasks/meeting/agenda.py",
    "models/drill_frequency.py", "tasks/drills/scoring.py", "tasks/drills/planner.py",
    "tasks/actions/owners.py", "tasks/actions/results.py", "tasks/actions/stages.py",
    "models/roles.py", "models/passwords.py", "tasks/web/sessions.py",
    "tasks/park_io/site.py", "tasks/maps/__init__.py", "tasks/maps/projection.py", "tasks/maps/svg.py",
    "tasks/maps/zones.py", "tasks/maps/site_map.py", "tasks/maps/ack_chart.py",
]
# Modules over MAX_LINES that another engineer is rewriting for issue 9 (none today).
TOO_LONG_FOR_NOW: set[str] = set()


def imports(path, top: bool = True) -> set[str]:
    """Every module the file imports, wherever the import statement is."""
    tree = parse_file(path)
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return {m.split(".")[0] for m in out} if top else out


def modules(*packages: str) -> list[str]:
    return sorted(str(p.relative_to(REPO)) for pkg in packages for p in (REPO / pkg).rglob("*.py"))


def says_it_is_pure(module: str) -> bool:
    """Its docstring's first line calls it pure, or a sentence of the docstring begins with "Pure"."""
    doc = ast.get_docstring(parse_file(REPO / module)) or ""
    first = doc.partition("\n")[0]
    return bool(re.search(r"\bpure\b", first, re.IGNORECASE) or re.search(r"(?:^|[.!?]\s+|\n\s*)Pure\b", doc))


@pytest.mark.parametrize("layer", LAYERS)
def test_arrows_point_one_way(layer):
    allowed = set(LAYERS[LAYERS.index(layer):])
    offenders = {}
    for path in (REPO / layer).rglob("*.py"):
        bad = imports(path) & (set(LAYERS) - allowed)
        if bad:
            offenders[str(path.relative_to(REPO))] = sorted(bad)
    assert offenders == {}


def test_models_import_nothing_of_ours_outside_models():
    """DESIGN.md: `models/` imports nothing of ours outside `models/` — not even for type checkers."""
    offenders = {m: sorted(imports(REPO / m) & {"tasks", "flows", "parklink", "bench"}) for m in modules("models")}
    assert {m: bad for m, bad in offenders.items() if bad} == {}


@pytest.mark.parametrize("module", PURE)
def test_pure_logic_imports_neither_prefect_nor_the_database(module):
    found = imports(REPO / module)
    assert not found & IMPURE, found
    stores = {m for m in imports(REPO / module, top=False) if m == "models.db" or re.fullmatch(r"models\.\w+_store", m)}
    assert not stores, stores


def test_every_module_that_says_it_is_pure_is_checked():
    listed = {p if isinstance(p, str) else p.values[0] for p in PURE}
    assert [m for m in modules(*PACKAGES) if says_it_is_pure(m) and m not in listed] == []


@pytest.mark.parametrize("module", [being_rewritten(m) if m in TOO_LONG_FOR_NOW else m for m in modules(*PACKAGES)])
def test_no_module_is_over_300_lines(module):
    lines = len((REPO / module).read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module}: {lines} lines; split it into modules with one job each"
