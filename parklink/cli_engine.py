"""`parklink engine start|stop|status`: ParkLink's local Prefect server (the engine and its UI)."""

from __future__ import annotations

from typing import Annotated

import typer

from models.i18n import tr
from parklink import engine
from parklink.app import console, print_json, state

app = typer.Typer(help="本地 Prefect 引擎 (the local Prefect server): start, stop, status.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]


def _show(st: engine.EngineStatus, json_out: bool) -> None:
    if json_out:
        return print_json(st.as_dict())
    lang = state.lang
    if st.running:
        console.print(tr(lang, "engine running: {url} (UI {ui})", url=st.url, ui=st.ui_url))
    else:
        console.print(tr(lang, "engine not running: {url}", url=st.url))


@app.command()
def start(json_out: JsonOpt = False) -> None:
    """Start the local Prefect server in the background (no-op when it answers already)."""
    _show(engine.start(state.settings), json_out)


@app.command()
def stop(json_out: JsonOpt = False) -> None:
    """Stop the local Prefect server ParkLink started."""
    stopped = engine.stop(state.settings)
    if json_out:
        return print_json({"stopped": stopped})
    console.print(tr(state.lang, "engine stopped") if stopped else tr(state.lang, "engine was not running"))


@app.command()
def status(json_out: JsonOpt = False) -> None:
    """Where the engine is and whether it answers; exit 1 when it does not."""
    st = engine.status(state.settings)
    _show(st, json_out)
    if not st.running:
        raise typer.Exit(1)
