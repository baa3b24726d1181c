"""Jinja2 for everything people read: one sandboxed environment, StrictUndefined, checked before use.

    sandbox(folder=None)         the environment (SandboxedEnvironment + StrictUndefined); pass the
                                 templates folder to render files, nothing to render text fields
    render_text(text, context)   a playbook text field (duties, action items, criteria…)
    check_text(text, sample)     → problems ([] when the text renders with the sample context); an unknown
                                 variable is found here, at validation, not at run time
    template_path(folder, name, lang)  templates/<name>.<lang>.md.j2 (zh-CN, en)

The variables a playbook text field may use are TEXT_CONTEXT's keys and their attributes; file templates
(upward reports, notices) may use FILE_CONTEXT's. Code that renders must pass objects with these names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from models.did_you_mean import did_you_mean
from models.markdown_text import md_cell, md_text

TEMPLATE_LANGS = ("zh-CN", "en")
TEMPLATE_SUFFIX = ".md.j2"

_INCIDENT = {
    "id": "INC-20240101-0001", "title": "示例泄漏", "kind": "hazmat-leak", "enterprise": "qy-jh",
    "enterprise_name": "示例焦化有限公司", "place": "示例焦化 2 号储罐区", "chemical": "氨", "un_number": "UN1005",
    "occurred_at": "2024-01-01 08:00", "reported_at": "2024-01-01 08:05", "deaths": 0, "missing": 0,
    "serious_injuries": 0, "minor_injuries": 0, "evacuated": 0, "direct_loss_cny": 0, "wind_from": "NW",
    "description": "示例", "measures": "示例",
}
_PLAN = {"id": "hazmat-leak", "title_zh": "危险化学品泄漏及中毒", "title_en": "Hazardous chemical leak",
         "level": "II", "level_name_zh": "重大", "level_name_en": "serious", "isolation_radius_m": 300,
         "commander": {"role_zh": "总指挥", "role_en": "commander", "unit": "ldz"}}
_PARK = {"name_zh": "安泽经济技术开发区化工园区", "name_en": "Anze chemical park"}

TEXT_CONTEXT: dict[str, Any] = {"incident": _INCIDENT, "plan": _PLAN, "park": _PARK}
FILE_CONTEXT: dict[str, Any] = {
    **TEXT_CONTEXT,
    "report": {"number": 1, "kind": "first", "reported_at": "2024-01-01 08:40", "reporter_unit": "yqyjzhzx",
               "reporter_unit_name": "园区应急指挥中心", "reporter_name": "示例", "reporter_phone": "+447700900000",
               "casualties_note": "", "loss_estimate_note": "", "measures": ["示例"], "other": "", "next_report_at": ""},
    "group": {"key": "rescue", "number": 2, "name_zh": "抢险救援组", "name_en": "Rescue", "lead": "xfjydd",
              "lead_name": "消防救援大队", "duties_zh": "示例", "duties_en": "sample", "actions": []},
    "unit": {"code": "xfjydd", "name_zh": "消防救援大队", "name_en": "Fire and Rescue Brigade"},
    "liaison": {"name": "示例", "role": "primary"},
    "ack_url": "https://ack.example.invalid/a/x", "ack_deadline_at": "2024-01-01 08:20",
    "command_post": {"place": "示例", "upwind": True, "min_distance_m": 300},
    "intake": {"id": "RPT-20240101-0001", "enterprise_name": "示例化工有限公司", "playbook_title_zh": "危险化学品泄漏及中毒",
               "playbook_title_en": "Hazardous chemical leak", "colour": "", "colour_zh": "",
               "occurred_at": "2024-01-01 08:00", "latitude": 31.0, "longitude": 121.0, "chemical": "UN1005",
               "deaths": 0, "injured": 0, "evacuated": 0, "loss_cny": 0, "description": "示例",
               "auto": False},
    "handover": {"unit_name": "示例化工有限公司", "incoming": "示例", "outgoing": "示例", "shift_start": "2024-01-01 20:00",
                 "groups": [{"number": 2, "name": "抢险救援组", "acked": 2, "total": 4,
                             "open_actions": [{"item": "示例", "owner_name": "消防救援大队",
                                               "due_at": "2024-01-01 08:30"}]}]},
}


def sandbox(folder: Path | None = None, *, autoescape: bool = False) -> SandboxedEnvironment:
    """The environment; its filters `md_text` and `md_cell` escape text for Markdown (models.markdown_text)."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(folder)) if folder else None,
        undefined=StrictUndefined,
        autoescape=autoescape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(md_text=md_text, md_cell=md_cell)
    return env


