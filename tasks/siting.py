"""Where to stand up the on-site command post (pure).

The playbook's siting rule says upwind (or crosswind) of the source and at least N metres away; the
isolation distance of the chemical (ERG) is a floor. The wind is given as the direction it blows FROM
(meteorological convention), so "upwind" is that bearing seen from the source.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.events.response import site_text
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
    distance, bearing = round(distance, 1), round(bearing, 1)
    return CommandPostSite(
        latitude=round(lat, 6), longitude=round(lon, 6), distance_m=distance, bearing_deg=bearing,
        reason_zh=site_text("zh-CN", distance_m=distance, bearing_deg=bearing, upwind=upwind),
        reason_en=site_text("en", distance_m=distance, bearing_deg=bearing, upwind=upwind),
    )
