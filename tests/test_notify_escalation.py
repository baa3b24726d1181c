"""Waiting for acknowledgements and escalating the silent: deputy → duty officer → unit head → office duty officer.

Acknowledgements travel the real way: a "person" watching the drill gateway posts to the acknowledgement
service over loopback HTTP, and the waiting group finds it in the database.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlmodel import select

from models.db import session_scope
from models.directory import Liaison
from models.duty import DutyRole
from models.errors import InputError
from models.types import utcnow
from tasks.drill.environment import drill_environment
from tasks.duty.roster_db import duty_liaison
from tasks.notify import Message, notify_units, parse_chain
from tests.notify_fixtures import fast_settings, rows

MESSAGE = Message("activate", "抢险救援组启动，请立即报到")

# Backend-neutral behaviour: SQLite alone keeps the suite quick (PostgreSQL runs the rest).
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def people(engine) -> dict[tuple[str, str], Liaison]:
    with session_scope(engine) as session:
        return {(li.unit, str(li.role)): li for li in session.exec(select(Liaison).where(Liaison.active))}


async def respond(gw, answers: dict[tuple[str, int], int]) -> None:
    """Acknowledge, through the JSON API, each message whose (subject unit, recipient liaison id) is listed."""
    done: set[str] = set()
    async with httpx.AsyncClient() as client:
        while True:
            for m in list(gw.messages):
                parts = m["key"].split(":")  # kind:context:group:message:step:unit:liaison
                who = (parts[5], int(parts[6]))
                if who in answers and m["key"] not in done:
                    done.add(m["key"])
                    resp = await client.post(m["ack_url"].replace("/ack/", "/api/ack/"),
                                             json={"eta_min": answers[who], "note": "收到"})
                    assert resp.status_code == 200, resp.text
            await asyncio.sleep(0.02)


async def run_group(engine, settings, units, answers, time_scale=60, **kw):
    async with drill_environment(engine, settings, answer_rate=0.0, time_scale=time_scale) as drill:
        responder = asyncio.create_task(respond(drill.gateway, answers))
        try:
            outcomes = await asyncio.wait_for(notify_units(
                engine, context_kind="incident", context_id="inc-7", group="g2", units=units, message=MESSAGE,
                deadline_s=60, settings=drill.settings, **kw), timeout=60)
            again = await notify_units(engine, context_kind="incident", context_id="inc-7", group="g2", units=units,
                                       message=MESSAGE, deadline_s=60, settings=drill.settings, **kw)
        finally:
            responder.cancel()
        return outcomes, again, drill.gateway.snapshot()


def office_duty_officer(engine) -> Liaison:
    with session_scope(engine) as session:
        found = duty_liaison(session=session, unit="ldzbgs", role=DutyRole.duty_officer, at=utcnow())
    assert found is not None, "the sample office's roster covers every hour"
    return found


def test_silent_units_escalate_in_order(cli, engine):
    """The default chain deputy,duty,head,office_duty: county departments keep no roster, so their `duty` step
    is skipped (a problem line) and the office's duty officer of the moment ends the chain."""
    assert cli("init").exit_code == 0
    p = people(engine)
    office = office_duty_officer(engine)
    answers = {("yjj", p[("yjj", "primary")].id): 15,      # answers at once
               ("gxj", p[("gxj", "deputy")].id): 30,       # the deputy answers for a silent primary
               ("mzj", office.id): 5}                      # nobody at mzj; the office's duty officer answers
    outcomes, again, seen = asyncio.run(run_group(engine, fast_settings(ack_base_url=None),
                                                  ["yjj", "gxj", "mzj", "czj"], answers))
    by_unit = {o.unit: o for o in outcomes}

    yjj = by_unit["yjj"]
    assert yjj.status == "acknowledged" and yjj.acked_by.name == p[("yjj", "primary")].name
    assert yjj.eta_min == 15 and yjj.note == "收到" and yjj.acked_at and yjj.escalated_to == []

    gxj = by_unit["gxj"]
    assert gxj.status == "escalated" and gxj.acked_by.role == "deputy" and gxj.eta_min == 30
    assert [(e.unit, e.role) for e in gxj.escalated_to] == [("gxj", "deputy")]

    mzj = by_unit["mzj"]
    assert mzj.status == "escalated" and (mzj.acked_by.unit, mzj.acked_by.name) == ("ldzbgs", office.name)
    assert [(e.unit, e.role, e.step) for e in mzj.escalated_to] == [
        ("mzj", "deputy", 1), ("mzj", "head", 3), ("ldzbgs", "duty_staff", 4)]
    assert "duty: nobody on duty" in mzj.problems

    czj = by_unit["czj"]
    assert czj.status == "unreachable" and czj.acked_by is None
    assert [(e.unit, e.role, e.name) for e in czj.escalated_to] == [
        ("czj", "deputy", p[("czj", "deputy")].name), ("czj", "head", p[("czj", "head")].name),
        ("ldzbgs", "duty_staff", office.name)]
    assert all(e.delivered for e in czj.escalated_to)

    # Each step is a recorded notification pointing at the one before; the escalation says who was silent.
    chain = rows(engine, context_id="inc-7", unit="czj")
    assert [(r.step, r.escalation_target) for r in chain] == [(0, "primary"), (1, "deputy"), (3, "head"),
                                                                 (4, "office_duty")]
    assert [r.parent_id for r in chain] == [None] + [r.id for r in chain[:-1]]
    assert all("【升级】" in r.text and p[("czj", "primary")].name in r.text for r in chain[1:])

    # A re-run finds every row and acknowledgement: same outcomes, no new row, nothing sent again.
    assert [(o.unit, o.status, o.acked_by, [e.notification_id for e in o.escalated_to]) for o in again] == \
           [(o.unit, o.status, o.acked_by, [e.notification_id for e in o.escalated_to]) for o in outcomes]
    assert len(rows(engine, context_id="inc-7")) == 1 + 2 + 4 + 4 == len(seen["messages"])
    assert not any(m["duplicate"] for m in seen["messages"])


