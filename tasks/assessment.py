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

from pydantic import BaseModel, ConfigDict

from models.events import Texts, UnitStatus
from models.i18n import N_, both, tr


@dataclass
class UnitFacts:
    unit: str
    outcome: UnitStatus
    acked_at: datetime | None = None
    acked_by: str | None = None
    escalated_to: list[str] = field(default_factory=list)


@dataclass
class GroupFacts:
    key: str
    name_zh: str
    name_en: str
    activated_at: datetime | None
    units: list[UnitFacts]
    notified: int = 0
    failed: int = 0
    error: str | None = None


@dataclass
class ReportFacts:
    seq: int
    due_at: datetime
    sent_at: datetime | None
    delivered: int = 0  # recipients it reached
    recipients: int = 0
    undelivered: list[str] = field(default_factory=list)  # the recipients it did not reach

    @property
    def on_time(self) -> bool:
        """Sent before its deadline and delivered to every recipient: only then does it count."""
        return self.sent_at is not None and self.sent_at <= self.due_at and self.delivered >= self.recipients > 0

    @property
    def reached_all(self) -> bool:
        return self.sent_at is not None and self.delivered >= self.recipients > 0


@dataclass
class DispatchFacts:
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
    groups: list[GroupFacts]
    reports: list[ReportFacts]
    dispatch: DispatchFacts
    targets: dict[str, float]
    time_scale: float = 1.0
    dispatched_at: datetime | None = None
    escalations: int = 0
    failed_notifications: int = 0


class KpiCheck(BaseModel):
    """One target of the playbook against the KPI it is about."""

    model_config = ConfigDict(frozen=True)
    target: str
    kpi: str
    label: Texts
    value: int | float | None
    threshold: int | float
    sense: str  # "max": must not exceed · "min": must reach
    met: bool

    @property
    def label_zh(self) -> str:
        return self.label.zh

    @property
    def label_en(self) -> str:
        return self.label.en


@dataclass
class Assessment:
    kpis: dict[str, object]
    checks: list[KpiCheck]
    findings: dict[str, Texts]  # response, command, measures, information (the 2014 rules' four duties)
    recommendations: list[Texts]


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
            UnitStatus.acknowledged.value: sum(u.outcome is UnitStatus.acknowledged for u in g.units),
            "units": len(g.units),
            "failed": bool(g.error),
        }
    every_unit_acked = bool(all_units) and all(u.acked_at for u in all_units)
    last_acks = [v["last_ack_min"] for v in groups.values() if v["last_ack_min"] is not None]
    first_report = next((r for r in sorted(data.reports, key=lambda r: r.seq) if r.seq == 1), None)
    on_time = [r for r in data.reports if r.on_time]
    d = data.dispatch
    return {
        "time_to_command_post_min": _minutes(t0, data.command_post_at, scale),
        "time_to_dispatch_min": _minutes(t0, data.dispatched_at, scale),
        "all_groups_acknowledged_min": max(last_acks) if every_unit_acked and last_acks else None,
        "groups": groups,
        "ack_rate": round(sum(u.outcome is UnitStatus.acknowledged for u in all_units) / len(all_units), 3) if all_units else None,
        "units_notified": len(all_units),
        "escalations": data.escalations,
        "unreachable_units": sum(u.outcome is UnitStatus.unreachable for u in all_units),
        "failed_notifications": data.failed_notifications,
        "failed_groups": [k for k, v in groups.items() if v["failed"]],
        "first_report_min": _minutes(t0, first_report.sent_at, scale) if first_report and first_report.reached_all
        else None,
        "first_report_delivered": f"{first_report.delivered}/{first_report.recipients}" if first_report else "0/0",
        "units_escalated": sum(u.outcome is UnitStatus.escalated for u in all_units),
        "unreached": [f"{g.key}/{u.unit}" for g in data.groups for u in g.units if u.outcome is UnitStatus.unreachable],
        "undelivered_reports": [f"{r.seq}→{who}" for r in sorted(data.reports, key=lambda r: r.seq)
                                for who in r.undelivered],
        "upward_reports": len(data.reports),
        "upward_reports_on_time": len(on_time),
        "dispatch_requested": d.requested,
        "dispatch_fill_ratio": round((d.allocated + d.requisitioned) / d.requested, 3) if d.requested else None,
        "dispatch_shortfall": d.shortfall,
        "mean_eta_min": round(mean(d.etas_min), 1) if d.etas_min else None,
        "requisitions": dict(sorted(d.requisitions_by_status.items())),
    }


# target name → (KPI, "max" = must not exceed | "min" = must reach, label)
TARGETS = {
    "command_post_min": ("time_to_command_post_min", "max", N_("command post set up (min)")),
    "all_groups_ack_min": ("all_groups_acknowledged_min", "max", N_("all groups acknowledged (min)")),
    "first_report_min": ("first_report_min", "max", N_("first upward report (min)")),
    "first_dispatch_min": ("time_to_dispatch_min", "max", N_("dispatch committed (min)")),
    "ack_rate": ("ack_rate", "min", N_("acknowledgement rate")),
    "fill_ratio": ("dispatch_fill_ratio", "min", N_("dispatch fill ratio")),
}


