"""Plan and reserve for an incident against the live stock, re-planning when the stock moved meanwhile.

    reserve_with_replan(engine, incident_id, needs, at, …) → ApplyResult     the call the response flow makes
    current_stock(session=…, resource_types=…) → list[StockLine]             what the planner plans from

Each attempt reads the availability, plans (pure), and applies the plan in one locked transaction. If
another incident took the stock in between, `apply_plan` refuses the stale plan and the next attempt
plans again from the new availability, up to `max_attempts`. Needs already applied for the incident
are left out of planning and reported as skipped (the idempotency key is incident + need).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models.db import session_scope
from models.dispatch_store import ApplyResult, StalePlan, applied_need_ids, apply_plan, available_stock
from tasks.dispatch import GreatCircle, Need, Position, StockLine, TravelEstimate, plan_dispatch


def current_stock(*, session: Session, resource_types: Iterable[str] | None = None) -> list[StockLine]:
    return [StockLine(*row) for row in available_stock(session=session, resource_types=resource_types)]


def reserve_with_replan(engine: Engine, incident_id: str, needs: Iterable[Need], at: Position, *,
                        travel: TravelEstimate | None = None, speed_kmh: float = 40.0,
                        exclude_radius_m: float = 0.0, max_attempts: int = 5, now: datetime | None = None,
                        lang: str = "zh-CN") -> ApplyResult:
    """Reserve what the needs ask for, nearest first by rank; StalePlan after `max_attempts` lost races."""
    needs = list(needs)
    travel = travel or GreatCircle(speed_kmh=speed_kmh)
    last: Exception | None = None
    for attempt in range(1, max_attempts + 1):
        with session_scope(engine) as session:
            done = applied_need_ids(session=session, incident_id=incident_id)
            todo = [n for n in needs if n.id not in done]
            stock = current_stock(session=session, resource_types={n.resource_type for n in todo})
        plan = plan_dispatch(todo, stock, at, travel=travel, exclude_radius_m=exclude_radius_m)
        try:
            with session_scope(engine) as session:
                result = apply_plan(session=session, incident_id=incident_id, plan=plan, now=now, lang=lang)
        except StalePlan as exc:
            last = exc
            continue
        except IntegrityError as exc:  # the same incident applied concurrently: the next round skips those
            last = exc
            continue
        result.attempts = attempt
        result.skipped_needs = sorted({*result.skipped_needs, *(n.id for n in needs if n.id in done)})
        return result
    raise StalePlan(getattr(last, "short", []),
                    f"incident {incident_id}: stock kept changing over {max_attempts} attempts; "
                    "nothing was reserved by the last attempt; try again")