@SQLITE_ONLY
def test_undeliverable_primary_escalates_at_once(cli, engine):
    """No usable channel for the primary: the deputy is messaged without waiting out the deadline."""
    assert cli("init").exit_code == 0
    with session_scope(engine) as session:
        primary = session.exec(select(Liaison).where(Liaison.unit == "gxj", Liaison.role == "primary")).one()
        primary.channels, primary.wecom = "wecom", None
        session.add(primary)
    deputy = people(engine)[("gxj", "deputy")]
    settings = fast_settings(ack_base_url=None)

    async def go():
        async with drill_environment(engine, settings, answer_rate=0.0, time_scale=1) as drill:
            responder = asyncio.create_task(respond(drill.gateway, {("gxj", deputy.id): 0}))
            try:  # the deadline is an hour: only an immediate escalation finishes within the guard
                return await asyncio.wait_for(notify_units(
                    engine, context_kind="incident", context_id="inc-8", group="g2", units=["gxj"], message=MESSAGE,
                    deadline_s=3600, settings=drill.settings), timeout=30)
            finally:
                responder.cancel()

    [out] = asyncio.run(go())
    assert out.status == "escalated" and out.acked_by.role == "deputy"
    assert out.problems == ["primary: wecom: the liaison has no wecom address"]


@SQLITE_ONLY
def test_chain_from_the_caller(cli, engine):
    assert cli("init").exit_code == 0
    outcomes, _again, seen = asyncio.run(run_group(engine, fast_settings(ack_base_url=None), ["czj"], {},
                                                   time_scale=600, escalation=["head", "yjj/deputy"]))
    assert [(e.unit, e.role) for e in outcomes[0].escalated_to] == [("czj", "head"), ("yjj", "deputy")]
    assert len(seen["messages"]) == 3


def test_bad_chain_and_unknown_unit_are_refused():
    with pytest.raises(InputError, match=r"unknown step\(s\) boss, nowhere/head; a step is a role"):
        parse_chain(["deputy", "boss", "nowhere/head", "ldzbgs/head"], known_units={"ldzbgs"})
    assert parse_chain("deputy, head ,ldzbgs", known_units={"ldzbgs"}) == ["deputy", "head", "ldzbgs"]


@SQLITE_ONLY
def test_unknown_unit_is_refused_before_anything_is_sent(cli, engine):
    assert cli("init").exit_code == 0
    with pytest.raises(InputError, match="unknown unit\\(s\\) nope"):
        asyncio.run(notify_units(engine, context_kind="incident", context_id="x", group="", units=["yjj", "nope"],
                                 message=MESSAGE, deadline_s=1, settings=fast_settings()))
    assert rows(engine) == []


@SQLITE_ONLY
def test_each_step_waits_its_own_after_min_from_the_previous_delivery(cli, engine):
    """The playbook's clock: deputy 1 park-minute after the primary's delivery, head 3 after the deputy's,
    the office 2 after the head's — not the group's whole deadline first, not the smallest step for all."""
    from models.notification import Notification

    assert cli("init").exit_code == 0
    outcomes, _again, _seen = asyncio.run(run_group(
        engine, fast_settings(ack_base_url=None), ["czj"], {}, time_scale=60,
        escalation=["deputy", "head", "ldzbgs"], waits_s=[60, 180, 120]))
    assert outcomes[0].status == "unreachable"
    with session_scope(engine) as session:
        sent = session.exec(select(Notification).where(Notification.context_id == "inc-7", Notification.unit == "czj")
                            .order_by(Notification.step)).all()
    assert [n.step for n in sent] == [0, 1, 2, 3]
    gaps = [(b.delivered_at - a.delivered_at).total_seconds() for a, b in zip(sent, sent[1:], strict=False)]
    for gap, wanted in zip(gaps, [60, 180, 120], strict=True):  # at time scale 60 a park minute is a real second
        assert wanted / 60 <= gap < wanted / 60 + 0.75, (gaps, "each step after its own wait")
