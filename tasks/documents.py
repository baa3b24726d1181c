"""Rendering ParkLink's documents from the Jinja2 templates in `templates/` (sandboxed, StrictUndefined).

Markdown is rendered as written; for HTML the same template is rendered with HTML autoescaping (so text an
operator typed can never inject markup), converted with `markdown`, and wrapped in `assessment.html.j2`.
"""

from __future__ import annotations

from pathlib import Path

import markdown
from jinja2.sandbox import SandboxedEnvironment

from models.templating import sandbox
from models.types import local_time


def environment(templates_dir: Path, *, html: bool) -> SandboxedEnvironment:
    env = sandbox(templates_dir, autoescape=html)
    env.filters["local"] = local_time
    return env


def template_name(stem: str, lang: str) -> str:
    return f"{stem}.{'en' if lang == 'en' else 'zh-CN'}.md.j2"


def render_markdown(templates_dir: Path, stem: str, lang: str, context: dict) -> str:
    return environment(templates_dir, html=False).get_template(template_name(stem, lang)).render(**context)


def render_html(templates_dir: Path, stem: str, lang: str, context: dict, title: str) -> str:
    env = environment(templates_dir, html=True)
    body_md = env.get_template(template_name(stem, lang)).render(**context)
    body = markdown.markdown(body_md, extensions=["tables"])
    return env.get_template(f"{stem}.html.j2").render(body=body, title=title, lang=lang)
