"""`parklink directory check` (static): reachable primaries and verification age."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import Session, select

from models.directory import Liaison
from models.types import utcnow


def verify_all(engine, when) -> None:
    with Session(engine) as s:
        for li in s.exec(select(Liaison)).all():
            li.last_verified_at = when
        s.commit()


def test_a_fresh_park_was_never_verified(cli):
    cli("init")
    out = cli("directory", "check", "--json")
    assert out.exit_code == 1
    problems = json.loads(out.stdout)["problems"]
    assert len(problems) == 43 * 2 and {p["problem"] for p in problems} == {"never_verified"}


def test_recently_verified_directory_is_sound(cli, engine):
    cli("init")
    verify_all(engine, utcnow() - timedelta(days=30))
    out = cli("directory", "check")
    assert out.exit_code == 0 and "名录完好" in out.stdout
    assert cli("--lang", "en", "directory", "check").stdout.startswith("directory sound")


def test_stale_and_missing_primaries_are_reported(cli, engine):
    cli("init")
    verify_all(engine, utcnow() - timedelta(days=10))
    with Session(engine) as s:
        s.exec(select(Liaison).where(Liaison.unit == "yjj", Liaison.role == "primary")).one().active = False
        s.exec(select(Liaison).where(Liaison.unit == "gaj", Liaison.role == "deputy")).one().last_verified_at = (
            utcnow() - timedelta(days=91))
        s.commit()
    out = cli("directory", "check", "--json")
    assert out.exit_code == 1
    problems = {(p["unit"], p["problem"]) for p in json.loads(out.stdout)["problems"]}
    assert problems == {("yjj", "no_active_primary"), ("gaj", "verification_stale")}
    table = cli("directory", "check")
    assert "没有在岗的主联络员" in table.stdout and "超过 90 天未核验" in table.stdout
