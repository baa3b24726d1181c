"""Plan and reserve for an incident against the live stock, re-planning when the stock moved meanwhile.

    reserve_with_replan(engine, incident_id, needs, at, …) → ApplyResult     the call the response flow makes
    current_stock(session=…, resource_types=…) → list[StockLine]             what the planner plans from
    incident_inputs(session=…, incident_id=…) → IncidentInputs               an incident's position, its
                                                  playbook level's needs and isolation radius (plan ∨ ERG)

Each attempt reads the availability, plans (pure), and applies the plan in one locked transaction. If
another incident took the stock in between, `apply_plan` refuses the stale plan and the next attempt
plans again from the new availability, up to `max_attempts`. Needs already applied for the incident
are left out of planning and reported as skipped (the idempotency key is incident + need).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models.allocation import Need
from models.db import session_scope
from models.dispatch_store import ApplyResult, StalePlan, applied_need_ids, apply_plan, available_stock
from models.incident_store import get_incident
from models.position import Position
from tasks.dispatch import GreatCircle, TravelEstimate, plan_dispatch

current_stock = available_stock  # what the planner plans from: [StockLine]


def _duplicate(exc: IntegrityError) -> bool:
    """A unique-key clash (PostgreSQL names the constraint; SQLite says UNIQUE), not a broken reference."""
    text = str(exc.orig)
    return "UNIQUE constraint failed" in text or any(f"uq_{t}" in text for t in ("dispatch_need", "reservation",
                                                                                 "requisition"))


@dataclass(frozen=True)
class IncidentInputs:
    incident_id: str
    position: Position
    needs: list[Need]
    isolation_radius_m: float
    playbook_id: str
    level: str


def incident_inputs(*, session: Session, incident_id: str, playbooks_dir: Path | None = None) -> IncidentInputs:
    """What dispatch needs to know about a recorded incident: where, which needs, which radius to keep clear.

    The needs are those of the incident's playbook at its current level (all groups); the radius is the
    playbook's isolation radius widened to the chemical's ERG isolation distance.
    """
    from models.playbook.library import load_playbooks

    incident = get_incident(session=session, incident_id=incident_id)
    plan = load_playbooks(playbooks_dir).resolve(incident.playbook_id, incident.level)
    return IncidentInputs(incident_id=incident.id, position=Position(incident.latitude, incident.longitude),
                          needs=plan.all_needs(),
                          isolation_radius_m=float(plan.isolation_radius_for(incident.chemical)),
                          playbook_id=incident.playbook_id, level=incident.level)


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
        except IntegrityError as exc:
            if not _duplicate(exc):
                raise
            last = exc  # the same incident applied concurrently: the next round skips what it applied
            continue
        result.attempts = attempt
        result.skipped_needs = sorted({*result.skipped_needs, *(n.id for n in needs if n.id in done)})
        return result
    raise StalePlan(getattr(last, "short", []),
                    f"incident {incident_id}: stock kept changing over {max_attempts} attempts; "
                    "nothing was reserved by the last attempt; try again")
