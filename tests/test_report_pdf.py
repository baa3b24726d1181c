"""The printable assessment (issue 15 item 5): `parklink report ID --format pdf`, a 公文 layout by WeasyPrint.

The print page is built by a pure function (numbering, 文号, header, drill mark, the body's figures kept); the
PDF is read back with poppler's pdftotext / pdftoppm, as a person's viewer would show it.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from models.settings import REPO_ROOT, get_settings
from tasks.print_layout import (
    chinese_numeral,
    document_number,
    issuer_code,
    number_headings,
    print_html,
    print_page,
    styled_svgs,
)
from tests.conftest import one_error_line
from tests.respond_support import run_drill

TEMPLATES = get_settings().templates_dir
PARK_ZH, PARK_EN = "安泽经济技术开发区化工园区", "Anze chemical park"
PARK = {"name_zh": PARK_ZH, "name_en": PARK_EN}
FIGURE = ('<figure id="fig-site-map"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" width="400" '
          'height="200"><rect class="zone" width="200" height="100"/><text x="20" y="50">ISOLATION-CIRCLE</text>'
          '</svg><figcaption>图 1 现场示意图</figcaption></figure>')
PAGE = ("<!doctype html><html><head><style>body { max-width: 60rem } .zone { fill: #00ff00 }</style></head><body>"
        "<h1>应急处置评估报告：INC-20261129-0007</h1><blockquote><p>演练</p></blockquote>"
        f"<h2>一、基本情况</h2><p>事发时间：2026-11-29</p>{FIGURE}<h2>二、关键指标</h2><h2>图示</h2></body></html>")


def needs(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is missing: install poppler-utils (Debian) to read PDFs back")


def pdf_text(path: Path) -> str:
    needs("pdftotext")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout


def has_page_number(text: str, n: int) -> bool:
    """The footer's "— n —" (pdftotext may drop the thin spaces around the number)."""
    return re.search(rf"—\s*{n}\s*—", text) is not None


def pdf_pages(path: Path) -> int:
    needs("pdfinfo")
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True, timeout=60).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def page(lang: str = "zh-CN", *, drill: bool = True, html: str = PAGE, incident: str = "INC-20261129-0007"):
    return print_page(html=html, incident_id=incident, reported_at=None, drill=drill, park=PARK, lang=lang)


# --- the print page, pure -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("n", "text"), [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (35, "三十五")])
def test_chinese_numerals(n, text):
    assert chinese_numeral(n) == text


def test_the_document_number_comes_from_the_incident_id():
    code = issuer_code(PARK_ZH)
    assert code == "安泽化园应急评"
    assert document_number("INC-20261129-0007", year=2030, code=code, lang="zh-CN") == "安泽化园应急评〔2026〕11290007号"
    assert document_number("INC-20260105-0012", year=2030, code=code, lang="zh-CN") == "安泽化园应急评〔2026〕1050012号"
    assert document_number("INC-20261129-0007", year=2030, code=code, lang="en") == "Ref. 安泽化园应急评 [2026] No. 11290007"
    assert document_number("INC-ACT-0003", year=2027, code=code, lang="zh-CN") == "安泽化园应急评〔2027〕3号"
    assert document_number("DRILL-A", year=2027, code="X", lang="zh-CN") == "X〔2027〕DRILL-A号"


def test_sections_are_numbered_whatever_they_carried():
    zh = number_headings("<h1>标题</h1><h2>一、基本情况</h2><h2>5. 关键指标</h2><h2>图示</h2>", "zh-CN")
    assert zh == ('<h2><span class="no">一、</span>基本情况</h2><h2><span class="no">二、</span>关键指标</h2>'
                  '<h2><span class="no">三、</span>图示</h2>')
    en = number_headings("<h2>1. Basic facts</h2><h3>Working groups</h3><h2>四、Figures</h2>", "en")
    assert en == '<h2><span class="no">1.</span>Basic facts</h2><h3>Working groups</h3><h2><span class="no">2.</span>Figures</h2>'


