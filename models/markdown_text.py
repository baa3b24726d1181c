"""Pure: text from the directory or an operator made safe to put into a Markdown document.

    md_text(value)   prose: every character Markdown (CommonMark, GFM, Python-Markdown) could read as markup
                     becomes its numeric character reference, so `<script>` stays text, `*x*` is no emphasis,
                     `# x` on its own line is no heading and a `|` cuts no table row; line breaks are kept
    md_cell(value)   a value inside a line (a table cell, after a heading's `#`, a bold label): the same
                     characters escaped, line breaks as spaces; a marker that only opens a block at the start
                     of a line (`+`, `-`, `1.`) is left as it is, since the value never starts one

Both are the templates' filters `md_text` and `md_cell` (models.templating.sandbox registers them). They return
`markupsafe.Markup`, so an HTML-autoescaping environment does not escape the references a second time; an
entity is shown as its character by every Markdown renderer and by the browser.
"""

from __future__ import annotations

import re

from markupsafe import Markup

# Characters that are markup wherever they stand: HTML, emphasis, code, links, strikethrough, table pipes.
_INLINE = {c: f"&#{ord(c)};" for c in "\\`*_[]|~"} | {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_INLINE_RE = re.compile("[" + re.escape("".join(_INLINE)) + "]")
# What starts a block at the beginning of a line: a heading, a list item, a quote (`>` is escaped anyway),
# a setext underline or thematic break, an ordered item ("1." / "1)").
_LINE_START = re.compile(r"^(?:([#+=-])|(\d+)([.)]))")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _inline(text: str) -> str:
    return _INLINE_RE.sub(lambda m: _INLINE[m.group(0)], text)


def _line(line: str) -> str:
    line = line.lstrip(" \t")  # four spaces would open a code block
    start = _LINE_START.match(line)
    escaped = _inline(line)
    if start is None:
        return escaped
    if start.group(1):
        return f"&#{ord(start.group(1))};" + escaped[1:]
    digits = start.group(2)
    return f"{digits}&#{ord(start.group(3))};" + escaped[len(digits) + 1:]


def md_text(value: object) -> Markup:
    """`value` as Markdown prose that says exactly what was typed (its line breaks kept)."""
    text = "" if value is None else str(value)
    return Markup("\n".join(_line(line) for line in _LINE_BREAK.split(text)))


def md_cell(value: object) -> Markup:
    """`value` on one line of Markdown: a table cell, a heading, an inline label."""
    text = "" if value is None else str(value)
    return Markup(" ".join(_inline(line.strip()) for line in _LINE_BREAK.split(text) if line.strip()))
