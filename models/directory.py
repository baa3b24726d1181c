"""The standing organisation of the linkage mechanism: units and their liaisons (duty rosters: models/duty.py).

Source document 一 and 二(二)(三): the leading group and its office, 23 county units, the bodies the nine
groups name, and every resident enterprise, each with one liaison reachable around the clock.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlalchemy import Column, Index, text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, enum_type


class UnitKind(StrEnum):
    leading_group = "leading_group"
    office = "office"
    county_department = "county_department"
    utility = "utility"
    park_body = "park_body"
    enterprise = "enterprise"
    medical = "medical"
    police = "police"
    fire = "fire"
    finance = "finance"
    other = "other"


class LiaisonRole(StrEnum):
    primary = "primary"
    deputy = "deputy"
    head = "head"
    duty_staff = "duty_staff"  # 值班人员: on the unit's duty roster (models/duty.py), not its liaison


CHAIN_ROLES = (LiaisonRole.primary, LiaisonRole.deputy, LiaisonRole.head)  # what an escalation step may name


class Channel(StrEnum):
    sms = "sms"
    wecom = "wecom"
    dingtalk = "dingtalk"
    feishu = "feishu"
    webhook = "webhook"


CODE_PATTERN = r"^[a-z][a-z0-9-]{1,39}$"
RISK_PATTERN = r"^[a-z][a-z0-9-]{0,59}$"


class UnitBase(SQLModel):
    code: str = Field(primary_key=True, max_length=40)
    name_zh: str = Field(min_length=1, max_length=80)
    name_en: str = Field(default="", max_length=120)
    kind: UnitKind = Field(sa_type=enum_type(UnitKind))
    parent: str | None = Field(default=None, foreign_key="unit.code", max_length=40)
    latitude: float | None = Field(default=None, ge=-90, le=90, description="site (enterprises: the plant)")
    longitude: float | None = Field(default=None, ge=-180, le=180)
    active: bool = True
    drill_every_months: int | None = Field(default=None, ge=1, le=120, description="months between the unit's drills "
                                           "(default by kind, decree 708 art. 8: models/drill_frequency.py)")
    risks: str | None = Field(default=None, max_length=300, description="playbook ids the unit's drills rehearse, "
                              "comma-separated, e.g. hazmat-leak,fire")

    @field_validator("risks", mode="before")
    @classmethod
    def _risk_ids(cls, value):
        if value is None:
            return None
        items = value if isinstance(value, list) else str(value).split(",")
        ids = [str(i).strip() for i in items if str(i).strip()]
        for risk in ids:
            if not re.fullmatch(RISK_PATTERN, risk):
                raise ValueError(f"`{risk}` is not a playbook id (lowercase letters, digits, dashes), e.g. hazmat-leak")
        return ",".join(dict.fromkeys(ids)) or None

    def risk_list(self) -> list[str]:
        return [r for r in (self.risks or "").split(",") if r]

    @field_validator("code")
    @classmethod
    def _code_shape(cls, value: str) -> str:
        if not re.fullmatch(CODE_PATTERN, value):
            raise ValueError("must be 2–40 lowercase letters, digits or dashes, starting with a letter, e.g. xfjydd")
        return value


class Unit(UnitBase, table=True):
    __tablename__ = "unit"


class UnitPublic(UnitBase):
    head_name: str | None = None
    head_phone: str | None = None


class LiaisonBase(SQLModel):
    unit: str = Field(foreign_key="unit.code", index=True, max_length=40)
    name: str = Field(min_length=1, max_length=60)
    role: LiaisonRole = Field(sa_type=enum_type(LiaisonRole))
    phone: str = Field(min_length=3, max_length=32)
    sms: str | None = Field(default=None, max_length=32)
    wecom: str | None = Field(default=None, max_length=200)
    dingtalk: str | None = Field(default=None, max_length=200)
    feishu: str | None = Field(default=None, max_length=200)
    webhook: str | None = Field(default=None, max_length=300)
    channels: str = Field(default="sms", max_length=80, description="preferred channel, then fallbacks, comma-separated")
    active: bool = True
    last_verified_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))

    def channel_order(self) -> list[Channel]:
        return [Channel(c.strip()) for c in self.channels.split(",") if c.strip()]

    def address(self, channel: Channel | str) -> str | None:
        channel = Channel(channel)
        return (self.sms or self.phone) if channel is Channel.sms else getattr(self, channel.value)


class Liaison(LiaisonBase, table=True):
    __tablename__ = "liaison"
    __table_args__ = (
        # Each unit has at most one active primary; "at least one" is checked by import and `directory check`.
        Index(
            "uq_liaison_one_active_primary",
            "unit",
            unique=True,
            sqlite_where=text("role = 'primary' AND active"),
            postgresql_where=text("role = 'primary' AND active"),
        ),
        Index("uq_liaison_unit_name_role", "unit", "name", "role", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)


class LiaisonPublic(LiaisonBase):
    id: int


class Park(SQLModel, table=True):
    """The park itself, as notices and reports name it (one row, from the directory's `park:` section)."""

    __tablename__ = "park"
    id: int = Field(default=1, primary_key=True)
    name_zh: str = Field(max_length=120)
    name_en: str | None = Field(default=None, max_length=200)
