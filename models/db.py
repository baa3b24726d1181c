"""The database: one engine per URL, the schema, sessions. Works unchanged on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, event, inspect, text
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, create_engine

from models.errors import ParkLinkError

# Every module that defines tables; create_schema imports them so the metadata is complete.
TABLE_MODULES = ["models.directory", "models.inventory", "models.dispatch", "models.notification", "models.incident",
                 "models.run_lease", "models.duty", "models.liaison_check", "models.warning", "models.cap_alert", "models.intake",
                 "models.action", "models.meeting", "models.drill_record", "models.user"]

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
    widen_enum_checks(engine, meta)


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


def _enum_columns(meta, tables: set[str]):
    for table in meta.sorted_tables:
        if table.name in tables:
            for column in table.columns:
                if isinstance(column.type, SAEnum) and column.type.create_constraint and column.type.name:
                    yield table, column


def widen_enum_checks(engine: Engine, meta) -> list[str]:
    """An enum that gained a value since a table was created: its CHECK (`ck_<enum>`) widened in place.

    PostgreSQL: the constraint dropped and added again. SQLite: the table's schema text rewritten, the procedure
    SQLite documents for a change that leaves the stored rows valid (https://sqlite.org/lang_altertable.html,
    "making other kinds of table schema changes"): every row meets the wider check. The constraints widened.
    """
    tables = set(inspect(engine).get_table_names())
    widened = []
    with engine.begin() as conn:
        for table, column in _enum_columns(meta, tables):
            values, name = list(column.type.enums), column.type.name
            check = f"{column.name} IN ({', '.join(repr(v) for v in values)})"
            if engine.dialect.name == "postgresql":
                found = conn.execute(text(
                    "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON c.conrelid = t.oid "
                    "WHERE t.relname = :t AND c.conname = :n AND pg_table_is_visible(t.oid)"),
                    {"t": table.name, "n": name}).scalar()
                if found is None or all(f"'{v}'" in found for v in values):
                    continue
                conn.execute(text(f'ALTER TABLE "{table.name}" DROP CONSTRAINT "{name}"'))
                conn.execute(text(f'ALTER TABLE "{table.name}" ADD CONSTRAINT "{name}" CHECK ({check})'))
            elif engine.dialect.name == "sqlite":
                sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"),
                                   {"t": table.name}).scalar() or ""
                match = re.search(rf"CONSTRAINT {name} CHECK \((\w+) IN \(([^)]*)\)\)", sql)
                if match is None or all(f"'{v}'" in match.group(2) for v in values):
                    continue
                version = conn.exec_driver_sql("PRAGMA schema_version").scalar()
                conn.exec_driver_sql("PRAGMA writable_schema = ON")
                conn.execute(text("UPDATE sqlite_master SET sql = :s WHERE type = 'table' AND name = :t"),
                             {"s": sql.replace(match.group(0), f"CONSTRAINT {name} CHECK ({check})"), "t": table.name})
                conn.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
                conn.exec_driver_sql("PRAGMA writable_schema = OFF")
            else:
                continue
            widened.append(f"{table.name}.{name}")
    return widened


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
