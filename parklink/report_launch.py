"""Launching an enterprise's report: a warning report starts the `warn` flow, an incident report `respond`.

    launch_warning_report(engine, report_id, by=, drill=, lang=) → warning id
        through `parklink.warn_launch.launch_warning(request, drill=, lang=)` (the warn flow's launcher, issue 13
        item 1; imported when first needed); the warning id recorded on the report
    start_incident(engine, report_id, by=) → (report, IncidentReport)
        marks the report launched with its incident id `INC-<report id>` (tasks/intake/decide.py): linked both
        ways before the run starts, and the incident's description begins with the report id
    auto_launcher(engine, settings) → Launcher
        what `parklink serve` hands the intake API for reports the playbook's `auto_launch` starts. A warning:
        launched at once. An incident: submitted to the deployment `respond/<playbook>` when a Prefect API is
        configured (PREFECT_API_URL: a worker runs it, as `parklink respond --deployment`); otherwise ParkLink's
        own engine is made sure of and the run goes on in a daemon thread of the service (as `parklink respond`
        in-process). Either way the request was answered long before. Automatic launches are live runs.

A launch that cannot start leaves the report `received` with the reason (`launch_error`), for an operator.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from models.db import session_scope
from models.errors import ParkLinkError
from models.incident_report import IncidentReport
from models.intake import EnterpriseReport, LaunchedBy, ReportKind
from models.intake_store import finish_launch, get_report, launch_failed, start_launch
from tasks.intake.decide import Decision, incident_id_of, incident_of, warning_of

log = logging.getLogger("parklink.intake")


def _failed(engine: Engine, report_id: str, error: str) -> None:
    with session_scope(engine) as session:
        launch_failed(session=session, report_id=report_id, error=error[:2000])


def launch_warning_report(engine: Engine, report_id: str, *, by: LaunchedBy, drill: bool, lang: str,
                          start: bool = True) -> str:
    with session_scope(engine) as session:
        if get_report(session=session, report_id=report_id).kind is not ReportKind.warning:
            raise ParkLinkError(f"report {report_id} is an incident report; it launches `respond`")
        report = start_launch(session=session, report_id=report_id, by=by)
    try:
        from parklink.warn_launch import launch_warning  # the warn flow's launcher (issue 13 item 1)

        warning_id = launch_warning(warning_of(report), drill=drill, lang=lang, start=start)
    except ImportError as exc:
        _failed(engine, report_id, f"{exc.__class__.__name__}: {exc}")
        raise ParkLinkError("the warn flow is not installed (parklink.warn_launch); launch the warning by hand with "
                            "`parklink warn`") from None
    except ParkLinkError as exc:
        _failed(engine, report_id, str(exc))
        raise
    except Exception as exc:  # noqa: BLE001 — one line for the person, the reason kept on the report
        _failed(engine, report_id, f"{exc.__class__.__name__}: {exc}")
        raise ParkLinkError(f"report {report_id}: the warning did not start ({exc.__class__.__name__}: {exc}); "
                            "it stays received") from None
    except BaseException:
        _failed(engine, report_id, "interrupted")
        raise
    with session_scope(engine) as session:
        finish_launch(session=session, report_id=report_id, warning_id=warning_id)
    return warning_id


def start_incident(engine: Engine, report_id: str, *, by: LaunchedBy) -> tuple[EnterpriseReport, IncidentReport]:
    with session_scope(engine) as session:
        report = get_report(session=session, report_id=report_id)
        if report.kind is not ReportKind.report:
            raise ParkLinkError(f"report {report_id} is a warning report ({report.colour}); it launches `warn`")
        report = start_launch(session=session, report_id=report_id, by=by, incident_id=incident_id_of(report_id))
    return report, incident_of(report)


def record_flow_run(engine: Engine, report_id: str, flow_run_id: str | None) -> None:
    if flow_run_id:
        with session_scope(engine) as session:
            finish_launch(session=session, report_id=report_id, flow_run_id=flow_run_id)


def auto_launcher(engine: Engine, settings):
    """The Launcher `parklink serve` gives the intake API (tasks/web/intake_app.py)."""

    def launch(report_id: str, decision: Decision) -> None:
        with session_scope(engine) as session:
            kind = get_report(session=session, report_id=report_id).kind
        try:
            if kind is ReportKind.warning:
                launch_warning_report(engine, report_id, by=LaunchedBy.auto, drill=False, lang=settings.lang)
                return
            from tasks.response.launch import require_live

            require_live(engine, settings)
            report, incident = start_incident(engine, report_id, by=LaunchedBy.auto)
        except ParkLinkError as exc:
            _failed(engine, report_id, str(exc))
            return
        try:
            from parklink.board_launch import start_in_background

            start_in_background(engine, settings, report.playbook, incident, level=None, drill=False, time_scale=1.0,
                                lang=settings.lang, on_done=lambda run: record_flow_run(engine, report_id, run))
        except Exception as exc:  # noqa: BLE001 — recorded for the operator, who can launch it by hand
            _failed(engine, report_id, f"{exc.__class__.__name__}: {exc}")

    return launch
