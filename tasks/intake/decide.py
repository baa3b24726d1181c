"""What a recorded report becomes: the incident report or warning request it hands over, and whether the
playbook's `auto_launch` starts it without an operator.

    incident_of(report) → IncidentReport     for `respond`; incident id `INC-<report id>`, so the two link both
                                             ways and a second launch continues the same incident
    warning_of(report) → WarningRequest      for the `warn` flow (source enterprise, source_ref the report id)
    decide(settings, report) → Decision      auto or not, and the graded level of an incident report
"""

from __future__ import annotations

from dataclasses import dataclass

from models.incident_report import IncidentReport
from models.intake import EnterpriseReport, ReportKind
from models.warning_kinds import Colour, WarningRequest, WarningSource
from tasks.grading import grade
from tasks.intake.body import auto_launches
from tasks.response.runtime import library


@dataclass(frozen=True)
class Decision:
    auto: bool
    level: str | None = None  # an incident report's level by the playbook's grading
    why: str = ""


def incident_id_of(report_id: str) -> str:
    return f"INC-{report_id}"


def incident_of(report: EnterpriseReport) -> IncidentReport:
    said = f"[{report.id}] {report.description}"[:4000]
    return IncidentReport(incident_id=incident_id_of(report.id), enterprise=report.enterprise,
                          latitude=report.latitude, longitude=report.longitude, chemical=report.chemical,
                          deaths=report.deaths, injured=report.injured, evacuated=report.evacuated,
                          loss_cny=report.loss_cny, description=said)


def warning_of(report: EnterpriseReport) -> WarningRequest:
    return WarningRequest(playbook=report.playbook, colour=Colour(report.colour), latitude=report.latitude,
                          longitude=report.longitude, enterprise=report.enterprise, onset=report.occurred_at,
                          source=WarningSource.enterprise, source_ref=report.id,
                          text=f"[{report.id}] {report.description}"[:4000])


def decide(settings, report: EnterpriseReport) -> Decision:
    """Whether the report launches by itself; a playbook that no longer loads waits for an operator."""
    try:
        books = library(settings)
        plan = books.resolve(report.playbook, books.levels(report.playbook)[0])
    except Exception as exc:  # noqa: BLE001 — nothing is launched by itself from a playbook that does not load
        return Decision(False, why=f"playbook `{report.playbook}`: {exc}")
    if report.kind is ReportKind.warning:
        auto = auto_launches(plan.auto_launch, colour=Colour(report.colour), level=None)
        return Decision(auto, why=f"auto_launch.warning: {plan.auto_launch.warning or '[]'}")
    level = grade(plan.grading, incident_of(report)).level
    auto = auto_launches(plan.auto_launch, colour=None, level=level)
    return Decision(auto, level, why=f"graded {level}; auto_launch.response: {plan.auto_launch.response or '[]'}")
