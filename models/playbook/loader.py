"""Reading playbook files: syntax (the safe YAML loader) and schema (pydantic), every problem an `Issue`.

    read_source(path)    → Source(file, raw data or None, issues)  — syntax: size, UTF-8, YAML, duplicates
    check_schema(source) → PlaybookFile or None, issues             — schema: fields, types, allowed values

Positions come from the safe loader's marks: each issue points at the key that holds the bad value.
"""

from __future__ import annotations

import hashlib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from models.did_you_mean import did_you_mean
from models.playbook.errors import Issue, IssueKind
from models.playbook.schema import (
    ID_PATTERN,
    PLAYBOOK_ID_PATTERN,
    RESOURCE_CODE_PATTERN,
    TEMPLATE_NAME_PATTERN,
    PlaybookFile,
)
from models.safe_yaml import Mapping, YAMLLoadError, decode_utf8, load_yaml_text
from models.text_file import FileRefused, read_bytes

FIELD_HINTS = {  # by field name: what a valid value looks like
    "id": "use lower-case letters, digits and hyphens, e.g. `rescue-scba`",
    "resource_type": "a resource type code has 7 digits, e.g. `2010101`",
    "template": "a template name is the file name without `.<lang>.md.j2`, e.g. `upward-report`",
    "notice_template": "a template name is the file name without `.<lang>.md.j2`, e.g. `group-activation`",
}
PATTERN_HINTS = {
    ID_PATTERN: "use lower-case letters, digits and hyphens, e.g. `rescue-scba`",
    PLAYBOOK_ID_PATTERN: "use lower-case letters, digits and hyphens, e.g. `hazmat-leak`",
    RESOURCE_CODE_PATTERN: FIELD_HINTS["resource_type"],
    TEMPLATE_NAME_PATTERN: FIELD_HINTS["template"],
}


@dataclass
class Source:
    path: Path
    file: str  # as shown in messages
    data: Any = None
    digest: str = ""
    issues: list[Issue] = field(default_factory=list)


def read_source(path: Path, shown: str | None = None) -> Source:
    shown = shown or str(path)
    source = Source(path=path, file=shown)
    try:
        raw = read_bytes(path, shown=shown)  # a regular file of at most 1 MiB, or refused unread
        source.digest = hashlib.sha256(raw).hexdigest()
        source.data = load_yaml_text(decode_utf8(raw, shown), shown)
    except FileRefused as exc:
        source.issues.append(Issue(IssueKind.syntax, shown, exc.line, exc.col, "", exc.message))
    return source


def read_text_source(text: str, shown: str = "<string>") -> Source:
    source = Source(path=Path(shown), file=shown, digest=hashlib.sha256(text.encode("utf-8", "replace")).hexdigest())
    try:
        source.data = load_yaml_text(text, shown)
    except YAMLLoadError as exc:
        source.issues.append(Issue(IssueKind.syntax, shown, exc.line, exc.col, "", exc.message))
    return source


# ------------------------------------------------------------------------------------------- positions


def mark_at(data: Any, loc: tuple) -> tuple[int, int]:
    """Line and column of the deepest key along `loc` (1-based; the document start when none)."""
    best = (data.line, data.col) if isinstance(data, Mapping) else (1, 1)
    node = data
    for part in loc:
        if isinstance(node, Mapping) and part in node:
            best = node.key_marks.get(part, best)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            if isinstance(node, Mapping):
                best = (node.line, node.col)
        else:
            break
    return best


def dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# ---------------------------------------------------------------------------------------------- schema


def _unwrap(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(tp) for t in _unwrap(arg) if t is not type(None)]
    return [tp]


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The model class that holds the field at the end of `loc` (for listing the valid field names)."""
    current: Any = PlaybookFile
    for part in loc:
        candidates = _unwrap(current)
        nxt = None
        for cand in candidates:
            origin = typing.get_origin(cand)
            if isinstance(cand, type) and issubclass(cand, BaseModel) and isinstance(part, str):
                info = cand.model_fields.get(part)
                nxt = info.annotation if info else None
            elif origin is list and isinstance(part, int):
                nxt = typing.get_args(cand)[0]
            elif origin is dict and isinstance(part, str):
                nxt = typing.get_args(cand)[1]
            if nxt is not None:
                break
        if nxt is None:
            return None
        current = nxt
    for cand in _unwrap(current):
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            return cand
    return None


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    text = str(value)
    return f"`{text[:40]}`" + ("…" if len(text) > 40 else "")


def _message(err: dict) -> tuple[tuple, str]:
    loc, kind, value, ctx = tuple(err["loc"]), err["type"], err.get("input"), err.get("ctx") or {}
    if loc and loc[-1] == "[key]":
        loc = loc[:-1]
        key = loc[-1] if loc else value
        expected = ctx.get("expected", "")
        return loc, f"`{key}` is not allowed here; choose {expected}" if expected else f"bad key `{key}`: {err['msg']}"
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        names = sorted(model.model_fields) if model else []
        hint = did_you_mean(str(loc[-1]), names)
        if " " in str(loc[-1]).strip():
            hint = "; a comma inside `{…}` ends the text before it: put the text in quotes"
        return loc, f"unknown field `{loc[-1]}`{hint} (valid: {', '.join(names)})"
    if kind == "missing":
        return loc, f"missing required field `{loc[-1]}`"
    if kind == "literal_error":
        return loc, f"{_describe(value)} is not allowed; choose {ctx.get('expected', '')}"
    if kind == "string_pattern_mismatch":
        hint = FIELD_HINTS.get(str(loc[-1]) if loc else "") or PATTERN_HINTS.get(
            ctx.get("pattern", ""), f"must match {ctx.get('pattern')}")
        return loc, f"{_describe(value)} is not a valid value; {hint}"
    wanted = {
        "string_type": "text", "int_type": "a whole number", "float_type": "a number", "bool_type": "true or false",
        "list_type": "a list", "dict_type": "a mapping", "model_type": "a mapping", "model_attributes_type": "a mapping",
    }.get(kind)
    if wanted:
        return loc, f"expected {wanted}, got {_describe(value)}"
    return loc, f"{err['msg']} (got {_describe(value)})"


def check_schema(source: Source) -> tuple[PlaybookFile | None, list[Issue]]:
    data = source.data
    if not isinstance(data, Mapping):
        return None, [Issue(IssueKind.schema, source.file, 1, 1, "",
                            f"a playbook is a mapping of fields (id, title_zh, levels…), got {_describe(data)}")]
    try:
        return PlaybookFile.model_validate(data), []
    except ValidationError as exc:
        issues = []
        for err in exc.errors(include_url=False):
            loc, message = _message(err)
            line, col = mark_at(data, loc)
            issues.append(Issue(IssueKind.schema, source.file, line, col, dotted(loc), message))
        return None, issues
