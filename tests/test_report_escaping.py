"""Text from the directory or an operator is escaped for its format (issue 10, item 10): a `|` cuts no Markdown
table row, raw HTML reaches neither the `.md` file (nor the Prefect artifact, the same text) nor the HTML file,
a line break or a `#` opens no new block — in the assessment and in the upward report, in both languages."""

from __future__ import annotations

import copy
import re

import markdown
import pytest

from models.markdown_text import md_cell, md_text
from models.settings import REPO_ROOT
from models.templating import FILE_CONTEXT, check_template_file
from tasks.documents import render_html, render_markdown
from tasks.response.runtime import render_file
from tests.test_assessment import context

TEMPLATES = REPO_ROOT / "templates"
HOSTILE = "A | B <script>alert(1)</script>\n# 标题 *粗* [链接](http://x) `code`\n| x | y |\n    indented"
CELL = re.compile(r"(?<!\\)\|")  # an unescaped pipe: a cell boundary


def table_rows(md: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith("|")]


def assert_tables_whole(md: str) -> None:
    """Every row of every table has as many cells as its header row."""
    width = None
    for line in md.splitlines():
        if not line.startswith("|"):
            width = None
            continue
        cells = len(CELL.findall(line))
        width = width or cells
        assert cells == width, line


def assert_no_markup_from(md: str) -> None:
    assert "<script" not in md and "*粗*" not in md and "](http" not in md
    html = markdown.markdown(md, extensions=["tables"])
    assert "<script" not in html and "<h1>标题" not in html and "<em>" not in html and "<a " not in html
    assert "<code>code</code>" not in html


def test_the_filters_keep_the_words_and_drop_the_markup():
    assert md_cell("A | B\nC") == "A &#124; B C"
    assert md_cell("<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"
    assert md_text("first\n# second\n1. third\n- fourth\n    code") == \
        "first\n&#35; second\n1&#46; third\n&#45; fourth\ncode"
    assert md_cell("应急局") == "应急局" and md_cell(None) == "" and md_cell("+447700900006") == "+447700900006"
    html = markdown.markdown(f"| h |\n|---|\n| {md_cell(HOSTILE)} |", extensions=["tables"])
    assert html.count("<td>") == 1 and "A &#124; B &lt;script&gt;" in html  # one cell, shown as typed


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_assessment_markdown_and_html_escape_hostile_text(lang):
    ctx = context(lang, description=HOSTILE)
    ctx["enterprise_name"] = HOSTILE
    ctx["plan_title"] = HOSTILE
    ctx["timeline"][0].actor = HOSTILE
    ctx["timeline"][0].text = HOSTILE
    md = render_markdown(TEMPLATES, "assessment", lang, ctx)
    assert_tables_whole(md)
    assert_no_markup_from(md)
    timeline = table_rows(md)[-1]
    assert len(CELL.findall(timeline)) == 4 and "A &#124; B &lt;script&gt;" in timeline
    html = render_html(TEMPLATES, "assessment", lang, ctx, title="t")
    assert "<script" not in html and "&amp;lt;" not in html and "&amp;#124;" not in html  # escaped once
    last = html.rsplit("<tr>", 1)[1]
    assert last.count("<td>") == 3 and "A &#124; B &lt;script&gt;alert(1)&lt;/script&gt;" in last


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_upward_report_escapes_hostile_text(lang):
    ctx = copy.deepcopy(FILE_CONTEXT)
    for key in ("enterprise_name", "place", "description", "chemical"):
        ctx["incident"][key] = HOSTILE
    ctx["report"]["measures"] = [HOSTILE]
    ctx["report"]["reporter_unit_name"] = HOSTILE
    md = render_file(TEMPLATES, "upward-report", lang, ctx)
    assert_tables_whole(md)
    assert_no_markup_from(md)
    assert len(table_rows(md)) == 2 + 6  # header, rule, six rows: no row was cut or added


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_report_without_a_reporter_phone_shows_no_empty_brackets(lang):
    ctx = copy.deepcopy(FILE_CONTEXT)
    ctx["report"]["reporter_name"], ctx["report"]["reporter_phone"] = "ParkLink", ""
    md = render_file(TEMPLATES, "upward-report", lang, ctx)
    assert "()" not in md and "（）" not in md and "ParkLink" in md
    assert "ParkLink\n" in md, "the next line (reported at) stays a line of its own"


def test_the_templates_still_validate_with_the_filters():
    assert check_template_file(TEMPLATES, "upward-report") == []
