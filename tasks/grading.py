"""Grading an incident report with a playbook's grading rules (pure: no Prefect, no database).

The level is the highest one any criterion reaches (bounds included: "以上包括本数"); below every III
threshold it is IV. A playbook may then set a floor: a chemical (`min_level_for_chemicals`, by UN number)
or a flag such as a cut drinking-water intake (`min_level_for_flags`) raises the level to at least the
one named. A playbook with a single response level (mass incidents) always answers at `single`.
Each reason is a `Msg` of the one catalogue (models/i18n.py), read in the language of whoever reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.i18n import N_, Msg, Yuan, tr
from models.incident_report import IncidentReport
from models.playbook.plan import GradingPlan, normalise_un

ORDER = ("IV", "III", "II", "I")  # lowest first
# Each criterion's reason, one sentence per criterion: {value} and {bound} are counts, or `Yuan` amounts.
CRITERIA = {
    "deaths": N_("deaths: {value} reaches the {level} threshold (≥ {bound})"),
    "serious_injuries": N_("seriously injured (incl. acute poisoning): {value} reaches the {level} threshold "
                           "(≥ {bound})"),
    "direct_loss_cny": N_("direct economic loss: CNY {value:million} million reaches the {level} threshold "
                          "(≥ CNY {bound:million} million)"),
    "evacuated": N_("people evacuated: {value} reaches the {level} threshold (≥ {bound})"),
}
AMOUNTS = {"direct_loss_cny"}
FLAGS = {
    "drinking_water_cut": N_("a drinking-water intake is cut off"),
    "hazmat_release": N_("hazardous chemicals are released"),
    "outside_park": N_("effects reach beyond the park fence"),
}
LEVELS = {"I": N_("level I (particularly serious)"), "II": N_("level II (serious)"), "III": N_("level III (major)"),
          "IV": N_("level IV (ordinary)")}


@dataclass(frozen=True)
class Grade:
    level: str
    reasons: list[Msg] = field(default_factory=list)  # each read in its reader's language: `.text(lang)`

    def explain(self, lang: str = "zh-CN") -> str:
        return tr(lang, "; ").join(r.text(lang) for r in self.reasons)


def _figure(name: str, value: float) -> Yuan | str:
    return Yuan(value) if name in AMOUNTS else f"{value:,.0f}"


def _higher(a: str, b: str) -> str:
    return a if ORDER.index(a) >= ORDER.index(b) else b


def grade(rules: GradingPlan, report: IncidentReport) -> Grade:
    if rules.scheme == "single":
        return Grade("single", [Msg("social-security incidents have no statutory grade: one response level")])
    level, reasons = "IV", []
    for candidate in ("I", "II", "III"):
        thresholds = rules.thresholds.get(candidate)
        if thresholds is None:
            continue
        met = [(name, bound) for name, bound in thresholds.model_dump(exclude_none=True).items()
               if report.criterion(name) >= bound]
        if met:
            level = candidate
            reasons += [Msg(CRITERIA[name], value=_figure(name, report.criterion(name)), bound=_figure(name, bound),
                            level=Msg(LEVELS[candidate])) for name, bound in met]
            break
    if not reasons:
        reasons.append(Msg("casualties and losses stay below every level III threshold: level IV (ordinary)"))
    chemical = normalise_un(report.chemical) if report.chemical else None
    floors = []
    if chemical and chemical in rules.min_level_for_chemicals:
        floors.append((rules.min_level_for_chemicals[chemical], Msg("{chemical} is involved", chemical=chemical)))
    for flag, why in FLAGS.items():
        if report.flag(flag) and flag in rules.min_level_for_flags:
            floors.append((rules.min_level_for_flags[flag], Msg(why)))
    for floor, why in floors:
        if _higher(floor, level) == floor and floor != level:
            level = floor
            reasons.append(Msg("{why}: this playbook answers at {level} or above", why=why, level=Msg(LEVELS[floor])))
    return Grade(level, reasons)
