"""The database: one engine per URL, the schema, sessions. Works unchanged on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, create_engine

from models.errors import ParkLinkError

# Every module that defines tables; create_schema imports them so the metadata is complete.
TABLE_MODULES = ["models.directory", "models.inventory", "models.dispatch", "models.notification", "models.incident",
                 "models.run_lease", "models.liaison_check"]

_engines: dict[str, Engine] = {}


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA busy_timeout = 30000")
    cur.close()


def get_engine(url: str) -> Engine:
    """One engine per URL for the life of the process."""
    if url not in _engines:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
                url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
            engine = create_engine(url, pool_pre_ping=True)
        _engines[str(parsed.render_as_string(hide_password=False))] = engine
        _engines.setdefault(url, engine)
    return _engines[url]


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def metadata():
    for name in TABLE_MODULES:
        importlib.import_module(name)
    return SQLModel.metadata


def create_schema(engine: Engine) -> None:
    """Create missing tables, then add missing nullable columns to tables an older ParkLink created."""
    meta = metadata()
    meta.create_all(engine)
    add_missing_columns(engine, meta)


def add_missing_columns(engine: Engine, meta) -> list[str]:
    """`ALTER TABLE … ADD COLUMN` for every nullable column a table lacks (no migrations yet); their names.

    Only nullable columns without a default are added: an existing row reads NULL there, as a new row would
    before it is written. A missing NOT NULL column is one clear error, the database left as it was.
    """
    existing = inspect(engine)
    tables = set(existing.get_table_names())
    quote = engine.dialect.identifier_preparer.quote
    missing = [(table, column) for table in meta.sorted_tables if table.name in tables
               for have in [{c["name"] for c in existing.get_columns(table.name)}]
               for column in table.columns if column.name not in have]
    for table, column in missing:
        if not column.nullable or column.server_default is not None:
            raise ParkLinkError(f"database: table `{table.name}` lacks column `{column.name}`, which cannot be "
                                "added in place; export the directory and inventory, and init a new database")
    with engine.begin() as conn:
        for table, column in missing:
            kind = column.type.compile(dialect=engine.dialect)
            conn.execute(text(f"ALTER TABLE {quote(table.name)} ADD COLUMN {quote(column.name)} {kind}"))
    return [f"{table.name}.{column.name}" for table, column in missing]


def drop_schema(engine: Engine) -> None:
    metadata().drop_all(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
