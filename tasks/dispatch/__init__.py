"""Resource dispatch, pure: the planner, travel estimates, the needs-file reader. No database, no Prefect.

    planner      plan_dispatch(needs, stock, at, …) → Plan: 满足急需、先主后次、先近后远, split across depots,
                 requisitions after the reserves, shortfalls, depots inside the isolation radius excluded
    travel       Leg, TravelEstimate, GreatCircle (the default), TravelMatrix (a router's table)
    needs_file   read_needs_file / parse_needs: a YAML or JSON needs file → [Need], every bad entry at once

The vocabulary the planner speaks — Need, StockLine, Plan and its lines, Position — lives in
`models.allocation` (and `models.position`), where the stores and the playbooks use it too; it is
re-exported here so `from tasks.dispatch import Need, plan_dispatch` keeps working.
"""

from models.allocation import Allocation, Excluded, Need, Plan, Requisition, Shortfall, StockLine
from models.position import Position, parse_position
from tasks.dispatch.needs_file import NeedsRejected, parse_needs, read_needs_file
from tasks.dispatch.planner import plan_dispatch
from tasks.dispatch.travel import GreatCircle, Leg, TravelEstimate, TravelMatrix, great_circle_km

__all__ = [
    "Allocation", "Excluded", "GreatCircle", "Leg", "Need", "NeedsRejected", "Plan", "Position", "Requisition", "Shortfall",
    "StockLine", "TravelEstimate", "TravelMatrix", "great_circle_km", "parse_needs", "parse_position",
    "plan_dispatch", "read_needs_file",
]
