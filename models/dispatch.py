"""What dispatch writes down: applied needs, stock reservations, and the requisition ledger.

    DispatchNeed   one need of one incident, applied once (idempotency key: incident + need)
    Reservation    units of a reserve depot held for a need (key: incident + need + depot + type)
    Requisition    units taken from a requisitionable holder (先征用、后结算), with the ledger's life:

        requested ─▶ approved ─▶ delivered ─▶ returned ─┐
            │            │                 └─▶ consumed ─┴─▶ settled
            └────────────┴─▶ cancelled (stand-down before delivery)

`incident_id` is a plain indexed string: the incident table arrives with the response flow.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

import models.directory  # noqa: F401 — the tables our foreign keys name must be in the metadata
import models.inventory  # noqa: F401
from models.types import UTCDateTime, enum_type, utcnow


class ReservationStatus(StrEnum):
    held = "held"
    closed = "closed"  # stand-down: consumed part recorded, the rest released


class RequisitionStatus(StrEnum):
    requested = "requested"
    approved = "approved"
    delivered = "delivered"
    returned = "returned"
    consumed = "consumed"
    settled = "settled"
    cancelled = "cancelled"


# The ledger's legal moves; anything else is refused with the allowed ones named.
TRANSITIONS: dict[RequisitionStatus, tuple[RequisitionStatus, ...]] = {
    RequisitionStatus.requested: (RequisitionStatus.approved, RequisitionStatus.cancelled),
    RequisitionStatus.approved: (RequisitionStatus.delivered, RequisitionStatus.cancelled),
    RequisitionStatus.delivered: (RequisitionStatus.returned, RequisitionStatus.consumed),
    RequisitionStatus.returned: (RequisitionStatus.settled,),
    RequisitionStatus.consumed: (RequisitionStatus.settled,),
    RequisitionStatus.settled: (),
    RequisitionStatus.cancelled: (),
}


def _when(nullable: bool = True):
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class DispatchNeed(SQLModel, table=True):
    __tablename__ = "dispatch_need"
    __table_args__ = (
        UniqueConstraint("incident_id", "need_id", name="uq_dispatch_need"),
        CheckConstraint("quantity > 0", name="ck_dispatch_need_quantity"),
        CheckConstraint("allocated + requisitioned + shortfall = quantity", name="ck_dispatch_need_balance"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: str = Field(index=True, max_length=64)
    need_id: str = Field(max_length=64)
    group: str | None = Field(default=None, max_length=40)
    resource_type: str = Field(foreign_key="resource_type.code", max_length=7)
    quantity: int
    urgency: int
    role: str = Field(max_length=16)  # primary | secondary
    deadline_min: float | None = None
    allocated: int = 0
    requisitioned: int = 0
    shortfall: int = 0
    applied_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Reservation(SQLModel, table=True):
    __tablename__ = "reservation"
    __table_args__ = (
        UniqueConstraint("incident_id", "need_id", "depot", "resource_type", name="uq_reservation"),
        CheckConstraint("quantity > 0", name="ck_reservation_quantity"),
        CheckConstraint("consumed >= 0 AND released >= 0 AND consumed + released <= quantity",
                        name="ck_reservation_closed"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: str = Field(index=True, max_length=64)
    need_id: str = Field(max_length=64)
    depot: str = Field(foreign_key="depot.code", max_length=40)
    resource_type: str = Field(foreign_key="resource_type.code", max_length=7)
    quantity: int
    distance_km: float = 0.0
    eta_min: float = 0.0
    reason: str = Field(default="", max_length=200)
    status: ReservationStatus = Field(default=ReservationStatus.held, sa_type=enum_type(ReservationStatus))
    consumed: int = 0
    released: int = 0
    reserved_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    closed_at: datetime | None = _when()


class Requisition(SQLModel, table=True):
    __tablename__ = "requisition"
    __table_args__ = (
        UniqueConstraint("incident_id", "need_id", "depot", "resource_type", name="uq_requisition"),
        CheckConstraint("quantity > 0", name="ck_requisition_quantity"),
        CheckConstraint("delivered >= 0 AND delivered <= quantity", name="ck_requisition_delivered"),
        CheckConstraint("returned >= 0 AND consumed >= 0 AND returned + consumed <= delivered",
                        name="ck_requisition_closed"),
        CheckConstraint("unit_price >= 0 AND use_fee >= 0 AND amount >= 0", name="ck_requisition_money"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: str = Field(index=True, max_length=64)
    need_id: str = Field(max_length=64)
    holder: str = Field(foreign_key="unit.code", max_length=40)
    depot: str = Field(foreign_key="depot.code", max_length=40)
    resource_type: str = Field(foreign_key="resource_type.code", max_length=7)
    quantity: int  # requested
    delivered: int = 0
    returned: int = 0
    consumed: int = 0
    unit_price: float = 0.0  # CNY per unit, copied from the catalogue when requested
    use_fee: float = 0.0  # compensation for use of what is returned (征用补偿), agreed at return
    amount: float = 0.0  # owed to the holder: consumed × unit_price + use_fee
    status: RequisitionStatus = Field(default=RequisitionStatus.requested, index=True,
                                      sa_type=enum_type(RequisitionStatus))
    note: str = Field(default="", max_length=200)
    requested_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    approved_at: datetime | None = _when()
    delivered_at: datetime | None = _when()
    returned_at: datetime | None = _when()
    consumed_at: datetime | None = _when()
    settled_at: datetime | None = _when()
    cancelled_at: datetime | None = _when()
