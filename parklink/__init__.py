"""The faces: the `parklink` CLI, the web service, the drill gateway.

    cli             the entry point: one Typer app, one error handler (`Error: …`, non-zero exit)
    app             the CLI's state (settings, engine, language), JSON and table output
    cli_park        init, summary                          cli_directory   directory import/export/list/check
    cli_inventory   inventory import/export/list           cli_dispatch    dispatch plan/reserve/stand-down
    cli_requisitions the requisition ledger                cli_playbooks   playbooks list/validate/show/diff/schema
    cli_notify      serve, ack, the liaison check          cli_respond     respond: checked, then run
    cli_incident    escalate, approve, stand-down, report, history
    cli_engine      engine start/stop/status               engine          the local Prefect server
    respond_view    the live view and the summary of a run
    ack_service     the acknowledgement pages and JSON API (templates/ack.html.j2)
    web_guard       security headers on every response, bounded bodies, the same-origin rule for POSTs
    gateway         the drill gateway: plays the liaisons of a drill over loopback HTTP
    drill           a drill's gateway and acknowledgement service in-process
    serving         uvicorn in a thread
    i18n            table headings and unit kinds as catalogue msgids
"""

import os as _os
import sys as _sys

# Prefect reads its settings once, when it is first imported (the commands' modules import it): the terminal shows
# ParkLink's own live view, so Prefect's INFO lines go only to the run's log in the UI. `parklink worker` keeps them.
if _os.path.basename(_sys.argv[0] if _sys.argv else "") == "parklink" and _sys.argv[1:2] != ["worker"]:
    _os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
