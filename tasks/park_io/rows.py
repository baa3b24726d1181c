"""From a park file to rows: reading CSV or YAML, keeping where each value came from, validating a row.

    read_text(path)                        the file's text (UTF-8), or a refusal naming it
    file_kind(path)                        "csv" | "yaml" from the suffix
    csv_rows / yaml_rows                   the records of a file as `Row`s (values + line numbers)
    load_yaml(path, text, sections)        a YAML park file, only the sections it may have
    validate_row(model, row, path, errors) a pydantic model from a row, each problem a RowError
    Strict                                 mixin: refuse unknown fields

Pure: no database, no Prefect. Every problem is collected as a RowError; nothing raises half-way through a
file except what makes the rest unreadable.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from models.errors import ImportRejected, InputError, RowError
from models.safe_yaml import Mapping, YAMLLoadError, decode_utf8, load_yaml_text


@dataclass
class Row:
    """One record of a file: its values and where each came from."""

    values: dict[str, Any]
    line: int
    marks: dict[str, int] = field(default_factory=dict)

    def at(self, name: str) -> int:
        return self.marks.get(name, self.line)


def read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = decode_utf8(raw, str(path))
    except YAMLLoadError as exc:
        raise ImportRejected([RowError(str(path), exc.line, "", exc.message)]) from None
    if not text.strip():
        raise ImportRejected([RowError(str(path), 0, "", "empty file; nothing to import")])
    return text


def file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    raise InputError(f"{path}: unknown file type `{suffix or '(none)'}`; use .csv, .yaml or .yml")


def csv_rows(path: Path, text: str, columns: list[str], errors: list[RowError]) -> list[Row]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    unknown = [h for h in header if h not in columns]
    if unknown:
        errors.append(RowError(str(path), 1, ", ".join(unknown), f"unknown column(s); expected {', '.join(columns)}"))
        return []
    rows = []
    for record in reader:
        line = reader.line_num
        if None in record:
            errors.append(RowError(str(path), line, "", "more values than columns"))
            continue
        values = {k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in record.items()}
        rows.append(Row({k: v for k, v in values.items() if v not in ("", None)}, line))
    if not rows and not errors:
        errors.append(RowError(str(path), 1, "", "no data rows after the header"))
    return rows


def yaml_rows(path: Path, doc: Any, section: str, errors: list[RowError]) -> list[Row]:
    items = doc.get(section) if isinstance(doc, dict) else None
    if items is None:
        return []
    if not isinstance(items, list):
        line = doc.mark(section)[0] if isinstance(doc, Mapping) else 0
        errors.append(RowError(str(path), line, section, "must be a list"))
        return []
    rows = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            errors.append(RowError(str(path), 0, f"{section}[{i}]", "must be a mapping of fields"))
            continue
        rows.append(Row(dict(item), item.line, {k: m[0] for k, m in item.key_marks.items()}))
    return rows


def load_yaml(path: Path, text: str, sections: Iterable[str], optional: Iterable[str] = ()) -> Mapping:
    """A YAML park file: a mapping with one of `sections` at least, and `optional` ones besides."""
    try:
        doc = load_yaml_text(text, str(path))
    except YAMLLoadError as exc:
        raise ImportRejected([RowError(str(path), exc.line, "", exc.message)]) from None
    if not isinstance(doc, Mapping) or not any(s in doc for s in sections):
        raise ImportRejected([RowError(str(path), 1, "", f"expected a mapping with {' / '.join(sections)}")])
    unknown = [k for k in doc if k not in (*sections, *optional, "sample")]
    if unknown:
        raise ImportRejected(
            [RowError(str(path), doc.mark(k)[0], str(k), f"unknown section; expected {', '.join(sections)}") for k in unknown]
        )
    return doc


def validate_row(model: type[BaseModel], row: Row, path: Path, errors: list[RowError], prefix: str = ""):
    try:
        return model.model_validate(row.values)
    except ValidationError as exc:
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "(row)"
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown field"
            elif err["type"] == "enum" and "ctx" in err:
                message = f"`{err.get('input')}` is not one of {err['ctx'].get('expected')}"
            elif "input" in err and err["type"] not in ("missing",):
                message = f"{message} (got `{err['input']}`)"
            errors.append(RowError(str(path), row.at(str(err["loc"][0]) if err["loc"] else ""), prefix + name, message))
        return None


class Strict:
    """Mixin for the import models: unknown fields are refused."""

    model_config = {"extra": "forbid"}
