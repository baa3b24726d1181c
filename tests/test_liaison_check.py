"""The scheduled liaison check (issue 12 item 5): the `liaison-check` flow on the real Prefect engine, its result kept
and listed, the office told once per check, the head of a unit that failed twice in a row told, the holiday rule."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import date

import pytest
from sqlmodel import select

from models.db import session_scope
from models.directory import Liaison, LiaisonRole, Unit
from models.events import UnitStatus
from models.liaison_check import LiaisonCheckUnit
from models.notification import LiaisonCheck
from tasks.drill.gateway import Behaviour, DrillGateway
from tasks.notify.check_rules import (
    StaleLiaison,
    due_before_holiday,
    failed_twice,
    office_text,
    stale_liaisons,
)
from tasks.web.serving import serve_in_thread
from tests.notify_fixtures import rows

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@dataclass(frozen=True)
class Holiday:  # what tasks.duty.periods.HolidayPeriod offers
    name: str
    first_day: date
    last_day: date


HOLIDAYS = [Holiday("元旦", date(2027, 1, 1), date(2027, 1, 1)), Holiday("春节", date(2027, 2, 6), date(2027, 2, 13)),
            Holiday("国庆节", date(2026, 10, 1), date(2026, 10, 7))]


@pytest.mark.parametrize("today, days, due", [
    (date(2026, 12, 29), 3, "元旦"),  # across the year's end
    (date(2026, 12, 30), 3, None), (date(2026, 12, 28), 3, None),
    (date(2027, 2, 3), 3, "春节"), (date(2027, 2, 6), 0, "春节"), (date(2027, 2, 7), 3, None),  # not inside it
    (date(2026, 9, 24), 7, "国庆节"), (date(2026, 9, 28), 7, None),
])
def test_a_holiday_check_is_due_exactly_n_days_before_the_first_day(today, days, due):
    found = due_before_holiday(today, HOLIDAYS, days)
    assert (found.name if found else None) == due
    assert due_before_holiday(today, [], days) is None


def test_failed_twice_needs_two_unreachable_checks_in_a_row():
    u, a, e = UnitStatus.unreachable, UnitStatus.acknowledged, UnitStatus.escalated
    assert failed_twice({"x": u, "y": u, "z": a}, {"x": u, "y": e, "z": u}) == ["x"]
    assert failed_twice({"x": u}, None) == [] and failed_twice({"x": u}, {}) == []


def test_the_office_reads_each_stale_liaison_once_and_a_long_list_is_cut():
    directory = [StaleLiaison("a", "甲", "never_verified"), StaleLiaison("b", "乙", "verification_stale")]
    silent = [StaleLiaison("a", "甲", "silent"), StaleLiaison("c", None, "no active primary")]
    stale = stale_liaisons(directory, silent)
    assert stale == [StaleLiaison("a", "甲", "silent"), StaleLiaison("b", "乙", "verification_stale"),
                     StaleLiaison("c", None, "no active primary")]
    text = office_text("en", check_id=4, stale=stale, drill=True)
    assert text == ("[Drill] [ParkLink] Liaison check #4: 3 liaison(s) to verify or fix in the directory: "
                    "a/甲(did not answer), b/乙(not verified recently), c/-(no active primary)")
    many = [StaleLiaison(f"u{i:02}", "x", "silent") for i in range(35)]
    assert office_text("en", check_id=1, stale=many, drill=False).endswith("u29/x(did not answer) … and 5 more "
                                                                          "(parklink directory check)")
    assert "联络员" in office_text("zh-CN", check_id=1, stale=many, drill=False)


def small_park(cli, engine, monkeypatch, units: int = 8) -> list[str]:
    """`parklink init`, then only the first `units` units active (and the office): a quick check."""
    assert cli("init").exit_code == 0
    with session_scope(engine) as session:
        kept = []
        for n, unit in enumerate(session.exec(select(Unit).order_by(Unit.code)).all()):
            unit.active = n < units or unit.code == "ldzbgs"
            kept += [unit.code] if unit.active else []
            session.add(unit)
    monkeypatch.setenv("PARKLINK_DRILL_TIME_SCALE", "1200")  # a wait of 1800 park seconds lasts 1.5 s
    return kept


def run_flow(**params):
    from flows.liaison_check import liaison_check

    async def go():
        state = await liaison_check(**params, return_state=True)
        return state, await state.aresult(raise_on_failure=False)

    return asyncio.run(go())


def gateway(answer_rate: float, seed: int = 0) -> DrillGateway:
    return DrillGateway(Behaviour(answer_rate=answer_rate, delay=(0.05, 0.3), error_rate=0.0, seed=seed))


def office_messages(gw: DrillGateway) -> list[dict]:
    return [m for m in gw.snapshot()["messages"] if ":office:stale-liaisons:" in m["key"]]


@SQLITE_ONLY
@pytest.mark.prefect
def test_a_drill_check_is_kept_listed_and_tells_the_office_once(prefect_api, cli, engine, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    units = small_park(cli, engine, monkeypatch)
    gw = gateway(answer_rate=0.5, seed=2)
    with serve_in_thread(gw.app, name="drill gateway") as url:
        monkeypatch.setenv("PARKLINK_DRILL_BASE_URL", url)  # the check's own drill gateway: what it received is read
        out = cli("--lang", "en", "directory", "check", "--live", "--drill", "--wait", "1800", "--json")
        report = json.loads(out.stdout)
        assert out.exit_code == 1 and report["checked"] == len(units) and report["units_unreached"], report
        assert 0 < report["acknowledged"] < len(units) and report["office_notified"] is True
        (office,) = office_messages(gw)
        assert "[Drill]" in office["text"] and all(u["unit"] in office["text"] for u in report["unreachable"])
        (office_row,) = rows(engine, group="office")
        assert office_row.check_id is None, "sent after the check closed: its link can still be acknowledged"

        state, again = run_flow(drill=True, check_id=report["check_id"], lang="en")  # the same check, run again
        assert state.is_completed() and again.report["check_id"] == report["check_id"]
        assert len(office_messages(gw)) == 1, "a re-run of the same check never tells the office twice"
        assert again.report["units_unreached"] == report["units_unreached"]

    listed = json.loads(cli("directory", "checks", "--json").stdout)
    (check,) = listed
    assert check["id"] == report["check_id"] and check["drill"] is True and check["reason"] == "manual"
    assert check["checked"] == len(units) and check["acknowledged"] == report["acknowledged"]
    assert check["units_unreached"] == report["units_unreached"] and check["flow_run_id"]
    assert check["started_at"].endswith("+08:00") and check["finished_at"].endswith("+08:00")
    with session_scope(engine) as session:
        kept = {r.unit: r.status for r in session.exec(select(LiaisonCheckUnit)).all()}
    assert sorted(u for u, s in kept.items() if s is UnitStatus.unreachable) == report["units_unreached"]
    table = cli("--lang", "en", "directory", "checks").stdout
    assert "liaison checks (1)" in table


@pytest.mark.prefect
def test_a_unit_that_failed_two_checks_in_a_row_is_escalated_to_its_head(prefect_api, cli, engine, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    units = small_park(cli, engine, monkeypatch, units=3)
    gw = gateway(answer_rate=0.0)  # nobody answers: every unit fails both checks
    with serve_in_thread(gw.app, name="drill gateway") as url:
        monkeypatch.setenv("PARKLINK_DRILL_BASE_URL", url)
        first_state, first = run_flow(drill=True, wait=1800, reason="weekly")
        assert first_state.is_completed() and first.heads_notified == [], "one failed check is not two"
        second_state, second = run_flow(drill=True, wait=1800, reason="weekly")
        with session_scope(engine) as session:
            heads = {li.unit: li for li in session.exec(select(Liaison).where(Liaison.role == LiaisonRole.head))}
        told = sorted(u for u in units if u in heads)
        assert second_state.is_completed() and second.heads_notified == told and told
        head_msgs = [m for m in gw.snapshot()["messages"] if ":head:failed-twice:" in m["key"]]
        assert sorted(m["key"].split(":")[5] for m in head_msgs) == told
        assert all(m["key"].startswith(f"check:{second.check.id}:") for m in head_msgs)

        third_state, _ = run_flow(drill=True, check_id=second.check.id)  # the same check again: nothing new
        assert third_state.is_completed()
        assert len([m for m in gw.snapshot()["messages"] if ":head:failed-twice:" in m["key"]]) == len(told)
    with session_scope(engine) as session:
        marked = session.exec(select(LiaisonCheckUnit.unit).where(LiaisonCheckUnit.check_id == second.check.id,
                                                                  LiaisonCheckUnit.head_notified)).all()
        reasons = {c.reason for c in session.exec(select(LiaisonCheck)).all()}
    assert sorted(marked) == told and reasons == {"weekly"}
    assert {r.recipient_unit for r in rows(engine, group="head")} == set(told)


@SQLITE_ONLY
@pytest.mark.prefect
def test_a_holiday_check_that_is_not_due_sends_nothing(prefect_api, cli, engine, monkeypatch):
    import flows.liaison_check as module

    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    small_park(cli, engine, monkeypatch, units=2)
    monkeypatch.setattr(module, "today_in_park", lambda: date(2027, 2, 1))
    monkeypatch.setattr(module, "important_holidays", lambda year, settings: [h for h in HOLIDAYS
                                                                               if h.first_day.year == year])
    state, result = run_flow(drill=True, reason="holiday", only_before_holiday=True)
    assert state.is_completed() and state.message.startswith("not due") and result.due is False
    with session_scope(engine) as session:
        assert session.exec(select(LiaisonCheck)).all() == [] and rows(engine) == []

    monkeypatch.setattr(module, "today_in_park", lambda: date(2027, 2, 3))  # 春节 begins on the 6th
    state, result = run_flow(drill=True, wait=600, reason="holiday", only_before_holiday=True)
    assert state.is_completed() and result.due and result.holiday == "春节" and result.check.reason == "holiday"


@SQLITE_ONLY
def test_a_live_check_that_could_not_reach_people_is_refused_before_anything_is_sent(cli, engine, monkeypatch):
    for name in ("PARKLINK_ACK_BASE_URL", "PARKLINK_ACK_SECRET", "PARKLINK_DRILL_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert cli("init").exit_code == 0
    out = cli("--lang", "en", "directory", "check", "--live")
    assert out.exit_code == 2 and out.stderr.startswith("Error: a live run cannot send acknowledgement links")
    with session_scope(engine) as session:
        assert session.exec(select(LiaisonCheck)).all() == []
    assert json.loads(cli("directory", "checks", "--json").stdout) == []


@SQLITE_ONLY
@pytest.mark.prefect
def test_a_holiday_check_tells_the_office_duty_officer_of_the_holidays_gaps_once(prefect_api, cli, engine, monkeypatch):
    """Three days before the 2026 National Day: the office's duty officer of the moment hears that 示例建设工程
    (qy-jz, day cover only) lacks both roles every night of the period; the same check run again sends nothing new."""
    import flows.liaison_check as module
    from models.settings import get_settings
    from models.types import utcnow
    from tasks.duty.roster_db import who

    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    small_park(cli, engine, monkeypatch, units=2)
    with session_scope(engine) as session:
        jz = session.get(Unit, "qy-jz")
        jz.active = True
        session.add(jz)
    monkeypatch.setattr(module, "today_in_park", lambda: date(2026, 9, 28))
    state, result = run_flow(drill=True, wait=600, reason="holiday", only_before_holiday=True)
    assert state.is_completed(), state.message
    assert result.holiday == "国庆节" and result.duty_gaps == 9 * 12 * 2 and result.gaps_notified
    with session_scope(engine) as session:
        [officer] = [w for w in who(session=session, settings=get_settings(), at=utcnow(), unit="ldzbgs")
                     if w.role == "duty_officer"]
    notices = [r for r in rows(engine) if r.message_kind == "duty-gaps"]
    assert [(r.unit, r.liaison_name) for r in notices] == [("ldzbgs", officer.name)]
    assert "国庆节" in notices[0].text and "qy-jz" in notices[0].text and notices[0].delivered_at is not None
    again, _ = run_flow(drill=True, wait=600, reason="holiday", only_before_holiday=True,
                        check_id=result.check.id)
    assert again.is_completed() and [r.id for r in rows(engine) if r.message_kind == "duty-gaps"] == [notices[0].id]
