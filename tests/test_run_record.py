"""The run record as a typed contract: every kind has a payload, entries are written once and read back typed,
their texts come from the catalogue in both languages, and the pure phases say what they produced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.db import session_scope
from models.event_store import events, record_events, timeline_rows
from models.events import (
    PAYLOADS,
    UNIT_PAYLOADS,
    Event,
    EventKind,
    GroupActivated,
    Texts,
    UnitAcknowledged,
    UnitOutcomeEvent,
    UnitStatus,
    UpwardReported,
)
from models.incident import Incident
from models.playbook import load_playbooks
from models.settings import get_settings
from tasks.notify.outcome import Person, UnitOutcome
from tasks.response.phases import groups as groups_phase
from tasks.response.phases import upward as upward_phase
from tasks.response.results import WorkKey, WorkKind
from tasks.response.run import Run

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
PLAN = load_playbooks(get_settings().playbooks_dir).resolve("hazmat-leak", "II")
RUN = Run(incident_id="INC-REC-0001", playbook="hazmat-leak", level="II", enterprise="qy-ha")


def test_every_kind_has_exactly_one_payload_and_every_status_its_entry():
    assert set(PAYLOADS) == set(EventKind)
    assert all(cls.kind is kind for kind, cls in PAYLOADS.items())
    assert {s: cls.kind for s, cls in UNIT_PAYLOADS.items()} == {s: s.event_kind for s in UnitStatus}


def test_an_entry_is_written_once_and_read_back_typed(engine):
    with session_scope(engine) as session:
        session.add(Incident(id=RUN.incident_id, playbook_id="hazmat-leak", playbook_hash="h", level="II",
                             latitude=36.15, longitude=112.27))
    first = Event(key=RUN.key("report", 1), actor="ldzbgs", at=T0, payload=UpwardReported(
        seq=1, recipients=["yjj", "xzf"], delivered=1, sent=2, on_time=True))
    retried = first.model_copy(update={"payload": first.payload.model_copy(update={"delivered": 2})})
    with session_scope(engine) as session:
        record_events(session=session, incident=RUN.incident_id, events=[first])
    with session_scope(engine) as session:
        [again] = record_events(session=session, incident=RUN.incident_id, events=[retried])
    assert again.payload.delivered == 1, "a retry finds the entry written before, it does not overwrite it"
    with session_scope(engine) as session:
        [read] = events(session=session, incident=RUN.incident_id, kinds=[EventKind.upward_report])
        [row] = timeline_rows(session=session, incident=RUN.incident_id)
        assert events(session=session, incident=RUN.incident_id, kinds=[EventKind.dispatched]) == []
    assert isinstance(read.payload, UpwardReported) and read.payload.recipients == ["yjj", "xzf"]
    assert read.kind is EventKind.upward_report and read.at == T0
    assert (row.summary_zh, row.summary_en) == ("向上级报送首报（yjj、xzf），送达 1/2",
                                                "first report sent upward (yjj, xzf), 1/2 delivered")


def test_the_group_phase_counts_what_the_units_did_and_says_it_per_unit():
    rescue = PLAN.group("rescue")
    primary = Person("xfjydd", "甲", "primary", 1, 0, True, 11)
    deputy = Person("gaj", "乙", "deputy", 2, 1, True, 12)
    outcomes = [UnitOutcome("xfjydd", UnitStatus.acknowledged, acked_by=primary, acked_at=T0, notifications=[11],
                            delivered=1),
                UnitOutcome("gaj", UnitStatus.escalated, acked_by=deputy, acked_at=T0 + timedelta(minutes=3),
                            escalated_to=[deputy], notifications=[13, 12], delivered=2),
                UnitOutcome("yjj", UnitStatus.unreachable, problems=["primary: timeout"], notifications=[14])]
    outcome = groups_phase.group_outcome(RUN, rescue, ["xfjydd", "gaj", "yjj"], outcomes, T0)
    result = outcome.result
    assert (result.notified, result.acknowledged, result.escalated, result.unreachable) == (3, 1, 1, 1), \
        "notified counts the messages delivered, not the failed send to yjj"
    assert [type(e.payload) for e in outcome.events] == [UNIT_PAYLOADS[s] for s in UnitStatus]
    assert [e.key for e in outcome.events] == [f"INC-REC-0001:group:rescue:unit:{u}" for u in ("xfjydd", "gaj", "yjj")]
    acked, escalated, unreachable = (e.payload for e in outcome.events)
    assert isinstance(acked, UnitAcknowledged) and acked.acked_by == "xfjydd/甲（primary）"
    assert escalated.text("zh-CN") == "gaj 主联络员未按时确认，已升级至 gaj/乙（deputy），由 gaj/乙（deputy） 确认"
    assert escalated.text("en") == "gaj: primary silent, escalated to gaj/乙（deputy）; gaj/乙（deputy） answered"
    assert unreachable.text("zh-CN") == "yjj 联系不上（已升级至 无人可升级）"
    assert all(isinstance(e.payload, UnitOutcomeEvent) for e in outcome.events)


def test_an_activation_of_added_members_is_its_own_entry():
    rescue = PLAN.group("rescue")
    whole = groups_phase.activation(RUN, rescue, ["xfjydd", "gaj"], commander_unit="ldz", added=False)
    added = groups_phase.activation(RUN, rescue, ["gaj"], commander_unit="ldz", added=True)
    assert whole.key != added.key and isinstance(added.payload, GroupActivated) and added.payload.added
    assert whole.payload.text("zh-CN") == f"启动第{rescue.number}组 {rescue.name_zh}：通知 xfjydd、gaj"


def test_reports_are_due_on_the_playbook_clock_and_late_or_undelivered_is_not_on_time():
    due = upward_phase.due_at(T0, PLAN, 2, time_scale=60.0)
    up = PLAN.upward_reporting
    assert due == T0 + timedelta(minutes=(up.first_report_deadline_min + up.followup_interval_min) / 60.0)
    everyone = list(up.recipients)
    late = upward_phase.report_sent(RUN, PLAN, 2, due=due, reached=everyone, sent=3, now=due + timedelta(seconds=1))
    assert late.result.on_time is False and late.events[0].payload.on_time is False
    assert late.events[0].payload.text("en").startswith("follow-up 1 sent upward")
    in_time = upward_phase.report_sent(RUN, PLAN, 2, due=due, reached=everyone, sent=3, now=due)
    assert in_time.result.on_time is True and in_time.events[0].payload.undelivered == []
    nobody = upward_phase.report_sent(RUN, PLAN, 1, due=due, reached=[], sent=0, now=T0)
    assert nobody.result.on_time is False, "sent in time but delivered to nobody is not on time"
    assert nobody.events[0].payload.undelivered == everyone and nobody.result.failed == len(everyone)


@pytest.mark.parametrize(("key", "label"), [
    (WorkKey(kind=WorkKind.group, name="rescue"), "group:rescue"),
    (WorkKey(kind=WorkKind.group, name="rescue", level="I"), "group:rescue:I"),
    (WorkKey(kind=WorkKind.dispatch), "dispatch"),
    (WorkKey(kind=WorkKind.stand_down, level="III"), "stand-down:III"),
])
def test_work_keys_are_typed_and_labelled_as_the_record_shows_them(key, label):
    assert str(key) == label and WorkKey(**key.model_dump()) == key


def test_texts_pick_their_language():
    assert Texts(zh="抢险救援组", en="rescue").pick("en") == "rescue"
    assert Texts(zh="抢险救援组", en="rescue").pick("zh-CN") == "抢险救援组"


def test_the_live_view_counts_the_incident_s_whole_record_so_a_re_run_agrees(engine):
    from models.events import Resumed
    from parklink.respond_view import _events, counters

    with session_scope(engine) as session:
        session.add(Incident(id=RUN.incident_id, playbook_id="hazmat-leak", playbook_hash="h", level="II",
                             latitude=36.15, longitude=112.27))
    rescue = PLAN.group("rescue")
    first_run = [groups_phase.activation(RUN, rescue, ["xfjydd", "gaj"], commander_unit="ldz", added=False),
                 groups_phase.activation(RUN, rescue, ["gaj"], commander_unit="ldz", added=True),
                 *groups_phase.group_outcome(RUN, rescue, ["xfjydd", "gaj"], [
                     UnitOutcome("xfjydd", UnitStatus.acknowledged, notifications=[1], delivered=1),
                     UnitOutcome("gaj", UnitStatus.unreachable, notifications=[2])], T0).events]
    with session_scope(engine) as session:
        record_events(session=session, incident=RUN.incident_id, events=first_run)
        from models.event_store import last_event_id

        before_rerun = last_event_id(session=session)
        record_events(session=session, incident=RUN.incident_id,
                      events=[Event(key=RUN.key("resumed", "x"), actor="ParkLink", payload=Resumed())])
    found, _names = _events(engine, before_rerun)
    counted = counters(found)
    assert counted["groups"] == 1, "a group activated whole and then for added members counts once"
    assert (counted[UnitStatus.acknowledged], counted[UnitStatus.unreachable]) == (1, 1), \
        "the re-run's view counts what the incident already has, not 0"
