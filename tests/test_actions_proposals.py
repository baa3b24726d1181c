"""Proposals from assessments (issue 14 item 2): every KPI an assessment marks not met proposes one corrective action,
owned by the unit the KPI points at; assessing again proposes none; the report and the run's result list them."""

from __future__ import annotations

import asyncio
import json
import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models.action import ActionSource, ActionState, CorrectiveAction
from models.db import session_scope
from models.directory import Unit, UnitKind
from models.events import UnitOutcomeEvent, UnitStatus
from models.incident import AssessmentRecord
from models.playbook import load_playbooks
from models.settings import get_settings
from models.types import park_today
from tasks.actions.owners import kpi_owner, worst_group
from tasks.actions.proposals import kpi_actions
from tasks.assessment import GroupFacts, UnitFacts, check_targets, recommendation
from tasks.response.assessing import write_assessment
from tasks.response.run import Run
from tests.respond_support import records, run_drill

LIBRARY = load_playbooks(get_settings().playbooks_dir)
T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
ACK, ESC, NONE = UnitStatus.acknowledged, UnitStatus.escalated, UnitStatus.unreachable


def unit(code: str, status: UnitStatus, second: float | None) -> UnitFacts:
    return UnitFacts(code, status, T0 + timedelta(seconds=second) if second is not None else None)


def group(key: str, *units: UnitFacts) -> GroupFacts:
    return GroupFacts(key, key, key, T0, list(units))


PLAN_II = LIBRARY.resolve("hazmat-leak", "II")
KNOWN = {u for g in PLAN_II.groups for u in g.units} | {"ldzbgs", "qy-ha"}


@pytest.mark.parametrize("groups, worst", [
    ([group("rescue", unit("a", ACK, 5), unit("b", NONE, None)), group("medical", unit("c", ACK, 9))], "rescue"),
    ([group("rescue", unit("a", ACK, 5), unit("b", ESC, 30)), group("medical", unit("c", ACK, 9),
                                                                        unit("d", ESC, 20))], "rescue"),  # later
    ([group("rescue", unit("a", ACK, 5)), group("medical", unit("c", ACK, 5))], "rescue"),  # the plan's order
    ([group("rescue", unit("a", ACK, 5)), group("medical")], "medical"),  # no outcome at all: none acknowledged
    ([group("rescue", unit("a", ESC, 5)), group("medical", unit("c", ESC, None))], "medical"),  # never: latest
])
def test_the_group_that_did_worst(groups, worst):
    assert worst_group(groups).key == worst
    assert worst_group([]) is None


def test_each_target_points_at_its_unit():
    groups = [group("rescue", unit("xfjydd", ACK, 5)), group("medical", unit("wjtj", NONE, None))]

    def owner(target, plan=PLAN_II, groups=groups, enterprise="qy-ha", known=KNOWN):
        return kpi_owner(target, plan=plan, groups=groups, enterprise=enterprise, known=known)

    assert owner("command_post_min") == owner("first_report_min") == owner("other") == "ldzbgs"
    assert owner("all_groups_ack_min") == owner("ack_rate") == PLAN_II.group("medical").lead == "wjtj"
    assert owner("first_dispatch_min") == owner("fill_ratio") == PLAN_II.group("logistics").lead == "fgj"
    level_iv = LIBRARY.resolve("hazmat-leak", "IV")  # no logistics group at level IV: the office
    assert "logistics" not in level_iv.group_keys and owner("fill_ratio", plan=level_iv) == "ldzbgs"
    assert owner("ack_rate", known=KNOWN - {"wjtj"}) == "ldzbgs", "a lead the directory lacks: the office"
    assert owner("ack_rate", groups=[]) == "ldzbgs"
    with_enterprise = PLAN_II.model_copy(update={"groups": [
        g.model_copy(update={"lead": "incident_enterprise"}) if g.key == "medical" else g for g in PLAN_II.groups]})
    assert owner("ack_rate", plan=with_enterprise) == "qy-ha"
    assert owner("ack_rate", plan=with_enterprise, enterprise=None) == "ldzbgs"


