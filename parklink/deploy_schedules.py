"""The schedules of a prefect.yaml deployment, as `parklink deploy` registers them and reads them back.

    schedules:
      - interval: 30                                  # the watchdog: every 30 s
      - cron: "0 9 * * 1"                             # the liaison check: Mondays 09:00 park time
        timezone: Asia/Shanghai
        parameters: {reason: weekly}                  # over the deployment's parameters for those runs
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CronSpec:
    """`schedules: [{cron: "0 9 * * 1", timezone: Asia/Shanghai, parameters: {...}}]`: a standing mechanism."""

    cron: str
    timezone: str = "Asia/Shanghai"
    parameters: tuple[tuple[str, Any], ...] = ()  # the schedule's own parameters over the deployment's


def cron_spec(entry: dict) -> CronSpec:
    from prefect.client.schemas.schedules import CronSchedule

    cron = CronSpec(cron=str(entry["cron"]), timezone=str(entry.get("timezone") or "Asia/Shanghai"),
                    parameters=tuple(sorted(dict(entry.get("parameters") or {}).items())))
    try:
        CronSchedule(cron=cron.cron, timezone=cron.timezone)
    except ValueError as exc:
        raise TypeError(f"schedule {entry}: {str(exc).splitlines()[0]}") from None
    return cron


def intervals(current: Any) -> tuple[float, ...]:
    return tuple(s.schedule.interval.total_seconds() for s in current.schedules or []
                 if getattr(s.schedule, "interval", None) is not None)


def crons(current: Any) -> set[CronSpec]:
    return {CronSpec(s.schedule.cron, s.schedule.timezone or "UTC", tuple(sorted((s.parameters or {}).items())))
            for s in current.schedules or [] if getattr(s.schedule, "cron", None) is not None}


def schedules(intervals_s: tuple[float, ...], cron_specs: tuple[CronSpec, ...], active: bool = True) -> list:
    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule

    return [*(DeploymentScheduleCreate(schedule=IntervalSchedule(interval=s), active=active) for s in intervals_s),
            *(DeploymentScheduleCreate(schedule=CronSchedule(cron=c.cron, timezone=c.timezone), active=active,
                                       parameters=dict(c.parameters)) for c in cron_specs)]
