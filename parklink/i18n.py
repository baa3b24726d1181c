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


UNIT_KINDS: dict[str, tuple[str, str]] = {
    "leading_group": ("领导组", "leading group"), "office": ("办公室", "office"),
    "county_department": ("县直部门", "county department"), "utility": ("公用事业/通信", "utility / telecom"),
    "park_body": ("园区机构", "park body"), "enterprise": ("驻园企业", "resident enterprise"),
    "medical": ("医疗卫生", "medical"), "police": ("公安", "police"), "fire": ("消防", "fire and rescue"),
    "finance": ("金融", "finance"), "other": ("其他", "other"),
}


# Column headings of the tables people read (JSON keys stay English identifiers).
HEADINGS: dict[str, str] = {
    "amount_cny": "金额（元）", "available": "可用", "changes": "级别调整", "channels": "联系渠道", "code": "编码",
    "consumed": "消耗", "depot": "储备库", "duration s": "历时（秒）", "eta_min": "预计到达（分钟）",
    "flow run": "流程运行", "head": "负责人", "head_phone": "负责人电话", "holder": "被征用单位", "id": "编号",
    "incident": "事件", "kind": "类别", "km": "距离（公里）", "last_verified_at": "最近核验", "latitude": "纬度",
    "level": "级别", "liaison": "联络员", "longitude": "经度", "name": "名称", "need": "需求", "owner": "所属单位",
    "parent": "上级", "phone": "电话", "playbook": "预案", "problem": "问题", "quantity": "数量", "reason": "理由",
    "released": "释放", "reported": "报告时间", "requisitions": "征用", "reserved": "已预留",
    "resource_type": "物资类型", "role": "角色", "state": "运行状态", "status": "状态", "unit": "单位",
    "unit_price": "单价（元）", "uom": "计量单位",
}


def heading(column: str, lang: str = "zh-CN") -> str:
    return column if lang == "en" else HEADINGS.get(column, column)


def kind_label(kind: str, lang: str = "zh-CN") -> str:
    zh, en = UNIT_KINDS.get(str(kind), (str(kind), str(kind)))
    return en if lang == "en" else zh


def t(key: str, lang: str = "zh-CN", **kwargs) -> str:
    zh, en = MESSAGES[key]
    text = en if lang == "en" else zh
    return text.format(**kwargs) if kwargs else text


def tr(lang: str, zh: str, en: str, **kwargs) -> str:
    """Inline pair for modules that keep their own wording: tr(lang, "已送达 {n}", "{n} delivered", n=3)."""
    text = en if lang == "en" else zh
    return text.format(**kwargs) if kwargs else text
