"""CSV cells a spreadsheet would run as formulas (CSV injection, OWASP), refused on import, escaped on export.

    is_formula(text)   a cell starting with `=`, `@`, tab or CR, or with `+`/`-` not followed by a plain number
    escape(text)       export: `'` before a formula (and before an already escaped one), else unchanged
    unescape(text)     import: the inverse of escape; a formula without its `'` → FormulaRefused

The rule: OWASP's list of first characters, except that `+` or `-` followed only by digits, spaces and
`( ) . / -` is a number or a phone number (`+447700900000`, `-12.5`, `+44 (0)20 7946 0000`): a spreadsheet
can only compute a number from it — no function, no cell reference, no DDE — so it stays as it is and a
phone keeps its `+`. Everything else starting with those characters gets the `'` that spreadsheets read as
"this is text", and `unescape` takes it off again, so an exported file imports to the same values.
Pure: no database, no Prefect.
"""

from __future__ import annotations

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_LIKE = re.compile(r"[+-][0-9 ().\-/]*[0-9][0-9 ().\-/]*")


class FormulaRefused(ValueError):
    pass


def is_formula(text: str) -> bool:
    head = text.lstrip(" ")
    return head.startswith(TRIGGERS) and not _NUMBER_LIKE.fullmatch(head)


def _is_escaped(text: str) -> bool:
    """One `'` or more, then a formula: what `escape` makes."""
    rest = text.lstrip("'")
    return rest != text and is_formula(rest)


def escape(text: str) -> str:
    return "'" + text if is_formula(text) or _is_escaped(text) else text


def unescape(text: str) -> str:
    if _is_escaped(text):
        return text[1:]
    if is_formula(text):
        shown = text[:40] + ("…" if len(text) > 40 else "")
        raise FormulaRefused(f"`{shown}` would run as a spreadsheet formula; put a ' before it to keep it as text")
    return text