_TEXT_ENV = sandbox()


def render_text(text: str, context: dict[str, Any]) -> str:
    return _TEXT_ENV.from_string(text).render(**context)


def _unknown_names(ast: nodes.Template, sample: dict[str, Any]) -> list[str]:
    problems = []
    for name in sorted(meta.find_undeclared_variables(ast) - set(sample)):
        problems.append(f"unknown variable `{name}`{did_you_mean(name, sample)} (known: {', '.join(sorted(sample))})")
    seen = set()
    for node in ast.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and isinstance(sample.get(node.node.name), dict):
            attrs = sample[node.node.name]
            full = f"{node.node.name}.{node.attr}"
            if node.attr not in attrs and full not in seen:
                seen.add(full)
                problems.append(f"unknown variable `{full}`{did_you_mean(node.attr, attrs)}"
                                f" (`{node.node.name}` has: {', '.join(sorted(attrs))})")
    return problems


def check_source(env: SandboxedEnvironment, source: str, sample: dict[str, Any]) -> list[str]:
    """Problems of one template source: syntax, unknown variables, or failure to render with the sample."""
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as exc:
        return [f"template syntax error on its line {exc.lineno}: {exc.message}"]
    try:
        problems = _unknown_names(ast, sample)
    except TemplateSyntaxError as exc:  # also an unknown filter or test (TemplateAssertionError)
        return [f"template error: {exc.message}"]
    if problems:
        return problems
    try:
        env.from_string(source).render(**sample)
    except TemplateError as exc:
        return [f"template does not render: {exc.message or exc.__class__.__name__}"]
    except Exception as exc:  # noqa: BLE001 — a bad expression in a template (1/0, wrong types) is the author's error
        return [f"template does not render: {exc.__class__.__name__}: {exc}"]
    return []


def check_text(text: str, sample: dict[str, Any] | None = None) -> list[str]:
    return check_source(_TEXT_ENV, text, TEXT_CONTEXT if sample is None else sample)


def template_path(folder: Path, name: str, lang: str) -> Path:
    return Path(folder) / f"{name}.{lang}{TEMPLATE_SUFFIX}"


def template_names(folder: Path) -> set[str]:
    """Names of the templates in `folder` that exist in every language."""
    found: dict[str, set[str]] = {}
    for path in Path(folder).glob(f"*{TEMPLATE_SUFFIX}"):
        stem = path.name[: -len(TEMPLATE_SUFFIX)]
        name, _, lang = stem.rpartition(".")
        if name and lang in TEMPLATE_LANGS:
            found.setdefault(name, set()).add(lang)
    return {name for name, langs in found.items() if langs == set(TEMPLATE_LANGS)}


def check_template_file(folder: Path, name: str, sample: dict[str, Any] | None = None) -> list[str]:
    """Problems of every language's file of template `name` (missing files included)."""
    env = sandbox(folder)
    problems = []
    for lang in TEMPLATE_LANGS:
        path = template_path(folder, name, lang)
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"template file {path.name}: cannot read ({exc.__class__.__name__})")
            continue
        problems += [f"template file {path.name}: {p}" for p in check_source(env, source, sample or FILE_CONTEXT)]
    return problems
