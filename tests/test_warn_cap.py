"""`parklink warn --cap` (issue 13 item 3): a CAP alert raises a warning, its Update raises the colour, its Cancel
lifts it; the same alert twice is applied once; an alert outside the park is recorded and ignored; a malformed
document, a wrong namespace, a missing field, an unknown reference: one line, exit 2, nothing written."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from sqlmodel import select

from models.cap_alert import CapAlertRecord
from models.db import session_scope
from models.settings import get_settings
from models.types import SHANGHAI, utcnow
from models.warning import WarningChange, WarningRecord
from models.warning_kinds import Colour, WarningState
from tasks.warning.cap_apply import apply_cap
from tests.conftest import REPO
from tests.warn_support import messages, until

FIXTURES = REPO / "tests" / "fixtures" / "cap"
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def fresh(tmp_path, name: str) -> str:
    """The fixture with its days moved to today and tomorrow (park time), so that it has not expired."""
    today = utcnow().astimezone(SHANGHAI).date()
    text = (FIXTURES / name).read_text(encoding="utf-8")
    text = text.replace("2026-12-02T", f"{today + timedelta(days=1)}T").replace("2026-12-01T", f"{today}T")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def rows(engine, table) -> list:
    with session_scope(engine) as session:
        return list(session.exec(select(table)).all())


@SQLITE
@pytest.mark.parametrize("name, line", [
    ("malformed.xml", "malformed.xml:"),
    ("wrong-namespace.xml", "urn:oasis:names:tc:emergency:cap:1.2"),
    ("missing-field.xml", "missing-field.xml:"),
    ("unknown-reference.xml", "unknown reference"),
])
def test_a_bad_alert_is_one_line_exit_2_and_nothing_written(cli, engine, tmp_path, name, line):
    cli("init")
    out = cli("warn", "--cap", fresh(tmp_path, name), "--drill")
    assert out.exit_code == 2, out
    assert line in out.stderr and len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert rows(engine, CapAlertRecord) == [] and rows(engine, WarningRecord) == []


@SQLITE
def test_an_alert_outside_the_park_is_recorded_and_ignored(cli, engine, tmp_path):
    cli("init")
    out = cli("warn", "--cap", fresh(tmp_path, "out-of-area.xml"), "--drill", "--json")
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["cap"]["outcome"] == "out_of_area"
    [record] = rows(engine, CapAlertRecord)
    assert record.outcome == "out_of_area" and record.warning_id is None and "<alert" in record.raw
    assert rows(engine, WarningRecord) == []
    again = json.loads(cli("warn", "--cap", fresh(tmp_path, "out-of-area.xml"), "--drill", "--json").stdout)
    assert again["cap"]["outcome"] == "duplicate" and len(rows(engine, CapAlertRecord)) == 1


def test_an_option_that_the_alert_decides_is_refused_with_cap(cli, tmp_path):
    out = cli("warn", "--cap", fresh(tmp_path, "alert-hazmat.xml"), "--colour", "red")
    assert out.exit_code == 2 and "--cap takes the colour and the area from the alert" in out.stderr


@pytest.mark.prefect
@SQLITE
def test_alert_update_cancel_and_the_same_alert_twice(prefect_api, cli, engine, monkeypatch, tmp_path):
    cli("init")
    monkeypatch.setenv("PARKLINK_ACK_POLL_S", "0.05")
    alert, update, cancel = (fresh(tmp_path, f"{k}-hazmat.xml") for k in ("alert", "update", "cancel"))
    settings = get_settings()

    def apply(path):
        with open(path, "rb") as f:
            return apply_cap(engine, f.read(), where=path, settings=settings, playbook=None, drill=True,
                             lang="zh-CN", time_scale=240)

    async def scenario():
        run = asyncio.ensure_future(asyncio.to_thread(
            cli, "warn", "--cap", alert, "--drill", "--hold", "--time-scale", "240", "--answer-rate", "1",
            "--delay", "15-60", "--json"))
        await until(lambda: any(r.delivered_at for w in rows(engine, WarningRecord) for r in messages(engine, w.id)))
        [warning] = rows(engine, WarningRecord)
        assert warning.colour is Colour.orange and warning.source == "cap"  # Severe → orange
        updated = apply(update)  # Extreme → red: the running warning raises itself
        assert (updated.outcome.value, updated.warning_id, updated.change.value) == ("applied", warning.id, "raise")
        await until(lambda: all(c.applied_at for c in rows(engine, WarningChange)))
        twice = apply(alert)
        assert twice.outcome.value == "duplicate" and len(rows(engine, WarningRecord)) == 1
        # the cancel must not overtake the reserve check's message (on a loaded machine it could, and the run then
        # rightly says the check's recipient was not reached)
        await until(lambda: (checks := [r for r in messages(engine, warning.id) if r.message_kind == "reserve-check"])
                    and all(r.delivered_at for r in checks))
        cancelled = apply(cancel)
        assert (cancelled.change.value, cancelled.warning_id) == ("cancel", warning.id)
        return await run

    out = asyncio.run(scenario())
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["cap"]["outcome"] == "applied" and data["colour"] == "red" and data["state"] == "lifted"
    assert "stop-hazardous-ops" in [a["id"] for a in data["actions"]]  # red's own action came with the Update
    [warning] = rows(engine, WarningRecord)
    assert warning.state is WarningState.lifted and warning.source_ref.startswith("yjglj@anze.example.invalid,")
    assert sorted(r.outcome for r in rows(engine, CapAlertRecord)) == ["applied", "applied", "applied"]


@pytest.mark.prefect
@SQLITE
def test_the_feed_poller_applies_each_new_alert_once(prefect_api, cli, engine, monkeypatch, tmp_path):
    from flows.warning_feed import warning_feed

    cli("init")
    monkeypatch.setenv("PARKLINK_ACK_POLL_S", "0.05")
    monkeypatch.setenv("PARKLINK_DRILL_TIME_SCALE", "240")
    # no worker serves this session's server (another test may have deployed warn/warning there): the poll runs
    # the new warning itself, as where that deployment is missing
    monkeypatch.setattr("flows.warning_feed.WARN_DEPLOYMENT", "warn/not-deployed-here")
    drop = tmp_path / "drop"
    drop.mkdir()
    for i, name in enumerate(["alert-hazmat.xml", "out-of-area.xml", "malformed.xml", "alert-hazmat.xml"]):
        (drop / f"{i}-{name}").write_text(open(fresh(tmp_path, name), encoding="utf-8").read(), encoding="utf-8")
    state = asyncio.run(warning_feed(source=str(drop), drill=True, return_state=True))
    assert state.is_completed(), state.message
    result = state.result()
    assert [a["outcome"] for a in result.applied] == ["applied", "out_of_area", "duplicate"]
    assert len(result.refused) == 1 and result.refused[0].startswith("2-malformed.xml:")
    [warning] = rows(engine, WarningRecord)
    assert result.started == [warning.id] and warning.drill and warning.state is WarningState.lifted  # run inline
    again = asyncio.run(warning_feed(source=str(drop), drill=True, return_state=True)).result()
    assert [a["outcome"] for a in again.applied] == ["duplicate"] * 3 and again.started == []
    assert len(rows(engine, WarningRecord)) == 1 and len(rows(engine, CapAlertRecord)) == 2
    unset = asyncio.run(warning_feed(return_state=True))
    assert unset.is_completed() and "PARKLINK_CAP_FEED is not set" in unset.message


@SQLITE
def test_an_alert_and_a_feed_are_fetched_over_http(cli, engine, tmp_path):
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    from tasks.web.serving import serve_in_thread

    cli("init")
    alert = open(fresh(tmp_path, "out-of-area.xml"), "rb").read()
    app = Starlette(routes=[Route("/alert.xml", lambda request: Response(alert, media_type="application/cap+xml")),
                            Route("/gone.xml", lambda request: Response("", status_code=404))])
    with serve_in_thread(app, name="alert server") as url:
        out = cli("warn", "--cap", f"{url}/alert.xml", "--drill", "--json")
        assert out.exit_code == 0, out.stderr
        assert json.loads(out.stdout)["cap"]["outcome"] == "out_of_area"
        gone = cli("warn", "--cap", f"{url}/gone.xml", "--drill")
    assert gone.exit_code == 2 and "gone.xml: could not be fetched (HTTP 404); check the URL" in gone.stderr
    assert len(gone.stderr.strip().splitlines()) == 1
    assert [r.outcome for r in rows(engine, CapAlertRecord)] == ["out_of_area"]
