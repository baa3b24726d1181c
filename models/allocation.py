"""The planner's vocabulary, shared by the pure planner (`tasks.dispatch`), the playbooks, the stores and the
response's pure phases.

What goes in, what comes out — plain, typed data: frozen slotted dataclasses and named tuples (cheap to
make by the hundred thousand), integers for quantities, no database and no Prefect.

    Need         one resource need: type, quantity, urgency 1 (most urgent) … 3, primary | secondary, the
                 group and the deadline; a playbook's plan lists them (`GroupPlan.needs`, validated there by
                 pydantic), a needs file gives them, the planner ranks them (`Need.rank`)
    StockLine    what a depot can give now: depot, owner, kind, position, type, available
    Plan         what the planner decided: allocations (reserves), requisitions (requisitionable holders,
                 先征用、后结算), shortfalls, excluded depots — what `models.dispatch_store.apply_plan` reserves
    Allocation, Requisition, Shortfall, Excluded   the lines of a plan
    StandDownResult  what standing down gave back (`models.release_store.stand_down`): units released and
                 consumed, requisitions cancelled and still open
    Position     re-exported from `models.position` (with its parser)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Annotated, Literal, NamedTuple

from pydantic import ConfigDict, Field

from models.i18n import is_english, localized
from models.position import Position

Role = Literal["primary", "secondary"]
ROLES: tuple[str, ...] = ("primary", "secondary")
RESERVE_KINDS = frozenset({"government_reserve", "enterprise_reserve"})
REQUISITIONABLE = "requisitionable"
URGENCY_RANGE = (1, 3)


@dataclass(frozen=True, slots=True)
class Need:
    """One resource need. Urgency 1 is the most urgent (满足急需), 3 the least.

    Built directly (`Need("scba", "2010101", 12, urgency=1)`: no checks, the planner checks what it needs) or
    validated by pydantic as a field of a model (a playbook's `GroupPlan.needs`: the annotations below apply,
    unknown fields are refused). A playbook's deadline is whole minutes (an int, kept as one); a needs file's
    is a float.
    """

    __pydantic_config__ = ConfigDict(extra="forbid")

    id: str
    resource_type: str
    quantity: Annotated[int, Field(gt=0)]
    urgency: Literal[1, 2, 3] = 2
    role: Role = "primary"
    group: str | None = None
    deadline_min: Annotated[int | float, Field(gt=0)] | None = None
    note_zh: str | None = None
    note_en: str | None = None

    def rank(self) -> tuple:
        """Most urgent first, then primary before secondary, then earliest deadline, then id."""
        deadline = self.deadline_min if self.deadline_min is not None else float("inf")
        return (self.urgency, ROLES.index(self.role), deadline, self.id)


@dataclass(frozen=True, slots=True)
class StockLine:
    depot: str
    owner: str
    kind: str  # government_reserve | enterprise_reserve | requisitionable
    latitude: float
    longitude: float
    resource_type: str
    available: int


class Allocation(NamedTuple):
    need: str
    depot: str
    owner: str
    resource_type: str
    quantity: int
    distance_km: float
    eta_min: float
    reason_zh: str
    reason_en: str
    late: bool = False

    def reason(self, lang: str = "zh-CN") -> str:
        return localized(lang, self, "reason")


class Requisition(NamedTuple):
    """Taken from a requisitionable holder because the reserves could not cover it (先征用、后结算)."""

    need: str
    holder: str
    depot: str
    resource_type: str
    quantity: int
    distance_km: float
    eta_min: float
    reason_zh: str
    reason_en: str
    late: bool = False

    def reason(self, lang: str = "zh-CN") -> str:
        return localized(lang, self, "reason")


class Shortfall(NamedTuple):
    need: str
    resource_type: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Excluded:
    depot: str
    reason_zh: str
    reason_en: str
    distance_km: float | None = None

    def reason(self, lang: str = "zh-CN") -> str:
        return localized(lang, self, "reason")


@dataclass(frozen=True, slots=True)
class Plan:
    needs: tuple[Need, ...]
    allocations: tuple[Allocation, ...] = ()
    requisitions: tuple[Requisition, ...] = ()
    shortfalls: tuple[Shortfall, ...] = ()
    excluded: tuple[Excluded, ...] = ()
    position: Position | None = None
    notes: tuple[str, ...] = field(default=())

    def covered(self, need_id: str) -> tuple[int, int, int]:
        """(allocated, requisitioned, short) for one need."""
        a = sum(x.quantity for x in self.allocations if x.need == need_id)
        r = sum(x.quantity for x in self.requisitions if x.need == need_id)
        s = sum(x.quantity for x in self.shortfalls if x.need == need_id)
        return a, r, s

    def as_dict(self, lang: str = "zh-CN") -> dict:
        """The JSON shape of `parklink dispatch plan --json`."""

        def line(obj) -> dict:
            data = asdict(obj) if is_dataclass(obj) else obj._asdict()
            zh, en = data.pop("reason_zh", None), data.pop("reason_en", None)
            if zh is not None:
                data["reason"] = en if is_english(lang) else zh
            return data

        return {
            "position": asdict(self.position) if self.position else None,
            "allocations": [line(a) for a in self.allocations],
            "requisitions": [line(r) for r in self.requisitions],
            "shortfalls": [s._asdict() for s in self.shortfalls],
            "excluded": [line(e) for e in self.excluded],
        }


@dataclass
class StandDownResult:
    released: int = 0
    consumed: int = 0
    cancelled_requisitions: list[int] = field(default_factory=list)
    open_requisitions: list[int] = field(default_factory=list)  # delivered: still to return or consume
