"""National grading thresholds, used when a playbook's `grading.preset` names them.

A level is reached when any one criterion is met; bounds are included ("以上包括本数"); the highest
level reached wins; below every III threshold the incident is IV.

    production_safety   生产安全事故报告和调查处理条例 (国务院令第493号) art. 3: deaths, serious injuries
                        (incl. acute industrial poisoning), direct economic loss
    environmental       国家突发环境事件应急预案 (2014) annex 1: deaths, poisonings/serious injuries, people
                        evacuated, direct economic loss (drinking-water intake cut-off: see min_level_for_flags)
"""

from __future__ import annotations

PRESETS: dict[str, dict[str, dict[str, int]]] = {
    "production_safety": {
        "I": {"deaths": 30, "serious_injuries": 100, "direct_loss_cny": 100_000_000},
        "II": {"deaths": 10, "serious_injuries": 50, "direct_loss_cny": 50_000_000},
        "III": {"deaths": 3, "serious_injuries": 10, "direct_loss_cny": 10_000_000},
    },
    "environmental": {
        "I": {"deaths": 30, "serious_injuries": 100, "evacuated": 50_000, "direct_loss_cny": 100_000_000},
        "II": {"deaths": 10, "serious_injuries": 50, "evacuated": 10_000, "direct_loss_cny": 20_000_000},
        "III": {"deaths": 3, "serious_injuries": 10, "evacuated": 5_000, "direct_loss_cny": 5_000_000},
    },
    "none": {},
}
