"""Grading an incident report with a playbook's grading rules (pure: no Prefect, no database).

The level is the highest one any criterion reaches (bounds included: "以上包括本数"); below every III
threshold it is IV. A playbook may then set a floor: a chemical (`min_level_for_chemicals`, by UN number)
or a flag such as a cut drinking-water intake (`min_level_for_flags`) raises the level to at least the
one named. A playbook with a single response level (mass incidents) always answers at `single`.
Each reason is a zh/en pair a person can read in the run's record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.incident_report import IncidentReport
from models.playbook.plan import GradingPlan, normalise_un
from models.playbook.schema import LEVEL_NAMES

ORDER = ("IV", "III", "II", "I")  # lowest first
CRITERIA = {
    "deaths": ("死亡", "deaths", "人", ""),
    "serious_injuries": ("重伤（含急性工业中毒）", "seriously injured (incl. acute poisoning)", "人", ""),
    "direct_loss_cny": ("直接经济损失", "direct economic loss", "", ""),
    "evacuated": ("疏散转移", "people evacuated", "人", ""),
}
FLAGS = {
    "drinking_water_cut": ("饮用水水源地取水中断", "a drinking-water intake is cut off"),
    "hazmat_release": ("发生危险化学品泄漏", "hazardous chemicals are released"),
    "outside_park": ("影响超出园区边界", "effects reach beyond the park fence"),
}


@dataclass(frozen=True)
class Reason:
    zh: str
    en: str

    def text(self, lang: str = "zh-CN") -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Grade:
    level: str
    reasons: list[Reason] = field(default_factory=list)

    def explain(self, lang: str = "zh-CN") -> str:
        return ("；" if lang != "en" else "; ").join(r.text(lang) for r in self.reasons)


def _amount(name: str, value: float, lang: str) -> str:
    if name == "direct_loss_cny":
        return f"{value / 10_000:,.0f} 万元" if lang != "en" else f"CNY {value / 1_000_000:,.1f} million"
    zh_unit = CRITERIA[name][2]
    return f"{value:,.0f} {zh_unit}".strip() if lang != "en" else f"{value:,.0f}"


def _level_label(level: str, lang: str) -> str:
    zh, en = LEVEL_NAMES[level]
    return f"{level} 级（{zh}）" if lang != "en" else f"level {level} ({en})"


def _higher(a: str, b: str) -> str:
    return a if ORDER.index(a) >= ORDER.index(b) else b


def grade(rules: GradingPlan, report: IncidentReport) -> Grade:
    if rules.scheme == "single":
        return Grade("single", [Reason("社会安全事件无法定分级，按单一响应级别处置",
                                       "social-security incidents have no statutory grade: one response level")])
    level, reasons = "IV", []
    for candidate in ("I", "II", "III"):
        thresholds = rules.thresholds.get(candidate)
        if thresholds is None:
            continue
        met = [(name, bound) for name, bound in thresholds.model_dump(exclude_none=True).items()
               if report.criterion(name) >= bound]
        if met:
            level = candidate
            for name, bound in met:
                zh, en = CRITERIA[name][0], CRITERIA[name][1]
                value = report.criterion(name)
                reasons.append(Reason(
                    f"{zh} {_amount(name, value, 'zh-CN')}，达到 {_level_label(candidate, 'zh-CN')}标准"
                    f"（≥ {_amount(name, bound, 'zh-CN')}）",
                    f"{en}: {_amount(name, value, 'en')} reaches the {_level_label(candidate, 'en')} threshold "
                    f"(≥ {_amount(name, bound, 'en')})"))
            break
    if not reasons:
        reasons.append(Reason("伤亡、损失等均未达到 III 级（较大）标准，按 IV 级（一般）",
                              "casualties and losses stay below every level III threshold: level IV (ordinary)"))
    chemical = normalise_un(report.chemical) if report.chemical else None
    floors = []
    if chemical and chemical in rules.min_level_for_chemicals:
        floors.append((rules.min_level_for_chemicals[chemical], f"涉及 {chemical}", f"{chemical} is involved"))
    for flag, (zh, en) in FLAGS.items():
        if report.flag(flag) and flag in rules.min_level_for_flags:
            floors.append((rules.min_level_for_flags[flag], zh, en))
    for floor, zh, en in floors:
        if _higher(floor, level) == floor and floor != level:
            level = floor
            reasons.append(Reason(f"{zh}，按本预案至少启动 {_level_label(floor, 'zh-CN')}响应",
                                  f"{en}: this playbook answers at {_level_label(floor, 'en')} or above"))
    return Grade(level, reasons)
