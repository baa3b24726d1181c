"""Where to stand up the on-site command post (pure).

The playbook's siting rule says upwind (or crosswind) of the source and at least N metres away; the
isolation distance of the chemical (ERG) is a floor. The wind is given as the direction it blows FROM
(meteorological convention), so "upwind" is that bearing seen from the source.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.i18n import Msg, both
from models.position import Position
from tasks.geo import destination


@dataclass(frozen=True)
class CommandPostSite:
    latitude: float
    longitude: float
    distance_m: float
    bearing_deg: float
    reason_zh: str
    reason_en: str


def site_command_post(*, latitude: float, longitude: float, wind_from_deg: float, min_distance_m: float,
                      isolation_radius_m: float = 0.0, upwind: bool = True, margin_m: float = 50.0) -> CommandPostSite:
    Position(latitude, longitude)  # ValueError when off the globe
    distance = max(float(min_distance_m), float(isolation_radius_m) + (margin_m if isolation_radius_m else 0.0))
    bearing = wind_from_deg % 360 if upwind else (wind_from_deg + 90) % 360
    lat, lon = destination(latitude, longitude, bearing, distance)
    reason_zh, reason_en = both("{distance} m {side} of the source (bearing {bearing}°), outside the isolation zone",
                                side=Msg("upwind") if upwind else Msg("crosswind"), bearing=f"{bearing:.0f}",
                                distance=f"{distance:.0f}")
    return CommandPostSite(
        latitude=round(lat, 6), longitude=round(lon, 6), distance_m=round(distance, 1), bearing_deg=round(bearing, 1),
        reason_zh=reason_zh, reason_en=reason_en,
    )
