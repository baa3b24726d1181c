"""An iCalendar file's lines as a person sees them in an editor: where each content line and VEVENT begins. Pure.

    content_lines(text) → [ContentLine(line, text)]   unfolded (RFC 5545 §3.1), each at its first physical line
    syntax_errors(lines, file) → [RowError]            what icalendar would refuse or misread, at its line
    vevent_lines(lines) → [int]                        the physical line of each BEGIN:VEVENT, in file order

A physical line ends at LF (CRLF or LF alone); one that begins with a space or a tab continues the one before,
so a folded line counts as all the physical lines it spans. Checked before icalendar parses the text (it does
not say where a problem is): each content line has a name and a `:` (`Contentline.parts`), the first is
BEGIN:VCALENDAR, every BEGIN has its END and every END its BEGIN. The first line that cannot be parsed is
reported (with how many more there are), not each of a garbage file's lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from icalendar.parser import Contentline

from models.errors import RowError


@dataclass(frozen=True)
class ContentLine:
    line: int
    text: str

    @property
    def name_value(self) -> tuple[str, str]:
        name, _, value = self.text.partition(":")
        return name.strip().upper(), value.strip().upper()


def content_lines(text: str) -> list[ContentLine]:
    out: list[ContentLine] = []
    for number, raw in enumerate(text.split("\n"), 1):
        raw = raw.removesuffix("\r")
        if raw[:1] in (" ", "\t") and out:
            out[-1] = ContentLine(out[-1].line, out[-1].text + raw[1:])
        elif raw.strip():
            out.append(ContentLine(number, raw))
    return out


def syntax_errors(lines: list[ContentLine], file: str) -> list[RowError]:
    if not lines:
        return [RowError(file, 0, "", "empty file; nothing to import")]
    if lines[0].name_value != ("BEGIN", "VCALENDAR"):
        return [RowError(file, lines[0].line, "", "not an iCalendar file: it must begin with BEGIN:VCALENDAR; "
                                                  "export the calendar as .ics")]
    bad = []
    for cl in lines:
        try:
            Contentline(cl.text).parts()
        except ValueError:
            bad.append(cl)
    if bad:
        more = f" (and {len(bad) - 1} more such line(s))" if len(bad) > 1 else ""
        shown = bad[0].text if len(bad[0].text) <= 60 else bad[0].text[:57] + "…"
        return [RowError(file, bad[0].line, "", f"not an iCalendar content line `{shown}`: each line is NAME:value "
                                                f"(a folded line starts with a space){more}")]
    return _nesting(lines, file)


def _nesting(lines: list[ContentLine], file: str) -> list[RowError]:
    stack: list[tuple[str, int]] = []
    for cl in lines:
        name, value = cl.name_value
        if name == "BEGIN":
            stack.append((value, cl.line))
        elif name == "END":
            if not stack:
                return [RowError(file, cl.line, "", f"END:{value} without a BEGIN:{value}; remove it")]
            if stack[-1][0] != value:
                what, at = stack[-1]
                return [RowError(file, cl.line, "", f"END:{value} but BEGIN:{what} of line {at} is still open; "
                                                    f"add END:{what} before it")]
            stack.pop()
        elif not stack:
            return [RowError(file, cl.line, "", f"`{name}` outside BEGIN:VCALENDAR … END:VCALENDAR; remove it")]
    if stack:
        what, at = stack[-1]
        return [RowError(file, at, "", f"BEGIN:{what} is never closed; add END:{what}")]
    return []


def vevent_lines(lines: list[ContentLine]) -> list[int]:
    return [cl.line for cl in lines if cl.name_value == ("BEGIN", "VEVENT")]
