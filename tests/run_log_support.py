"""Helpers of the run-log tests: a flow run's log lines and artifacts as the Prefect API gives them back."""

from __future__ import annotations

from sqlmodel import select

from models.db import session_scope
from models.dispatch import Requisition
from models.incident_store import find_incident

PAGE = 200  # the API reads logs in pages of at most 200 rows


def run_logs(flow_run_id: str) -> list[str]:
    """Every log line of the flow run and its task runs, oldest first, read page by page from the API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import LogSort

    lines: list[str] = []
    with get_client(sync_client=True) as client:
        while True:
            page = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])),
                                    limit=PAGE, offset=len(lines), sort=LogSort.TIMESTAMP_ASC)
            lines += [row.message for row in page]
            if len(page) < PAGE:
                return lines


def link_artifacts(key: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        return client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))


def flow_run_of(engine, incident_id: str) -> str | None:
    with session_scope(engine) as session:
        incident = find_incident(session=session, incident_id=incident_id)
        return incident.flow_run_id if incident else None


def logged(engine, incident_id: str, fragment: str) -> bool:
    """Whether the incident's flow run has logged a line containing `fragment` yet (logs reach the API in batches)."""
    run = flow_run_of(engine, incident_id)
    return bool(run) and any(fragment in line for line in run_logs(run))


def requisitions(engine, incident_id: str) -> list[Requisition]:
    with session_scope(engine) as session:
        return list(session.exec(select(Requisition).where(Requisition.incident_id == incident_id)).all())
