"""From a park file to rows: reading CSV or YAML, keeping where each value came from, validating a row.

    read_text(path)                        the file's text (UTF-8), or a refusal naming it
    file_kind(path)                        "csv" | "yaml" from the suffix
    csv_rows / yaml_rows                   the records of a file as `Row`s (values + line numbers); a CSV cell
                                           that is a formula is refused (tasks.park_io.cells)
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
from models.safe_yaml import Mapping, YAMLLoadError, load_yaml_text
from models.text_file import FileRefused, check_value, read_text_file
from tasks.park_io.cells import FormulaRefused, unescape


@dataclass
class Row:
    """One record of a file: its values and where each came from."""

    values: dict[str, Any]
    line: int
    marks: dict[str, int] = field(default_factory=dict)

    def at(self, name: str) -> int:
        return self.marks.get(name, self.line)


def read_text(path: Path) -> str:
    """The file's text within models.text_file's limits (a regular file, 1 MiB, UTF-8, no NUL), or a refusal."""
    try:
        text = read_text_file(path)
    except FileRefused as exc:
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
    """The data rows of a CSV file; a bad header (unknown or repeated columns) refuses them all."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        errors.append(RowError(str(path), 1, "", f"not valid CSV: {exc}"))
        return []
    unknown = [h for h in header if h not in columns]
    if unknown:
        errors.append(RowError(str(path), 1, ", ".join(unknown), f"unknown column(s); expected {', '.join(columns)}"))
        return []
    repeated = sorted({h for h in header if header.count(h) > 1}, key=header.index)
    if repeated:
        errors += [RowError(str(path), 1, h, f"column given {header.count(h)} times; give each column once")
                   for h in repeated]
        return []
    rows = []
    try:
        for record in reader:
            line = reader.line_num
            if None in record:
                errors.append(RowError(str(path), line, "", "more values than columns"))
                continue
            values = {k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in record.items()}
            values = _cells(path, line, {k: v for k, v in values.items() if v not in ("", None)}, errors)
            if values is not None:
                rows.append(Row(values, line))
    except csv.Error as exc:
        errors.append(RowError(str(path), reader.line_num, "", f"not valid CSV: {exc}"))
        return []
    if not rows and not errors:
        errors.append(RowError(str(path), 1, "", "no data rows after the header"))
    return rows


def _cells(path: Path, line: int, values: dict[str, str], errors: list[RowError]) -> dict[str, str] | None:
    """A CSV row's values with export's `'` escapes taken off; None when a cell is a formula (tasks.park_io.cells)."""
    out, bad = {}, False
    for name, value in values.items():
        try:
            out[name] = unescape(value)
        except FormulaRefused as exc:
            errors.append(RowError(str(path), line, name, str(exc)))
            bad = True
    return None if bad else out


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
    """The row as `model`, or None with each problem in `errors`: what pydantic refuses, and what a database
    cannot store (models.text_file.check_value: numbers beyond 64 bits or not finite, NUL, deep nesting)."""
    try:
        record = model.model_validate(row.values)
    except ValidationError as exc:
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "(row)"
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown field"
            elif err["type"] == "enum" and "ctx" in err:
                message = f"`{_shown(err.get('input'))}` is not one of {err['ctx'].get('expected')}"
            elif "input" in err and err["type"] not in ("missing",):
                message = f"{message} (got `{_shown(err['input'])}`)"
            errors.append(RowError(str(path), row.at(str(err["loc"][0]) if err["loc"] else ""), prefix + name, message))
        return None
    bad = [(name, problem) for name, value in record if (problem := check_value(value))]
    for name, problem in bad:
        errors.append(RowError(str(path), row.at(name), prefix + name, problem))
    return None if bad else record


def _shown(value: Any, width: int = 40) -> str:
    text = str(value)
    return text if len(text) <= width else text[:width] + "…"


class Strict:
    """Mixin for the import models: unknown fields are refused."""

    model_config = {"extra": "forbid"}
