"""The board's view of the record: one incident's page, and the list of what is open.

    incident_board(engine, settings, incident_id, lang, now=) → IncidentBoard
    open_items(engine, lang) → OpenItems      incidents not stood down, warnings still active

Everything is read from the record (the incident, its entries, notifications, upward reports, reservations,
requisitions, level changes) and computed by tasks/board/view.py; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import select

from models.db import session_scope
from models.dispatch import RequisitionStatus
from models.dispatch_store import list_dispatch_needs, list_reservations
from models.event_store import events, names
from models.events import CommandPostSet, GroupActivated, GroupStoodDown, Opened, UnitUnreachable
from models.events.entry import TimelineEntry, entries
from models.events.texts import Texts
from models.incident import IncidentStatus
from models.incident_store import get_incident, level_changes, list_incidents
from models.inventory import Depot, ResourceType
from models.notification import ContextKind
from models.notification_store import notifications
from models.report_store import upward_reports
from models.requisition_store import list_requisitions
from models.types import utcnow
from models.warning import WarningRecord
from models.warning_store import list_warnings
from tasks.board.view import GroupFacts, MessageFacts, ReportFacts, ReportLine, Tile, group_tile, report_line

TIMELINE_ROWS = 200  # the newest entries on the page; the whole log is in the report


@dataclass(frozen=True)
class Allocation:
    depot: str
    need: str
    resource_type: str
    quantity: int
    distance_km: float
    eta_min: float


@dataclass(frozen=True)
class RequisitionRow:
    id: int
    need: str
    holder: str
    resource_type: str
    quantity: int
    value_cny: float
    status: RequisitionStatus

    @property
    def waiting(self) -> bool:
        return self.status is RequisitionStatus.requested


@dataclass(frozen=True)
class Shortfall:
    need: str
    resource_type: str
    quantity: int


@dataclass(frozen=True)
class LevelRow:
    from_level: str
    to_level: str
    requested_at: datetime
    applied_at: datetime | None
    by: str
    reason: str


@dataclass(frozen=True)
class IncidentBoard:
    id: str
    title: str
    playbook: str
    level: str
    levels: tuple[str, ...]
    status: IncidentStatus
    drill: bool
    stand_down_requested: bool
    reported_at: datetime
    description: str
    commander: str | None
    command_post: str | None  # where it stands, as the record says
    tiles: tuple[Tile, ...]
    reports: tuple[ReportLine, ...]
    allocations: tuple[Allocation, ...]
    requisitions: tuple[RequisitionRow, ...]
    shortfalls: tuple[Shortfall, ...]
    level_changes: tuple[LevelRow, ...]
    timeline: tuple[TimelineEntry, ...]  # newest first
    now: datetime

    @property
    def open(self) -> bool:
        return self.status is IncidentStatus.open

    @property
    def waiting_requisitions(self) -> tuple[RequisitionRow, ...]:
        return tuple(r for r in self.requisitions if r.waiting)


@dataclass(frozen=True)
class OpenItems:
    incidents: list = field(default_factory=list)  # models.incident.Incident rows, newest first
    warnings: list[WarningRecord] = field(default_factory=list)


def _plan_facts(settings, playbook: str, level: str) -> tuple[dict[str, int], tuple[str, ...]]:
    """Each group's acknowledgement deadline (scenario minutes) in the playbook at this level, and the playbook's
    levels; nothing when the playbook no longer resolves (the tiles then show no countdown rather than a wrong one)."""
    from tasks.response.runtime import library

    try:
        plans = library(settings)
        return {g.key: g.ack_deadline_min for g in plans.resolve(playbook, level).groups}, tuple(plans.levels(playbook))
    except Exception:  # noqa: BLE001 — a playbook edited since the run: the board still shows the record
        return {}, ()


def _tiles(found, messages, deadlines: dict[str, int], lang: str, who, now: datetime, time_scale: float) -> list[Tile]:
    groups: dict[str, GroupFacts] = {}
    unreachable: dict[str, set[str]] = {}
    stood_down = {e.payload.group for e in found if isinstance(e.payload, GroupStoodDown)}
    for e in found:
        p = e.payload
        if isinstance(p, GroupActivated):
            before = groups.get(p.group)
            units = tuple(dict.fromkeys([*(before.units if before else ()), *p.units]))
            groups[p.group] = GroupFacts(
                key=p.group, number=p.number, name=p.name.pick(lang), lead=who.unit(p.units[0], lang) if p.units else "",
                units=units, activated_at=before.activated_at if before else e.at, deadline_min=deadlines.get(p.group),
                stood_down=p.group in stood_down)
        elif isinstance(p, UnitUnreachable):
            unreachable.setdefault(p.group, set()).add(p.unit)
    by_group: dict[str, list[MessageFacts]] = {}
    for m in messages:
        by_group.setdefault(m.group, []).append(MessageFacts(unit=m.unit, step=m.step, delivered=m.delivered_at is not None,
                                                             acked_at=m.acked_at))
    return [group_tile(g, by_group.get(g.key, []), unreachable.get(g.key, ()), now=now, time_scale=time_scale)
            for g in sorted(groups.values(), key=lambda g: g.number)]


def incident_board(engine: Engine, settings, incident_id: str, lang: str, *, now: datetime | None = None) -> IncidentBoard:
    now = now or utcnow()
    with session_scope(engine) as session:
        incident = get_incident(session=session, incident_id=incident_id)
        found = events(session=session, incident=incident_id)
        who = names(session=session, events=found)
        messages = notifications(session=session, context_kind=ContextKind.incident, context_id=incident_id)
        reports = upward_reports(session=session, incident=incident_id)
        reservations = list_reservations(session=session, incident_id=incident_id)
        requisitions = list_requisitions(session=session, incident_id=incident_id)
        needs = list_dispatch_needs(session=session, incident_id=incident_id)
        changes = level_changes(session=session, incident_id=incident_id)
        things = {r.code: Texts(zh=r.name_zh, en=r.name_en or r.name_zh).pick(lang)
                  for r in session.exec(select(ResourceType)).all()}
        depots = {d.code: Texts(zh=d.name_zh, en=d.name_en or d.name_zh).pick(lang)
                  for d in session.exec(select(Depot)).all()}
    opened = next((e.payload for e in found if isinstance(e.payload, Opened)), None)
    post = next((e for e in reversed(found) if isinstance(e.payload, CommandPostSet)), None)
    deadlines, levels = _plan_facts(settings, incident.playbook_id, incident.level)
    tiles = _tiles(found, messages, deadlines, lang, who, now, incident.time_scale)
    log = entries(found, who, lang)
    return IncidentBoard(
        id=incident.id, title=opened.title.pick(lang) if opened else incident.playbook_id, playbook=incident.playbook_id,
        level=incident.level, levels=levels, status=incident.status,
        drill=incident.drill, stand_down_requested=incident.stand_down_requested_at is not None,
        reported_at=incident.reported_at, description=incident.description, commander=incident.commander,
        command_post=post.text(lang, who) if post else None, tiles=tuple(tiles),
        reports=tuple(report_line(ReportFacts(seq=r.seq, due_at=r.due_at, sent_at=r.sent_at,
                                              recipients=tuple(who.unit(u, lang) for u in r.recipients),
                                              delivered=r.delivered, failed=r.failed), now=now) for r in reports),
        allocations=tuple(Allocation(depot=depots.get(r.depot, r.depot), need=r.need_id,
                                     resource_type=things.get(r.resource_type, r.resource_type), quantity=r.quantity,
                                     distance_km=r.distance_km, eta_min=r.eta_min) for r in reservations),
        requisitions=tuple(RequisitionRow(id=q.id, need=q.need_id, holder=who.unit(q.holder, lang),
                                          resource_type=things.get(q.resource_type, q.resource_type),
                                          quantity=q.quantity,
                                          value_cny=q.quantity * q.unit_price, status=q.status) for q in requisitions),
        shortfalls=tuple(Shortfall(need=n.need_id, resource_type=things.get(n.resource_type, n.resource_type),
                                   quantity=n.shortfall)
                         for n in needs if n.shortfall),
        level_changes=tuple(LevelRow(from_level=c.from_level, to_level=c.to_level, requested_at=c.requested_at,
                                     applied_at=c.applied_at, by=c.requested_by, reason=c.reason) for c in changes),
        timeline=tuple(reversed(log[-TIMELINE_ROWS:])), now=now)


def open_items(engine: Engine) -> OpenItems:
    with session_scope(engine) as session:
        incidents = [i for i in list_incidents(session=session) if i.status is not IncidentStatus.closed]
        warnings = list_warnings(session=session, active_only=True)
    return OpenItems(incidents=incidents, warnings=warnings)
