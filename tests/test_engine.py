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
