"""DESIGN.md's record: tasks return typed results, flows and response tasks query only through store functions."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import REPO
from tests.source_tree import parse_file

UNTYPED = {"dict", "list", "Any", "object", "tuple"}
THIN = sorted(str(p.relative_to(REPO)) for folder in ("flows", "tasks/response") for p in (REPO / folder).rglob("*.py"))


def tasks_in(path) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    tree = parse_file(path)
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            and any(ast.unparse(d).split("(")[0] in ("task", "prefect.task") for d in n.decorator_list)]


def test_every_task_returns_a_typed_result():
    found, untyped = 0, {}
    for path in (REPO / "tasks").rglob("*.py"):
        for fn in tasks_in(path):
            found += 1
            returns = ast.unparse(fn.returns) if fn.returns else "(none)"
            if returns == "(none)" or returns.split("[")[0] in UNTYPED:
                untyped[f"{path.relative_to(REPO)}:{fn.name}"] = returns
    assert found >= 9, "the response's tasks are found"
    assert untyped == {}


@pytest.mark.parametrize("module", THIN)
def test_flows_and_response_tasks_query_only_through_store_functions(module):
    tree = parse_file(REPO / module)
    inline = [ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.Call) and (
        (isinstance(n.func, ast.Name) and n.func.id in ("select", "update", "delete", "text")) or
        (isinstance(n.func, ast.Attribute) and n.func.attr in ("exec", "execute", "query", "get", "add", "add_all")
         and isinstance(n.func.value, ast.Name) and n.func.value.id == "session"))]
    assert inline == []
