"""Emergency resources: the catalogue (GB/T 38565 codes), depots and their stock.

The database enforces what must never be wrong: quantity ≥ 0, 0 ≤ reserved ≤ quantity, unique codes,
coordinates on the globe.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from pydantic import field_validator
from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from models.types import enum_type

RESOURCE_CODE_PATTERN = r"^[1-3][0-9]{6}$"


class DepotKind(StrEnum):
    government_reserve = "government_reserve"
    enterprise_reserve = "enterprise_reserve"
    requisitionable = "requisitionable"


class ResourceTypeBase(SQLModel):
    code: str = Field(primary_key=True, max_length=7)
    name_zh: str = Field(min_length=1, max_length=80)
    name_en: str = Field(default="", max_length=120)
    uom: str = Field(min_length=1, max_length=16, description="unit of measure")
    unit_price: float = Field(default=0.0, ge=0, description="CNY per unit of measure, for settlement")

    @field_validator("code")
    @classmethod
    def _seven_digits(cls, value: str) -> str:
        if not re.fullmatch(RESOURCE_CODE_PATTERN, value):
            raise ValueError("must be 7 digits in the GB/T 38565 scheme (1+2+2+2, first digit 1–3), e.g. 2010101")
        return value


class ResourceType(ResourceTypeBase, table=True):
    __tablename__ = "resource_type"
    __table_args__ = (
        CheckConstraint("length(code) = 7", name="ck_resource_type_code"),
        CheckConstraint("unit_price >= 0", name="ck_resource_type_price"),
    )


class DepotBase(SQLModel):
    code: str = Field(primary_key=True, max_length=40)
    owner: str = Field(foreign_key="unit.code", max_length=40)
    name_zh: str = Field(min_length=1, max_length=80)
    name_en: str = Field(default="", max_length=120)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    kind: DepotKind = Field(sa_type=enum_type(DepotKind))


class Depot(DepotBase, table=True):
    __tablename__ = "depot"
    __table_args__ = (
        CheckConstraint("latitude BETWEEN -90 AND 90", name="ck_depot_latitude"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="ck_depot_longitude"),
    )


class StockBase(SQLModel):
    depot: str = Field(foreign_key="depot.code", primary_key=True, max_length=40)
    resource_type: str = Field(foreign_key="resource_type.code", primary_key=True, max_length=7)
    quantity: int = Field(ge=0)
    reserved: int = Field(default=0, ge=0)
    inspected_on: date | None = None
    expires_on: date | None = None


class Stock(StockBase, table=True):
    __tablename__ = "stock"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="ck_stock_quantity"),
        CheckConstraint("reserved >= 0 AND reserved <= quantity", name="ck_stock_reserved"),
    )


class StockPublic(StockBase):
    """A stock row as listed: with the depot's position, kind and the type's names."""

    available: int
    latitude: float
    longitude: float
    depot_kind: DepotKind
    depot_name_zh: str
    resource_name_zh: str
    uom: str