def test_an_assessment_proposes_once_per_missed_target_on_both_backends(engine):
    with session_scope(engine) as session:
        session.add_all([Unit(code=c, name_zh=c, kind=UnitKind.office if c == "ldzbgs" else UnitKind.other)
                         for c in ("ldzbgs", "xfjydd", "wjtj", "fgj")])
    checks = check_targets({"time_to_command_post_min": 45.0, "all_groups_acknowledged_min": None,
                            "first_report_min": 20.0, "time_to_dispatch_min": 50.0},
                           {"command_post_min": 30, "all_groups_ack_min": 15, "first_report_min": 60,
                            "first_dispatch_min": 30})
    groups = [group("rescue", unit("xfjydd", ACK, 5)), group("medical", unit("wjtj", NONE, None))]
    run = Run(incident_id="INC-20261201-0009", playbook="hazmat-leak", level="II", lang="en", enterprise="qy-ha")
    settings = get_settings(action_due_days=10)
    for _ in range(2):  # assessed twice: the same three actions
        with session_scope(engine) as session:
            lines = kpi_actions(session, run=run, plan=PLAN_II, checks=checks, groups=groups, settings=settings)
    assert [(a.target, a.owner, a.state) for a in sorted(lines, key=lambda a: a.target)] == [
        ("all_groups_ack_min", "wjtj", ActionState.proposed), ("command_post_min", "ldzbgs", ActionState.proposed),
        ("first_dispatch_min", "fgj", ActionState.proposed)]
    assert all(a.due == park_today() + timedelta(days=10) for a in lines)
    with session_scope(engine) as session:
        rows = list(session.exec(select(CorrectiveAction)).all())
        read = kpi_actions(session, run=run, plan=PLAN_II, checks=checks, groups=groups, settings=settings,
                           propose=False)
    assert sorted(r.id for r in rows) == sorted(a.id for a in lines) == sorted(a.id for a in read)
    assert {r.source for r in rows} == {ActionSource.incident}, "a real response's findings"
    assert {r.text for r in rows if r.kpi == "command_post_min"} == {
        "command post set up (min) missed (was 45.0, target at most 30): find the cause and re-test it in the next "
        "drill."}
    assert {a.label.zh for a in lines if a.target == "command_post_min"} == {"现场指挥部开设用时（分钟）"}


def expected_owner(target: str, plan, events) -> str:
    """The mapping restated from the record: the worst group by share acknowledged, then the latest answer."""
    if target in ("command_post_min", "first_report_min"):
        return plan.office_unit
    if target in ("first_dispatch_min", "fill_ratio"):
        return next((g.lead for g in plan.groups if g.key == "logistics"), plan.office_unit)
    outcomes = [e.payload for e in events if isinstance(e.payload, UnitOutcomeEvent)]

    def standing(indexed):
        order, g = indexed
        mine = [o for o in outcomes if o.group == g.key]
        share = sum(o.status is ACK for o in mine) / len(mine) if mine else 0.0
        last = max((o.acked_at.timestamp() if o.acked_at else math.inf for o in mine), default=math.inf)
        return share, -last, order

    return min(enumerate(plan.groups), key=standing)[1].lead


INCIDENT = {"enterprise": "qy-ha", "injured": 1, "incident_id": "INC-ACT-0001", "description": "演练：液氨管线泄漏"}


@pytest.mark.prefect
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_drill_with_few_answers_proposes_actions_owned_where_the_kpis_point(prefect_api, cli, engine, monkeypatch):
    assert cli("init").exit_code == 0
    monkeypatch.setenv("PARKLINK_ACTION_DUE_DAYS", "21")
    drill = asyncio.run(run_drill(engine, monkeypatch, "hazmat-leak", INCIDENT, level="III", seed=4,
                                  answer_rate=0.2))
    assert drill.state.is_completed(), drill.state.message
    assessment = drill.result.assessment
    checks = {c.target: c for c in assessment.checks}
    missed = {c.target for c in assessment.checks if not c.met}
    assert "all_groups_ack_min" in missed, "few answered: not every group acknowledged"
    with session_scope(engine) as session:
        actions = list(session.exec(select(CorrectiveAction).order_by(CorrectiveAction.id)).all())
        stored = session.exec(select(AssessmentRecord).where(AssessmentRecord.incident == "INC-ACT-0001")).one()
    assert {a.kpi for a in actions} == missed and len(actions) == len(missed), "one action per KPI not met"
    assert sorted(assessment.actions) == [a.id for a in actions]
    assert json.loads(drill.result.model_dump_json())["assessment"]["actions"] == assessment.actions
    plan = LIBRARY.resolve("hazmat-leak", "III")
    events = records(engine, "INC-ACT-0001")["events"]
    for action in actions:
        assert action.key == f"INC-ACT-0001:kpi:{action.kpi}" and action.source is ActionSource.drill
        assert action.source_id == "INC-ACT-0001" and action.state is ActionState.proposed
        assert action.due == park_today() + timedelta(days=21)
        assert action.owner == expected_owner(action.kpi, plan, events), action.kpi
        assert action.text == recommendation(checks[action.kpi]).zh  # the run's language
    assert "### 整改措施" in stored.markdown and all(a.id in stored.markdown for a in actions)
    assert "待确认" in stored.markdown

    run = Run(incident_id="INC-ACT-0001", playbook="hazmat-leak", level="III", drill=True, enterprise="qy-ha",
              time_scale=120.0)
    again = write_assessment(engine, get_settings(), run, plan)  # the assessment once more: no new action
    with session_scope(engine) as session:
        assert [a.id for a in session.exec(select(CorrectiveAction).order_by(CorrectiveAction.id)).all()] == [
            a.id for a in actions]
    assert sorted(again.actions) == sorted(assessment.actions)

    english = cli("--lang", "en", "report", "INC-ACT-0001")  # rendered again, in English: listed, nothing written
    assert english.exit_code == 0 and "### Corrective actions" in english.stdout
    assert all(a.id in english.stdout for a in actions) and "proposed" in english.stdout
    listed = json.loads(cli("actions", "list", "--source", "drill", "--state", "proposed", "--json").stdout)
    assert [a["id"] for a in listed] == [a.id for a in sorted(actions, key=lambda a: (a.due, a.id))]