def check_targets(kpis: dict[str, object], targets: dict[str, float]) -> list[KpiCheck]:
    checks = []
    for name, target in sorted(targets.items()):
        if name not in TARGETS:
            continue
        kpi, sense, label = TARGETS[name]
        value = kpis.get(kpi)
        met = value is not None and (value <= target if sense == "max" else value >= target)
        checks.append(KpiCheck(target=name, kpi=kpi, label=Texts(zh=tr("zh-CN", label), en=label), value=value,
                               threshold=target, sense=sense, met=met))
    return checks


def _texts(msgid: str, **kwargs: object) -> Texts:
    zh, en = both(msgid, **kwargs)
    return Texts(zh=zh, en=en)


def assess(data: AssessmentInput) -> Assessment:
    kpis = compute_kpis(data)
    checks = check_targets(kpis, data.targets)
    recommendations = [recommendation(c) for c in checks if not c.met]
    if kpis["unreachable_units"]:
        recommendations.append(_texts(N_(
            "{n} unit(s) could not be reached at all: verify their liaisons, duty phones and fallback channels, "
            "and run a liaison communication check."), n=kpis["unreachable_units"]))
    if kpis["dispatch_shortfall"]:
        recommendations.append(_texts(N_(
            "resource shortfall of {n}: add reserves or sign requisition agreements with neighbouring enterprises."),
            n=kpis["dispatch_shortfall"]))
    return Assessment(kpis=kpis, checks=checks, findings=_findings(kpis, checks), recommendations=recommendations)


def recommendation(check: KpiCheck) -> Texts:
    """What a missed target asks for, in both languages (the text of the corrective action it proposes)."""
    def say(lang: str) -> str:
        value = tr(lang, "not achieved") if check.value is None else check.value
        sense = tr(lang, "at most") if check.sense == "max" else tr(lang, "at least")
        return tr(lang, "{label} missed (was {value}, target {sense} {threshold}): find the cause and re-test it in "
                        "the next drill.", label=check.label.pick(lang), value=value, sense=sense,
                  threshold=check.threshold)

    return Texts(zh=say("zh-CN"), en=say("en"))


def _findings(kpis: dict, checks: list[KpiCheck]) -> dict[str, Texts]:
    by = {c.target: c for c in checks}

    def ok(*names: str) -> bool:
        return all(by[n].met for n in names if n in by)

    def verdict(lang: str, met: bool) -> str:
        return tr(lang, "met") if met else tr(lang, "not met")

    def none(lang: str, items: list[str]) -> str:
        return tr(lang, ", ").join(items) or tr(lang, "none")

    verdicts = {"response": ok("all_groups_ack_min", "ack_rate") and not kpis["unreached"],
                "command": ok("command_post_min") and not kpis["failed_groups"],
                "measures": ok("fill_ratio"),
                "information": ok("first_report_min") and kpis["upward_reports_on_time"] == kpis["upward_reports"]
                and not kpis["undelivered_reports"]}

    def unreached(lang: str) -> str:
        if not kpis["unreached"]:
            return ""
        return tr(lang, " Nobody answered for: {units}.", units=tr(lang, ", ").join(kpis["unreached"]))

    def undelivered(lang: str) -> str:
        if not kpis["undelivered_reports"]:
            return ""
        return tr(lang, " Not delivered (report → recipient): {items}.",
                  items=tr(lang, ", ").join(kpis["undelivered_reports"]))

    def say(lang: str) -> dict[str, str]:
        k, v = kpis, {name: verdict(lang, met) for name, met in verdicts.items()}
        return {
            "response": tr(lang, "Response {verdict}: {units} units notified, acknowledgement rate {rate}, "
                                 "{escalated} units escalated ({escalations} escalation messages), {failed} failed "
                                 "notifications.", verdict=v["response"], units=k["units_notified"],
                           rate=k["ack_rate"], escalated=k["units_escalated"], escalations=k["escalations"],
                           failed=k["failed_notifications"]) + unreached(lang),
            "command": tr(lang, "Command {verdict}: command post set up in {minutes} min; groups that failed: {groups}.",
                          verdict=v["command"], minutes=k["time_to_command_post_min"],
                          groups=none(lang, k["failed_groups"])),
            "measures": tr(lang, "Measures {verdict}: dispatch fill ratio {ratio}, shortfall {shortfall}, mean ETA "
                                 "{eta} min.", verdict=v["measures"], ratio=k["dispatch_fill_ratio"],
                           shortfall=k["dispatch_shortfall"], eta=k["mean_eta_min"]),
            "information": tr(lang, "Information release {verdict}: first report after {minutes} min, delivered to "
                                    "{delivered} of its recipients, {on_time}/{reports} reports on time (sent in time "
                                    "and delivered to every recipient).", verdict=v["information"],
                              minutes=k["first_report_min"], delivered=k["first_report_delivered"],
                              on_time=k["upward_reports_on_time"], reports=k["upward_reports"]) + undelivered(lang),
        }

    zh, en = say("zh-CN"), say("en")
    return {name: Texts(zh=zh[name], en=en[name]) for name in zh}
