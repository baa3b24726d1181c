"""`parklink serve`, `parklink ack`, `parklink gateway` (the live liaison check: parklink/cli_checks.py)."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from models.errors import InputError, ParkLinkError
from models.i18n import tr
from parklink.app import console, state
from tasks.drill.gateway import Behaviour, DrillGateway, parse_delay
from tasks.notify.ack import AckRefused, acknowledge
from tasks.notify.sender import ack_secret
from tasks.web.ack_app import DETAILS, TITLES, create_app
from tasks.web.serving import LOOPBACK, bind


def serve(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port", min=1, max=65535)] = 8700,
) -> None:
    """Run the web service: the acknowledgement pages behind every message's link, the enterprises' report intake
    (POST /api/reports; reports their playbook's `auto_launch` names are launched: parklink/report_launch.py), and
    the command-post board (/board, after logging in: `parklink users add`)."""
    from parklink.board_launch import DrillLauncher
    from parklink.report_launch import auto_launcher

    settings = state.settings
    ack_secret(settings)
    sock = bind(host, port)
    console.print(tr(state.lang, "acknowledgement service on http://{h}:{p}/ack/<token> (Ctrl-C stops)", h=host, p=port))
    console.print(tr(state.lang, "report intake: POST http://{h}:{p}/api/reports", h=host, p=port), markup=False)
    console.print(tr(state.lang, "command-post board: http://{h}:{p}/board", h=host, p=port), markup=False)
    app = create_app(state.engine, settings, on_report=auto_launcher(state.engine, settings),
                     drills=DrillLauncher(state.engine, settings))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    server.run(sockets=[sock])


def ack(
    token: Annotated[str, typer.Argument(help="the token at the end of the acknowledgement link")],
    eta: Annotated[int | None, typer.Option("--eta", help="minutes until arrival/response")] = None,
    note: Annotated[str | None, typer.Option("--note", help="a short note")] = None,
    answer: Annotated[str | None, typer.Option(
        "--answer", help="a meeting invitation: will_attend, delegate or absent")] = None,
    delegate: Annotated[str | None, typer.Option("--delegate", help="with --answer delegate: who attends")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="with --answer absent: why")] = None,
) -> None:
    """Acknowledge a message from the shell, as the link's page would (a meeting invitation: with the answer)."""
    lang = state.lang
    token = token.rsplit("/ack/", 1)[-1].split("?", 1)[0]  # a whole link is accepted too
    try:
        row = acknowledge(state.engine, token, settings=state.settings, eta_min=eta, note=note, via="cli",
                          answer=answer, delegate=delegate, reason=reason)
    except AckRefused as exc:
        detail = str(exc) if exc.reason in ("invalid", "used") else tr(lang, DETAILS[exc.reason])
        raise ParkLinkError(f"{tr(lang, TITLES[exc.reason])}: {detail}") from None
    console.print(tr(lang, "acknowledged: notification #{id} ({unit} {who}), {at}", id=row.id, unit=row.unit,
                     who=row.liaison_name, at=row.acked_at.isoformat(timespec="seconds")),
                  markup=False)


def gateway(
    port: Annotated[int, typer.Option("--port", help="port on 127.0.0.1", min=1, max=65535)] = 8710,
    host: Annotated[str, typer.Option("--host", help="loopback address")] = "127.0.0.1",
    answer_rate: Annotated[float, typer.Option("--answer-rate", help="share of messages whose person answers")] = 0.9,
    delay: Annotated[str, typer.Option("--delay", help="seconds before a person answers: N or LOW-HIGH")] = "1-30",
    error_rate: Annotated[float, typer.Option("--error-rate", help="share of requests answered with 5xx")] = 0.05,
    timeout_rate: Annotated[float, typer.Option("--timeout-rate", help="share of requests held until the sender times out")] = 0.0,
    slow: Annotated[float, typer.Option("--slow", help="seconds a held request is held", min=0)] = 30.0,
    seed: Annotated[int, typer.Option("--seed", help="replays the same drill")] = 0,
) -> None:
    """Run the drill gateway: accepts every channel's messages and answers like people (loopback only)."""
    if host not in LOOPBACK:
        raise InputError(f"--host {host}: the drill gateway listens on loopback only (127.0.0.1)", exit_code=2)
    gw = DrillGateway(Behaviour(answer_rate=answer_rate, delay=parse_delay(delay), error_rate=error_rate,
                                timeout_rate=timeout_rate, slow_s=slow, seed=seed))
    sock = bind(host, port)
    console.print(tr(state.lang, "drill gateway on http://{h}:{p} (messages: /messages); senders set "
                     "PARKLINK_DRILL_BASE_URL=http://{h}:{p}", h=host, p=port), markup=False)
    uvicorn.Server(uvicorn.Config(gw.app, log_level="warning", lifespan="on",
                                  timeout_graceful_shutdown=1)).run(sockets=[sock])


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("ack")(ack)
    app.command("gateway")(gateway)
