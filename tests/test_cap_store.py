"""The CAP alerts received, on SQLite and PostgreSQL: the same alert is applied once; references find the warning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

import models.cap_store as store
from models.cap_alert import CapAlertRecord
from models.cap_kinds import CapKey, CapMsgType, CapOutcome, CapStatus
from models.db import session_scope
from models.errors import InputError
from tasks.cap.interpret import DecisionKind, interpret
from tests.cap_support import ALERT_REF, MAPS, NOW, PARK, SENDER, fixture

UNKNOWN = "yjglj@anze.example.invalid,AZ-YJ-20261130-999,2026-12-01T08:00:00+08:00"


def ingest(engine, name: str, warning_id: str | None = None):
    """What the `warn` flow does with a CAP file, less the warning itself: decide, look up, record."""
    alert = fixture(name)
    decision = interpret(alert, park=PARK, maps=MAPS, now=NOW)
    with session_scope(engine) as session:
        if store.seen(session=session, key=decision.key):
            return decision, CapOutcome.duplicate, None
        linked = (store.warning_for(session=session, refs=decision.references, where=name)
                  if decision.kind in (DecisionKind.update, DecisionKind.cancel) else None)
        outcome = store.record_alert(session=session, key=decision.key, msg_type=alert.msg_type, status=alert.status,
                                     outcome=decision.outcome, raw=alert.raw,
                                     warning_id=warning_id or linked if decision.kind is not DecisionKind.out_of_area
                                     else None)
    return decision, outcome, linked


def rows(engine) -> list[tuple]:
    with session_scope(engine) as session:
        return [(r.identifier, r.msg_type, r.outcome, r.warning_id) for r in
                sorted(store.list_alerts(session=session), key=lambda r: r.id)]


def test_alert_update_cancel_duplicate_and_unknown_reference(engine):
    _, outcome, _ = ingest(engine, "alert-hazmat.xml", warning_id="WRN-20261201-0001")
    assert outcome is CapOutcome.applied
    assert ingest(engine, "alert-hazmat.xml", warning_id="WRN-other")[1] is CapOutcome.duplicate
    decision, outcome, linked = ingest(engine, "update-hazmat.xml")
    assert (decision.kind, outcome, linked) == (DecisionKind.update, CapOutcome.applied, "WRN-20261201-0001")
    assert ingest(engine, "out-of-area.xml")[1] is CapOutcome.out_of_area
    with pytest.raises(InputError) as caught:
        ingest(engine, "unknown-reference.xml")
    assert caught.value.exit_code == 2
    assert str(caught.value) == (
        f"unknown-reference.xml: unknown reference {UNKNOWN}: no such alert was received; ingest the alert it changes "
        "first, or raise the warning by hand (parklink warn --type)")
    decision, outcome, linked = ingest(engine, "cancel-hazmat.xml")
    assert (decision.kind, outcome, linked) == (DecisionKind.cancel, CapOutcome.applied, "WRN-20261201-0001")
    assert rows(engine) == [  # nothing written for the unknown reference, nothing twice for the duplicate
        ("AZ-YJ-20261201-001", CapMsgType.alert, CapOutcome.applied, "WRN-20261201-0001"),
        ("AZ-YJ-20261201-002", CapMsgType.update, CapOutcome.applied, "WRN-20261201-0001"),
        ("GD-QX-20261201-017", CapMsgType.alert, CapOutcome.out_of_area, None),
        ("AZ-YJ-20261201-003", CapMsgType.cancel, CapOutcome.applied, "WRN-20261201-0001"),
    ]


def key(identifier: str, sent: datetime) -> CapKey:
    return CapKey(sender=SENDER, identifier=identifier, sent=sent)


def record(session, k: CapKey, outcome=CapOutcome.applied, warning_id=None, raw="<alert/>"):
    return store.record_alert(session=session, key=k, msg_type=CapMsgType.alert, status=CapStatus.actual,
                              outcome=outcome, raw=raw, warning_id=warning_id)


def test_the_key_is_the_instant_whatever_the_offset(engine):
    shanghai = datetime(2026, 12, 1, 8, tzinfo=timezone(timedelta(hours=8)))
    with session_scope(engine) as session:
        assert record(session, key("A-1", shanghai), raw="<alert>危险化学品</alert>") is CapOutcome.applied
    with session_scope(engine) as session:
        row = store.seen(session=session, key=key("A-1", datetime(2026, 12, 1, 0, tzinfo=UTC)))
        assert row is not None and row.raw == "<alert>危险化学品</alert>"
        assert row.sent == datetime(2026, 12, 1, 0, tzinfo=UTC) and row.received_at.tzinfo is not None
        assert store.seen(session=session, key=key("A-1", shanghai + timedelta(seconds=1))) is None
        assert store.seen(session=session, key=CapKey(sender="other@x", identifier="A-1", sent=shanghai)) is None
        assert str(store.seen(session=session, key=key("A-1", shanghai)).outcome) == "applied"


def test_a_concurrent_poller_that_loses_the_race_gets_duplicate(engine, monkeypatch):
    at = datetime(2026, 12, 1, tzinfo=UTC)
    with session_scope(engine) as session:
        record(session, key("R-1", at), warning_id="WRN-1")
    monkeypatch.setattr(store, "seen", lambda **_: None)  # it looked before the other one wrote
    with session_scope(engine) as session:
        assert record(session, key("R-1", at), warning_id="WRN-2") is CapOutcome.duplicate
        assert record(session, key("R-2", at)) is CapOutcome.applied  # the session goes on after the savepoint
    monkeypatch.undo()
    with session_scope(engine) as session:
        assert store.seen(session=session, key=key("R-1", at)).warning_id == "WRN-1"
        assert store.seen(session=session, key=key("R-2", at)) is not None


def test_warning_for_takes_the_newest_linked_reference_and_none_when_they_raised_none(engine):
    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    with session_scope(engine) as session:
        record(session, key("W-1", t0), warning_id="WRN-1")
        record(session, key("W-2", t0 + timedelta(hours=1)), warning_id="WRN-2")
        record(session, key("W-3", t0 + timedelta(hours=2)))  # applied, its warning not linked yet
        record(session, key("W-4", t0), outcome=CapOutcome.out_of_area)
    with session_scope(engine) as session:
        refs = [key("W-1", t0), key("W-2", t0 + timedelta(hours=1)), key("W-3", t0 + timedelta(hours=2)),
                key("never", t0)]
        assert store.warning_for(session=session, refs=refs) == "WRN-2"
        assert store.warning_for(session=session, refs=[key("W-4", t0)]) is None
        store.set_warning(session=session, key=key("W-3", t0 + timedelta(hours=2)), warning_id="WRN-3")
    with session_scope(engine) as session:
        assert store.warning_for(session=session, refs=refs) == "WRN-3"
        with pytest.raises(InputError) as caught:
            store.warning_for(session=session, refs=[key("never", t0)])
        assert str(caught.value) == (
            f"unknown reference {SENDER},never,2026-12-01T00:00:00+00:00: no such alert was received; ingest the "
            "alert it changes first, or raise the warning by hand (parklink warn --type)")
        with pytest.raises(InputError, match="was never recorded"):
            store.set_warning(session=session, key=key("never", t0), warning_id="WRN-9")
        with pytest.raises(ValueError):
            record(session, key("D-1", t0), outcome=CapOutcome.duplicate)


def test_the_table_has_the_unique_key_and_no_foreign_key(engine):
    inspector = sa.inspect(engine)
    uniques = [sorted(u["column_names"]) for u in inspector.get_unique_constraints("cap_alert")]
    assert ["identifier", "sender", "sent"] in uniques
    assert inspector.get_foreign_keys("cap_alert") == []
    assert CapAlertRecord.__tablename__ == "cap_alert"
    with session_scope(engine) as session:
        assert store.list_alerts(session=session) == []
    assert ALERT_REF.startswith(SENDER)
