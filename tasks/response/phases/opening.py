"""Phases 1–3 (pure): the response level and why, the opening entries, where the command post stands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from models.events import SYSTEM, CommandPostSet, Event, Graded, LevelSetBy, Opened, Resumed, Texts
from models.i18n import N_, tr
from models.incident import Incident
from models.incident_report import IncidentReport
from models.playbook import ResolvedPlan
from tasks.grading import grade
from tasks.response.results import CommandPost, Outcome
from tasks.response.run import Run
from tasks.siting import site_command_post


@dataclass(frozen=True)
class LevelChoice:
    level: str
    reason: Texts
    set_by: LevelSetBy


def choose_level(levels: list[str], plan_for: Callable[[str], ResolvedPlan], report: IncidentReport,
                 level: str | None) -> LevelChoice:
    """The operator's level when given (already checked against `levels`), else the playbook's grading."""
    if level is not None:
        msgid = N_("response level {level} set by the operator")
        return LevelChoice(level, Texts(zh=tr("zh-CN", msgid, level=level), en=tr("en", msgid, level=level)),
                           LevelSetBy.operator)
    graded = grade(plan_for(levels[0]).grading, report)
    return LevelChoice(graded.level, Texts(zh=graded.explain("zh-CN"), en=graded.explain("en")), LevelSetBy.grading)


def new_incident(*, incident_id: str, playbook: str, plan: ResolvedPlan, choice: LevelChoice, report: IncidentReport,
                 latitude: float, longitude: float, drill: bool, lang: str, time_scale: float,
                 now: datetime) -> Incident:
    return Incident(
        id=incident_id, playbook_id=playbook, playbook_hash=plan.content_hash, level=choice.level,
        level_reason=choice.reason.pick(lang), level_set_by=choice.set_by.value, drill=drill, lang=lang,
        time_scale=time_scale, latitude=latitude, longitude=longitude, enterprise=report.enterprise,
        chemical=report.chemical, deaths=report.deaths, injured=report.injured, evacuated=report.evacuated,
        loss_cny=report.loss_cny, description=report.description, reported_at=now)


def opening_events(run: Run, plan: ResolvedPlan, choice: LevelChoice, reported_at: datetime) -> list[Event]:
    return [
        Event(key=run.key("opened"), actor=SYSTEM, at=reported_at,
              payload=Opened(playbook=run.playbook, hash=plan.content_hash,
                             title=Texts(zh=plan.title_zh, en=plan.title_en), drill=run.drill,
                             manual_approval=run.manual_approval)),
        Event(key=run.key("graded"), actor=SYSTEM, at=reported_at,
              payload=Graded(level=choice.level, set_by=choice.set_by, reason=choice.reason)),
    ]


def resumed_event(run: Run, now: datetime) -> Event:
    return Event(key=run.key("resumed", now.isoformat()), actor=SYSTEM, at=now, payload=Resumed())


def command_post(run: Run, plan: ResolvedPlan, incident: Incident, *, wind_from_deg: float,
                 commander_unit_name: str | None, now: datetime) -> Outcome[CommandPost]:
    """Upwind (or crosswind) of the source and outside the isolation zone; the commander the plan names."""
    site = site_command_post(latitude=incident.latitude, longitude=incident.longitude, wind_from_deg=wind_from_deg,
                             min_distance_m=plan.command_post.min_distance_m,
                             isolation_radius_m=plan.isolation_radius_for(incident.chemical),
                             upwind=plan.command_post.upwind)
    who = plan.commander
    commander = Texts(zh=tr("zh-CN", "{role} ({unit})", role=who.role_zh, unit=commander_unit_name or who.unit),
                      en=tr("en", "{role} ({unit})", role=who.role_en, unit=who.unit))
    event = Event(key=run.key("command-post"), actor=commander.zh, at=now,
                  payload=CommandPostSet(latitude=site.latitude, longitude=site.longitude, distance_m=site.distance_m,
                                         bearing_deg=site.bearing_deg, upwind=plan.command_post.upwind,
                                         commander=commander, wind_from_deg=wind_from_deg % 360))
    return Outcome(CommandPost(commander=commander.zh, latitude=site.latitude, longitude=site.longitude, at=now),
                   [event])
