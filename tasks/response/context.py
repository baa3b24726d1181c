"""What notices and upward reports may say: the template contexts (names as in models.templating.FILE_CONTEXT).

Pure: built from an incident record, its resolved plan and a map of unit names. Times are shown in
Asia/Shanghai; in a drill, deadlines shown are the drill's (scaled) ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from models.i18n import is_english, tr
from models.incident import Incident
from models.playbook import INCIDENT_ENTERPRISE, GroupPlan, ResolvedPlan
from models.playbook.schema import LEVEL_NAMES
from models.types import local_time


def pick(names: tuple[str, str], lang: str) -> str:
    """(zh, en) → the one of `lang`."""
    return names[1] if is_english(lang) else names[0]


def local(value: datetime | None) -> str:
    return local_time(value, "%Y-%m-%d %H:%M", missing="")


def level_names(level: str) -> tuple[str, str]:
    """(zh-CN, en) statutory name of a response level; the level itself for one the law does not name."""
    name = LEVEL_NAMES.get(level)
    return (tr("zh-CN", name), name) if name else (level, level)


def unit_codes(units: list[str], enterprise: str | None) -> list[str]:
    """The incident enterprise's role filled in (or dropped when the incident is not at an enterprise)."""
    out: list[str] = []
    for code in units:
        code = enterprise if code == INCIDENT_ENTERPRISE else code
        if code and code not in out:
            out.append(code)
    return out


def incident_context(incident: Incident, names: dict[str, tuple[str, str]], lang: str) -> dict[str, Any]:
    enterprise = names.get(incident.enterprise or "", ("", ""))
    place = incident.description.split("。")[0][:60] if incident.description else ""
    return {
        "id": incident.id, "title": incident.description[:40] or incident.playbook_id, "kind": incident.playbook_id,
        "enterprise": incident.enterprise or "",
        "enterprise_name": pick(enterprise, lang) or
        (f"{incident.latitude:.5f}, {incident.longitude:.5f}"),
        "place": place or f"{incident.latitude:.5f}, {incident.longitude:.5f}",
        "chemical": incident.chemical or "", "un_number": incident.chemical or "",
        "occurred_at": local(incident.reported_at), "reported_at": local(incident.reported_at),
        "deaths": incident.deaths, "missing": 0, "serious_injuries": incident.injured, "minor_injuries": 0,
        "evacuated": incident.evacuated, "direct_loss_cny": f"{incident.loss_cny:,.0f}", "wind_from": "",
        "description": incident.description or "—", "measures": "",
    }


def plan_context(plan: ResolvedPlan) -> dict[str, Any]:
    zh, en = level_names(plan.level)
    return {"id": plan.id, "title_zh": plan.title_zh, "title_en": plan.title_en, "level": plan.level,
            "level_name_zh": zh, "level_name_en": en, "isolation_radius_m": plan.isolation_radius_m,
            "commander": plan.commander.model_dump()}


def command_post_context(incident: Incident, plan: ResolvedPlan, lang: str) -> dict[str, Any]:
    place = (f"{incident.command_post_latitude:.5f}, {incident.command_post_longitude:.5f}"
             if incident.command_post_latitude is not None else tr(lang, "to be decided"))
    return {"place": place, "upwind": plan.command_post.upwind, "min_distance_m": plan.command_post.min_distance_m}


def group_context(group: GroupPlan, names: dict[str, tuple[str, str]], enterprise: str | None,
                  lang: str) -> dict[str, Any]:
    lead = unit_codes([group.lead], enterprise)
    lead_name = pick(names.get(lead[0], (lead[0], lead[0])), lang) if lead else tr(lang, "the incident enterprise")
    return {"key": group.key, "number": group.number, "name_zh": group.name_zh, "name_en": group.name_en,
            "lead": lead[0] if lead else "", "lead_name": lead_name,
            "duties_zh": group.duties_zh, "duties_en": group.duties_en,
            "actions": [a.model_dump() for a in group.actions]}


def deadline_text(start: datetime, minutes: float, time_scale: float) -> str:
    return local(start + timedelta(minutes=minutes / time_scale))
