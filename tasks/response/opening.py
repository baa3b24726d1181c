"""Phases 1–3: open the incident (once per id), grade its level, stand up the command post."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.exc import IntegrityError

from models.db import session_scope
from models.directory import Unit
from models.errors import InputError
from models.incident import Incident
from models.incident_store import get_incident, next_incident_id, open_incident, record_event
from models.playbook import ResolvedPlan
from models.types import utcnow
from tasks.grading import IncidentReport as GradingInput
from tasks.grading import grade
from tasks.response.report import IncidentReport
from tasks.response.runtime import Run, db, library, run_settings
from tasks.siting import site_command_post


@dataclass(frozen=True)
class Opened:
    run: Run
    created: bool
    playbook_hash: str
    level_reason: str


def choose_level(plans_levels: list[str], plan_for, report: IncidentReport, level: str | None,
                 lang: str) -> tuple[str, str, str]:
    """(level, reason, set_by): the operator's level when given, else the playbook's grading of the report."""
    if level is not None:
        if level not in plans_levels:
            raise InputError(f"level `{level}`: this playbook has {', '.join(plans_levels)}", exit_code=2)
        reason = {"zh-CN": f"值班员指定 {level} 级响应", "en": f"response level {level} set by the operator"}
        return level, reason["en" if lang == "en" else "zh-CN"], "operator"
    base = plan_for(plans_levels[0])
    graded = grade(base.grading, GradingInput(deaths=report.deaths, serious_injuries=report.injured,
                                              direct_loss_cny=report.loss_cny, evacuated=report.evacuated,
                                              chemical=report.chemical, hazmat_release=bool(report.chemical)))
    return graded.level, graded.explain(lang), "grading"


@task(name="open incident", cache_policy=NO_CACHE)
def open_incident_step(playbook: str, report: IncidentReport, level: str | None, drill: bool, time_scale: float,
                       lang: str) -> Opened:
    settings = run_settings(lang, time_scale)
    engine = db(settings)
    playbooks = library(settings)
    levels = playbooks.levels(playbook)
    with session_scope(engine) as session:
        if report.incident_id and (existing := session.get(Incident, report.incident_id)) is not None:
            if existing.playbook_id != playbook:
                raise InputError(f"incident `{existing.id}` runs playbook `{existing.playbook_id}`, not `{playbook}`",
                                 exit_code=2)
            run = Run(incident_id=existing.id, playbook=playbook, level=existing.level, lang=existing.lang,
                      time_scale=existing.time_scale, drill=existing.drill, enterprise=existing.enterprise)
            record_event(session=session, incident=existing.id, key=run.key("resumed", utcnow().isoformat()),
                         actor="ParkLink", kind="resumed", zh="同一事件编号再次运行：继续处置，不重复通知与调拨",
                         en="run again with the same incident id: continuing, nothing notified or reserved twice")
            return Opened(run, False, existing.playbook_hash, existing.level_reason)
    chosen, reason, set_by = choose_level(levels, lambda lv: playbooks.resolve(playbook, lv), report, level, lang)
    plan = playbooks.resolve(playbook, chosen)
    lat, lon = report.latitude, report.longitude
    for attempt in range(5):
        try:
            with session_scope(engine) as session:
                if report.enterprise and (lat is None or lon is None):
                    unit = session.get(Unit, report.enterprise)
                    lat, lon = unit.latitude, unit.longitude
                incident_id = report.incident_id or next_incident_id(session=session)
                incident = Incident(
                    id=incident_id, playbook_id=playbook, playbook_hash=plan.content_hash, level=chosen,
                    level_reason=reason, level_set_by=set_by, drill=drill, lang=lang, time_scale=time_scale,
                    latitude=lat, longitude=lon, enterprise=report.enterprise, chemical=report.chemical,
                    deaths=report.deaths, injured=report.injured, evacuated=report.evacuated,
                    loss_cny=report.loss_cny, description=report.description, reported_at=utcnow())
                incident, created = open_incident(session=session, incident=incident)
                run = Run(incident_id=incident.id, playbook=playbook, level=incident.level, lang=lang,
                          time_scale=time_scale, drill=drill, enterprise=report.enterprise)
                record_event(session=session, incident=incident.id, key=run.key("opened"), actor="ParkLink",
                             kind="opened", at=incident.reported_at,
                             zh=f"启动预案 {plan.title_zh}（{'演练' if drill else '实战'}），预案哈希 {plan.content_hash[:12]}",
                             en=f"playbook {plan.title_en} launched ({'drill' if drill else 'live'}), "
                                f"hash {plan.content_hash[:12]}",
                             data={"playbook": playbook, "hash": plan.content_hash})
                record_event(session=session, incident=incident.id, key=run.key("graded"), actor="ParkLink",
                             kind="graded", zh=f"响应级别 {chosen}：{reason}", en=f"response level {chosen}: {reason}",
                             data={"level": chosen, "set_by": set_by})
            return Opened(run, created, incident.playbook_hash, incident.level_reason)
        except IntegrityError:
            if report.incident_id or attempt == 4:
                raise
    raise AssertionError("unreachable")


@task(name="command post", cache_policy=NO_CACHE)
def command_post_step(run: Run, plan: ResolvedPlan, wind_from_deg: float) -> dict:
    engine = db()
    with session_scope(engine) as session:
        incident = get_incident(session=session, incident_id=run.incident_id)
        if incident.command_post_at is None:
            site = site_command_post(latitude=incident.latitude, longitude=incident.longitude,
                                     wind_from_deg=wind_from_deg, min_distance_m=plan.command_post.min_distance_m,
                                     isolation_radius_m=plan.isolation_radius_for(incident.chemical),
                                     upwind=plan.command_post.upwind)
            commander = session.get(Unit, plan.commander.unit)
            incident.commander = f"{plan.commander.role_zh}（{commander.name_zh if commander else plan.commander.unit}）"
            incident.command_post_at = utcnow()
            incident.command_post_latitude, incident.command_post_longitude = site.latitude, site.longitude
            record_event(session=session, incident=run.incident_id, key=run.key("command-post"), actor=incident.commander,
                         kind="command_post", at=incident.command_post_at,
                         zh=f"现场指挥部开设：{site.reason_zh}；总指挥 {incident.commander}；综合协调组承担指挥部办公室工作",
                         en=f"command post set up {site.reason_en}; commander {plan.commander.role_en} "
                            f"({plan.commander.unit}); the coordination group runs its office",
                         data={"latitude": site.latitude, "longitude": site.longitude, "distance_m": site.distance_m})
        return {"commander": incident.commander, "latitude": incident.command_post_latitude,
                "longitude": incident.command_post_longitude, "at": incident.command_post_at.isoformat()}
