"""The attempts to run an incident's response, and the lease that lets only one of them be alive.

    RunOutcome   how an attempt ended: running (alive while its heartbeat is fresh) | completed | failed |
                 crashed (its heartbeat went stale, or its process is known to be gone) | refused (another
                 attempt was alive) | superseded (the same flow run started again: a Prefect retry, or the
                 watchdog's placeholder taken up by the run it submitted)
    LostRunAction  what the watchdog does about a lost run (tasks/response/resume_rules.py decides)
    IncidentRun  one row per attempt: which flow run, on which holder (host:pid:nonce), started, last
                 heartbeat, ended, outcome, and the run's final result (ResponseResult as JSON), so a CLI on
                 another machine can read what a deployment run did
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_type, utcnow


class RunOutcome(StrEnum):
    running = "running"
    completed = "completed"
    failed = "failed"
    crashed = "crashed"
    refused = "refused"
    superseded = "superseded"


ENDED = frozenset(RunOutcome) - {RunOutcome.running}


class LostRunAction(StrEnum):
    """What the watchdog does about an incident whose live attempt went silent."""

    resume = "resume"  # submitted again to its deployment, with the incident id filled in
    wait = "wait"  # its flow run is queued for a worker (or awaiting a Prefect retry): nothing to do yet
    cancelled = "cancelled"  # an operator cancelled it in Prefect: left as it is
    no_deployment = "no_deployment"  # started outside a deployment (`parklink respond`): nothing to submit to
    too_many = "too_many"  # resumed the most times allowed already: an operator must look at it


class IncidentRun(SQLModel, table=True):
    __tablename__ = "incident_run"
    __table_args__ = (Index("ix_incident_run_incident_started", "incident_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    incident_id: str = Field(foreign_key="incident.id", max_length=40)
    flow_run_id: str = Field(max_length=40, index=True)
    holder: str = Field(max_length=120, description="host:pid:nonce of the process running it")
    started_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    heartbeat_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    outcome: RunOutcome = Field(default=RunOutcome.running, sa_type=enum_type(RunOutcome))
    resumed: bool = Field(default=False, description="submitted by the watchdog after a lost run")
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    result_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
