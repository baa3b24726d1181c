"""How a unit's notification ended (pure): who was messaged, who answered, and the unit's status.

    Person       one liaison messaged about a unit, at one step of its chain
    UnitOutcome  per unit: UnitStatus (models.events), who acknowledged and when, who was escalated to,
                 what went wrong on the way, the notification rows
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from models.events import UnitStatus
from models.i18n import tr


@dataclass(frozen=True)
class Person:
    unit: str
    name: str
    role: str
    liaison_id: int
    step: int = 0
    delivered: bool = False
    notification_id: int | None = None

    def label(self, lang: str = "zh-CN") -> str:
        """`unit/name（role）` as the record shows a person."""
        return tr(lang, "{unit}/{name} ({role})", unit=self.unit, name=self.name, role=self.role)


@dataclass
class UnitOutcome:
    unit: str
    status: UnitStatus = UnitStatus.unreachable
    acked_by: Person | None = None
    acked_at: datetime | None = None
    eta_min: int | None = None
    note: str | None = None
    escalated_to: list[Person] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notifications: list[int] = field(default_factory=list)
    delivered: int = 0  # of those, how many reached their person
