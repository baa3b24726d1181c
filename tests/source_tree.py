"""Parse the project's own sources for the tests that read code (architecture, texts, task contracts).

CPython 3.11 keeps the AST constructor's recursion counter in state shared by every thread
(python/cpython#106905): when another thread of the test process (Prefect's loops, a cancelled
chase finishing) builds an AST at the same moment, `ast.parse` can raise a spurious
`SystemError: AST constructor recursion depth mismatch`. The source is fine; parsing it again
succeeds. Each file is parsed once per session.
"""
from __future__ import annotations

import ast
import functools
from pathlib import Path

ATTEMPTS = 5


def parse_source(source: str) -> ast.Module:
    """The module's tree, parsing again when 3.11's shared AST counter was raced."""
    for attempt in range(ATTEMPTS):
        try:
            return ast.parse(source)
        except SystemError as exc:
            if "recursion depth mismatch" not in str(exc) or attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@functools.cache
def _parse_cached(path: str, mtime_ns: int) -> ast.Module:
    return parse_source(Path(path).read_text(encoding="utf-8"))


def parse_file(path: Path | str) -> ast.Module:
    """The tree of one source file (cached while the file is unchanged; do not mutate it)."""
    path = Path(path)
    return _parse_cached(str(path.resolve()), path.stat().st_mtime_ns)
