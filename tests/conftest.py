"""Shared fixtures: a database per test on SQLite and (when configured) PostgreSQL, and the CLI in-process.

PostgreSQL: set PARKLINK_TEST_DATABASE_URL (CI does). Without it the PostgreSQL cases skip with one line;
with it set and the server unreachable they fail, never skip. Each test session works in a schema of its
own, so parallel runs against one database never meet.
"""

from __future__ import annotations

import os
import socket
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from models.db import create_schema, dispose_engines, drop_schema, get_engine
from models.settings import get_settings
from tests.browser_support import chromium  # noqa: F401 — the headless-chromium fixture of the browser tests

REPO = Path(__file__).resolve().parent.parent
PG_ENV = "PARKLINK_TEST_DATABASE_URL"


@pytest.fixture(scope="session")
def pg_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (CI sets it)")
    try:
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), pool_pre_ping=True)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 — any failure to connect is fatal here, by design
        pytest.fail(f"{PG_ENV} is set but PostgreSQL is unreachable: {exc.__class__.__name__}: {exc}", pytrace=False)
    schema = f"plk_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in url else "?"
    yield f"{url}{sep}options=-csearch_path%3D{schema}"
    dispose_engines()
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """A fresh, empty schema on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'parklink.db'}"
        create_schema(get_engine(url))
        return url
    url = request.getfixturevalue("pg_base_url")
    engine = get_engine(url)
    drop_schema(engine)
    create_schema(engine)
    engine.dispose()  # no pooled connection outlives the schema it saw
    return url


@pytest.fixture
def engine(db_url):
    return get_engine(db_url)


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cli(monkeypatch, capsys, db_url, tmp_path, request):
    """Run `parklink ARGS…` in-process against `db_url`, through the real entry point and error handler.

    A test that also asks for `prefect_api` runs its commands on that engine (Prefect's test harness sets its
    URL as a setting, not in the environment ParkLink's engine manager reads). Without it a command that needs an
    engine starts ParkLink's own on a free port under this test's home, stopped when the test ends, never on
    the shared 4200."""
    from parklink import app as app_module
    from parklink import engine as engine_manager
    from parklink.cli import main

    monkeypatch.setenv("PARKLINK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PARKLINK_DATABASE_URL", db_url)
    monkeypatch.delenv("PARKLINK_LANG", raising=False)
    if not os.environ.get("PARKLINK_ENGINE_PORT"):  # a test's own fixture may have chosen one
        monkeypatch.setenv("PARKLINK_ENGINE_PORT", str(_free_port()))
    if "prefect_api" in request.fixturenames and not os.environ.get("PREFECT_API_URL"):
        monkeypatch.setenv("PREFECT_API_URL", request.getfixturevalue("prefect_api"))
    started = get_settings()  # read now: a test may leave a bad setting behind to see it refused
    request.addfinalizer(lambda: engine_manager.stop(started))

    def run(*args: str) -> Result:
        app_module.state.reset()
        monkeypatch.setattr(sys, "argv", ["parklink", *args])
        capsys.readouterr()
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return run


@pytest.fixture(scope="session")
def prefect_api():
    """The real Prefect engine for the whole session (a server subprocess on a temporary database)."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    with prefect_test_harness(server_startup_timeout=120):
        yield PREFECT_API_URL.value()


def one_error_line(result, *, code: int = 2) -> str:
    """The one `Error: …` line a refused command printed (with its exit code, and no traceback)."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]
