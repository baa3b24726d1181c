"""The dispatch planner: 满足急需、先主后次、先近后远 as a pure, deterministic function.

    plan_dispatch(needs, stock, at, travel=…, exclude_radius_m=…) → Plan

Order of service: needs by rank (urgency 1 first, primary before secondary, earliest deadline, id). Each
need is filled from the nearest usable depot of its type (earliest arrival, then kilometres, then depot
code) and split across depots when one is not enough. Government and enterprise reserves are one pool;
requisitionable holders come after every reserve of the type, and what they give becomes a requisition
(先征用、后结算). What nothing can cover is a shortfall. Depots inside the isolation radius, or with no
route, are excluded and listed with the reason.

Cost: O(S log S + N log N) — stock is grouped by type and sorted once per type; because every need of a
type draws from the same ordered list, one cursor per type skips exhausted depots for good.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable

from models.allocation import (
    RESERVE_KINDS,
    Allocation,
    Excluded,
    Need,
    Plan,
    Position,
    Requisition,
    Shortfall,
    StockLine,
)
from models.i18n import N_, both
from tasks.dispatch.travel import GreatCircle, Leg, TravelEstimate, great_circle_km


def _reason(kind: str, km: float, *, nearest: bool, split: bool, late_by: float | None) -> tuple[str, str]:
    """(zh-CN, en) of why a depot serves a need — formatted once per depot and case (the planner caches it)."""
    if kind == "requisition":
        msgid = N_("reserves fall short: requisitioned (settle later), {km} km")
    elif nearest:
        msgid = N_("nearest available reserve, {km} km")
    elif split:
        msgid = N_("split: nearer reserves could not cover it, {km} km")
    else:
        msgid = N_("nearer reserves went to more urgent needs, {km} km")
    zh, en = both(msgid, km=format(km, ".1f"))
    if late_by is not None:
        late_zh, late_en = both("; arrives {minutes} min after the deadline", minutes=format(late_by, ".0f"))
        zh, en = zh + late_zh, en + late_en
    return zh, en


def _depots(stock: Iterable[StockLine]) -> tuple[dict[str, StockLine], dict[str, dict[str, int]]]:
    """Each depot's identity (from its line of the smallest type code) and availability per type, summed."""
    info: dict[str, StockLine] = {}
    avail: dict[str, dict[str, int]] = {}
    for line in stock:
        first = info.get(line.depot)
        if first is None or line.resource_type < first.resource_type:
            info[line.depot] = line
        if line.available > 0:
            by_depot = avail.get(line.resource_type)
            if by_depot is None:
                by_depot = avail[line.resource_type] = {}
            by_depot[line.depot] = by_depot.get(line.depot, 0) + line.available
    return info, avail


def _usable_legs(info: dict[str, StockLine], at: Position, travel: TravelEstimate,
                 exclude_radius_m: float) -> tuple[dict[str, Leg], list[Excluded]]:
    legs: dict[str, Leg] = {}
    excluded: list[Excluded] = []
    for code in sorted(info):
        d = info[code]
        straight_km = great_circle_km(at.latitude, at.longitude, d.latitude, d.longitude)
        if exclude_radius_m > 0 and straight_km * 1000.0 < exclude_radius_m:
            zh, en = both("inside the {radius} m isolation radius ({distance} m from the incident); not used",
                          radius=format(exclude_radius_m, ".0f"), distance=format(straight_km * 1000.0, ".0f"))
            excluded.append(Excluded(depot=code, distance_km=round(straight_km, 3), reason_zh=zh, reason_en=en))
            continue
        leg = travel(at, code, d.latitude, d.longitude)
        if leg is None:
            zh, en = both("no route to the incident; not used")
            excluded.append(Excluded(depot=code, distance_km=round(straight_km, 3), reason_zh=zh, reason_en=en))
            continue
        legs[code] = leg
    return legs, excluded


def plan_dispatch(needs: Iterable[Need], stock: Iterable[StockLine], at: Position, *,
                  travel: TravelEstimate | None = None, exclude_radius_m: float = 0.0) -> Plan:
    """Plan who gives what to whom. Same input (in any order), same plan."""
    # The plan is a burst of small acyclic objects: the cyclic collector would only walk them again and
    # again (a cost that grows faster than the data), so it waits until the plan is made.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _plan(tuple(needs), stock, at, travel, exclude_radius_m)
    finally:
        if was_enabled:
            gc.enable()


