"""When each unit must drill its plan next (decree 708 art. 8; issue 14). Pure.

    DrillDue   one unit's line of the compliance table: how often it must drill, its last drill, the day the
               next one is due, and whether that day has passed
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class DrillDue(BaseModel):
    model_config = ConfigDict(frozen=True)
    unit: str
    name_zh: str = ""
    required_every_months: int = Field(ge=1)
    last_drill: date | None = None
    next_due: date
    overdue: bool
