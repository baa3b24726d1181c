"""The warn flow on the real Prefect engine (issue 13 items 1, 2, 6): a drill warning at every colour, a raise that
adds only the higher colour's actions, a lower that stands down, a cancel that lifts, a live warning's duty period,
and a re-run that messages nobody twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from models.db import session_scope
from models.duty import DutyEvent
from models.duty_kinds import PeriodKind
from models.notification import Notification
from models.settings import get_settings
from models.types import utcnow
from models.warning import ChangeKind
from models.warning_kinds import Colour, WarningState
from models.warning_store import get_warning, request_change
from tasks.duty.roster_db import special_periods_for
from tasks.response.runtime import library
from tasks.warning.opening import NOT_LINKED
from tasks.warning.rules import actions_for, level_units
from tests.warn_support import by_group, kinds, messages, run_warning, until

pytestmark = [pytest.mark.prefect, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def linked_units(engine) -> set[str]:
    from models.directory import Unit

    with session_scope(engine) as session:
        return {u.code for u in session.exec(select(Unit).where(Unit.active)).all() if u.kind not in NOT_LINKED}


@pytest.mark.parametrize("colour", list(Colour))
def test_a_drill_warning_at_every_colour(prefect_api, cli, engine, monkeypatch, colour):
    cli("init")
    ran = asyncio.run(run_warning(engine, monkeypatch, {"playbook": "hazmat-leak", "colour": colour,
                                                        "enterprise": "qy-ha", "text": "演练：液氨储罐区压力异常"}))
    assert ran.state.is_completed(), ran.state.message
    result = ran.result
    plan = library(get_settings()).resolve("hazmat-leak", "IV")
    expected = [a.id for a in actions_for(plan, colour)]
    assert [a.id for a in result.actions] == expected and all(a.acknowledged for a in result.actions)
    rows = messages(engine, result.warning)
    sent = by_group(rows)
    assert {g.removeprefix("action:") for g in sent if g.startswith("action:")} == set(expected)
    standby = {r.unit for r in rows if r.group == "standby" and r.message_kind == "standby-0"}
    assert standby == (linked_units(engine) if colour >= Colour.yellow else set(level_units(plan, "qy-ha")))
    assert result.standby.units == len(standby) == result.standby.acknowledged
    released = {r.unit for r in rows if r.message_kind == "release-end"}
    assert released == standby  # a drill ends by itself: lifted, everyone released with a notice
    assert result.state is WarningState.lifted and result.drill and result.reached_everyone
    assert result.reserve_check.levels == ["IV", "III", "II", "I"] and result.reserve_check.delivered
    assert result.drill_gateway.messages == sum(r.delivered_at is not None for r in rows) > 0  # only the drill's
    assert kinds(engine, result.warning)[0] == "warning_raised" and "warning_lifted" in kinds(engine, result.warning)
    with session_scope(engine) as session:
        assert session.exec(select(DutyEvent)).all() == []  # a drill rehearses the duty switch, moves no roster


def test_raise_yellow_to_orange_adds_only_oranges_actions_and_cancel_lifts(prefect_api, cli, engine, monkeypatch):
    cli("init")

    async def during(warning_id):
        await until(lambda: len([r for r in messages(engine, warning_id) if r.acked_at]) >= 10)
        with session_scope(engine) as session:
            request_change(session=session, warning_id=warning_id, kind=ChangeKind.raise_, to_colour=Colour.orange)
        await until(lambda: "warning_changed" in kinds(engine, warning_id))
        await until(lambda: {"action:muster-forces", "action:pre-position", "action:check-gas-alarms"}
                    <= {r.group for r in messages(engine, warning_id) if r.acked_at})
        with session_scope(engine) as session:
            request_change(session=session, warning_id=warning_id, kind=ChangeKind.cancel, reason="预警解除")

    ran = asyncio.run(run_warning(engine, monkeypatch, {"playbook": "hazmat-leak", "colour": "yellow"}, hold=True,
                                  during=during))
    assert ran.state.is_completed(), ran.state.message
    result, rows = ran.result, messages(engine, ran.result.warning)
    assert result.colour is Colour.orange and result.state is WarningState.lifted
    sent = by_group(rows)
    for action in ("gather-info", "duty-watch", "check-reserves", "notify-liaisons"):  # yellow's: sent once only
        assert sent[f"action:{action}"] == 1, action
    orange = [r for r in rows if r.group.startswith("action:") and r.message_kind != "action-0" and r.step == 0
              and not r.message_kind.startswith("stand-down")]
    assert sorted(r.group for r in orange) == ["action:check-gas-alarms", "action:muster-forces", "action:pre-position"]
    assert [r.message_kind for r in rows if r.group == "standby" and r.step == 0].count("standby-0") == len(
        linked_units(engine))  # yellow stood everyone by already: orange adds no standby message
    assert not [r for r in rows if r.group == "standby" and r.message_kind not in ("standby-0", "release-end")]
    ended = [k for k in kinds(engine, result.warning) if k == "warning_lifted"]
    assert ended == ["warning_lifted"]
    stood_down = {r.group for r in rows if r.message_kind == "stand-down-end"}
    assert stood_down == {f"action:{a.id}" for a in result.actions}  # every owner told the warning is lifted


def test_lowering_orange_to_blue_releases_the_units_blue_does_not_need(prefect_api, cli, engine, monkeypatch):
    cli("init")

    async def during(warning_id):
        await until(lambda: len([r for r in messages(engine, warning_id) if r.acked_at]) >= 20)
        with session_scope(engine) as session:
            request_change(session=session, warning_id=warning_id, kind=ChangeKind.lower, to_colour=Colour.blue)
        await until(lambda: "warning_changed" in kinds(engine, warning_id))
        with session_scope(engine) as session:
            request_change(session=session, warning_id=warning_id, kind=ChangeKind.cancel)

    ran = asyncio.run(run_warning(engine, monkeypatch, {"playbook": "hazmat-leak", "colour": "orange",
                                                        "enterprise": "qy-ha"}, hold=True, during=during))
    assert ran.state.is_completed(), ran.state.message
    rows = messages(engine, ran.result.warning)
    plan = library(get_settings()).resolve("hazmat-leak", "IV")
    blue_units = set(level_units(plan, "qy-ha"))
    [change] = [r.message_kind for r in rows if r.message_kind.startswith("release-") and r.message_kind != "release-end"][:1]
    released_on_lowering = {r.unit for r in rows if r.message_kind == change}
    assert released_on_lowering == linked_units(engine) - blue_units
    assert {r.unit for r in rows if r.message_kind == "release-end"} == blue_units  # the rest at the end
    dropped = {r.group.removeprefix("action:") for r in rows if r.message_kind == change.replace("release", "stand-down")}
    assert dropped == {a.id for a in actions_for(plan, Colour.orange)} - {a.id for a in actions_for(plan, Colour.blue)}
    assert [a.id for a in ran.result.actions] == [a.id for a in actions_for(plan, Colour.blue)]


def test_a_live_warning_switches_duty_until_it_is_lifted(prefect_api, cli, engine, monkeypatch):
    cli("init")
    seen = {}

    async def during(warning_id):
        await until(lambda: "duty_switched" in kinds(engine, warning_id))
        with session_scope(engine) as session:
            now = utcnow()
            periods = special_periods_for(session=session, settings=get_settings(), start=now,
                                          end=now + timedelta(hours=1))
            seen["during"] = [(p.kind, p.reason) for p in periods if p.kind is PeriodKind.warning]
            request_change(session=session, warning_id=warning_id, kind=ChangeKind.cancel)

    ran = asyncio.run(run_warning(engine, monkeypatch, {"playbook": "fire", "colour": "blue", "enterprise": "qy-jh"},
                                  drill=False, during=during))
    assert ran.state.is_completed(), ran.state.message
    warning_id = ran.result.warning
    assert seen["during"] == [(PeriodKind.warning, f"{warning_id} blue fire")]
    with session_scope(engine) as session:
        [event] = session.exec(select(DutyEvent)).all()
        assert event.source_id == warning_id and event.lifted_at is not None
        assert get_warning(session=session, warning_id=warning_id).state is WarningState.lifted
        assert all(not r.idempotency_key.startswith("drill") for r in session.exec(select(Notification)).all())
    assert ran.result.drill_gateway is None and not ran.result.drill


def test_running_an_ended_warning_again_sends_nothing(prefect_api, cli, engine, monkeypatch):
    cli("init")
    ran = asyncio.run(run_warning(engine, monkeypatch, {"playbook": "fire", "colour": "blue", "enterprise": "qy-jh"}))
    before = len(messages(engine, ran.result.warning))
    from flows.warn import warn

    again = asyncio.run(warn(warning_id=ran.result.warning, drill=True, return_state=True))
    assert again.is_completed() and "ended already" in again.message
    assert len(messages(engine, ran.result.warning)) == before


def test_a_held_drill_warning_expires_on_its_time_scale(prefect_api, cli, engine, monkeypatch):
    cli("init")
    now = utcnow()
    ran = asyncio.run(run_warning(engine, monkeypatch, {"playbook": "fire", "colour": "blue", "enterprise": "qy-jh",
                                                        "onset": now, "expires": now + timedelta(minutes=40)},
                                  hold=True))  # 40 park minutes: 10 s at the tests' scale
    assert ran.state.is_completed(), ran.state.message
    assert ran.result.state is WarningState.expired
    with session_scope(engine) as session:
        row = get_warning(session=session, warning_id=ran.result.warning)
        assert row.lift_reason == "expired" and 8 <= (row.lifted_at - row.raised_at).total_seconds() < 30
    released = {r.unit for r in messages(engine, ran.result.warning) if r.message_kind == "release-end"}
    assert released and released == {r.unit for r in messages(engine, ran.result.warning)
                                     if r.message_kind == "standby-0"}
