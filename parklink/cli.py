"""`parklink`: the operators' and administrators' command line."""

from __future__ import annotations

from typing import Annotated

import typer

from parklink import (
    cli_actions,
    cli_audit,
    cli_deploy,
    cli_directory,
    cli_dispatch,
    cli_drills,
    cli_duty,
    cli_engine,
    cli_incident,
    cli_inventory,
    cli_meeting,
    cli_notify,
    cli_park,
    cli_playbooks,
    cli_reports,
    cli_requisitions,
    cli_users,
    cli_warn,
)
from parklink.app import run, state

app = typer.Typer(
    name="parklink",
    help="ParkLink — 化工园区应急救援联动 (emergency linkage of a chemical industrial park).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _main(
    lang: Annotated[str | None, typer.Option("--lang", help="zh-CN (default) or en")] = None,
) -> None:
    if lang is not None and lang not in ("zh-CN", "en"):
        raise typer.BadParameter(f"`{lang}`; choose zh-CN or en", param_hint="--lang")
    state.lang_override = lang


cli_park.register(app)
cli_incident.register(app)
cli_audit.register(app)
app.add_typer(cli_directory.app, name="directory")
app.add_typer(cli_inventory.app, name="inventory")
cli_notify.register(app)
cli_deploy.register(app)
app.add_typer(cli_engine.app, name="engine")
app.add_typer(cli_duty.app, name="duty")
app.add_typer(cli_playbooks.app, name="playbooks")
app.add_typer(cli_dispatch.app, name="dispatch")
app.add_typer(cli_requisitions.app, name="requisitions")
cli_warn.register(app)
app.add_typer(cli_reports.app, name="reports")
app.add_typer(cli_meeting.app, name="meeting")
app.add_typer(cli_drills.app, name="drills")
app.add_typer(cli_actions.app, name="actions")
app.add_typer(cli_users.app, name="users")


def main() -> None:
    run(app)


if __name__ == "__main__":
    main()
