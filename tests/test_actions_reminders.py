"""The reminder flow (issue 14 item 3): an action due in 7 days reminds its owner, an overdue one is escalated to the
owner's head and then the office, on a drill's gateway and in the notifications table; the same day again sends
nothing new; a week later the overdue one is escalated again; a live run is refused where a drill gateway is set."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import date, timedelta

import httpx
import pytest
from sqlmodel import select

from models.action import ActionSource, ActionState
from models.action_store import add_action, complete_action, get_action, propose_action
from models.db import session_scope
from models.notification import ContextKind, Notification
from models.types import park_today
from tasks.actions.stages import overdue_kind, reminder_kind
from tasks.drill.gateway import Behaviour, DrillGateway
from tasks.web.serving import serve_in_thread
from tests.conftest import REPO

D = date(2026, 12, 31)


@pytest.mark.parametrize("today, kind", [
    (D - timedelta(days=8), None), (D - timedelta(days=7), "remind-7"), (D - timedelta(days=5), "remind-7"),
    (D - timedelta(days=1), "remind-1"), (D, "remind-1"), (D + timedelta(days=1), None),
])
def test_a_reminder_is_due_from_its_day_on(today, kind):
    assert reminder_kind(D, today, (7, 1)) == kind
    assert reminder_kind(D, today, ()) is None


@pytest.mark.parametrize("late, kind", [(0, None), (-3, None), (1, "overdue-0"), (7, "overdue-0"), (8, "overdue-7"),
                                        (14, "overdue-7"), (15, "overdue-14")])
def test_an_overdue_action_is_escalated_the_day_after_and_every_7_days(late, kind):
    assert overdue_kind(D, D + timedelta(days=late)) == kind


def test_the_reminders_are_deployed_every_day_at_0930():
    from flows.action_reminders import action_reminders
    from parklink.deploy import CronSpec, load_specs

    (spec,) = [s for s in load_specs(REPO / "prefect.yaml") if s.name == "action-reminders"]
    assert spec.entrypoint == "flows/action_reminders.py:action_reminders" and action_reminders.name == spec.name
    assert spec.pool == "parklink" and spec.tags == ["parklink", "standing"] and spec.concurrency_limit == 1
    assert spec.crons == (CronSpec("30 9 * * *", "Asia/Shanghai", ()),) and spec.parameters == {}


def run_flow(**params):
    from flows.action_reminders import action_reminders

    async def go():
        state = await action_reminders(**params, return_state=True)
        return state, await state.aresult(raise_on_failure=False)

    return asyncio.run(go())


def action_rows(engine, action_id: str) -> list[Notification]:
    with session_scope(engine) as session:
        return list(session.exec(select(Notification).where(Notification.context_kind == ContextKind.action,
                                                            Notification.context_id == action_id)
                                 .order_by(Notification.id)).all())


@pytest.mark.prefect
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_owners_reminded_the_overdue_escalated_to_head_then_office_once_a_day(prefect_api, cli, engine,
                                                                            monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    monkeypatch.setenv("PARKLINK_ACK_POLL_S", "0.05")
    assert cli("init").exit_code == 0
    today = park_today()
    with session_scope(engine) as session:
        soon = add_action(session=session, key="MTG-1:r1", source=ActionSource.meeting, source_id="MTG-1",
                          text="修订危化品仓库应急预案", owner="xfjydd", due=today + timedelta(days=7)).id
        late = add_action(session=session, key="INC-1:kpi:first_dispatch_min", source=ActionSource.incident,
                          source_id="INC-1", text="物资调拨超时：查明原因", owner="fgj",
                          due=today - timedelta(days=1)).id
        propose_action(session=session, key="INC-1:kpi:x", source=ActionSource.incident, source_id="INC-1",
                       text="待确认的不提醒", owner="yqpcs", due=today + timedelta(days=7))
        closed = add_action(session=session, key="INC-1:done", source=ActionSource.incident, source_id="INC-1",
                            text="已完成的不督办", owner="yqpcs", due=today - timedelta(days=3))
        complete_action(session=session, action_id=closed.id, evidence="ok")

    gw = DrillGateway(Behaviour(answer_rate=0.0, delay=(0.0, 0.0), error_rate=0.0))  # nobody answers
    with serve_in_thread(gw.app, name="drill gateway") as url:
        monkeypatch.setenv("PARKLINK_DRILL_BASE_URL", url)  # the drill's gateway: what it received is read
        state, result = run_flow(drill=True, time_scale=3600.0)
        assert state.is_completed(), state.message
        assert (result.today, result.reminded, result.escalated) == (today, [soon], [late])
        assert result.overdue == result.marked_overdue == [late]
        with session_scope(engine) as session:
            assert get_action(session=session, action_id=late).state is ActionState.overdue
            assert get_action(session=session, action_id=soon).state is ActionState.open

        (reminder,) = action_rows(engine, soon)
        assert (reminder.message_kind, reminder.group, reminder.recipient_unit, reminder.liaison_role) == (
            "remind-7", "drill-reminder", "xfjydd", "primary")
        assert reminder.delivered_at and "【演练】整改提醒" in reminder.text and "还有 7 天" in reminder.text
        chase = action_rows(engine, late)
        assert [(n.message_kind, n.group, n.step, n.recipient_unit, n.liaison_role) for n in chase] == [
            ("overdue-0", "drill-overdue", 0, "fgj", "primary"), ("overdue-0", "drill-overdue", 1, "fgj", "head"),
            ("overdue-0", "drill-overdue", 2, "ldzbgs", "primary")], "the owner, its head, then the office"
        assert all(n.delivered_at for n in chase) and "逾期 1 天" in chase[0].text and "/ack/" in chase[0].text
        (notice,) = [n for n in result.notices if n.action == late]
        assert notice.status.value == "unreachable" and len(notice.escalated_to) == 2
        received = Counter(m["key"] for m in gw.snapshot()["messages"])
        assert set(received) == {n.idempotency_key for n in [reminder, *chase]} and set(received.values()) == {1}

        again = cli("actions", "remind", "--drill", "--time-scale", "3600", "--json")  # the same day: nothing new
        assert again.exit_code == 0, again.stderr
        data = json.loads(again.stdout)
        assert (data["reminded"], data["escalated"], data["overdue"]) == ([], [], [late])
        assert len(gw.snapshot()["messages"]) == 4 and len(action_rows(engine, late)) == 3

        week = (today + timedelta(days=7)).isoformat()  # a week on: due day of the first, 8 days late the second
        later = cli("--lang", "en", "actions", "remind", "--today", week, "--drill", "--time-scale", "3600")
        assert later.exit_code == 0, later.stderr
        assert "1 reminded, 1 escalated, 1 overdue" in " ".join(later.stdout.split())
        assert [n.message_kind for n in action_rows(engine, soon)] == ["remind-7", "remind-1"]
        assert "Reminder" in action_rows(engine, soon)[1].text and "due today" in action_rows(engine, soon)[1].text
        assert [n.message_kind for n in action_rows(engine, late)][3:] == ["overdue-7"] * 3
        with session_scope(engine) as session:  # overdue as of the real day only: the first is not, yet
            assert get_action(session=session, action_id=soon).state is ActionState.open

        shown = json.loads(cli("actions", "show", late, "--json").stdout)
        assert [(m["kind"], m["unit"], m["status"]) for m in shown["messages"]][:3] == [
            ("overdue-0", "fgj", "delivered"), ("overdue-0", "fgj", "delivered"), ("overdue-0", "ldzbgs", "delivered")]

        live = cli("actions", "remind", "--time-scale", "3600", "--json")  # a drill gateway here: a drill
        assert live.exit_code == 0 and json.loads(live.stdout)["drill"] is True, live.stderr
        state, refused = run_flow(drill=False)
        assert state.is_failed() and "a live run never sends to a drill gateway" in state.message
    refused = cli("actions", "remind", "--answer-rate", "0.5")
    assert refused.exit_code == 2 and refused.stderr.startswith("Error: --answer-rate and --seed go with --drill")
    assert cli("actions", "remind", "--today", "2026-02-30").exit_code == 2


async def acknowledge_overdue(gateway, note: str) -> None:
    """The owner's primary liaison answers the overdue notice through its link (the JSON API)."""
    async with httpx.AsyncClient() as client:
        while True:
            for m in list(gateway.messages):
                if ":overdue-" in m["key"] and m["key"].split(":")[4] == "0":
                    resp = await client.post(m["ack_url"].replace("/ack/", "/api/ack/"), json={"note": note})
                    assert resp.status_code == 200, resp.text
                    return
            await asyncio.sleep(0.02)


