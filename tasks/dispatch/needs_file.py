"""Reading a needs file (YAML or JSON) into `Need`s, listing every bad entry at once.

A needs file is a list of `{id, group, resource_type, quantity, urgency, role, deadline_min}` (`group` and
`deadline_min` optional), or a mapping `{at: "LAT,LON", needs: [...]}`. Refused, one line per problem,
nothing planned: an unknown resource type (with the nearest known code), a zero, negative or fractional
quantity, an urgency outside 1–3, a role other than primary | secondary, a duplicate id, an unknown
field, a position off the globe.

Pure: the catalogue's codes come in as a set. `at` is read by models.position.parse_position, the hints by
models.did_you_mean.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from models.allocation import ROLES, URGENCY_RANGE, Need, Position
from models.did_you_mean import did_you_mean
from models.errors import ImportRejected, RowError
from models.position import parse_position
from models.safe_yaml import Mapping, load_yaml_text
from models.text_file import INT64, MAX_DEPTH, FileRefused, check_value, read_text_file

MAX_DEADLINE_MIN = 366 * 24 * 60  # a year: beyond it a deadline means nothing (and NaN, inf are refused)
FIELDS = ("id", "group", "resource_type", "quantity", "urgency", "role", "deadline_min")
REQUIRED = ("id", "resource_type", "quantity", "urgency", "role")


class NeedsRejected(ImportRejected):
    """Every bad entry of a needs file (or of --at), one line each; nothing planned."""

    def __init__(self, errors: list[RowError]):
        super().__init__(errors)
        self.args = (f"{len(self.errors)} error(s); nothing was planned",)


def _int(value: Any) -> int | None:
    """A whole number within 64 bits, from a number or digits; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isascii() and value.strip().lstrip("+-").isdigit() \
            and len(value.strip().lstrip("+-0")) <= 19:
        value = int(value.strip())
    return value if isinstance(value, int) and not isinstance(value, bool) and INT64[0] <= value <= INT64[1] else None


def _too_big(value: Any) -> str | None:
    """The message for digits beyond 64 bits (shown shortened), else None."""
    digits = str(value).strip().lstrip("+-")
    if not (digits.isascii() and digits.isdigit()) or (len(digits.lstrip("0")) <= 19 and int(digits) <= INT64[1]):
        return None
    return f"`{digits[:20]}{'…' if len(digits) > 20 else ''}` is outside the 64-bit range"


def _entry(item: Any, index: int, file: str, known_types: set[str]) -> tuple[Need | None, list[RowError]]:
    row = item.line if isinstance(item, Mapping) else 0
    where = f"needs[{index}]"
    if not isinstance(item, dict):
        return None, [RowError(file, row, where, "each need must be a mapping with " + ", ".join(REQUIRED))]
    errors: list[RowError] = []

    def err(key: str, message: str) -> None:
        line = item.mark(key)[0] if isinstance(item, Mapping) else 0
        errors.append(RowError(file, line, f"{where}.{key}", message))

    for key in item:
        if key not in FIELDS:
            err(str(key), f"unknown field{did_you_mean(str(key), FIELDS) or '; expected ' + ', '.join(FIELDS)}")
    for key in REQUIRED:
        if item.get(key) in (None, ""):
            errors.append(RowError(file, row, f"{where}.{key}", "missing"))
    need_id = str(item.get("id", "")).strip()
    rtype = item.get("resource_type")
    if rtype not in (None, ""):
        rtype = str(rtype)
        if rtype not in known_types:
            hint = did_you_mean(rtype, known_types) or "; see `parklink inventory types`"
            err("resource_type", f"unknown resource type `{rtype}`{hint}")
    quantity = _int(item.get("quantity"))
    if item.get("quantity") not in (None, "") and (quantity is None or quantity <= 0):
        err("quantity", _too_big(item.get("quantity")) or f"`{item.get('quantity')}` must be a whole number greater than 0")
    urgency = _int(item.get("urgency"))
    lo, hi = URGENCY_RANGE
    if item.get("urgency") not in (None, "") and (urgency is None or not lo <= urgency <= hi):
        err("urgency", f"`{item.get('urgency')}` must be 1, 2 or 3 (1 is the most urgent)")
    role = item.get("role")
    if role not in (None, "") and role not in ROLES:
        err("role", f"`{role}` must be primary or secondary{did_you_mean(str(role), ROLES)}")
    deadline = item.get("deadline_min")
    if deadline is not None and (isinstance(deadline, bool) or not isinstance(deadline, int | float)
                                 or not 0 < deadline <= MAX_DEADLINE_MIN):
        err("deadline_min", f"`{deadline}` must be a number of minutes greater than 0 (at most {MAX_DEADLINE_MIN:,})")
        deadline = None
    group = item.get("group")
    if errors:
        return None, errors
    return Need(id=need_id, group=None if group is None else str(group), resource_type=rtype, quantity=quantity,
                urgency=urgency, role=role, deadline_min=None if deadline is None else float(deadline)), []


