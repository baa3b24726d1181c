"""`parklink serve`, `parklink ack`, `parklink gateway`, and the live liaison check behind `directory check --live`."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
import uvicorn

from models.errors import InputError, ParkLinkError
from models.i18n import N_, tr
from parklink.app import console, print_json, print_table, state
from tasks.drill.gateway import Behaviour, DrillGateway, parse_delay
from tasks.notify.ack import AckRefused, acknowledge
from tasks.notify.check import CheckReport, run_liaison_check
from tasks.notify.sender import ack_secret, require_ack_config
from tasks.web.ack_app import DETAILS, TITLES, create_app
from tasks.web.serving import LOOPBACK, bind


def serve(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port", min=1, max=65535)] = 8700,
) -> None:
    """Run the acknowledgement web service (the page behind every message's link)."""
    settings = state.settings
    ack_secret(settings)
    sock = bind(host, port)
    console.print(tr(state.lang, "acknowledgement service on http://{h}:{p}/ack/<token> (Ctrl-C stops)", h=host, p=port))
    server = uvicorn.Server(uvicorn.Config(create_app(state.engine, settings), log_level="warning", lifespan="off"))
    server.run(sockets=[sock])


def ack(
    token: Annotated[str, typer.Argument(help="the token at the end of the acknowledgement link")],
    eta: Annotated[int | None, typer.Option("--eta", help="minutes until arrival/response")] = None,
    note: Annotated[str | None, typer.Option("--note", help="a short note")] = None,
) -> None:
    """Acknowledge a message from the shell, as the link's page would."""
    lang = state.lang
    token = token.rsplit("/ack/", 1)[-1].split("?", 1)[0]  # a whole link is accepted too
    try:
        row = acknowledge(state.engine, token, settings=state.settings, eta_min=eta, note=note, via="cli")
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


# ---- directory check --live ---------------------------------------------------------------------------------

async def _live(wait_s: float | None, drill: bool, answer_rate: float, seed: int) -> CheckReport:
    from tasks.drill.environment import drill_environment

    settings, engine = state.settings, state.engine
    if drill or settings.drill_base_url and not settings.ack_base_url:
        scale = None if drill else settings.time_scale
        async with drill_environment(engine, settings, answer_rate=answer_rate, seed=seed, time_scale=scale) as env:
            return await run_liaison_check(engine, settings=env.settings, wait_s=wait_s, drill=True)
    require_ack_config(settings)
    return await run_liaison_check(engine, settings=settings, wait_s=wait_s, drill=bool(settings.drill_base_url))


def live_check(*, wait_s: float | None, drill: bool, answer_rate: float | None, seed: int | None,
               json_out: bool) -> None:
    """Send the check message to every active primary liaison; exit 1 when anyone is unreachable."""
    if (answer_rate is not None or seed is not None) and not drill:
        raise InputError("--answer-rate and --seed go with --drill", exit_code=2)
    if answer_rate is not None and not 0 <= answer_rate <= 1:
        raise InputError(f"--answer-rate {answer_rate}: give a share between 0 and 1", exit_code=2)
    if wait_s is not None and wait_s <= 0:
        raise InputError(f"--wait {wait_s}: give seconds above 0", exit_code=2)
    report = asyncio.run(_live(wait_s, drill, 0.9 if answer_rate is None else answer_rate, seed or 0))
    lang = state.lang
    if json_out:
        print_json(report.as_dict())
    else:
        if report.unreachable:
            print_table(tr(lang, "unreachable liaisons ({n})", n=len(report.unreachable)),
                        ["unit", "liaison", "role", "reason"],
                        [[u["unit"], u["liaison"], u["role"], _reason(lang, u["reason"])] for u in report.unreachable])
        console.print(tr(lang, "liaison check #{id}: {c} primary liaisons, {a} acknowledged, {e} escalated, "
                         "{u} unreachable; {n} unit(s) reached nobody",
                         id=report.check_id, c=report.checked, a=report.acknowledged, e=report.escalated,
                         u=len(report.unreachable), n=len(report.units_unreached)), markup=False)
    if report.unreachable:
        raise typer.Exit(1)


# Why a liaison was unreachable (tasks/notify/check.py's CheckReport names each with one of these keys).
UNREACHABLE = {"silent": N_("did not answer"), "undeliverable": N_("undeliverable"),
               "no active primary": N_("no active primary")}


def _reason(lang: str, reason: str) -> str:
    return tr(lang, UNREACHABLE[reason]) if reason in UNREACHABLE else reason
