"""The PostgreSQL contract of the suite: set-but-unreachable fails, unset skips with one line."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import PG_ENV, REPO

PROBE = "tests/test_park_init.py::test_summary_in_english"


def run_probe(env_value: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != PG_ENV}
    if env_value is not None:
        env[PG_ENV] = env_value
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", PROBE],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_unreachable_postgres_fails_not_skips():
    result = run_probe("postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2")
    assert result.returncode == 1, result.stdout
    assert "is set but PostgreSQL is unreachable" in result.stdout
    assert "1 passed" in result.stdout and "1 error" in result.stdout


def test_unset_postgres_skips_with_a_reason():
    result = run_probe(None)
    assert result.returncode == 0, result.stdout
    assert "1 passed, 1 skipped" in result.stdout
    assert f"PostgreSQL tests need {PG_ENV} (CI sets it)" in subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", PROBE], cwd=REPO,
        env={k: v for k, v in os.environ.items() if k != PG_ENV}, capture_output=True, text=True, timeout=300).stdout