def parse_needs(data: Any, *, file: str, known_types: set[str]) -> tuple[list[Need], Position | None]:
    """Validate a loaded needs document; raise ImportRejected listing every bad entry."""
    position = None
    errors: list[RowError] = []
    if isinstance(data, dict):
        for key in data:
            if key not in ("at", "needs"):
                line = data.mark(key)[0] if isinstance(data, Mapping) else 0
                errors.append(RowError(file, line, str(key), "unknown top-level field; expected `at` and `needs`"))
        if data.get("at") is not None:
            line = data.mark("at")[0] if isinstance(data, Mapping) else 0
            position, bad = parse_position(data["at"], file=file, row=line, field="at")
            errors += bad
        data = data.get("needs")
    if not isinstance(data, list) or not data:
        raise NeedsRejected(errors + [RowError(file, 0, "needs", "expected a non-empty list of needs")])
    needs: list[Need] = []
    first_line: dict[str, int] = {}
    first_index: dict[str, int] = {}
    for index, item in enumerate(data):
        need, bad = _entry(item, index, file, known_types)
        errors += bad
        raw_id = str(item.get("id", "")).strip() if isinstance(item, dict) else ""
        line = item.line if isinstance(item, Mapping) else 0
        if raw_id and raw_id in first_line:
            where = f"line {first_line[raw_id]}" if first_line[raw_id] else f"needs[{first_index[raw_id]}]"
            errors.append(RowError(file, line, f"needs[{index}].id", f"duplicate id `{raw_id}` (first at {where})"))
        elif raw_id:
            first_line[raw_id], first_index[raw_id] = line, index
        if need is not None:
            needs.append(need)
    if errors:
        raise NeedsRejected(errors)
    return needs, position


def read_needs_file(path: Path | str, *, known_types: set[str]) -> tuple[list[Need], Position | None]:
    """Load and validate a YAML or JSON needs file."""
    path = Path(path)
    try:
        text = read_text_file(path)
        data = _load_json(text, str(path)) if path.suffix.lower() == ".json" else load_yaml_text(text, str(path))
    except FileRefused as exc:
        message = f"{exc.message} (column {exc.col})" if exc.col else exc.message
        raise NeedsRejected([RowError(str(path), exc.line, "", message)]) from None
    return parse_needs(data, file=str(path), known_types=known_types)


def _no_duplicates(file: str):
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise FileRefused(file, 0, 0, f"duplicate key `{key}` in a JSON object")
            out[key] = value
        return out
    return pairs


def _load_json(text: str, file: str) -> Any:
    """JSON within the same bounds as YAML: nesting, 64-bit whole numbers, finite numbers, no NUL."""
    def whole(digits: str) -> int:
        if len(digits.lstrip("-0")) > 19:
            raise FileRefused(file, 0, 0, "number outside the 64-bit range (±9,223,372,036,854,775,807)")
        return int(digits)

    try:
        data = json.loads(text, parse_int=whole, object_pairs_hook=_no_duplicates(file))
    except json.JSONDecodeError as exc:
        raise FileRefused(file, exc.lineno, exc.colno, f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise FileRefused(file, 0, 0, f"nested deeper than {MAX_DEPTH} levels") from None
    problem = check_value(data)
    if problem:
        raise FileRefused(file, 0, 0, problem)
    return data
