"""The zones of a chemical incident on the map: day or night, the downwind protective distance, the sector (pure).

ERG 2024's Table 1 gives, per chemical, an initial isolation distance (a circle around the source) and a
protective-action distance downwind, one by day and a longer one by night (the playbook's chemicals:
`isolate_m`, `protect_day_km`, `protect_night_km`; models/playbook/plan.py).

    DAY_STARTS, NIGHT_STARTS  day is 06:00 ≤ local time < 18:00 in the park (Asia/Shanghai), night otherwise —
                 ERG's "day: after sunrise, before sunset", fixed to the clock so a record reads the same all year
    period_at(when)          → Period.day | Period.night
    downwind_zone(chemical, when) → Downwind(distance_m, period) | None (no chemical, or no distance for it)
    downwind_bearing(wind_from_deg) → the direction the wind blows TO: wind_from + 180
    SECTOR_HALF_ANGLE_DEG    30°: ERG's protective-action area is a square downwind, as long and as wide as
                 the distance, the source in the middle of its upwind side: it spans ±26.6° (atan ½) seen from
                 the source; 30° rounds it up for the wind's meander
    wind_from_of(bearing_deg, upwind)  the wind a command post's siting used, for a record that did not keep
                 it: upwind posts stand on the wind's bearing, crosswind ones 90° clockwise of it
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum

from models.i18n import N_
from models.types import SHANGHAI

DAY_STARTS = time(6, 0)
NIGHT_STARTS = time(18, 0)
SECTOR_HALF_ANGLE_DEG = 30.0


class Period(StrEnum):
    day = "day"
    night = "night"


PERIOD_LABELS = {Period.day: N_("by day"), Period.night: N_("by night")}


@dataclass(frozen=True)
class Downwind:
    distance_m: float
    period: Period


class HasProtectiveDistances:  # what downwind_zone reads of a playbook's ChemicalPlan
    protect_day_km: float | None
    protect_night_km: float | None


def period_at(when: datetime) -> Period:
    local = when.astimezone(SHANGHAI).time()
    return Period.day if DAY_STARTS <= local < NIGHT_STARTS else Period.night


def downwind_zone(chemical: HasProtectiveDistances | None, when: datetime) -> Downwind | None:
    if chemical is None:
        return None
    period = period_at(when)
    km = chemical.protect_day_km if period is Period.day else chemical.protect_night_km
    return Downwind(distance_m=km * 1000.0, period=period) if km else None


def downwind_bearing(wind_from_deg: float) -> float:
    return (wind_from_deg + 180.0) % 360


def wind_from_of(bearing_deg: float, upwind: bool) -> float:
    return bearing_deg % 360 if upwind else (bearing_deg - 90.0) % 360
