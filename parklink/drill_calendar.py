"""`parklink drills plan|schedule`: the planner's input read from the record, and the plan's scheduled runs.

    year_plan(engine, settings, year, start) → YearPlan(drills, source)        the calendar proposed (nothing written)
    schedule(engine, settings, plan, lang)   → [Scheduled]                     each drill a scheduled run of its
                                                                               playbook's deployment, recorded once

A drill is scheduled as `parklink respond PLAYBOOK --drill --enterprise SITE --incident-id DRL-<year>-<unit>-<n>`
would submit it (parklink/submit.py: the same parameters), at 09:30 Asia/Shanghai on its day, with Prefect's
idempotency key `drill-plan:<incident id>`; the flow run's id is kept in `drill_plan`, so scheduling twice
schedules nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlmodel import select

from models.db import session_scope
from models.directory import Unit, UnitKind
from models.drill import DrillPeople
from models.drill_frequency import every_months
from models.drill_record import DrillPlanEntry
from models.drill_store import last_drills, last_playbooks, save_plan_entry, set_scheduled
from models.errors import InputError
from models.i18n import tr
from models.incident_report import validated_report
from models.types import SHANGHAI
from parklink.submit import parameters
from tasks.drills.planner import PlannedDrill, PlanUnit, open_days, plan_year
from tasks.duty.calendar import Source, load_local_table, year_calendar
from tasks.duty.roster_db import special_periods_for
from tasks.response.runtime import library

START_AT = time(9, 30)  # a scheduled drill begins at 09:30 park time


@dataclass(frozen=True)
class YearPlan:
    year: int
    source: Source  # the calendar's: library | local | weekends
    drills: list[PlannedDrill]


@dataclass(frozen=True)
class Scheduled:
    drill: PlannedDrill
    flow_run_id: str
    new: bool


def year_plan(engine, settings, year: int, start: date | None = None) -> YearPlan:
    if not 2000 <= year <= 2100:
        raise InputError(f"--year {year}: give a year from 2000 to 2100", exit_code=2)
    path = settings.holidays_file
    calendar = year_calendar(year, load_local_table(path) if path and path.exists() else None)
    known = set(library(settings).ids())
    first = datetime.combine(date(year, 1, 1), time(0), SHANGHAI)
    with session_scope(engine) as session:
        periods = special_periods_for(session=session, settings=settings, start=first,
                                      end=first.replace(year=year + 1))
        last, playbooks = last_drills(session=session), last_playbooks(session=session)
        units = [PlanUnit(code=u.code, every_months=every_months(u.kind, u.drill_every_months),
                          risks=tuple(r for r in u.risk_list() if r in known), last_drill=last.get(u.code),
                          last_playbook=playbooks.get(u.code),
                          enterprise=u.kind is UnitKind.enterprise and u.latitude is not None)
                 for u in session.exec(select(Unit).where(Unit.active)).all()]
    days = open_days(year, calendar, periods, start)
    return YearPlan(year=year, source=calendar.source, drills=plan_year(year, units, days))


def _params(drill: PlannedDrill, settings, lang: str) -> dict:
    description = tr(lang, "Scheduled drill {n} of {year} for {unit}: {playbook}", n=drill.seq, year=drill.day.year,
                     unit=drill.unit, playbook=drill.playbook)
    report = validated_report({"incident_id": drill.incident_id, "enterprise": drill.site, "description": description})
    return parameters(report=report, level=None, drill=True, people=DrillPeople(), lang=lang, hold=False,
                      time_scale=settings.drill_time_scale)


async def _submit(drill: PlannedDrill, params: dict, when: datetime) -> str:
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    name = f"respond/{drill.playbook}"
    try:
        run = await run_deployment(name=name, parameters=params, scheduled_time=when, timeout=0, as_subflow=False,
                                   idempotency_key=f"drill-plan:{drill.incident_id}")
    except ObjectNotFound:
        raise InputError(f"no deployment `{name}` on this Prefect server: run `parklink deploy` first",
                         exit_code=2) from None
    return str(run.id)


async def missing_deployments(playbooks: set[str]) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    missing = []
    async with get_client() as client:
        for playbook in sorted(playbooks):
            try:
                await client.read_deployment_by_name(f"respond/{playbook}")
            except ObjectNotFound:
                missing.append(f"respond/{playbook}")
    return missing


async def schedule(engine, settings, plan: YearPlan, lang: str) -> list[Scheduled]:
    """Every drill of the plan scheduled once; refused before anything is written when a deployment is missing."""
    missing = await missing_deployments({d.playbook for d in plan.drills})
    if missing:
        raise InputError(f"no deployment {', '.join(f'`{m}`' for m in missing)} on this Prefect server: run "
                         "`parklink deploy` first; nothing was scheduled", exit_code=2)
    out = []
    for drill in plan.drills:
        with session_scope(engine) as session:
            row = save_plan_entry(session=session, entry=DrillPlanEntry(
                year=plan.year, unit=drill.unit, seq=drill.seq, day=drill.day, playbook_id=drill.playbook,
                site=drill.site, incident_id=drill.incident_id))
            entry_id, done = row.id, row.flow_run_id
            kept = PlannedDrill(unit=row.unit, seq=row.seq, day=row.day, playbook=row.playbook_id, site=row.site)
        if done:
            out.append(Scheduled(kept, done, new=False))
            continue
        when = datetime.combine(kept.day, START_AT, SHANGHAI)
        flow_run_id = await _submit(kept, _params(kept, settings, lang), when)
        with session_scope(engine) as session:
            set_scheduled(session=session, entry_id=entry_id, flow_run_id=flow_run_id,
                          scheduled_for=when)
        out.append(Scheduled(kept, flow_run_id, new=True))
    return out
