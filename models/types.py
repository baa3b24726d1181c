"""Column types shared by the tables: UTC datetimes that come back aware on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import Enum
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy import Enum as SAEnum
from sqlalchemy.types import TypeDecorator

SHANGHAI = ZoneInfo("Asia/Shanghai")  # times are stored in UTC and shown here


def utcnow() -> datetime:
    return datetime.now(UTC)


def park_today() -> date:
    """Today's date in the park (Asia/Shanghai): due days and reminders count in it."""
    return utcnow().astimezone(SHANGHAI).date()


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S", missing: str = "—") -> str:
    """A stored UTC time as people read it: Asia/Shanghai."""
    return missing if value is None else value.astimezone(SHANGHAI).strftime(fmt)


class UTCDateTime(TypeDecorator):
    """Stores UTC; always returns an aware UTC datetime (SQLite drops the offset on its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(enum: type[Enum], name: str | None = None) -> SAEnum:
    """A portable enum column: VARCHAR plus a CHECK of the values (no native PostgreSQL ENUM type to migrate),
    named `ck_<enum>`, or `name` where a table has two columns of one enum."""
    return SAEnum(enum, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e],
                  validate_strings=True, create_constraint=True, name=name or f"ck_{enum.__name__.lower()}")
