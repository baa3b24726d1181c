"""A drill needs no set-up: start the drill gateway and the acknowledgement service in-process.

    async with drill_environment(engine, settings, answer_rate=0.8, seed=7) as drill:
        outcomes = await notify_units(engine, ..., settings=drill.settings)
        drill.gateway.messages        # what "people" received and did

Whatever is configured is kept: with PARKLINK_DRILL_BASE_URL set, no gateway is started (an external
`parklink gateway` is used); with PARKLINK_ACK_BASE_URL set, no acknowledgement service is started unless
`own_ack` (a drill run always starts its own: the shared public one's links are not the drill's). Missing
secrets are replaced by random ones for this drill only, so every signature is exercised. Park time runs
`drill_time_scale` times faster; the gateway's people answer after a delay given in park seconds.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass, field

from pydantic import SecretStr
from sqlalchemy import Engine

from models.drill import GatewayCount
from tasks.drill.gateway import Behaviour, DrillGateway
from tasks.web.ack_app import create_app
from tasks.web.serving import serve_in_thread


@dataclass
class DrillEnvironment:
    settings: object
    overrides: dict = field(default_factory=dict)
    gateway: DrillGateway | None = None
    gateway_url: str | None = None
    ack_url: str | None = None

    def count(self) -> GatewayCount | None:
        """What this drill's own gateway received (None when an external gateway was used)."""
        if self.gateway is None:
            return None
        stats = self.gateway.stats()
        return GatewayCount(messages=len(self.gateway.messages), requests=stats["requests"],
                            duplicates=stats["duplicates"], answered=stats["answered"])


def _secret_overrides(settings) -> dict:
    out = {}
    for name in ("ack_secret", "webhook_secret", "dingtalk_secret", "feishu_secret"):
        if getattr(settings, name) is None:
            out[name] = SecretStr(secrets.token_urlsafe(32))
    return out


@asynccontextmanager
async def drill_environment(engine: Engine, settings, *, answer_rate: float = 0.9,
                            delay: tuple[float, float] = (15.0, 240.0), error_rate: float = 0.0,
                            timeout_rate: float = 0.0, slow_s: float | None = None, seed: int = 0,
                            time_scale: float | None = None, own_ack: bool = False) -> AsyncIterator[DrillEnvironment]:
    """Yield a DrillEnvironment whose `settings` point every channel at the gateway and links at the service."""
    scale = time_scale or settings.drill_time_scale
    overrides = {**_secret_overrides(settings), "time_scale": scale, "ack_poll_s": min(settings.ack_poll_s, 0.25)}
    env = DrillEnvironment(settings=None, overrides=overrides)
    stack = ExitStack()
    try:
        if settings.drill_base_url:  # an external drill gateway (rehearsing faults): kept for the whole drill
            overrides["drill_base_url"] = settings.drill_base_url
        else:
            behaviour = Behaviour(answer_rate=answer_rate, delay=delay, error_rate=error_rate,
                                  timeout_rate=timeout_rate, slow_s=slow_s or settings.notify_timeout_s * 2,
                                  seed=seed, time_scale=scale)
            env.gateway = DrillGateway(behaviour)
            env.gateway_url = await asyncio.to_thread(
                stack.enter_context, serve_in_thread(env.gateway.app, name="drill gateway"))
            overrides["drill_base_url"] = env.gateway_url
        drilled = settings.model_copy(update=overrides)
        if own_ack or not settings.ack_base_url:
            env.ack_url = await asyncio.to_thread(
                stack.enter_context, serve_in_thread(create_app(engine, drilled), name="acknowledgement service"))
            overrides["ack_base_url"] = env.ack_url
        env.settings = settings.model_copy(update=overrides)
        yield env
    finally:
        await asyncio.to_thread(stack.close)
