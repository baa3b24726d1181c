"""The after-action assessment: KPIs from raw outcomes, targets, recommendations, rendering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from models.events import UnitStatus
from models.settings import REPO_ROOT
from tasks.assessment import (
    AssessmentInput,
    DispatchFacts,
    GroupFacts,
    ReportFacts,
    UnitFacts,
    assess,
)
from tasks.documents import render_html, render_markdown

T0 = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def sample(**over) -> AssessmentInput:
    groups = [
        GroupFacts("rescue", "抢险救援组", "rescue", at(1), [
            UnitFacts("xfjydd", UnitStatus.acknowledged, at(5), "甲"), UnitFacts("gaj", UnitStatus.acknowledged, at(9), "乙")], 2),
        GroupFacts("medical", "医疗救护和疫情防疫组", "medical & epidemic", at(1), [
            UnitFacts("wjtj", UnitStatus.acknowledged, at(7), "丙"), UnitFacts("jkzx", UnitStatus.escalated, None, None, ["jkzx/丁"]),
            UnitFacts("yljt", UnitStatus.unreachable)], 3, 1),
    ]
    data = AssessmentInput(
        incident="INC-20261129-0001", level="II", reported_at=T0, command_post_at=at(12),
        groups=groups, reports=[ReportFacts(1, at(60), at(30), 3, 3), ReportFacts(2, at(120), at(130), 3, 3)],
        dispatch=DispatchFacts(requested=100, allocated=80, requisitioned=10, shortfall=10, etas_min=[4.0, 6.0],
                                requisitions_by_status={"requested": 2}),
        targets={"command_post_min": 30, "all_groups_ack_min": 15, "first_report_min": 60, "ack_rate": 0.9,
                 "fill_ratio": 0.95},
        time_scale=60.0, escalations=2, failed_notifications=1,
    )
    for k, v in over.items():
        setattr(data, k, v)
    return data


def test_kpis_in_scenario_minutes():
    a = assess(sample())
    k = a.kpis
    assert k["time_to_command_post_min"] == 12.0  # 12 real seconds at time scale 60
    assert k["groups"]["rescue"] == {"first_ack_min": 5.0, "last_ack_min": 9.0, "acknowledged": 2, "units": 2,
                                     "failed": False}
    assert k["all_groups_acknowledged_min"] is None  # two medical units never acknowledged
    assert k["ack_rate"] == 0.6 and k["units_notified"] == 5 and k["unreachable_units"] == 1
    assert k["first_report_min"] == 30.0 and (k["upward_reports"], k["upward_reports_on_time"]) == (2, 1)
    assert k["dispatch_fill_ratio"] == 0.9 and k["mean_eta_min"] == 5.0 and k["requisitions"] == {"requested": 2}


def test_every_missed_target_becomes_a_recommendation():
    a = assess(sample())
    verdict = {c.target: c.met for c in a.checks}
    assert verdict == {"command_post_min": True, "all_groups_ack_min": False, "first_report_min": True,
                       "ack_rate": False, "fill_ratio": False}
    texts = [r.en for r in a.recommendations]
    assert texts[0].startswith("acknowledgement rate missed (was 0.6, target at least 0.9)")
    assert texts[1].startswith("all groups acknowledged (min) missed (was not achieved, target at most 15")
    assert texts[2].startswith("dispatch fill ratio missed (was 0.9, target at least 0.95)")
    assert any("could not be reached" in t for t in texts) and any("shortfall of 10" in t for t in texts)
    assert all(r.zh for r in a.recommendations)


def test_a_report_sent_in_time_that_reached_nobody_is_not_met():
    a = assess(sample(reports=[ReportFacts(1, at(60), at(30), 0, 3, ["yjj", "xzf", "szf"])]))
    assert a.kpis["first_report_min"] is None and a.kpis["upward_reports_on_time"] == 0
    assert a.kpis["undelivered_reports"] == ["1→yjj", "1→xzf", "1→szf"]
    assert {c.target: c.met for c in a.checks}["first_report_min"] is False
    info = a.findings["information"]
    assert info.en.startswith("Information release not met") and "delivered to 0/3" in info.en
    assert "1→xzf" in info.en and info.zh.startswith("信息发布未达标") and "送达接收单位 0/3" in info.zh


def test_unreached_units_are_named_and_the_response_is_not_met():
    a = assess(sample())
    assert a.kpis["unreached"] == ["medical/yljt"] and a.kpis["units_escalated"] == 1
    assert "Nobody answered for: medical/yljt" in a.findings["response"].en
    assert a.findings["response"].zh.startswith("应急响应未达标") and "始终无人应答：medical/yljt" in a.findings["response"].zh


def test_a_clean_response_has_no_recommendations():
    groups = [GroupFacts("rescue", "抢险救援组", "rescue", at(1), [UnitFacts("xfjydd", UnitStatus.acknowledged, at(5), "甲")], 1)]
    a = assess(sample(groups=groups, reports=[ReportFacts(1, at(60), at(30), 3, 3)],
                      dispatch=DispatchFacts(requested=10, allocated=10, etas_min=[3.0])))
    assert all(c.met for c in a.checks) and a.recommendations == []
    assert a.kpis["all_groups_acknowledged_min"] == 5.0


def context(lang="zh-CN", description="管线法兰泄漏 <script>alert(1)</script>"):
    data = sample()
    a = assess(data)
    incident = SimpleNamespace(id=data.incident, drill=True, playbook_id="hazmat-leak", playbook_hash="ab" * 32,
                               level="II", reported_at=T0, latitude=36.15, longitude=112.27, enterprise="qy-ha",
                               chemical="UN1005", deaths=0, injured=3, evacuated=200, loss_cny=1.5e6,
                               description=description, level_reason="重伤 3 人", commander="县应急局局长")
    timeline = [SimpleNamespace(at=at(1), actor="ParkLink", text="启动预案" if lang == "zh-CN" else "playbook launched")]
    return {"incident": incident, "plan_title": "危险化学品泄漏", "enterprise_name": "示例合成氨尿素有限公司",
            "kpis": a.kpis, "checks": a.checks, "findings": a.findings, "recommendations": a.recommendations,
            "groups": data.groups, "timeline": timeline}


def test_markdown_in_both_languages():
    zh = render_markdown(REPO_ROOT / "templates", "assessment", "zh-CN", context())
    assert zh.startswith("# 应急处置评估报告：INC-20261129-0001")
    assert "| 现场指挥部开设用时（分钟） | 12.0 | ≤ 30 | 达标 |" in zh
    assert "| 确认率 | 0.6 | ≥ 0.9 | **未达标** |" in zh
    assert "2026-11-29 10:00:01" in zh  # shown in Asia/Shanghai
    en = render_markdown(REPO_ROOT / "templates", "assessment", "en", context("en"))
    assert en.startswith("# After-action assessment: INC-20261129-0001") and "## 5. Lessons and recommendations" in en


def test_html_escapes_what_operators_typed():
    html = render_html(REPO_ROOT / "templates", "assessment", "zh-CN", context(), title="评估")
    assert "<table>" in html and "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
