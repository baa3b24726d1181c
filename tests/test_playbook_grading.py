"""Grading an incident report with a playbook's rules: national thresholds, bounds included, floors."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.incident_report import IncidentReport
from models.playbook import load_playbooks
from tasks.grading import Grade, grade

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def rules():
    playbooks = load_playbooks(REPO / "playbooks")
    return {pid: playbooks.resolve(pid, playbooks.levels(pid)[0]).grading for pid in playbooks.ids()}


@pytest.mark.parametrize(("report", "level"), [
    (IncidentReport(), "IV"),
    (IncidentReport(deaths=2, injured=9, loss_cny=9_999_999), "IV"),
    (IncidentReport(deaths=3), "III"),  # "以上" includes the bound
    (IncidentReport(injured=10), "III"),
    (IncidentReport(loss_cny=10_000_000), "III"),
    (IncidentReport(deaths=9, injured=50), "II"),  # the highest criterion wins
    (IncidentReport(loss_cny=50_000_000), "II"),
    (IncidentReport(deaths=29, injured=99, loss_cny=99_999_999), "II"),
    (IncidentReport(deaths=30), "I"),
    (IncidentReport(loss_cny=100_000_000), "I"),
    (IncidentReport(evacuated=100_000), "IV"),  # evacuation is no criterion of a production-safety accident
])
def test_production_safety_thresholds(rules, report, level):
    assert grade(rules["fire"], report).level == level


@pytest.mark.parametrize(("report", "level"), [
    (IncidentReport(evacuated=4_999), "IV"),
    (IncidentReport(evacuated=5_000), "III"),
    (IncidentReport(evacuated=10_000), "II"),
    (IncidentReport(evacuated=50_000), "I"),
    (IncidentReport(loss_cny=20_000_000), "II"),  # environmental loss bands are lower
    (IncidentReport(drinking_water_cut=True), "II"),
    (IncidentReport(drinking_water_cut=True, deaths=30), "I"),  # a floor never lowers
])
def test_environmental_bands_and_the_drinking_water_floor(rules, report, level):
    assert grade(rules["environmental"], report).level == level


def test_reasons_name_the_criterion_and_the_threshold_in_both_languages(rules):
    result = grade(rules["hazmat-leak"], IncidentReport(deaths=12, loss_cny=60_000_000))
    assert result == Grade("II", result.reasons)
    assert result.explain() == ("死亡 12 人，达到 II 级（重大）标准（≥ 10 人）；"
                                "直接经济损失 6,000 万元，达到 II 级（重大）标准（≥ 5,000 万元）")
    assert result.explain("en") == ("deaths: 12 reaches the level II (serious) threshold (≥ 10); "
                                    "direct economic loss: CNY 60.0 million reaches the level II (serious) "
                                    "threshold (≥ CNY 50.0 million)")


def test_a_chemical_floor_raises_and_says_why(rules):
    result = grade(rules["hazmat-leak"], IncidentReport(chemical="1017"))
    assert result.level == "III"
    assert "UN1017" in result.explain() and "至少启动 III 级" in result.explain()
    assert grade(rules["hazmat-leak"], IncidentReport(chemical="UN1005")).level == "IV"


def test_mass_incident_answers_at_its_single_level(rules):
    result = grade(rules["mass-incident"], IncidentReport(deaths=40))
    assert result.level == "single"
    assert "无法定分级" in result.explain()


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="deaths"):
        IncidentReport(deaths=-1)
