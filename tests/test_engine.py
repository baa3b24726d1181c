"""`parklink engine`: a real local Prefect server started, found and stopped by ParkLink."""

from __future__ import annotations

import json
import socket

import pytest

from models.db import create_schema, get_engine
from models.settings import get_settings
from parklink import engine


@pytest.fixture
def db_url(tmp_path):
    """The engine does not depend on ParkLink's own database: SQLite alone."""
    url = f"sqlite:///{tmp_path / 'parklink.db'}"
    create_schema(get_engine(url))
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("PARKLINK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PARKLINK_ENGINE_PORT", str(free_port()))
    yield get_settings()
    engine.stop(get_settings())


def test_start_status_stop(settings, cli):
    down = cli("engine", "status", "--json")
    assert down.exit_code == 1 and json.loads(down.stdout)["running"] is False

    up = json.loads(cli("engine", "start", "--json").stdout)
    assert up["running"] and up["managed"] and up["url"] == f"http://127.0.0.1:{settings.engine_port}/api"
    assert (settings.home / "prefect" / "prefect.db").exists(), "the server's home is under PARKLINK_HOME"
    again = json.loads(cli("engine", "start", "--json").stdout)
    assert again["pid"] == up["pid"], "a second start finds the running server"
    assert cli("engine", "status").stdout.startswith("引擎运行中")

    assert json.loads(cli("engine", "stop", "--json").stdout) == {"stopped": True}
    assert engine.healthy(up["url"]) is False
    assert json.loads(cli("engine", "stop", "--json").stdout) == {"stopped": False}


def test_a_configured_api_url_is_used_as_is(settings, monkeypatch, cli):
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{free_port()}/api")
    out = cli("engine", "start")
    assert out.exit_code == 1 and "PREFECT_API_URL is set" in out.stderr
    with pytest.raises(Exception, match="does not answer"):
        engine.ensure(settings)


def test_a_command_that_imported_prefect_first_talks_to_parklinks_engine(settings, tmp_path):
    """The `parklink` command imports Prefect (its settings read once) before the engine is started: Prefect's
    client must then use the engine, not start a temporary server of its own whose runs the UI never shows."""
    import os
    import subprocess
    import sys

    script = ("import prefect, parklink.engine as e\n"
              "from models.settings import get_settings\n"
              "from prefect.settings import get_current_settings\n"
              "status = e.ensure(get_settings())\n"
              "print(status.url, get_current_settings().api.url)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "user-prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    started, used = done.stdout.split()
    assert used == started == f"http://127.0.0.1:{settings.engine_port}/api"
