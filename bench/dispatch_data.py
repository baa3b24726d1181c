"""Generated dispatch inputs: N needs against S stock rows of T types around one incident. Seeded: same data."""

from __future__ import annotations

import random

from models.allocation import Need, StockLine
from models.position import Position

AT = Position(36.15, 112.27)
KINDS = ["government_reserve"] * 4 + ["enterprise_reserve"] * 4 + ["requisitionable"] * 2
TYPES_PER_DEPOT = 10


def generate(n_needs: int, n_stock: int, n_types: int, seed: int = 7) -> tuple[list[Need], list[StockLine]]:
    """Depots within ~30 km, each holding 10 distinct types; total demand ≈ 1.2 × supply (heavy splitting)."""
    rng = random.Random(seed)
    types = [f"2{i:06d}" for i in range(n_types)]
    n_depots = max(1, n_stock // TYPES_PER_DEPOT)
    stock: list[StockLine] = []
    for d in range(n_depots):
        lat, lon = AT.latitude + rng.uniform(-0.27, 0.27), AT.longitude + rng.uniform(-0.33, 0.33)
        kind = rng.choice(KINDS)
        for rtype in rng.sample(types, min(TYPES_PER_DEPOT, n_types)):
            stock.append(StockLine(f"d{d:06d}", f"u{d % 97:03d}", kind, lat, lon, rtype, rng.randint(1, 50)))
    supply = sum(s.available for s in stock)
    mean_need = max(1, round(1.2 * supply / n_needs))
    needs = [Need(f"n{i:06d}", rng.choice(types), rng.randint(1, 2 * mean_need - 1), urgency=rng.randint(1, 3),
                  role=rng.choice(["primary", "secondary"]),
                  deadline_min=rng.choice([None, 15.0, 30.0, 60.0, 120.0])) for i in range(n_needs)]
    return needs, stock
