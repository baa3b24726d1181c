"""Auditing a run without SQL: `parklink timeline INCIDENT` (the activity log) and `parklink notifications
INCIDENT` (every message). Tables in the CLI's language (zh-CN first, `--lang en`), units and people by name;
`--json` gives the same rows with English keys. An unknown incident is one `Error:` line, exit 1. Text from the
directory or the record is shown as written (rich markup in it is escaped).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from models.db import session_scope
from models.event_store import names, timeline
from models.events import Names
from models.events.names import role_label
from models.i18n import N_, tr
from models.incident_store import get_incident
from models.message_log import MessageRow
from models.notification_store import incident_messages
from models.types import local_time
from parklink.app import print_json, print_table, state

IncidentArg = Annotated[str, typer.Argument(help="incident id")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]

TIMELINE_COLUMNS = (N_("time"), N_("actor"), N_("what"))
MESSAGE_COLUMNS = (N_("unit"), N_("liaison"), N_("role"), N_("step"), N_("channel"), N_("message"),
                   N_("queued"), N_("delivered"), N_("acknowledged"), N_("status"), N_("error"))


def _time(value) -> str:
    return local_time(value) if value else ""


def timeline_command(incident: IncidentArg, json_out: JsonOpt = False) -> None:
    """The incident's activity log in time order: who did what, units and people by name."""
    lang = state.lang
    with session_scope(state.engine) as session:
        get_incident(session=session, incident_id=incident)
        found = timeline(session=session, incident=incident, lang=lang)
    if json_out:
        return print_json([e.model_dump() for e in found])
    print_table(tr(lang, "timeline of {incident}", incident=incident), [tr(lang, c) for c in TIMELINE_COLUMNS],
                [[_time(e.at), escape(e.actor), escape(e.text)] for e in found])


def _message_cells(row: MessageRow, who: Names, lang: str) -> list[str]:
    unit = who.unit_with_code(row.unit, lang)
    if row.recipient_unit != row.unit:
        unit = tr(lang, "{unit} via {recipient}", unit=unit, recipient=who.unit_with_code(row.recipient_unit, lang))
    return [unit, row.liaison, role_label(row.role, lang), str(row.step), row.channel or "", row.message_kind, _time(row.queued_at),
            _time(row.delivered_at), _time(row.acked_at), row.status.label(lang), row.error or ""]


def notifications_command(incident: IncidentArg, json_out: JsonOpt = False) -> None:
    """Every message of the incident: to whom, over which channel, when queued, delivered, acknowledged."""
    lang = state.lang
    with session_scope(state.engine) as session:
        get_incident(session=session, incident_id=incident)
        rows = incident_messages(session=session, incident=incident)
        who = names(session=session)
    if json_out:
        return print_json([r.model_dump() for r in rows])
    print_table(tr(lang, "messages of {incident}", incident=incident), [tr(lang, c) for c in MESSAGE_COLUMNS],
                [[escape(cell) for cell in _message_cells(r, who, lang)] for r in rows])


def register(app: typer.Typer) -> None:
    app.command("timeline")(timeline_command)
    app.command("notifications")(notifications_command)
