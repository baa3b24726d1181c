"""Plan quality: the planner's total distance against the exact minimum, tier by tier (networkx min-cost flow).

A tier is one (urgency, role) class. Tiers are served in order, so each tier is compared on the stock that
the tiers before it left, serving the same quantity of each type the planner served in that tier. Cost is
units × kilometres (integer metres in the solver). Two exact minima are printed:

    rule-bound   reserves before requisitionable holders, as the source document demands (the planner's
                 rule): expected ratio 1.000 — with one incident, nearest first is optimal per tier
    free         any depot, the distance alone: what the "reserves first" rule costs in distance

networkx is a dev dependency used only here.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from bench.dispatch_data import AT, generate
from models.allocation import RESERVE_KINDS
from tasks.dispatch import Need, plan_dispatch
from tasks.dispatch.travel import GreatCircle

BIG = 10**7  # metres added to requisitionable edges in the rule-bound solve: any reserve unit comes first


def tier_of(need: Need) -> tuple[int, str]:
    return need.urgency, need.role


def exact(served: dict[str, int], left: dict[tuple[str, str], int], metres: dict[str, int],
          reserve: dict[str, bool], rule_bound: bool) -> int:
    """Minimum Σ units × metres delivering `served[type]` units from the stock `left` (network simplex)."""
    g = nx.DiGraph()
    total = sum(served.values())
    g.add_node("src", demand=-total)
    for rtype, qty in served.items():
        if qty:
            g.add_node(f"t:{rtype}", demand=qty)
    for (depot, t), cap in left.items():
        if cap > 0 and served.get(t):
            node = f"d:{depot}:{t}"
            g.add_edge("src", node, capacity=cap, weight=0)
            penalty = 0 if (reserve[depot] or not rule_bound) else BIG
            g.add_edge(node, f"t:{t}", weight=metres[depot] + penalty)
    flow = nx.min_cost_flow(g)
    return sum(flow[u][v] * metres[u.split(":")[1]] for u in flow if u.startswith("d:") for v in flow[u])


def main() -> int:
    print("== dispatch plan quality vs exact min-cost flow, per priority tier ==")
    needs, stock = generate(1_000, 10_000, 50)
    plan = plan_dispatch(needs, stock, AT)
    travel = GreatCircle()
    depots = {s.depot: s for s in stock}
    metres = {d: round(travel(AT, d, s.latitude, s.longitude).distance_km * 1000) for d, s in depots.items()}
    reserve = {d: s.kind in RESERVE_KINDS for d, s in depots.items()}
    left: dict[tuple[str, str], int] = defaultdict(int)
    for s in stock:
        left[(s.depot, s.resource_type)] += s.available
    tier = {n.id: tier_of(n) for n in needs}
    lines = [*plan.allocations, *plan.requisitions]
    totals = {"planner": 0, "rule": 0, "free": 0}
    for t in sorted(set(tier.values()), key=lambda x: (x[0], x[1] != "primary")):
        mine = [x for x in lines if tier[x.need] == t]
        served: dict[str, int] = defaultdict(int)
        for x in mine:
            served[x.resource_type] += x.quantity
        cost = sum(x.quantity * metres[x.depot] for x in mine)
        rule, free = exact(served, left, metres, reserve, True), exact(served, left, metres, reserve, False)
        totals["planner"] += cost
        totals["rule"] += rule
        totals["free"] += free
        print(f"tier urgency {t[0]} {t[1]:<9}: planner {cost / 1000:>12,.1f} unit·km   exact (rule-bound) "
              f"{rule / 1000:>12,.1f}  ratio {cost / rule:.4f}   exact (free) {free / 1000:>12,.1f}  "
              f"ratio {cost / free:.4f}")
        for x in mine:
            left[(x.depot, x.resource_type)] -= x.quantity
    print(f"all tiers: planner / exact rule-bound = {totals['planner'] / totals['rule']:.4f}; "
          f"planner / exact free = {totals['planner'] / totals['free']:.4f} (the distance price of reserves first)")
    return 0 if totals["planner"] <= totals["rule"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
