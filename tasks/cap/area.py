"""Does a CAP alert's area cover the park? Pure.

    ParkArea.of(units, centre=…, geocodes=…)   the park's points (its units' sites: anything with latitude and
                                               longitude, and/or a centre) and its geocodes (PARKLINK_PARK_GEOCODES)
    ParkArea.coverage(areas) → Coverage | None what covers the park: polygon, circle, geocode, no_area (an info
                                               without <area> means everywhere), or None (it does not)

A park point inside a polygon (ray casting on latitude/longitude: exact enough at a county's scale; a point on
an edge may fall either way) or within a circle (great-circle distance, tasks.geo) is covered. A park geocode
is `VALUE` (any valueName) or `NAME=VALUE`; an alert's geocode matches it when the values are equal, or when
the alert's is an administrative division code (GB/T 2260: 6 digits; statistical codes: 9 or 12) of a larger
division that contains the park's: `140000` (Shanxi) and `141000` (Linfen) contain `141026` (Anze county).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from tasks.cap.model import CapArea, Circle, NamedValue, Point
from tasks.geo import distance_m

_BOUNDARIES = (2, 4, 6, 9, 12)  # province, prefecture, county, township, village


class Coverage(StrEnum):
    polygon = "polygon"
    circle = "circle"
    geocode = "geocode"
    no_area = "no_area"


class Sited(Protocol):
    latitude: float | None
    longitude: float | None


class ParkArea(BaseModel):
    model_config = ConfigDict(frozen=True)

    points: tuple[Point, ...] = ()
    geocodes: tuple[str, ...] = ()

    @classmethod
    def of(cls, units: Iterable[Sited] = (), *, centre: tuple[float, float] | None = None,
           geocodes: Iterable[str] = ()) -> ParkArea:
        points = [Point(latitude=u.latitude, longitude=u.longitude) for u in units
                  if u.latitude is not None and u.longitude is not None]
        if centre is not None:
            points.insert(0, Point(latitude=centre[0], longitude=centre[1]))
        return cls(points=tuple(dict.fromkeys(points)), geocodes=tuple(g.strip() for g in geocodes if g.strip()))

    def coverage(self, areas: Iterable[CapArea]) -> Coverage | None:
        areas = list(areas)
        if not areas:
            return Coverage.no_area
        for area in areas:
            if any(inside(p, ring) for ring in area.polygons for p in self.points):
                return Coverage.polygon
            if any(within(p, c) for c in area.circles for p in self.points):
                return Coverage.circle
            if any(geocode_matches(g, mine) for g in area.geocodes for mine in self.geocodes):
                return Coverage.geocode
        return None


def inside(point: Point, ring: tuple[Point, ...]) -> bool:
    y, x = point.latitude, point.longitude
    hit = False
    for a, b in zip(ring, ring[1:], strict=False):
        if (a.latitude > y) != (b.latitude > y):
            cross = a.longitude + (y - a.latitude) * (b.longitude - a.longitude) / (b.latitude - a.latitude)
            if x < cross:
                hit = not hit
    return hit


def within(point: Point, circle: Circle) -> bool:
    c = circle.centre
    return distance_m(point.latitude, point.longitude, c.latitude, c.longitude) <= circle.radius_km * 1000


def _division(code: str) -> str:
    """The significant prefix of an administrative code: `141000` → `1410`; a code not all digits, itself."""
    if not code.isdigit() or len(code) not in (6, 9, 12):
        return code
    return next(code[:b] for b in _BOUNDARIES if b >= len(code) or not code[b:].strip("0"))


def geocode_matches(theirs: NamedValue, mine: str) -> bool:
    name, _, value = mine.rpartition("=")
    if name and name.strip().casefold() != theirs.name.strip().casefold():
        return False
    value, code = value.strip(), theirs.value.strip()
    if value == code:
        return True
    return value.isdigit() and code.isdigit() and value.startswith(_division(code))
