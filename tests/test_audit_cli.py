"""Reviewers see who, not codes (issue 10, items 12 and 13): the activity log sorted by time with units and people
by name, and `parklink timeline` / `parklink notifications` to audit a run without SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console
from sqlmodel import select

from models.db import session_scope
from models.directory import Liaison, Unit
from models.event_store import events, names, record_events, timeline
from models.events import (
    NO_NAMES,
    Event,
    GroupActivated,
    Names,
    Recipient,
    Texts,
    UnitAcknowledged,
    UnitStatus,
    parse_payload,
)
from models.events.entry import entries
from models.incident import Incident, TimelineEvent
from models.notification import ContextKind, Notification
from parklink.respond_view import _view
from tests.conftest import one_error_line

INCIDENT = "INC-AUDIT-0001"
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
ACTIVATED = GroupActivated(group="rescue", number=2, name=Texts(zh="抢险救援组", en="Rescue"), units=["yjj"], level="II")


def acknowledged(notification_id: int) -> UnitAcknowledged:
    return UnitAcknowledged(group="rescue", unit="yjj", status=UnitStatus.acknowledged, acked_by="yjj/江敏（primary）",
                            acked_at=T0 + timedelta(seconds=30), notifications=[notification_id])


@pytest.fixture
def wide(monkeypatch):
    """Tables one row per entry (a narrow terminal folds cells, and a test would look for split words)."""
    from parklink import app as app_module

    monkeypatch.setattr(app_module.console, "width", 240)


def seed(engine) -> int:
    """An incident of the sample park: one message to 应急局's primary liaison 江敏, acknowledged; two entries
    written out of time order (the acknowledgement, dated earlier, is written last)."""
    with session_scope(engine) as session:
        session.add(Incident(id=INCIDENT, playbook_id="hazmat-leak", playbook_hash="h", level="II",
                             latitude=36.15, longitude=112.27))
        liaison = session.exec(select(Liaison).where(Liaison.unit == "yjj", Liaison.role == "primary")).one()
        message = Notification(idempotency_key="k1", context_kind=ContextKind.incident, context_id=INCIDENT,
                               group="rescue", message_kind="activation", unit="yjj", recipient_unit="yjj",
                               liaison_id=liaison.id, liaison_name=liaison.name, liaison_role="primary",
                               channel="webhook", created_at=T0, delivered_at=T0 + timedelta(seconds=2),
                               acked_at=T0 + timedelta(seconds=30))
        failed = Notification(idempotency_key="k2", context_kind=ContextKind.incident, context_id=INCIDENT,
                              group="rescue", message_kind="activation", step=1, unit="yjj", recipient_unit="yjj",
                              liaison_id=liaison.id, liaison_name="程雨桐", liaison_role="deputy", channel="sms",
                              created_at=T0 + timedelta(seconds=5), failed_at=T0 + timedelta(seconds=6),
                              last_error="HTTP 503")
        session.add(message)
        session.add(failed)
        session.flush()
        message_id = message.id
    with session_scope(engine) as session:
        record_events(session=session, incident=INCIDENT, events=[
            Event(key="activated", actor="ldz", at=T0 + timedelta(seconds=60), payload=ACTIVATED)])
        record_events(session=session, incident=INCIDENT, events=[
            Event(key="acked", actor="yjj/江敏（primary）", at=T0 + timedelta(seconds=30),
                  payload=acknowledged(message_id))])
    return message_id


def test_texts_name_units_and_people_and_old_rows_still_read():
    who = Names(units={"yjj": Texts(zh="应急局", en="Emergency Management Bureau")},
                people={7: Recipient(unit="yjj", name="江敏", role="primary", acked_at=T0)})
    assert ACTIVATED.text("zh-CN", who) == "启动第2组 抢险救援组：通知 应急局"
    assert acknowledged(7).text("zh-CN", who) == "应急局 已确认（江敏（主联络员））"
    assert acknowledged(7).text("en", who) == "Emergency Management Bureau acknowledged (江敏 (primary liaison))"
    assert "yjj" in acknowledged(7).text("en", NO_NAMES), "an entry read without names shows what was recorded"
    later, earlier = (Event(key=k, actor="ParkLink", at=T0 + timedelta(seconds=s), payload=ACTIVATED, id=i)
                      for k, s, i in (("a", 60, 1), ("b", 30, 2)))
    assert [e.at for e in entries([later, earlier], who, "en")] == [earlier.at, later.at]


def test_timeline_and_live_view_sorted_by_time_with_names(cli, engine):
    assert cli("init").exit_code == 0
    seed(engine)
    with session_scope(engine) as session:
        log = timeline(session=session, incident=INCIDENT, lang="zh-CN")
    assert [e.kind.value for e in log] == ["unit_acknowledged", "group_activated"], "by time, not by writing order"
    assert log[0].actor == "应急局/江敏（主联络员）" and "应急局" in log[0].text and "yjj" not in log[0].text
    assert log[1].actor.endswith("（ldz）") and log[1].actor != "ldz"
    with session_scope(engine) as session:
        found = events(session=session, incident=INCIDENT)
        who = names(session=session, events=found)
    console = Console(width=200, record=True)
    console.print(_view(list(reversed(found)), "zh-CN", who))
    shown = console.export_text()
    assert "应急局" in shown and "江敏" in shown and "yjj/" not in shown
    assert shown.index("确认") < shown.index("启动第2组"), "the live view's rows are in time order"


def test_parklink_timeline_table_and_json(cli, engine, wide):
    assert cli("init").exit_code == 0
    seed(engine)
    table = cli("timeline", INCIDENT)
    assert table.exit_code == 0, table.stderr
    assert "应急局" in table.stdout and "江敏" in table.stdout and "执行者" in table.stdout
    english = cli("--lang", "en", "timeline", INCIDENT)
    assert "Emergency Management Bureau" in english.stdout and "actor" in english.stdout
    out = cli("timeline", INCIDENT, "--json")
    assert out.exit_code == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [sorted(r) for r in rows] == [["actor", "at", "data", "kind", "text"]] * 2
    assert rows[0]["kind"] == "unit_acknowledged" and rows[0]["data"]["unit"] == "yjj"
    assert rows[0]["at"] < rows[1]["at"]


def test_parklink_notifications_table_and_json(cli, engine, wide):
    assert cli("init").exit_code == 0
    seed(engine)
    out = cli("notifications", INCIDENT, "--json")
    assert out.exit_code == 0, out.stderr
    rows = json.loads(out.stdout)
    assert {"unit", "liaison", "role", "step", "channel", "message_kind", "queued_at", "delivered_at", "acked_at",
            "status", "error"} <= set(rows[0])
    assert [(r["liaison"], r["step"], r["status"], r["error"]) for r in rows] == [
        ("江敏", 0, "acked", None), ("程雨桐", 1, "failed", "HTTP 503")]
    table = cli("notifications", INCIDENT)
    assert table.exit_code == 0 and "应急局（yjj）" in table.stdout and "主联络员" in table.stdout
    assert "HTTP 503" in table.stdout
    assert "delivered" in cli("--lang", "en", "notifications", INCIDENT).stdout


def test_an_unknown_incident_is_one_error_line(cli):
    assert cli("init", "--empty").exit_code == 0
    for command in ("timeline", "notifications"):
        for extra in ((), ("--json",)):
            line = one_error_line(cli(command, "INC-NOPE", *extra), code=1)
            assert "INC-NOPE" in line


def test_entries_are_written_with_the_names_they_mention_and_older_rows_still_read(cli, engine):
    assert cli("init").exit_code == 0
    message_id = seed(engine)
    with session_scope(engine) as session:
        found = {e.key: e for e in events(session=session, incident=INCIDENT)}
        rows = {r.key: r for r in session.exec(select(TimelineEvent).where(TimelineEvent.incident == INCIDENT))}
    activated, acked = found["activated"], found["acked"]
    assert set(activated.payload.who.units) == {"yjj", "ldz"} and activated.payload.who.people == {}
    assert activated.text("zh-CN") == "启动第2组 抢险救援组：通知 应急局", "read without the directory (a report's measures)"
    assert acked.payload.who.people[message_id].name == "江敏"
    assert rows["acked"].summary_en == "Emergency Management Bureau acknowledged (江敏 (primary liaison))"
    older = dict(rows["activated"].data)
    older.pop("who")
    assert parse_payload("group_activated", older).text("en") == "group 2 Rescue activated: notifying yjj"


def test_directory_text_is_shown_as_written_in_the_tables(cli, engine, wide):
    assert cli("init").exit_code == 0
    seed(engine)
    with session_scope(engine) as session:
        unit = session.get(Unit, "yjj")
        unit.name_zh = "[bold]应急局[/bold] | <i>"
        session.add(unit)
    for command in ("timeline", "notifications"):
        out = cli(command, INCIDENT)
        assert out.exit_code == 0 and "[bold]应急局[/bold] | <i>" in out.stdout, out.stdout


def test_the_live_view_follows_the_runs_own_incident_among_others_writing_at_once(engine):
    """`respond --deployment` among other runs: once the run's incident is known, the board shows it, not the
    incident whose entry happened to be written first after launch."""
    from parklink.respond_view import _events, _since

    start = _since(engine)
    with session_scope(engine) as session:
        for incident in ("INC-OTHER-0001", "INC-MINE-0001"):
            session.add(Incident(id=incident, playbook_id="hazmat-leak", playbook_hash="h", level="II",
                                 latitude=36.15, longitude=112.27))
    for incident in ("INC-OTHER-0001", "INC-MINE-0001"):
        with session_scope(engine) as session:
            record_events(session=session, incident=incident, events=[
                Event(key=f"activated-{incident}", actor="ldz", at=T0, payload=ACTIVATED)])
    assert {e.incident for e in _events(engine, start)[0]} == {"INC-OTHER-0001"}, "unknown yet: the first written"
    assert {e.incident for e in _events(engine, start, "INC-MINE-0001")[0]} == {"INC-MINE-0001"}
