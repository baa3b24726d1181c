"""What a warning of a colour asks for, and what a change of colour adds or stands down (预警联动). Pure.

    actions_for(plan, colour)        the playbook's warning actions of this colour and every lower one
    colour_delta(plan, old, new, …)  a change of colour: the actions it adds (raised) or stands down (lowered), the
                                     units it puts on standby or releases
    standby_units(colour, …)         who stands by: from yellow up every linked unit, at blue the units the
                                     playbook's lowest response level activates (the incident enterprise's too)
    ack_deadline_min(colour)         how long an action owner or a unit on standby has to acknowledge (park
                                     minutes): red 10, orange 15, yellow 30, blue 60
    reserve_shortfalls(levels, …)    the reserve check: each response level's needs against the stock now
                                     (the dispatch planner in dry run) → shortfalls by level and resource type
    run_expiry(...)                  when a warning's `expires` falls in the run's (possibly scaled) time
    logistics_lead(plans, office)    who hears of the reserve check (and answers for dispatch KPIs): the logistics
                                     group's lead at the highest level that has one, else the office
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from models.events.warning import ShortfallLine
from models.playbook import ResolvedPlan
from models.playbook.plan import WarningActionPlan
from models.position import Position
from models.warning_kinds import Colour
from tasks.dispatch import plan_dispatch
from tasks.response.context import unit_codes

ACK_MIN = {Colour.red: 10.0, Colour.orange: 15.0, Colour.yellow: 30.0, Colour.blue: 60.0}


@dataclass(frozen=True)
class ColouredAction:
    colour: Colour
    action: WarningActionPlan

    @property
    def id(self) -> str:
        return self.action.id


@dataclass(frozen=True)
class ColourDelta:
    added: list[ColouredAction]
    dropped: list[ColouredAction]
    standby_added: list[str]
    standby_released: list[str]


def ack_deadline_min(colour: Colour) -> float:
    return ACK_MIN[Colour(colour)]


def actions_for(plan: ResolvedPlan, colour: Colour) -> list[ColouredAction]:
    """The actions of `colour` and every lower colour, lowest colour first, each once (by id)."""
    out: dict[str, ColouredAction] = {}
    for c in Colour(colour).and_below():
        for action in plan.warning_actions.get(c.value, []):
            out.setdefault(action.id, ColouredAction(c, action))
    return list(out.values())


def level_units(plan: ResolvedPlan, enterprise: str | None) -> list[str]:
    """The units the playbook's lowest level activates (`plan` resolved at that level)."""
    return list(dict.fromkeys(u for g in plan.groups for u in unit_codes(g.units, enterprise)))


def standby_units(colour: Colour, *, lowest_level_units: list[str], linked_units: list[str]) -> list[str]:
    return list(linked_units) if Colour(colour) >= Colour.yellow else list(lowest_level_units)


def colour_delta(plan: ResolvedPlan, old: Colour, new: Colour, *, lowest_level_units: list[str],
                 linked_units: list[str]) -> ColourDelta:
    before, after = actions_for(plan, old), actions_for(plan, new)
    before_ids, after_ids = {a.id for a in before}, {a.id for a in after}
    was = standby_units(old, lowest_level_units=lowest_level_units, linked_units=linked_units)
    now = standby_units(new, lowest_level_units=lowest_level_units, linked_units=linked_units)
    return ColourDelta(added=[a for a in after if a.id not in before_ids],
                       dropped=[a for a in before if a.id not in after_ids],
                       standby_added=[u for u in now if u not in was], standby_released=[u for u in was if u not in now])


def _by_type(level: str, lines) -> list[ShortfallLine]:
    total: dict[str, int] = defaultdict(int)
    for line in lines:
        total[line.resource_type] += line.quantity
    return [ShortfallLine(level=level, resource_type=t, quantity=q) for t, q in sorted(total.items())]


def reserve_shortfalls(plans: list[ResolvedPlan], stock, at: Position) -> tuple[list[ShortfallLine],
                                                                                 list[ShortfallLine]]:
    """Each level's needs planned against `stock` (nothing reserved), lowest level first: what could not be
    covered at all (shortfalls), and what only requisitioning from holders would cover, by resource type."""
    stock = list(stock)
    short, requisition = [], []
    for plan in plans:
        result = plan_dispatch(plan.all_needs(), stock, at, exclude_radius_m=0.0)
        short += _by_type(plan.level, result.shortfalls)
        requisition += _by_type(plan.level, result.requisitions)
    return short, requisition


def logistics_lead(plans: list[ResolvedPlan], office: str) -> str:
    """Who hears of the reserve check: the logistics group's lead at the highest level that has one, else the
    office."""
    for plan in reversed(plans):
        for group in plan.groups:
            if group.key == "logistics":
                return group.lead
    return office


def run_expiry(*, raised_at: datetime, onset: datetime | None, expires: datetime | None,
               time_scale: float) -> datetime | None:
    """When the run lets the warning expire: its `expires`, or in a drill on a time scale the same span from its
    onset (or from when it was raised) shrunk by the scale."""
    if expires is None:
        return None
    if time_scale == 1.0:
        return expires
    start = onset or raised_at
    return raised_at + timedelta(seconds=max(0.0, (expires - start).total_seconds()) / time_scale)
