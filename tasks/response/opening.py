"""Phases 1–3 as Prefect tasks: open the incident (once per id), grade it, stand up the command post.

Each task opens the session, reads through the store functions, calls the pure phase
(tasks.response.phases.opening) and records what it returned.
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.exc import IntegrityError

from models.db import session_scope
from models.errors import InputError
from models.event_store import events
from models.events import EventKind
from models.incident import IncidentStatus
from models.incident_report import IncidentReport
from models.incident_store import (
    IdTaken,
    find_incident,
    get_incident,
    next_incident_id,
    open_incident,
    set_command_post,
)
from models.park_store import get_unit
from models.playbook import ResolvedPlan
from models.types import utcnow
from tasks.response.phases.opening import (
    choose_level,
    command_post,
    new_incident,
    opening_events,
    resumed_event,
)
from tasks.response.results import CommandPost, Opened
from tasks.response.run import Run
from tasks.response.runtime import db, library, run_settings
from tasks.run_log import record


def _manual_approval(session, incident_id: str) -> bool:
    """Whether the incident's drill asked for manual approval (its Opened entry says so)."""
    return any(getattr(e.payload, "manual_approval", False)
               for e in events(session=session, incident=incident_id, kinds=[EventKind.opened]))


def _continued(session, playbook: str, report: IncidentReport) -> Opened | None:
    """A run with the id of an incident already open continues it — as the drill or live run it is, with or
    without manual approval, whatever this run was told —; of one already closed, does nothing."""
    existing = find_incident(session=session, incident_id=report.incident_id) if report.incident_id else None
    if existing is None:
        return None
    if existing.playbook_id != playbook:
        raise InputError(f"incident `{existing.id}` runs playbook `{existing.playbook_id}`, not `{playbook}`",
                         exit_code=2)
    run = Run(incident_id=existing.id, playbook=playbook, level=existing.level, lang=existing.lang,
              time_scale=existing.time_scale, drill=existing.drill, enterprise=existing.enterprise,
              manual_approval=existing.drill and _manual_approval(session, existing.id))
    closed = existing.status is IncidentStatus.closed
    if not closed:  # a closed incident sends, reserves and records nothing new
        record(session, incident=existing.id, lang=run.lang, events=[resumed_event(run, utcnow())])
    return Opened(run=run, created=False, closed=closed, playbook_hash=existing.playbook_hash,
                  level_reason=existing.level_reason)


@task(name="open incident", cache_policy=NO_CACHE)
def open_incident_step(playbook: str, report: IncidentReport, level: str | None, drill: bool, time_scale: float,
                       lang: str, manual_approval: bool = False) -> Opened:
    settings = run_settings(lang, time_scale)
    engine = db(settings)
    playbooks = library(settings)
    with session_scope(engine) as session:
        if (opened := _continued(session, playbook, report)) is not None:
            return opened
    levels = playbooks.levels(playbook)
    if level is not None:
        playbooks.require_level(playbook, level)
    choice = choose_level(levels, lambda lv: playbooks.resolve(playbook, lv), report, level)
    plan = playbooks.resolve(playbook, choice.level)
    for attempt in range(20):  # runs on several workers may number a new incident at once: losers renumber
        try:
            with session_scope(engine) as session:
                lat, lon = report.latitude, report.longitude
                if report.enterprise and (lat is None or lon is None):
                    unit = get_unit(session=session, code=report.enterprise)
                    lat, lon = unit.latitude, unit.longitude
                incident, created = open_incident(session=session, generated=not report.incident_id,
                                                  incident=new_incident(
                    incident_id=report.incident_id or next_incident_id(session=session), playbook=playbook,
                    plan=plan, choice=choice, report=report, latitude=lat, longitude=lon, drill=drill, lang=lang,
                    time_scale=time_scale, now=utcnow()))
                run = Run(incident_id=incident.id, playbook=playbook, level=incident.level, lang=lang,
                          time_scale=time_scale, drill=drill, enterprise=report.enterprise,
                          manual_approval=drill and manual_approval)
                record(session, incident=incident.id, lang=lang,
                       events=opening_events(run, plan, choice, incident.reported_at))
                return Opened(run=run, created=created, playbook_hash=incident.playbook_hash,
                              level_reason=incident.level_reason)
        except (IntegrityError, IdTaken):
            if report.incident_id or attempt == 19:
                raise
    raise AssertionError("unreachable")


@task(name="command post", cache_policy=NO_CACHE)
def command_post_step(run: Run, plan: ResolvedPlan, wind_from_deg: float) -> CommandPost:
    with session_scope(db()) as session:
        incident = get_incident(session=session, incident_id=run.incident_id)
        if incident.command_post_at is None:
            commander = get_unit(session=session, code=plan.commander.unit)
            outcome = command_post(run, plan, incident, wind_from_deg=wind_from_deg,
                                   commander_unit_name=commander.name_zh if commander else None, now=utcnow())
            post = outcome.result
            set_command_post(session=session, incident_id=run.incident_id, commander=post.commander, at=post.at,
                             latitude=post.latitude, longitude=post.longitude)
            record(session, incident=run.incident_id, lang=run.lang, events=outcome.events)
        return CommandPost(commander=incident.commander, latitude=incident.command_post_latitude,
                           longitude=incident.command_post_longitude, at=incident.command_post_at)
