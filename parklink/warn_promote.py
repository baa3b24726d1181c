"""`parklink warn promote`: a warning becomes a response — `respond` for its playbook, with its place and facts.

The incident is numbered first, so the two are linked both ways before the response runs: the warning records
the incident (state `promoted`: its run ends, its units are not released, the response takes them over) and the
incident's description names the warning. The response is launched exactly as `parklink respond` launches it
(same checks, exit codes and output); a drill warning is promoted to a drill.
"""

from __future__ import annotations

from models.db import session_scope
from models.errors import InputError
from models.i18n import tr
from models.incident_store import next_incident_id
from models.warning import WarningRecord
from models.warning_kinds import WarningState
from models.warning_store import finish, set_incident
from parklink.app import state
from parklink.cli_respond import build_report, respond_command


def promote(row: WarningRecord, *, level: str | None, at: str | None, enterprise: str | None, chemical: str | None,
            injured: int, deaths: int, evacuated: int, json_out: bool) -> None:
    if row.state is not WarningState.active:
        raise InputError(f"warning `{row.id}` is {row.state.value}; only an active warning can be promoted",
                         exit_code=2)
    if at is None and enterprise is None:
        enterprise = row.enterprise
        if enterprise is None and row.latitude is not None:
            at = f"{row.latitude},{row.longitude}"
    if at is None and enterprise is None:
        raise InputError(f"warning `{row.id}` names no place: give --at LAT,LON or --enterprise CODE", exit_code=2)
    with session_scope(state.engine) as session:
        incident_id = next_incident_id(session=session)
    description = tr(state.lang, "{text} (promoted from warning {id})", text=row.text, id=row.id).strip()
    # every check `respond` makes, before the warning is marked: a refused promotion changes nothing
    build_report(playbook=row.playbook_id, level=level, enterprise=enterprise, at=at, chemical=chemical,
                 deaths=deaths, injured=injured, loss=0.0, evacuated=evacuated, description=description,
                 incident_id=incident_id, wind_from=315.0)
    with session_scope(state.engine) as session:
        set_incident(session=session, warning_id=row.id, incident_id=incident_id)
        finish(session=session, warning_id=row.id, state=WarningState.promoted, reason=f"promoted to {incident_id}")
    respond_command(playbook=row.playbook_id, level=level, enterprise=enterprise, at=at, chemical=chemical,
                    deaths=deaths, injured=injured, loss=0.0, evacuated=evacuated, description=description,
                    incident_id=incident_id, wind_from=315.0, drill=row.drill, time_scale=None, hold=False,
                    answer_rate=0.9, seed=0, error_rate=0.0, timeout_rate=0.0, delay=None, deployment=False,
                    no_wait=False, json_out=json_out)