def test_the_print_page_has_the_header_the_numbers_and_the_figures():
    html = print_html(TEMPLATES, page())
    assert f'<p class="issuer">{PARK_ZH}</p>' in html
    assert f"<title>{PARK_ZH}突发事件应急处置评估报告</title>" in html
    assert "安泽化园应急评〔2026〕11290007号" in html and "事件编号：INC-20261129-0007" in html
    assert '<span class="drill">演练</span>' in html
    assert '<span class="no">三、</span>图示' in html and "应急处置评估报告：INC" not in html, "its own h1 gives way"
    sheet = "<style>body { max-width: 60rem } .zone { fill: #00ff00 }</style>"
    assert FIGURE.replace('height="200">', f'height="200">{sheet}', 1) in html, \
        "the body's inline SVG figure is kept, the page's style sheet given to it"
    own, printed = html.index(".zone { fill: #00ff00 }"), html.index("@page")
    assert own < printed, "the web page's style sheet (its figures' classes) is kept, the print styles after it"
    live = print_html(TEMPLATES, page("en", drill=False))
    assert "DRILL" not in live and 'class="drill"' not in live
    assert f"{PARK_EN}: assessment of the emergency response" in live and "Ref. 安泽化园应急评 [2026] No. 11290007" in live


def test_an_inline_svg_carries_the_page_s_styles():
    styles = (".zone { fill: #0f0 }", "a > b { color: red }", "x::after { content: '<' }")
    assert styled_svgs('<p>a</p><svg viewBox="0 0 1 1"><rect/></svg><svg/>', styles) == (
        '<p>a</p><svg viewBox="0 0 1 1"><style>.zone { fill: #0f0 }\na > b { color: red }</style><rect/></svg><svg/>')
    assert styled_svgs("<svg></svg>", ()) == "<svg></svg>"


def test_the_print_page_escapes_the_park_name():
    html = print_html(TEMPLATES, print_page(html=PAGE, incident_id="INC-1", reported_at=None, drill=False,
                                            park={"name_zh": "<b>园区</b>", "name_en": "x"}, lang="zh-CN"))
    assert "<b>园区</b>" not in html and "&lt;b&gt;园区&lt;/b&gt;" in html


# --- WeasyPrint -------------------------------------------------------------------------------------------------

def test_weasyprint_draws_the_inline_svg_figure(tmp_path):
    from tasks.print_pdf import html_to_pdf

    out = tmp_path / "figure.pdf"
    out.write_bytes(html_to_pdf(print_html(TEMPLATES, page())))
    text = pdf_text(out)
    assert "ISOLATION-CIRCLE" in text and "图 1 现场示意图" in text, "the SVG's text and the caption are in the PDF"
    assert "一、" in text and "安泽化园应急评〔2026〕11290007号" in text and has_page_number(text, 1)
    needs("pdftoppm")
    subprocess.run(["pdftoppm", "-r", "30", "-f", "1", "-l", "1", str(out), str(tmp_path / "p")], check=True,
                   timeout=60)
    ppm = next(tmp_path.glob("p*.ppm")).read_bytes()
    header_end = ppm.index(b"255\n") + 4  # P6 width height 255, then RGB triplets
    pixels = ppm[header_end:]
    green = sum(1 for i in range(0, len(pixels) - 2, 3) if pixels[i:i + 3] == b"\x00\xff\x00")
    assert green > 500, "the SVG's rectangle is drawn, green by the web page's own style sheet"


