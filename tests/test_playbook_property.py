"""Property: whatever text the loader is fed, it returns plans or raises PlaybookInvalid — nothing else."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.playbook import PlaybookInvalid, default_catalog, load_playbook_text
from models.safe_yaml import load_yaml_file

REPO = Path(__file__).resolve().parent.parent
PLAYBOOKS = REPO / "playbooks"
SOURCE = (PLAYBOOKS / "hazmat-leak.yaml").read_text(encoding="utf-8")
LINES = SOURCE.splitlines(keepends=True)
CATALOG = default_catalog(REPO / "templates")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(text: str) -> str:
    try:
        plans = load_playbook_text(text, parents_dir=PLAYBOOKS, catalog=CATALOG)
    except PlaybookInvalid as exc:
        assert exc.issues, "PlaybookInvalid always carries at least one issue"
        for issue in exc.issues:
            assert issue.line >= 0 and issue.col >= 0 and issue.message
        return "invalid"
    assert plans and all(p.content_hash for p in plans.values())
    return "plans"


def test_the_unmutated_source_resolves():
    assert outcome(SOURCE) == "plans"


@SETTINGS
@given(st.text(max_size=400))
def test_random_text(text):
    outcome(text)


@SETTINGS
@given(st.data())
def test_mutated_lines(data):
    lines = list(LINES)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["delete", "duplicate", "swap", "char", "insert"]))
        if action == "delete" and len(lines) > 1:
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "char" and lines[i]:
            k = data.draw(st.integers(0, len(lines[i]) - 1))
            lines[i] = lines[i][:k] + data.draw(st.sampled_from(list(":-{}[]&*!|>'\"#% 0a\t"))) + lines[i][k + 1:]
        else:
            lines.insert(i, data.draw(st.text(max_size=30)) + "\n")
    outcome("".join(lines))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


def _plain(node):
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


PLAIN = _plain(load_yaml_file(PLAYBOOKS / "hazmat-leak.yaml"))
ALL_PATHS = [p for p in _paths(PLAIN) if p]
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**9) | st.floats(allow_nan=False) | st.text(max_size=12)
    | st.sampled_from(["yjj", "xfjydd", "IV", "II", "2010101", "rescue", "deputy", "{{ incident.place }}"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(ALL_PATHS), VALUES), min_size=1, max_size=3))
def test_mutated_structure(changes):
    data = yaml.safe_load(yaml.safe_dump(PLAIN))
    for path, value in changes:
        node = data
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    outcome(yaml.safe_dump(data, allow_unicode=True))
