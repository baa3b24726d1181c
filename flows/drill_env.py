"""A drill run's own drill gateway and acknowledgement service: own_drill for respond and warn, standing_drill for
the standing mechanisms."""

from __future__ import annotations

from contextlib import AsyncExitStack

from models.drill import DrillPeople
from tasks.drill.environment import DrillEnvironment, drill_environment
from tasks.response.runtime import db, drill_of, run_settings


async def own_drill(stack: AsyncExitStack, context_id: str, *, drill: bool, lang: str, time_scale: float,
                    people: DrillPeople | None) -> DrillEnvironment | None:
    """A drill's own drill gateway and acknowledgement service, in this process, for the stack's lifetime, its
    tasks sending there (`drill_of` the incident's or warning's id); a live run: none."""
    if not drill:
        return None
    gateway = await stack.enter_async_context(drill_environment(
        db(), run_settings(lang), time_scale=time_scale, own_ack=True, **(people or DrillPeople()).options()))
    stack.enter_context(drill_of(context_id, gateway.overrides))
    return gateway


async def standing_drill(stack: AsyncExitStack, settings, *, drill: bool, answer_rate: float, seed: int,
                         time_scale: float | None = None) -> DrillEnvironment | None:
    """A standing mechanism's drill (liaison check, meeting, action reminders): its own drill gateway and
    acknowledgement service for the stack's lifetime; send with its `settings`. A live run: none."""
    if not drill:
        return None
    return await stack.enter_async_context(drill_environment(
        db(settings), settings, answer_rate=answer_rate, seed=seed, time_scale=time_scale, own_ack=True))
