"""A report just received → the office's duty officer, at once (issue 13 item 5).

    office_target(engine, office) → (unit, Liaison) | None   who is on duty now in the office unit
                                                             (PARKLINK_OFFICE_UNIT), else its primary liaison
    report_text(settings, engine, report, auto=) → str       templates/enterprise-report.<lang>.md.j2
    send_report_notice(engine, settings, report_id, auto=)   one message through the Sender (context `report`,
        → ReportNotice                                       idempotent by the report id), outcome recorded on
                                                             the report; never raises for a failed delivery
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx
from sqlalchemy import Engine

from models.db import session_scope
from models.directory import Liaison, Unit
from models.duty import DutyRole
from models.intake import EnterpriseReport
from models.intake_store import get_report, record_notice
from models.notification import ContextKind
from models.park_store import primary_liaison
from models.types import local_time, utcnow
from models.warning_kinds import COLOUR_ZH, Colour
from tasks.duty.roster_db import duty_liaison
from tasks.notify.sender import Context, Sender, Target
from tasks.notify.texts import Message
from tasks.response.runtime import library, park_context, render_file

TEMPLATE = "enterprise-report"
MESSAGE_KIND = "report"


@dataclass
class ReportNotice:
    report_id: str
    sent_to: str | None = None
    delivered: bool = False
    notification_id: int | None = None
    error: str | None = None


def office_target(engine: Engine, office: str) -> tuple[str, Liaison] | None:
    with session_scope(engine) as session:
        if session.get(Unit, office) is None:
            return None
        person = duty_liaison(session=session, unit=office, role=DutyRole.duty_officer, at=utcnow())
        person = person or primary_liaison(session=session, unit=office)
        return (office, person) if person is not None else None


def report_text(settings, engine: Engine, report: EnterpriseReport, *, auto: bool) -> str:
    with session_scope(engine) as session:
        unit = session.get(Unit, report.enterprise)
    names = {"zh": unit.name_zh if unit else report.enterprise, "en": (unit.name_en or unit.name_zh) if unit else ""}
    try:
        plan = library(settings).resolve(report.playbook, library(settings).levels(report.playbook)[0])
        titles = (plan.title_zh, plan.title_en)
    except Exception:  # noqa: BLE001 — a playbook changed since the report: its id still says what it is
        titles = (report.playbook, report.playbook)
    colour = Colour(report.colour) if report.colour else None
    intake = {"id": report.id, "enterprise_name": names["zh"] if settings.lang == "zh-CN" else names["en"] or names["zh"],
              "playbook_title_zh": titles[0], "playbook_title_en": titles[1],
              "colour": str(colour or ""), "colour_zh": COLOUR_ZH[colour] if colour else "",
              "occurred_at": local_time(report.occurred_at), "latitude": report.latitude,
              "longitude": report.longitude, "chemical": report.chemical or "", "deaths": report.deaths,
              "injured": report.injured, "evacuated": report.evacuated, "loss_cny": f"{report.loss_cny:,.0f}",
              "description": report.description, "auto": auto}
    return render_file(settings.templates_dir, TEMPLATE, settings.lang,
                       {"park": park_context(settings, engine), "intake": intake})


def _load(engine: Engine, report_id: str) -> EnterpriseReport:
    with session_scope(engine) as session:
        return get_report(session=session, report_id=report_id)


def _record(engine: Engine, notice: ReportNotice) -> None:
    with session_scope(engine) as session:
        record_notice(session=session, report_id=notice.report_id, notified=notice.delivered,
                      notification_id=notice.notification_id, error=notice.error)


async def send_report_notice(engine: Engine, settings, report_id: str, *, auto: bool = False,
                             client: httpx.AsyncClient | None = None) -> ReportNotice:
    notice = ReportNotice(report_id)
    try:
        report = await asyncio.to_thread(_load, engine, report_id)
        target = await asyncio.to_thread(office_target, engine, settings.office_unit)
        if target is None:
            notice.error = f"office unit `{settings.office_unit}`: nobody on duty and no active primary liaison"
        else:
            office, person = target
            text = await asyncio.to_thread(report_text, settings, engine, report, auto=auto)
            async with Sender(engine, settings, client) as sender:
                rows = await asyncio.to_thread(sender.prepare, Context(ContextKind.report, report_id),
                                               Message(MESSAGE_KIND, text),
                                               [Target(unit=office, liaison=person, label="office_duty")])
                [row] = await sender.deliver(rows)
            notice.sent_to, notice.notification_id = row.liaison_name, row.id
            notice.delivered = row.delivered_at is not None
            notice.error = None if notice.delivered else (row.last_error or "not delivered")
    except Exception as exc:  # noqa: BLE001 — the report stays recorded; the failure is written on it
        notice.error = f"{exc.__class__.__name__}: {exc}"
    await asyncio.to_thread(_record, engine, notice)
    return notice
