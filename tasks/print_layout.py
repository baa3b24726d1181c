"""The printable assessment's HTML, laid out like a Chinese official document (公文, GB/T 9704): pure.

    document_number(incident_id, *, year, code, lang)  the 文号 line: 安泽化园应急评〔2026〕11290001号 (zh) /
                        Ref. 安泽化园应急评 [2026] No. 11290001 (en): year, month, day and sequence from an id
                        INC-YYYYMMDD-NNNN; another id gives its trailing digits (or itself) and the incident's year
    issuer_code(park_name_zh)  the issuer's code of the 文号 derived from the park's name: 安泽 + 化园 + 应急评
    chinese_numeral(n)  1 → 一, 10 → 十, 21 → 二十一 (1–99)
    body_of(html)       what is inside <body> of the assessment's HTML page
    styles_of(html)     the page's own <style> sheets (its figures' classes among them): the print page keeps
                        them, its print styles after them win for the page, the fonts and the body
    styled_svgs(body, styles)  each inline <svg> given the page's sheets as its own <style>: WeasyPrint draws
                        an inline SVG with the SVG's own styles only, never the document's, where a browser
                        applies both (a figure styled by the page's classes prints as the board shows it)
    number_headings(body, lang)  the sections (<h2>) numbered 一、二、… (zh) / 1. 2. … (en), whatever numbers
                        they carried; the report's own <h1> dropped (the print header carries the title)
    print_html(templates_dir, page)  the whole print document (templates/assessment-print.html.j2, sandboxed,
                        autoescaped; the body, already HTML, kept as it is: inline <svg> figures included)

    print_page(*, html, incident_id, reported_at, drill, park, lang, code=None) → PrintPage: what the header
                        and footer show, its words from the catalogue (the 文号's form and the section numbers too:
                        `{number:zh}、` in Chinese, `SectionNumber`)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from models.i18n import language, localized, tr
from models.types import local_time, park_today
from tasks.documents import environment

PRINT_TEMPLATE = "assessment-print.html.j2"
_DAY_ID = re.compile(r"(\d{4})(\d{2})(\d{2})-(\d{1,6})$")
_TRAILING = re.compile(r"(\d+)$")
_BODY = re.compile(r"<body\b[^>]*>(.*)</body>", re.S | re.I)
_HEAD = re.compile(r"<head\b[^>]*>(.*?)</head>", re.S | re.I)
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.S | re.I)
_SVG_OPEN = re.compile(r"<svg\b[^>]*(?<!/)>", re.I)
_H1 = re.compile(r"<h1\b[^>]*>.*?</h1>\s*", re.S | re.I)
_H2 = re.compile(r"<h2\b([^>]*)>(.*?)</h2>", re.S | re.I)
_OLD_NUMBER = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|\d+\s*[.、．)])\s*")
_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class PrintPage:
    """What the print header and footer show, in the report's language."""

    lang: str
    issuer: str  # the park's name, in red at the top
    title: str  # {park}突发事件应急处置评估报告
    number: str  # the 文号 line
    incident_line: str  # 事件编号：INC-…
    drill_mark: str  # 演练 / DRILL, or "" for a real incident
    body: str  # the assessment's HTML body, sections numbered
    styles: tuple[str, ...] = ()  # the web page's own style sheets


def chinese_numeral(n: int) -> str:
    if not 1 <= n <= 99:
        raise ValueError(f"section number {n}: only 1–99 are written in Chinese numerals here")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def issuer_code(park_name_zh: str) -> str:
    """安泽经济技术开发区化工园区 → 安泽化园应急评: the first two characters of the name, 化园 for a 化工园区,
    应急评 (emergency-response assessment) for the kind of document."""
    name = park_name_zh.strip()
    return name[:2] + ("化园" if "化工园区" in name else "") + "应急评"


class SectionNumber(int):
    """A section's number whose form the translation chooses: `{number:zh}` → 三 (Chinese numerals), `{number}` → 3."""

    def __format__(self, spec: str) -> str:
        return chinese_numeral(self) if spec == "zh" else int.__format__(self, spec)


def document_number(incident_id: str, *, year: int, code: str, lang: str) -> str:
    day = _DAY_ID.search(incident_id)
    if day:
        year = int(day[1])
        serial = str(int(day[2] + day[3] + f"{int(day[4]):04d}"))  # MMDD + sequence: one number a year, reversible
    else:
        trailing = _TRAILING.search(incident_id)
        serial = str(int(trailing[1])) if trailing else incident_id
    return tr(lang, "Ref. {code} [{year}] No. {number}", code=code, year=year, number=serial)


def body_of(html: str) -> str:
    found = _BODY.search(html)
    return (found[1] if found else html).strip()


def styles_of(html: str) -> tuple[str, ...]:
    head = _HEAD.search(html)
    return tuple(m[1].strip() for m in _STYLE.finditer(head[1])) if head else ()


def styled_svgs(body: str, styles: tuple[str, ...]) -> str:
    """Inside an SVG's <style> the HTML parser reads markup, so a sheet holding `<` or `&` is left out."""
    sheet = "\n".join(s for s in styles if "<" not in s and "&" not in s)
    if not sheet:
        return body
    return _SVG_OPEN.sub(lambda m: f"{m[0]}<style>{sheet}</style>", body)


def number_headings(body: str, lang: str) -> str:
    """Every <h2> numbered in order; the first <h1> (the web page's title) removed."""
    body = _H1.sub("", body, count=1)
    count = 0

    def renumber(match: re.Match) -> str:
        nonlocal count
        count += 1
        label = tr(lang, "{number}.", number=SectionNumber(count))
        text = _OLD_NUMBER.sub("", match[2], count=1)
        return f'<h2{match[1]}><span class="no">{label}</span>{text}</h2>'

    return _H2.sub(renumber, body)


def print_page(*, html: str, incident_id: str, reported_at: datetime | None, drill: bool, park: dict[str, str],
               lang: str, code: str | None = None) -> PrintPage:
    """The print page of an assessment's HTML (the stored record's, or rendered in `lang`); `park` has the
    park's `name_zh` and `name_en` (tasks.response.runtime.park_context)."""
    lang = language(lang)
    name = localized(lang, park, "name")
    year = int(local_time(reported_at, "%Y")) if reported_at else park_today().year
    return PrintPage(
        lang=lang, issuer=name,
        title=tr(lang, "{park}: assessment of the emergency response", park=name),
        number=document_number(incident_id, year=year, code=code or issuer_code(park["name_zh"]), lang=lang),
        incident_line=tr(lang, "Incident {incident}", incident=incident_id),
        drill_mark=tr(lang, "DRILL") if drill else "",
        body=styled_svgs(number_headings(body_of(html), lang), styles_of(html)), styles=styles_of(html))


def print_html(templates_dir: Path, page: PrintPage) -> str:
    env = environment(templates_dir, html=True)
    return env.get_template(PRINT_TEMPLATE).render(page=page)
