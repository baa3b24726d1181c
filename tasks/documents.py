"""Rendering ParkLink's documents from the Jinja2 templates in `templates/` (sandboxed, StrictUndefined).

Markdown is rendered as written; for HTML the same template is rendered with HTML autoescaping (so text an
operator typed can never inject markup), converted with `markdown`, and wrapped in `assessment.html.j2`.
A figure (anything with `key`, `caption`, `svg`: tasks.maps.figures.Figure) goes in with the `figure` filter:
in Markdown a link to the file beside the document (`![caption](<key>.svg)`, figure_file), in HTML the SVG
itself inline, `<figure id="fig-<key>">` with its `<figcaption>` (the SVG is ParkLink's own drawing, its
texts escaped where it was drawn; on one line, so Markdown passes the block through whole).
"""

from __future__ import annotations

from pathlib import Path

import markdown
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from models.i18n import language
from models.markdown_text import md_cell
from models.templating import sandbox
from models.types import local_time


def figure_file(key: str) -> str:
    """The file a figure is written to beside the Markdown document, and the name its link gives."""
    return f"{key}.svg"


def figure_markdown(figure) -> str:
    return f"![{md_cell(figure.caption)}]({figure_file(figure.key)})"


def figure_html(figure) -> Markup:
    svg = " ".join(figure.svg.splitlines())  # one line: a blank line would end Markdown's raw HTML block
    return Markup(f'<figure id="fig-{escape(figure.key)}">{svg}<figcaption>{escape(figure.caption)}'
                  "</figcaption></figure>")


def environment(templates_dir: Path, *, html: bool) -> SandboxedEnvironment:
    env = sandbox(templates_dir, autoescape=html)
    env.filters["local"] = local_time
    env.filters["figure"] = figure_html if html else figure_markdown
    return env


def template_name(stem: str, lang: str) -> str:
    return f"{stem}.{language(lang)}.md.j2"


def render_markdown(templates_dir: Path, stem: str, lang: str, context: dict) -> str:
    return environment(templates_dir, html=False).get_template(template_name(stem, lang)).render(**context)


def render_html(templates_dir: Path, stem: str, lang: str, context: dict, title: str) -> str:
    env = environment(templates_dir, html=True)
    body_md = env.get_template(template_name(stem, lang)).render(**context)
    body = markdown.markdown(body_md, extensions=["tables"])
    return env.get_template(f"{stem}.html.j2").render(body=body, title=title, lang=lang)
