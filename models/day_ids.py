"""Record numbers of the form PREFIX-YYYYMMDD-NNNN, numbered per local (Asia/Shanghai) day.

    next_day_id(session, column, prefix)   the day's next number in that id column
    insert_numbered(session, row, ...)     write a row under the day's next number, numbering again when a
                                           concurrent writer took it (a savepoint per try)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from models.errors import InputError
from models.types import SHANGHAI, utcnow


def next_day_id(*, session: Session, column, prefix: str, now: datetime | None = None) -> str:
    day = (now or utcnow()).astimezone(SHANGHAI).strftime("%Y%m%d")
    start = f"{prefix}-{day}-"
    last = session.exec(select(column).where(col(column).startswith(start)).order_by(col(column).desc())).first()
    return f"{start}{(int(last.rsplit('-', 1)[1]) + 1 if last else 1):04d}"


def insert_numbered(*, session: Session, make: Callable[[str], SQLModel], column, prefix: str,
                    now: datetime | None = None, attempts: int = 20) -> SQLModel:
    """Add `make(id)` under the day's next id; a clash with a concurrent writer takes the next number."""
    for _ in range(attempts):
        row = make(next_day_id(session=session, column=column, prefix=prefix, now=now))
        try:
            with session.begin_nested():
                session.add(row)
            return row
        except IntegrityError:
            continue
    raise InputError(f"could not number a new {prefix} record: too many at once; try again")  # pragma: no cover
