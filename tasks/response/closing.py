"""Phases 7–9 that write records: a level change applied, stand-down, the after-action assessment."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

from prefect import task
from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from prefect.cache_policies import NO_CACHE
from sqlmodel import select

from models.db import session_scope
from models.dispatch_store import list_dispatch_needs, list_reservations, reduce_need, stand_down
from models.incident import AssessmentRecord, IncidentStatus, LevelChange, UpwardReport
from models.incident_store import get_incident, record_event, timeline
from models.notification_store import notifications
from models.playbook import ResolvedPlan
from models.requisition_store import list_requisitions
from models.types import utcnow
from tasks.assessment import (
    AssessmentInput,
    DispatchResult,
    GroupResult,
    ReportResult,
    UnitResult,
    assess,
)
from tasks.report_render import render_html, render_markdown
from tasks.response.levels import LevelDelta
from tasks.response.runtime import Run, db, run_settings, unit_names


@task(name="level change", cache_policy=NO_CACHE)
def record_level_change(run: Run, change_id: int, delta: LevelDelta) -> None:
    with session_scope(db()) as session:
        change = session.get(LevelChange, change_id)
        incident = get_incident(session=session, incident_id=run.incident_id)
        change.applied_at, change.added = utcnow(), delta.summary()
        incident.level = change.to_level
        record_event(session=session, incident=run.incident_id, key=run.key("level", change_id), actor="commander",
                     kind="level_changed",
                     zh=f"响应级别由 {change.from_level} 调整为 {change.to_level}：新增工作组 "
                        f"{'、'.join(g.key for g in delta.new_groups) or '无'}，新增成员 {delta.added_members or '无'}，"
                        f"新增物资需求 {len(delta.new_needs)} 项",
                     en=f"response level changed {change.from_level} → {change.to_level}: groups added "
                        f"{', '.join(g.key for g in delta.new_groups) or 'none'}, members added "
                        f"{delta.added_members or 'none'}, {len(delta.new_needs)} new resource needs",
                     data=delta.summary())


@task(name="release needs", cache_policy=NO_CACHE)
def release_needs_step(run: Run, whole: list[str], reduce: dict[str, int]) -> dict:
    """A lowered level: what the lower level does not need goes back to the depots."""
    with session_scope(db()) as session:
        released = stand_down(session=session, incident_id=run.incident_id, need_ids=whole).released if whole else 0
        for need_id, keep in sorted(reduce.items()):
            released += reduce_need(session=session, incident_id=run.incident_id, need_id=need_id, to_quantity=keep)
        names = [*whole, *(f"{k}→{v}" for k, v in sorted(reduce.items()))]
        record_event(session=session, incident=run.incident_id, key=run.key("release", run.level), actor="commander",
                     kind="released",
                     zh=f"响应降级至 {run.level}：释放不再需要的物资 {released}（{'、'.join(names)}）",
                     en=f"level lowered to {run.level}: {released} units no longer needed released "
                        f"({', '.join(names)})", data={"needs": whole, "reduced": reduce, "released": released})
        return {"released": released}


@task(name="stand down", cache_policy=NO_CACHE)
def stand_down_step(run: Run, consumed: dict[str, int] | None = None) -> dict:
    with session_scope(db()) as session:
        incident = get_incident(session=session, incident_id=run.incident_id)
        result = stand_down(session=session, incident_id=run.incident_id, consumed={**incident.consumed, **(consumed or {})})
        if incident.stood_down_at is None:
            incident.stood_down_at = utcnow()
        incident.status = IncidentStatus.closed
        record_event(session=session, incident=run.incident_id, key=run.key("stand-down"), actor="commander",
                     kind="stand_down", at=incident.stood_down_at,
                     zh=f"响应终止：释放储备 {result.released}，消耗 {result.consumed}，"
                        f"取消未交付征用 {len(result.cancelled_requisitions)} 项，待结算征用 {len(result.open_requisitions)} 项",
                     en=f"stand-down: {result.released} released, {result.consumed} consumed, "
                        f"{len(result.cancelled_requisitions)} undelivered requisitions cancelled, "
                        f"{len(result.open_requisitions)} left for settlement",
                     data={"released": result.released, "consumed": result.consumed})
        return {"released": result.released, "consumed": result.consumed,
                "cancelled_requisitions": result.cancelled_requisitions,
                "open_requisitions": result.open_requisitions}


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def gather(session, run: Run, plan: ResolvedPlan, failed_groups: dict[str, str]) -> tuple[AssessmentInput, list]:
    incident = get_incident(session=session, incident_id=run.incident_id)
    events = timeline(session=session, incident=run.incident_id)
    activated = {e.data.get("group"): e.at for e in events if e.kind == "group_activated"}
    units: dict[str, list[UnitResult]] = {}
    for e in events:
        if e.kind.startswith("unit_"):
            d = e.data
            units.setdefault(d["group"], []).append(UnitResult(d["unit"], d["status"], _dt(d.get("acked_at")),
                                                               d.get("acked_by"), d.get("escalated_to") or []))
    groups = [GroupResult(g.key, g.name_zh, g.name_en, activated.get(g.key), units.get(g.key, []),
                          error=failed_groups.get(g.key)) for g in plan.groups]
    rows = notifications(session=session, context_kind="incident", context_id=run.incident_id)
    reports = session.exec(select(UpwardReport).where(UpwardReport.incident == run.incident_id)).all()
    needs = list_dispatch_needs(session=session, incident_id=run.incident_id)
    reservations = list_reservations(session=session, incident_id=run.incident_id)
    requisitions = list_requisitions(session=session, incident_id=run.incident_id)
    dispatched = [e.at for e in events if e.kind == "dispatched"]
    targets = plan.assessment_targets.model_dump()
    data = AssessmentInput(
        incident=incident.id, level=incident.level, reported_at=incident.reported_at,
        command_post_at=incident.command_post_at, groups=groups,
        reports=[ReportResult(r.seq, r.due_at, r.sent_at) for r in reports],
        dispatch=DispatchResult(requested=sum(n.quantity for n in needs), allocated=sum(n.allocated for n in needs),
                                requisitioned=sum(n.requisitioned for n in needs),
                                shortfall=sum(n.shortfall for n in needs),
                                etas_min=[r.eta_min for r in reservations if r.eta_min is not None],
                                requisitions_by_status=dict(Counter(str(q.status) for q in requisitions))),
        targets={k: float(v) for k, v in targets.items()}, time_scale=incident.time_scale,
        dispatched_at=min(dispatched) if dispatched else None,
        escalations=sum(r.step > 0 for r in rows),
        failed_notifications=sum(r.delivered_at is None and r.failed_at is not None for r in rows))
    return data, events


def write_assessment(engine, settings, run: Run, plan: ResolvedPlan) -> dict:
    """Assess the incident from its records, render Markdown and HTML in `run.lang`, store and write them."""
    lang = run.lang
    names = unit_names(engine)
    folder = Path(settings.home).resolve() / "reports" / run.incident_id
    folder.mkdir(parents=True, exist_ok=True)
    with session_scope(engine) as session:
        failed = {e.data["group"]: e.data.get("error", "") for e in timeline(session=session, incident=run.incident_id)
                  if e.kind == "group_failed"}
        data, events = gather(session, run, plan, failed)
        result = assess(data)
        incident = get_incident(session=session, incident_id=run.incident_id)
        ent = names.get(incident.enterprise or "", ("", ""))
        context = {"incident": incident, "plan_title": plan.title_en if lang == "en" else plan.title_zh,
                   "enterprise_name": ent[1] if lang == "en" else ent[0], "kpis": result.kpis,
                   "checks": result.checks, "findings": result.findings, "recommendations": result.recommendations,
                   "groups": data.groups, "timeline": events}
        title = f"{'After-action assessment' if lang == 'en' else '应急处置评估报告'} {run.incident_id}"
        markdown = render_markdown(settings.templates_dir, "assessment", lang, context)
        html = render_html(settings.templates_dir, "assessment", lang, context, title=title)
        md_path, html_path = folder / f"assessment.{lang}.md", folder / f"assessment.{lang}.html"
        md_path.write_text(markdown, encoding="utf-8")
        html_path.write_text(html, encoding="utf-8")
        record = session.exec(select(AssessmentRecord).where(AssessmentRecord.incident == run.incident_id,
                                                             AssessmentRecord.lang == lang)).first()
        if record is None:
            record = AssessmentRecord(incident=run.incident_id, lang=lang)
            session.add(record)
        record.created_at, record.kpis, record.findings = utcnow(), result.kpis, result.findings
        record.recommendations = [r["en" if lang == "en" else "zh"] for r in result.recommendations]
        record.markdown, record.html, record.markdown_path, record.html_path = markdown, html, str(md_path), str(html_path)
    return {"kpis": result.kpis, "checks": result.checks, "recommendations": result.recommendations,
            "markdown": str(md_path), "html": str(html_path), "title": title, "markdown_text": markdown}


@task(name="assessment", cache_policy=NO_CACHE)
async def assessment_step(run: Run, plan: ResolvedPlan, failed_groups: dict[str, str]) -> dict:
    settings = run_settings(run.lang, run.time_scale)
    engine = db(settings)
    with session_scope(engine) as session:
        for group, error in sorted(failed_groups.items()):
            record_event(session=session, incident=run.incident_id, key=run.key("group", group, "failed"),
                         actor="ParkLink", kind="group_failed", zh=f"工作组 {group} 的任务出错：{error}",
                         en=f"group {group}: its task failed: {error}", data={"group": group, "error": error})
    out = write_assessment(engine, settings, run, plan)
    slug = run.incident_id.lower()
    await acreate_markdown_artifact(key=f"assessment-{slug}", markdown=out.pop("markdown_text"),
                                    description=out.pop("title"))
    await acreate_table_artifact(
        key=f"kpis-{slug}", description=f"KPIs {run.incident_id}",
        table=[{"target": c["target"], "value": c["value"], "threshold": c["threshold"], "met": c["met"]}
               for c in out["checks"]] + [{"target": k, "value": v, "threshold": None, "met": None}
                                          for k, v in out["kpis"].items() if not isinstance(v, dict | list)])
    return out
