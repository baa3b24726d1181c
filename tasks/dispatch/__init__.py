"""Resource dispatch, pure: the planner, travel estimates, the needs-file reader. No database, no Prefect."""

from tasks.dispatch.needs_file import NeedsRejected, parse_needs, parse_position, read_needs_file
from tasks.dispatch.planner import plan_dispatch
from tasks.dispatch.travel import GreatCircle, TravelEstimate, TravelMatrix, great_circle_km
from tasks.dispatch.types import (
    Allocation,
    Excluded,
    Leg,
    Need,
    Plan,
    Position,
    Requisition,
    Shortfall,
    StockLine,
)

__all__ = [
    "Allocation", "Excluded", "GreatCircle", "Leg", "Need", "NeedsRejected", "Plan", "Position", "Requisition", "Shortfall",
    "StockLine", "TravelEstimate", "TravelMatrix", "great_circle_km", "parse_needs", "parse_position",
    "plan_dispatch", "read_needs_file",
]
