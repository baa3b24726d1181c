"""Travel estimates: how far and how long from a depot to the incident.

    Leg                 how far a depot is from the incident: kilometres and minutes
    TravelEstimate      any callable (position, depot code, latitude, longitude) → Leg | None (no route)
    GreatCircle         the default: haversine distance at a configured road speed, times a detour factor
    TravelMatrix        a plugged-in table {depot: (km, minutes)} from a road-network router; depots it
                        does not name fall back to another estimate (or count as unreachable)

Nearest first (先近后远) means earliest arrival: the planner orders depots by minutes, then kilometres.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from models.position import Position
from tasks.geo import distance_m


@dataclass(frozen=True, slots=True)
class Leg:
    """How far a depot is from the incident: kilometres and minutes."""

    distance_km: float
    eta_min: float

TravelEstimate = Callable[[Position, str, float, float], "Leg | None"]


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in kilometres."""
    return distance_m(lat1, lon1, lat2, lon2) / 1000.0


@dataclass(frozen=True)
class GreatCircle:
    """Straight-line distance, the fallback when no road network is known (domain notes §6)."""

    speed_kmh: float = 40.0
    detour: float = 1.0  # road km per straight-line km; 1.0 reports the straight line as is

    def __post_init__(self) -> None:
        if not self.speed_kmh > 0 or not self.detour >= 1.0:
            raise ValueError("speed_kmh must be > 0 and detour ≥ 1")

    def __call__(self, origin: Position, depot: str, latitude: float, longitude: float) -> Leg:
        km = great_circle_km(origin.latitude, origin.longitude, latitude, longitude) * self.detour
        return Leg(distance_km=km, eta_min=km / self.speed_kmh * 60.0)


@dataclass(frozen=True)
class TravelMatrix:
    """Legs measured elsewhere (a router, a drill's table). `fallback=None` makes unnamed depots unreachable."""

    legs: Mapping[str, tuple[float, float]]
    fallback: TravelEstimate | None = None

    def __call__(self, origin: Position, depot: str, latitude: float, longitude: float) -> Leg | None:
        if depot in self.legs:
            km, minutes = self.legs[depot]
            return Leg(distance_km=float(km), eta_min=float(minutes))
        return self.fallback(origin, depot, latitude, longitude) if self.fallback else None