def _check(needs: tuple[Need, ...]) -> None:
    seen: set[str] = set()
    for need in needs:
        if need.id in seen:
            raise ValueError(f"need id `{need.id}` appears twice; ids must be unique within an incident")
        seen.add(need.id)
        if need.quantity <= 0:
            raise ValueError(f"need `{need.id}`: quantity must be positive")


def _service_order(types: set[str], info: dict[str, StockLine], avail: dict[str, dict[str, int]],
                   legs: dict[str, Leg]) -> tuple[dict[str, list[tuple]], dict[str, list[int]]]:
    """Per type, the usable depots in service order — reserves (pooled) before requisitionable holders,
    then earliest arrival, kilometres, code — as (code, owner, is_reserve, km, eta, raw eta, reason cache),
    and what each still has."""
    # Per depot, once: identity and rounded leg.
    facts = {c: (c, info[c].owner, info[c].kind in RESERVE_KINDS, round(leg.distance_km, 3), round(leg.eta_min, 1),
                 leg.eta_min, {}) for c, leg in legs.items()}
    # One sort of the depots in service order; each type takes its depots from it in that order (linear).
    ranked = sorted(facts, key=lambda c: (not facts[c][2], facts[c][5], legs[c].distance_km, c))
    order: dict[str, list[tuple]] = {}
    left: dict[str, list[int]] = {}
    for rtype in types:
        by_depot = avail.get(rtype, {})
        codes = [c for c in ranked if c in by_depot]
        order[rtype] = [facts[c] for c in codes]
        left[rtype] = [by_depot[c] for c in codes]
    return order, left


def _plan(needs: tuple[Need, ...], stock: Iterable[StockLine], at: Position, travel: TravelEstimate | None,
          exclude_radius_m: float) -> Plan:
    _check(needs)
    travel = travel or GreatCircle()
    info, avail = _depots(stock)
    legs, excluded = _usable_legs(info, at, travel, exclude_radius_m)
    order, left = _service_order({n.resource_type for n in needs}, info, avail, legs)
    cursor: dict[str, int] = dict.fromkeys(order, 0)  # skips the exhausted depots of a type for good

    allocations: list[Allocation] = []
    requisitions: list[Requisition] = []
    shortfalls: list[Shortfall] = []
    ranked = tuple(sorted(needs, key=Need.rank))
    for need in ranked:
        rtype, remaining, i = need.resource_type, need.quantity, cursor[need.resource_type]
        rows, stock_left = order[rtype], left[rtype]
        deadline = need.deadline_min
        served = False
        while remaining and i < len(rows):
            have = stock_left[i]
            if have == 0:
                i += 1
                continue
            take = have if have < remaining else remaining
            stock_left[i] = have - take
            remaining -= take
            code, owner, is_reserve, km, eta, eta_raw, reasons = rows[i]
            late_by = eta_raw - deadline if deadline is not None and eta_raw > deadline else None
            # The wording depends only on the depot, the case and whole minutes late: formatted once for each.
            key = (i == 0, served, None if late_by is None else round(late_by))
            text = reasons.get(key)
            if text is None:
                text = reasons[key] = _reason("allocation" if is_reserve else "requisition", km, nearest=i == 0,
                                              split=served, late_by=late_by)
            if is_reserve:
                allocations.append(Allocation(need.id, code, owner, rtype, take, km, eta, text[0], text[1],
                                              late_by is not None))
            else:
                requisitions.append(Requisition(need.id, owner, code, rtype, take, km, eta, text[0], text[1],
                                                late_by is not None))
            served = True
            if take == have:
                i += 1
        cursor[rtype] = i
        if remaining:
            shortfalls.append(Shortfall(need.id, rtype, remaining))

    return Plan(needs=ranked, allocations=tuple(allocations),
                requisitions=tuple(requisitions), shortfalls=tuple(shortfalls), excluded=tuple(excluded),
                position=at)
