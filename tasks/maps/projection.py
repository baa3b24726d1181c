"""A local equirectangular projection: latitude/longitude ↔ SVG x/y, north up, one scale in both axes (pure).

At a park's size (a few kilometres) the error against the sphere is far below a pixel: east metres are
`R·Δλ·cos φ0`, north metres `R·Δφ`, around the origin's latitude φ0. `fit` chooses the origin and the
metres per pixel so that the given points fill a width with a padding.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from tasks.geo import EARTH_RADIUS_M

M_PER_DEG = EARTH_RADIUS_M * math.pi / 180


@dataclass(frozen=True)
class Projection:
    lat0: float  # the origin: the point drawn at (x0, y0)
    lon0: float
    metres_per_px: float
    x0: float = 0.0
    y0: float = 0.0

    def metres(self, lat: float, lon: float) -> tuple[float, float]:
        """(east, north) metres from the origin."""
        return (lon - self.lon0) * M_PER_DEG * math.cos(math.radians(self.lat0)), (lat - self.lat0) * M_PER_DEG

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        east, north = self.metres(lat, lon)
        return self.x0 + east / self.metres_per_px, self.y0 - north / self.metres_per_px

    def latlon(self, x: float, y: float) -> tuple[float, float]:
        east, north = (x - self.x0) * self.metres_per_px, (self.y0 - y) * self.metres_per_px
        return self.lat0 + north / M_PER_DEG, self.lon0 + east / (M_PER_DEG * math.cos(math.radians(self.lat0)))

    def px(self, metres: float) -> float:
        return metres / self.metres_per_px


def bearing_xy(x1: float, y1: float, x2: float, y2: float) -> float:
    """The bearing (0 = north = up, clockwise) from one SVG point to another."""
    return math.degrees(math.atan2(x2 - x1, y1 - y2)) % 360


def fit(points: Iterable[tuple[float, float]], *, width: float, padding: float, max_height: float,
        min_span_m: float = 200.0) -> tuple[Projection, float]:
    """The projection drawing every (lat, lon) of `points` inside `width` × (at most) `max_height` pixels with
    `padding` around, and the height it needs."""
    pts = list(points)
    if not pts:
        raise ValueError("nothing to draw: give at least one point")
    lat0 = (min(p[0] for p in pts) + max(p[0] for p in pts)) / 2
    lon0 = (min(p[1] for p in pts) + max(p[1] for p in pts)) / 2
    centre = Projection(lat0, lon0, 1.0)
    metres = [centre.metres(*p) for p in pts]
    east = [m[0] for m in metres]
    north = [m[1] for m in metres]
    span_e = max(max(east) - min(east), min_span_m)
    span_n = max(max(north) - min(north), min_span_m)
    mpp = max(span_e / (width - 2 * padding), span_n / (max_height - 2 * padding))
    height = span_n / mpp + 2 * padding
    x0 = width / 2 - (max(east) + min(east)) / 2 / mpp
    y0 = height / 2 + (max(north) + min(north)) / 2 / mpp
    return Projection(lat0, lon0, mpp, x0, y0), height
