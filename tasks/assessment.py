"""The after-action assessment (pure): KPIs against the playbook's targets, findings, recommendations.

生产安全事故应急处置评估暂行办法 (2014; domain-notes §4): the government side is assessed on its response,
its command of the rescue, the execution of measures and the release of information. Every missed target
becomes a recommendation. Times are scenario minutes: in a drill run at time scale X, one real second
counts X seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from statistics import mean


@dataclass
class UnitResult:
    unit: str
    outcome: str  # acknowledged | escalated | unreachable
    acked_at: datetime | None = None
    acked_by: str | None = None
    escalated_to: list[str] = field(default_factory=list)


@dataclass
class GroupResult:
    key: str
    name_zh: str
    name_en: str
    activated_at: datetime | None
    units: list[UnitResult]
    notified: int = 0
    failed: int = 0
    error: str | None = None


@dataclass
class ReportResult:
    seq: int
    due_at: datetime
    sent_at: datetime | None


@dataclass
class DispatchResult:
    requested: int = 0
    allocated: int = 0
    requisitioned: int = 0
    shortfall: int = 0
    etas_min: list[float] = field(default_factory=list)
    requisitions_by_status: dict[str, int] = field(default_factory=dict)


@dataclass
class AssessmentInput:
    incident: str
    level: str
    reported_at: datetime
    command_post_at: datetime | None
    groups: list[GroupResult]
    reports: list[ReportResult]
    dispatch: DispatchResult
    targets: dict[str, float]
    time_scale: float = 1.0
    dispatched_at: datetime | None = None
    escalations: int = 0
    failed_notifications: int = 0


@dataclass
class Assessment:
    kpis: dict[str, object]
    checks: list[dict]
    findings: dict[str, dict[str, str]]
    recommendations: list[dict[str, str]]


def _minutes(start: datetime, end: datetime | None, scale: float) -> float | None:
    if end is None:
        return None
    return round((end - start).total_seconds() * scale / 60.0, 2)


def compute_kpis(data: AssessmentInput) -> dict[str, object]:
    t0, scale = data.reported_at, data.time_scale
    groups = {}
    all_units = [u for g in data.groups for u in g.units]
    for g in data.groups:
        acks = sorted(u.acked_at for u in g.units if u.acked_at)
        groups[g.key] = {
            "first_ack_min": _minutes(t0, acks[0], scale) if acks else None,
            "last_ack_min": _minutes(t0, acks[-1], scale) if acks else None,
            "acknowledged": sum(u.outcome == "acknowledged" for u in g.units),
            "units": len(g.units),
            "failed": bool(g.error),
        }
    every_unit_acked = bool(all_units) and all(u.acked_at for u in all_units)
    last_acks = [v["last_ack_min"] for v in groups.values() if v["last_ack_min"] is not None]
    first_report = next((r for r in sorted(data.reports, key=lambda r: r.seq) if r.seq == 1), None)
    on_time = [r for r in data.reports if r.sent_at is not None and r.sent_at <= r.due_at]
    d = data.dispatch
    return {
        "time_to_command_post_min": _minutes(t0, data.command_post_at, scale),
        "time_to_dispatch_min": _minutes(t0, data.dispatched_at, scale),
        "all_groups_acknowledged_min": max(last_acks) if every_unit_acked and last_acks else None,
        "groups": groups,
        "ack_rate": round(sum(u.outcome == "acknowledged" for u in all_units) / len(all_units), 3) if all_units else None,
        "units_notified": len(all_units),
        "escalations": data.escalations,
        "unreachable_units": sum(u.outcome == "unreachable" for u in all_units),
        "failed_notifications": data.failed_notifications,
        "failed_groups": [k for k, v in groups.items() if v["failed"]],
        "first_report_min": _minutes(t0, first_report.sent_at, scale) if first_report else None,
        "upward_reports": len(data.reports),
        "upward_reports_on_time": len(on_time),
        "dispatch_requested": d.requested,
        "dispatch_fill_ratio": round((d.allocated + d.requisitioned) / d.requested, 3) if d.requested else None,
        "dispatch_shortfall": d.shortfall,
        "mean_eta_min": round(mean(d.etas_min), 1) if d.etas_min else None,
        "requisitions": dict(sorted(d.requisitions_by_status.items())),
    }


# target name → (KPI, "max" = must not exceed | "min" = must reach, zh label, en label)
TARGETS = {
    "command_post_min": ("time_to_command_post_min", "max", "现场指挥部开设用时（分钟）", "command post set up (min)"),
    "all_groups_ack_min": ("all_groups_acknowledged_min", "max", "各工作组全部确认用时（分钟）",
                           "all groups acknowledged (min)"),
    "first_report_min": ("first_report_min", "max", "首报用时（分钟）", "first upward report (min)"),
    "first_dispatch_min": ("time_to_dispatch_min", "max", "物资调拨完成用时（分钟）", "dispatch committed (min)"),
    "ack_rate": ("ack_rate", "min", "确认率", "acknowledgement rate"),
    "fill_ratio": ("dispatch_fill_ratio", "min", "物资满足率", "dispatch fill ratio"),
}


def check_targets(kpis: dict[str, object], targets: dict[str, float]) -> list[dict]:
    checks = []
    for name, target in sorted(targets.items()):
        if name not in TARGETS:
            continue
        kpi, sense, zh, en = TARGETS[name]
        value = kpis.get(kpi)
        met = value is not None and (value <= target if sense == "max" else value >= target)
        checks.append({"target": name, "kpi": kpi, "label_zh": zh, "label_en": en, "value": value,
                       "threshold": target, "sense": sense, "met": met})
    return checks


def assess(data: AssessmentInput) -> Assessment:
    kpis = compute_kpis(data)
    checks = check_targets(kpis, data.targets)
    missed = [c for c in checks if not c["met"]]
    recommendations = [_recommend(c) for c in missed]
    if kpis["unreachable_units"]:
        recommendations.append({
            "zh": f"有 {kpis['unreachable_units']} 个单位始终联系不上：核实其联络员、值班电话与备用渠道，并开展通讯录联络测试。",
            "en": f"{kpis['unreachable_units']} unit(s) could not be reached at all: verify their liaisons, duty "
                  "phones and fallback channels, and run a liaison communication check.",
        })
    if kpis["dispatch_shortfall"]:
        recommendations.append({
            "zh": f"物资缺口 {kpis['dispatch_shortfall']}：补充储备或与周边企业签订征用协议。",
            "en": f"resource shortfall of {kpis['dispatch_shortfall']}: add reserves or sign requisition "
                  "agreements with neighbouring enterprises.",
        })
    return Assessment(kpis=kpis, checks=checks, findings=_findings(kpis, checks), recommendations=recommendations)


def _recommend(check: dict) -> dict[str, str]:
    value = "未完成" if check["value"] is None else check["value"]
    value_en = "not achieved" if check["value"] is None else check["value"]
    sense_zh = "不超过" if check["sense"] == "max" else "不低于"
    sense_en = "at most" if check["sense"] == "max" else "at least"
    return {
        "zh": f"{check['label_zh']}未达标（实际 {value}，目标{sense_zh} {check['threshold']}）：查明原因并在下次演练中复核。",
        "en": f"{check['label_en']} missed (was {value_en}, target {sense_en} {check['threshold']}): find the "
              "cause and re-test it in the next drill.",
    }


def _verdict(ok: bool) -> tuple[str, str]:
    return ("达标", "met") if ok else ("未达标", "not met")


def _findings(kpis: dict, checks: list[dict]) -> dict[str, dict[str, str]]:
    by = {c["target"]: c for c in checks}

    def ok(*names: str) -> bool:
        return all(by[n]["met"] for n in names if n in by)

    resp_zh, resp_en = _verdict(ok("all_groups_ack_min", "ack_rate"))
    cmd_zh, cmd_en = _verdict(ok("command_post_min") and not kpis["failed_groups"])
    mea_zh, mea_en = _verdict(ok("fill_ratio"))
    info_zh, info_en = _verdict(ok("first_report_min") and kpis["upward_reports_on_time"] == kpis["upward_reports"])
    return {
        "response": {"zh": f"应急响应{resp_zh}：通知 {kpis['units_notified']} 个单位，确认率 {kpis['ack_rate']}，"
                           f"升级 {kpis['escalations']} 次，通知失败 {kpis['failed_notifications']} 条。",
                     "en": f"Response {resp_en}: {kpis['units_notified']} units notified, acknowledgement rate "
                           f"{kpis['ack_rate']}, {kpis['escalations']} escalations, "
                           f"{kpis['failed_notifications']} failed notifications."},
        "command": {"zh": f"指挥救援{cmd_zh}：现场指挥部开设用时 {kpis['time_to_command_post_min']} 分钟；"
                          f"出错的工作组：{'、'.join(kpis['failed_groups']) or '无'}。",
                    "en": f"Command {cmd_en}: command post set up in {kpis['time_to_command_post_min']} min; "
                          f"groups that failed: {', '.join(kpis['failed_groups']) or 'none'}."},
        "measures": {"zh": f"措施执行{mea_zh}：物资满足率 {kpis['dispatch_fill_ratio']}，缺口 {kpis['dispatch_shortfall']}，"
                           f"平均预计到达 {kpis['mean_eta_min']} 分钟。",
                     "en": f"Measures {mea_en}: dispatch fill ratio {kpis['dispatch_fill_ratio']}, shortfall "
                           f"{kpis['dispatch_shortfall']}, mean ETA {kpis['mean_eta_min']} min."},
        "information": {"zh": f"信息发布{info_zh}：首报用时 {kpis['first_report_min']} 分钟，按时上报 "
                              f"{kpis['upward_reports_on_time']}/{kpis['upward_reports']}。",
                        "en": f"Information release {info_en}: first report after {kpis['first_report_min']} min, "
                              f"{kpis['upward_reports_on_time']}/{kpis['upward_reports']} reports on time."},
    }
