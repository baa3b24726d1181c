from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from models.settings import get_settings


def test_defaults(monkeypatch):
    for name in ("PARKLINK_HOME", "PARKLINK_DATABASE_URL", "PARKLINK_LANG"):
        monkeypatch.delenv(name, raising=False)
    s = get_settings()
    assert s.home == Path(".parklink") and s.lang == "zh-CN"
    assert s.db_url == f"sqlite:///{Path('.parklink/parklink.db').resolve()}"


def test_environment_is_read_when_called_not_at_import(monkeypatch, tmp_path):
    monkeypatch.setenv("PARKLINK_HOME", str(tmp_path))
    monkeypatch.setenv("PARKLINK_LANG", "en")
    s = get_settings()
    assert s.home == tmp_path and s.lang == "en" and s.db_url == f"sqlite:///{tmp_path / 'parklink.db'}"
    monkeypatch.setenv("PARKLINK_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert get_settings().db_url == "postgresql+psycopg://u@h/db"


def test_bad_language_is_refused(monkeypatch):
    monkeypatch.setenv("PARKLINK_LANG", "fr")
    with pytest.raises(ValidationError):
        get_settings()


def test_cli_reports_a_bad_setting_in_one_line(cli, monkeypatch):
    monkeypatch.setenv("PARKLINK_LANG", "fr")
    out = cli("summary")
    assert out.exit_code == 1
    assert out.stderr.strip().splitlines() == [out.stderr.strip()]
    assert out.stderr.startswith("Error: setting PARKLINK_LANG")
