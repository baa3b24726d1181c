"""A database an older ParkLink created: the liaison role `duty_staff` (issue 12) is added to its CHECK in place,
on SQLite and PostgreSQL, with the rows kept — `create_schema` widens every enum CHECK that lacks a value."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from models.db import create_schema, session_scope
from models.directory import Liaison, LiaisonRole, Unit, UnitKind

OLD = "role IN ('primary', 'deputy', 'head')"


def _narrow(engine) -> None:
    """Put back the CHECK an older ParkLink wrote, without `duty_staff`."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE liaison DROP CONSTRAINT ck_liaisonrole"))
            conn.execute(text(f"ALTER TABLE liaison ADD CONSTRAINT ck_liaisonrole CHECK ({OLD})"))
        else:
            sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'liaison'")).scalar()
            version = conn.exec_driver_sql("PRAGMA schema_version").scalar()
            conn.exec_driver_sql("PRAGMA writable_schema = ON")
            conn.execute(text("UPDATE sqlite_master SET sql = :s WHERE name = 'liaison'"),
                         {"s": sql.replace("role IN ('primary', 'deputy', 'head', 'duty_staff')", OLD)})
            conn.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
            conn.exec_driver_sql("PRAGMA writable_schema = OFF")
    engine.dispose()


def _add(engine, name: str, role: LiaisonRole) -> None:
    with session_scope(engine) as session:
        session.add(Liaison(unit="ldzbgs", name=name, role=role, phone="+447700900999"))


def test_an_older_database_gets_the_duty_staff_role_in_place(engine):
    with session_scope(engine) as session:
        session.add(Unit(code="ldzbgs", name_zh="领导组办公室", kind=UnitKind.office))
    _add(engine, "甲", LiaisonRole.primary)
    _narrow(engine)
    with pytest.raises(IntegrityError):
        _add(engine, "乙", LiaisonRole.duty_staff)
    create_schema(engine)
    _add(engine, "乙", LiaisonRole.duty_staff)
    with session_scope(engine) as session:
        assert sorted(li.name for li in session.query(Liaison).all()) == ["乙", "甲"], "the rows are kept"
    with pytest.raises(IntegrityError):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO liaison (unit, name, role, phone, channels, active) "
                              "VALUES ('ldzbgs', '丙', 'chief', '1234', 'sms', true)"))
    create_schema(engine)  # a second time changes nothing