@pytest.mark.prefect
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_owner_who_acknowledges_the_overdue_notice_stops_the_chase(prefect_api, cli, engine, monkeypatch):
    from flows.action_reminders import action_reminders

    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    monkeypatch.setenv("PARKLINK_ACK_POLL_S", "0.05")
    assert cli("init").exit_code == 0
    with session_scope(engine) as session:
        late = add_action(session=session, key="MTG-2:r3", source=ActionSource.meeting, source_id="MTG-2",
                          text="Drill the night shift", owner="fgj", due=park_today() - timedelta(days=8)).id
    gw = DrillGateway(Behaviour(answer_rate=0.0, delay=(0.0, 0.0), error_rate=0.0))

    async def go():
        answer = asyncio.ensure_future(acknowledge_overdue(gw, "收到，本周完成"))
        state = await action_reminders(drill=True, time_scale=600.0, lang="en", return_state=True)
        await answer
        return state, await state.aresult(raise_on_failure=False)

    with serve_in_thread(gw.app, name="drill gateway") as url:
        monkeypatch.setenv("PARKLINK_DRILL_BASE_URL", url)
        state, result = asyncio.run(go())
    assert state.is_completed(), state.message
    (notice,) = result.notices
    assert (notice.kind, notice.status.value, notice.escalated_to) == ("overdue-7", "acknowledged", [])
    assert result.escalated == [late] and notice.acked_by.startswith("fgj/")
    (row,) = action_rows(engine, late)
    assert row.acked_at and row.ack_note == "收到，本周完成" and "8 day(s) overdue" in row.text