class _Counting(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 — http.server's name
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


def test_nothing_is_fetched_from_the_network(tmp_path):
    from tasks.print_pdf import html_to_pdf

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        hostile = (f'<html><head><link rel="stylesheet" href="{url}/style.css"></head><body><p>正文</p>'
                   f'<img src="{url}/logo.png"><img src="file:///etc/hostname"></body></html>')
        pdf = html_to_pdf(hostile, base_url=tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert pdf.startswith(b"%PDF") and _Counting.hits == []


# --- the command, on a real drill -------------------------------------------------------------------------------

INCIDENT = {"enterprise": "qy-ha", "injured": 1, "incident_id": "INC-20261129-0042", "description": "演练：液氨管线泄漏"}


@pytest.mark.prefect
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_drill_s_assessment_prints_as_a_pdf(prefect_api, cli, engine, db_url, monkeypatch, tmp_path):
    assert cli("init").exit_code == 0
    drill = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", INCIDENT, level="IV", seed=3))
    assert drill.state.is_completed(), drill.state.message
    incident = drill.result.incident

    reports = tmp_path / "reports"
    reports.mkdir()
    zh_pdf = reports / "out.pdf"
    printed = cli("report", incident, "--format", "pdf", "-o", str(zh_pdf))
    assert printed.exit_code == 0 and printed.stdout == printed.stderr == "", "a file written, nothing said"
    text = pdf_text(zh_pdf)
    assert pdf_pages(zh_pdf) >= 1
    assert PARK_ZH + "突发事件应急处置" in text.replace("\n", "").replace(" ", "")
    assert "安泽化园应急评〔2026〕11290042号" in text and f"事件编号：{incident}" in text
    assert re.search(r"一、\s*基本情况", text) and re.search(r"二、\s*关键指标", text)
    assert "演练" in text.split("安泽化园应急评")[0], "a drill is marked above the title"
    assert has_page_number(text, 1), "the page number in the footer"
    assert list(reports.iterdir()) == [zh_pdf], "no temporary file left beside it"

    if os.environ.get("PARKLINK_DOCS_DIR"):  # the README's picture of the first page, on request
        subprocess.run(["sh", str(REPO_ROOT / "docs" / "report-first-page.sh"), str(zh_pdf),
                        os.environ["PARKLINK_DOCS_DIR"]], check=True, timeout=60)

    en_pdf = reports / "en.pdf"
    assert cli("--lang", "en", "report", incident, "--format", "pdf", "-o", str(en_pdf)).exit_code == 0
    english = pdf_text(en_pdf)
    assert re.search(r"1\.\s*Basic facts", english) and re.search(r"2\.\s*Key figures", english)
    assert "DRILL" in english
    assert "Ref. 安泽化园应急评 [2026] No. 11290042" in english and "一、" not in english

    missing = reports / "no-such-folder" / "out.pdf"
    line = one_error_line(cli("report", incident, "--format", "pdf", "-o", str(missing)))
    assert "no-such-folder" in line and "does not exist" in line
    assert not missing.parent.exists() and sorted(reports.iterdir()) == [en_pdf, zh_pdf]
    assert "choose md, html or pdf" in one_error_line(cli("report", incident, "--format", "docx"))

    piped = reports / "piped.pdf"  # no -o, standard output a file: the bytes go there
    env = {**os.environ, "PARKLINK_HOME": str(tmp_path / "home"), "PARKLINK_DATABASE_URL": db_url}
    with piped.open("wb") as out:
        done = subprocess.run([str(Path(sys.executable).parent / "parklink"), "report", incident, "--format", "pdf"],
                              stdout=out, stderr=subprocess.PIPE, env=env, timeout=120)
    assert done.returncode == 0 and done.stderr == b"", done.stderr
    assert piped.read_bytes().startswith(b"%PDF") and has_page_number(pdf_text(piped), 1)

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as on a machine without it (import fails)
    line = one_error_line(cli("report", incident, "--format", "pdf", "-o", str(reports / "x.pdf")), code=1)
    assert "libpango-1.0-0" in line and "fonts-noto-cjk" in line and not (reports / "x.pdf").exists()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_pdf_is_not_written_to_a_terminal_nor_to_a_folder(cli, monkeypatch, tmp_path):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    line = one_error_line(cli("report", "INC-20261129-0001", "--format", "pdf"))
    assert "give -o FILE" in line
    line = one_error_line(cli("report", "INC-20261129-0001", "--format", "pdf", "-o", str(tmp_path)))
    assert "is a folder" in line and list(tmp_path.glob("*.pdf")) == []


class _NoPango:
    """An import system without Pango: importing weasyprint fails as cffi's dlopen does (OSError)."""

    def find_spec(self, name, path=None, target=None):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")
        return None


def test_missing_system_libraries_are_named_in_one_line(monkeypatch):
    from tasks.print_pdf import PdfUnavailable, html_to_pdf

    monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_NoPango(), *sys.meta_path])
    with pytest.raises(PdfUnavailable) as caught:
        html_to_pdf("<p>x</p>")
    (line,) = caught.value.lines()
    assert "cannot load library 'libpango-1.0-0'" in line and "\n" not in line
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0" in line
