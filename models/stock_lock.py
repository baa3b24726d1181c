"""The writer's lock: how every store that moves stock (dispatch, stand-down, requisitions) takes it.

    begin_write(session, incident_id=…)   SQLite: `BEGIN IMMEDIATE`; PostgreSQL: an advisory lock on the incident
    lock_stock(session, keys)             re-read stock rows `SELECT … FOR UPDATE`, in key order (no deadlocks)

Both work inside the caller's transaction (`with session_scope(engine) as session:`), which commits or
rolls back; the locks last until it ends.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text, tuple_
from sqlmodel import Session, select

from models.inventory import Stock

LOCK_CHUNK = 400  # stock keys per locking SELECT (SQLite allows 32,766 bound parameters)


def begin_write(session: Session, *, incident_id: str | None = None) -> None:
    """Start the session's transaction as the writer.

    SQLite: `BEGIN IMMEDIATE` (one writer at a time). PostgreSQL: rows are locked as they are read; with
    `incident_id`, a transaction-scoped advisory lock on the incident also serialises two applies of the
    same incident, so the second sees what the first recorded instead of tripping over the unique key.
    """
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        if not conn.connection.driver_connection.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql" and incident_id is not None:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                     {"key": f"parklink.dispatch:{incident_id}"})


def lock_stock(session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Stock]:
    """Re-read the stock rows for (depot, type) keys, locked until the transaction ends, in key order."""
    keys = sorted(set(keys))
    found: dict[tuple[str, str], Stock] = {}
    for start in range(0, len(keys), LOCK_CHUNK):
        chunk = keys[start:start + LOCK_CHUNK]
        query = (select(Stock).where(tuple_(Stock.depot, Stock.resource_type).in_(chunk))
                 .order_by(Stock.depot, Stock.resource_type).with_for_update()
                 .execution_options(populate_existing=True))
        for row in session.exec(query).all():
            found[(row.depot, row.resource_type)] = row
    return found
