"""What is checked before a run writes or sends anything, by the flow and by `parklink respond` alike.

    effective_drill(engine, report, drill)   an incident that is a drill stays one, however it is run again
    require_live(engine, settings)           a live run refuses to start (InputError, exit 2, one line) when a
                                             drill gateway is configured on this machine, when acknowledgement
                                             links cannot be made, or when a channel its liaisons use cannot send
    require_drill_for_manual_approval(drill, manual_approval)
                                             manual approval without a drill is refused (exit 2, one line)

A drill needs nothing configured: its flow run starts its own drill gateway and acknowledgement service.
"""

from __future__ import annotations

from sqlalchemy import Engine

from models.db import session_scope
from models.errors import InputError, ParkLinkError
from models.incident_report import IncidentReport
from models.incident_store import find_incident
from models.park_store import list_liaisons
from models.settings import Settings
from models.types import utcnow
from tasks.notify.channels.registry import unconfigured
from tasks.notify.sender import require_ack_config


def effective_drill(engine: Engine, report: IncidentReport, drill: bool) -> bool:
    """The run's drill flag: the incident's own when it exists already, else what the launcher said."""
    if not report.incident_id:
        return drill
    with session_scope(engine) as session:
        existing = find_incident(session=session, incident_id=report.incident_id)
    return existing.drill if existing is not None else drill


def require_live(engine: Engine, settings: Settings) -> None:
    """Refuse a live run that would reach a drill gateway or could not reach its liaisons; nothing is written."""
    if settings.drill_base_url:
        raise InputError(f"a live run never sends to a drill gateway, and PARKLINK_DRILL_BASE_URL is set "
                         f"({settings.drill_base_url}) where this run starts: unset it for live runs, or launch a "
                         "drill (--drill); nothing was sent", exit_code=2)
    try:
        require_ack_config(settings)
    except ParkLinkError as exc:
        raise InputError(f"a live run cannot send acknowledgement links: {exc}; nothing was sent",
                         exit_code=2) from None
    with session_scope(engine) as session:
        channels = {str(c) for li in list_liaisons(session=session) for c in li.channel_order()}
    problems = unconfigured(settings, channels, now=utcnow())
    if problems:
        raise InputError(f"a live run cannot reach its liaisons: {'; '.join(problems)}; configure them (README, "
                         "\"Reaching people\") or launch a drill (--drill); nothing was sent", exit_code=2)


def require_drill_for_manual_approval(drill: bool, manual_approval: bool) -> None:
    """Manual approval rehearses the commander's approval in a drill; a live run waits for the commander anyway."""
    if manual_approval and not drill:
        raise InputError("--manual-approval goes with --drill: a live run already waits for the commander's approval "
                         "of requisitions above the playbook's threshold; drop --manual-approval or add --drill",
                         exit_code=2)
