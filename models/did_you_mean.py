""""Did you mean …?": the one hint for a misspelt name, in every message that refuses an unknown choice.

    did_you_mean(word, choices) → "; did you mean `xfjydd`?"  or ""
        names={code: name}      → "; did you mean `xfjydd` (消防救援大队)?"  (the name when it has one)
        prefix=True             a choice that starts with `word` (a code cut short, 3+ characters) comes first
        cutoff=0.6              how alike the two must be (difflib's ratio, 0…1)
        list_up_to=12           nothing close: "; known: a, b, c" when there are at most that many choices

Callers append it to their message: f"unknown unit `{code}`{did_you_mean(code, units)}".
The similarity is the standard library's `difflib.get_close_matches`. Pure: no I/O.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping


def closest(word: str, choices: Iterable[str], *, cutoff: float = 0.6, prefix: bool = False) -> str | None:
    """The nearest choice to `word`, or None when nothing is alike enough."""
    options = list(choices)
    word = str(word)
    if prefix and len(word) >= 3:
        starts = sorted((c for c in options if c.startswith(word)), key=len)  # ties: in the order given
        if starts:
            return starts[0]
    close = difflib.get_close_matches(word, sorted(options), n=1, cutoff=cutoff)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str], *, names: Mapping[str, str] | None = None,
                 cutoff: float = 0.6, prefix: bool = False, list_up_to: int = 0) -> str:
    """The hint to append to a message about an unknown `word` (see the module docstring), or ""."""
    options = list(choices)
    best = closest(word, options, cutoff=cutoff, prefix=prefix)
    if best is not None:
        name = (names or {}).get(best)
        return f"; did you mean `{best}` ({name})?" if name else f"; did you mean `{best}`?"
    if 0 < len(options) <= list_up_to:
        return f"; known: {', '.join(sorted(options))}"
    return ""
