"""The pure planner: ordering, splitting, pooling, exclusion, requisition; and its properties (hypothesis)."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.allocation import RESERVE_KINDS
from tasks.dispatch import (
    GreatCircle,
    Need,
    Position,
    StockLine,
    TravelMatrix,
    great_circle_km,
    plan_dispatch,
)

AT = Position(36.15, 112.27)
SCBA = "2010101"


def depot(code, km_north, qty, kind="government_reserve", rtype=SCBA, owner=None):
    """A depot `km_north` kilometres due north of the incident."""
    return StockLine(code, owner or f"o-{code}", kind, AT.latitude + km_north / 111.195, AT.longitude, rtype, qty)


def lines(plan, need):
    return [(a.depot, a.quantity) for a in plan.allocations if a.need == need]


def test_nearest_first_and_split_across_depots():
    stock = [depot("far", 5, 10), depot("near", 1, 4), depot("mid", 2, 3)]
    plan = plan_dispatch([Need("n", SCBA, 9)], stock, AT)
    assert lines(plan, "n") == [("near", 4), ("mid", 3), ("far", 2)]
    first, second = plan.allocations[:2]
    assert first.distance_km == pytest.approx(1.0, abs=0.01)
    assert first.eta_min == pytest.approx(1.5, abs=0.05)  # 1 km at the default 40 km/h
    assert first.reason_zh == "最近的可用储备，1.0 km" and first.reason_en == "nearest available reserve, 1.0 km"
    assert second.reason_zh.startswith("较近储备不足，拆分调用")
    assert not plan.shortfalls and not plan.requisitions


def test_most_urgent_then_primary_then_deadline_then_id():
    stock = [depot("near", 1, 1), depot("mid", 2, 1), depot("far", 3, 1), depot("farther", 4, 1), depot("x", 5, 1)]
    needs = [
        Need("z-late", SCBA, 1, urgency=1, role="primary", deadline_min=60),
        Need("secondary", SCBA, 1, urgency=1, role="secondary", deadline_min=1),
        Need("urgent3", SCBA, 1, urgency=3, role="primary", deadline_min=1),
        Need("a-soon", SCBA, 1, urgency=1, role="primary", deadline_min=10),
        Need("b-nodeadline", SCBA, 1, urgency=1, role="primary"),
    ]
    plan = plan_dispatch(needs, stock, AT)
    got = {a.need: a.depot for a in plan.allocations}
    assert got == {"a-soon": "near", "z-late": "mid", "b-nodeadline": "far", "secondary": "farther", "urgent3": "x"}
    assert [n.id for n in plan.needs] == ["a-soon", "z-late", "b-nodeadline", "secondary", "urgent3"]
    taken = next(a for a in plan.allocations if a.need == "z-late")
    assert taken.reason_en.startswith("nearer reserves went to more urgent needs")


def test_reserves_pooled_and_requisition_only_for_what_reserves_cannot_cover():
    stock = [depot("gov", 3, 2), depot("ent", 2, 2, kind="enterprise_reserve"),
             depot("truck", 0.5, 10, kind="requisitionable", owner="fleet")]
    plan = plan_dispatch([Need("n", SCBA, 7)], stock, AT)
    assert lines(plan, "n") == [("ent", 2), ("gov", 2)]  # the nearer requisitionable holder waits its turn
    assert [(r.holder, r.depot, r.quantity) for r in plan.requisitions] == [("fleet", "truck", 3)]
    assert "先征用、后结算" in plan.requisitions[0].reason_zh
    assert plan.covered("n") == (4, 3, 0)


def test_shortfall_when_nothing_can_cover():
    plan = plan_dispatch([Need("n", SCBA, 5), Need("m", "2010102", 2)], [depot("d", 1, 3)], AT)
    assert [(s.need, s.resource_type, s.quantity) for s in plan.shortfalls] == [("m", "2010102", 2), ("n", SCBA, 2)]


def test_exclusion_radius_names_the_depot_and_why():
    stock = [depot("inside", 0.2, 50), depot("outside", 1, 5)]
    plan = plan_dispatch([Need("n", SCBA, 8)], stock, AT, exclude_radius_m=500)
    assert lines(plan, "n") == [("outside", 5)]
    assert plan.shortfalls[0].quantity == 3
    (ex,) = plan.excluded
    assert ex.depot == "inside" and "500 m" in ex.reason_zh and "isolation radius" in ex.reason_en
    assert "200 m" in ex.reason_zh  # its straight-line distance, so a person can check it


def test_travel_matrix_orders_by_arrival_and_unlisted_depots_are_unreachable():
    stock = [depot("a", 1, 5), depot("b", 2, 5), depot("c", 3, 5)]
    matrix = TravelMatrix({"a": (4.0, 30.0), "b": (2.5, 5.0)})  # a's road goes round the river
    plan = plan_dispatch([Need("n", SCBA, 8)], stock, AT, travel=matrix)
    assert lines(plan, "n") == [("b", 5), ("a", 3)]
    assert plan.allocations[0].eta_min == 5.0 and plan.allocations[1].distance_km == 4.0
    assert [e.depot for e in plan.excluded] == ["c"] and "no route" in plan.excluded[0].reason_en
    fallback = plan_dispatch([Need("n", SCBA, 8)], stock, AT, travel=TravelMatrix({}, fallback=GreatCircle()))
    assert lines(fallback, "n") == [("a", 5), ("b", 3)]


def test_speed_and_deadline_mark_late_arrivals():
    stock = [depot("d", 10, 5)]
    plan = plan_dispatch([Need("n", SCBA, 1, deadline_min=10)], stock, AT, travel=GreatCircle(speed_kmh=30))
    (a,) = plan.allocations
    assert a.eta_min == pytest.approx(20.0, abs=0.1) and a.late
    assert "晚于时限 10 分钟" in a.reason_zh


def test_duplicate_need_ids_refused():
    with pytest.raises(ValueError, match="appears twice"):
        plan_dispatch([Need("n", SCBA, 1), Need("n", SCBA, 2)], [], AT)


def test_json_shape_has_the_issue_fields():
    plan = plan_dispatch([Need("n", SCBA, 7)], [depot("d", 1, 5), depot("r", 2, 1, kind="requisitionable")], AT)
    data = plan.as_dict("en")
    assert {"need", "depot", "resource_type", "quantity", "distance_km", "eta_min", "reason"} <= set(
        data["allocations"][0])
    assert {"need", "holder", "resource_type", "quantity"} <= set(data["requisitions"][0])
    assert data["shortfalls"] == [{"need": "n", "resource_type": SCBA, "quantity": 1}]
    assert data["allocations"][0]["reason"] == "nearest available reserve, 1.0 km"


# ── properties ──────────────────────────────────────────────────────────────────────────────────────────

TYPES = ["2010101", "2010102", "3010101"]
KINDS = ["government_reserve", "enterprise_reserve", "requisitionable"]

stock_st = st.lists(st.tuples(st.integers(0, 7), st.sampled_from(TYPES), st.integers(0, 25)), max_size=24)
depots_st = st.lists(st.tuples(st.floats(-0.03, 0.03), st.floats(-0.03, 0.03), st.sampled_from(KINDS)),
                     min_size=8, max_size=8)
needs_st = st.lists(st.tuples(st.sampled_from(TYPES), st.integers(1, 40), st.integers(1, 3),
                              st.sampled_from(["primary", "secondary"]),
                              st.one_of(st.none(), st.integers(1, 30))), min_size=1, max_size=14)


def build(depots, stock, needs):
    lines_ = [StockLine(f"d{i}", f"o{i}", depots[i][2], AT.latitude + depots[i][0], AT.longitude + depots[i][1],
                        t, q) for i, t, q in stock]
    need_objs = [Need(f"n{k:02d}", t, q, urgency=u, role=r, deadline_min=d) for k, (t, q, u, r, d) in enumerate(needs)]
    return lines_, need_objs


@settings(max_examples=150, deadline=None)
@given(depots_st, stock_st, needs_st, st.sampled_from([0.0, 1500.0]))
def test_properties(depots, stock, needs, radius):
    stock_lines, need_objs = build(depots, stock, needs)
    plan = plan_dispatch(need_objs, stock_lines, AT, exclude_radius_m=radius)
    available: dict[tuple[str, str], int] = defaultdict(int)
    for s in stock_lines:
        available[(s.depot, s.resource_type)] += s.available
    taken: dict[tuple[str, str], int] = defaultdict(int)
    for x in [*plan.allocations, *plan.requisitions]:
        taken[(x.depot, x.resource_type)] += x.quantity
        assert x.quantity > 0
    # 1. never more than available from a depot
    assert all(q <= available[k] for k, q in taken.items())
    # 2. allocated + requisitioned + shortfall = requested
    for n in need_objs:
        assert sum(plan.covered(n.id)) == n.quantity
    # excluded depots are never used, and every depot inside the radius is excluded
    excluded = {e.depot for e in plan.excluded}
    assert not excluded & {k[0] for k in taken}
    kind = {s.depot: s.kind for s in stock_lines}
    for s in stock_lines:
        inside = great_circle_km(AT.latitude, AT.longitude, s.latitude, s.longitude) * 1000 < radius
        assert (s.depot in excluded) == inside
    # 3. no lower-ranked need is served from a depot while a higher-ranked need of that type is left short
    short = {s.need for s in plan.shortfalls}
    rank = {n.id: n.rank() for n in need_objs}
    ntype = {n.id: n.resource_type for n in need_objs}
    for x in [*plan.allocations, *plan.requisitions]:
        for h in short:
            assert not (ntype[h] == x.resource_type and rank[h] < rank[x.need]), (h, x)
    # requisitions only for what the reserves cannot cover; no need served farther while nearer stock is left
    leftover = {k: available[k] - taken.get(k, 0) for k in available if k[0] not in excluded}
    for r in plan.requisitions:
        assert all(q == 0 for (d, t), q in leftover.items() if t == r.resource_type and kind[d] in RESERVE_KINDS)
    for x in plan.allocations:
        for (d, t), q in leftover.items():
            if t == x.resource_type and q > 0 and kind[d] in RESERVE_KINDS:
                dist = great_circle_km(AT.latitude, AT.longitude, *next(
                    (s.latitude, s.longitude) for s in stock_lines if s.depot == d))
                assert dist >= x.distance_km - 1e-3, (x, d)
    # 4. same input, same plan — also with the input shuffled
    assert plan_dispatch(need_objs, stock_lines, AT, exclude_radius_m=radius) == plan
    rng = random.Random(len(stock_lines))
    shuffled_stock, shuffled_needs = stock_lines[:], need_objs[:]
    rng.shuffle(shuffled_stock)
    rng.shuffle(shuffled_needs)
    assert plan_dispatch(shuffled_needs, shuffled_stock, AT, exclude_radius_m=radius) == plan
