"""What people read, in zh-CN first and English with --lang en."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "units": ("单位", "units"),
    "liaisons": ("联络员", "liaisons"),
    "depots": ("储备库", "depots"),
    "resource_types": ("物资类型", "resource types"),
    "stock_rows": ("库存条目", "stock rows"),
    "summary_title": ("园区应急联动名录与储备概况", "Park directory and reserves"),
    "by_kind": ("按类别", "by kind"),
    "init_done": ("数据库已就绪：{url}", "database ready: {url}"),
    "init_loaded": ("已载入示例园区（新增 {added}，变更 {changed}）", "sample park loaded ({added} added, {changed} changed)"),
    "init_unchanged": ("示例园区已是最新，未作改动", "sample park already up to date; nothing changed"),
    "added": ("新增", "added"),
    "changed": ("变更", "changed"),
    "deactivated": ("停用", "deactivated"),
    "unchanged": ("未变", "unchanged"),
    "check_ok": ("名录完好：每个单位都有可联系的主联络员，且均在 {days} 天内核验过",
                 "directory sound: every unit has a reachable primary liaison verified within {days} days"),
    "check_problems": ("发现 {n} 个问题", "{n} problem(s) found"),
    "no_active_primary": ("没有在岗的主联络员", "no active primary liaison"),
    "primary_unreachable": ("主联络员没有可用的联系渠道", "primary liaison has no usable channel"),
    "never_verified": ("从未核验", "never verified"),
    "verification_stale": ("超过 {days} 天未核验", "not verified for over {days} days"),
}


def t(key: str, lang: str = "zh-CN", **kwargs) -> str:
    zh, en = MESSAGES[key]
    text = en if lang == "en" else zh
    return text.format(**kwargs) if kwargs else text


def tr(lang: str, zh: str, en: str, **kwargs) -> str:
    """Inline pair for modules that keep their own wording: tr(lang, "已送达 {n}", "{n} delivered", n=3)."""
    text = en if lang == "en" else zh
    return text.format(**kwargs) if kwargs else text
