"""An incident's figures, read from its record: the site map and the acknowledgement chart (SVG strings).

    Figure(key, caption, svg)                      key: "site-map" | "ack-chart"
    site_map_svg(engine, settings, incident_id, lang)   → str
    ack_chart_svg(engine, settings, incident_id, lang)  → str
    incident_figures(engine, settings, incident_id, lang) → [Figure]   both, for the board and the reports

Read here: the incident (its point, chemical, time scale, time reported, command post), its plan at its level
(the isolation radius, the chemical's ERG distances, each group's deadline), its reservations and the depots'
positions, the enterprises of the directory, its notifications and its log's entries (GroupActivated for
each group's start, CommandPostSet for the wind). The site file (models/settings.py `site_path`) gives the
outline and roads: PARKLINK_SITE_FILE must be readable; without it the default file may be absent (the map
then has no outline). The wind of a record from before CommandPostSet kept it is derived from the post's
bearing (tasks.maps.zones.wind_from_of). The drawing itself is pure: tasks.maps.site_map, tasks.maps.ack_chart.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlmodel import select

from models.db import session_scope
from models.directory import Unit, UnitKind
from models.dispatch_store import list_reservations
from models.event_store import events
from models.events import CommandPostSet, EventKind, GroupActivated
from models.i18n import localized, tr
from models.incident_store import get_incident
from models.inventory import Depot
from models.notification import ContextKind
from models.notification_store import notifications
from models.playbook.plan import normalise_un
from tasks.maps.ack_chart import AckChart, GroupAcks, UnitAck, render_ack_chart
from tasks.maps.site_map import AllocationLine, Place, Road, SiteMap, render_site_map
from tasks.maps.svg import num
from tasks.maps.zones import downwind_zone, wind_from_of
from tasks.park_io.site import Site, parse_site
from tasks.response.runtime import library


@dataclass(frozen=True)
class Figure:
    key: str  # "site-map" | "ack-chart"
    caption: str
    svg: str


def _pick(lang: str, row) -> str:
    """A directory row's name in `lang` (the Chinese one where it has no English)."""
    return localized(lang, row, "name") or row.name_zh


@lru_cache(maxsize=4)
def _site(path: Path, mtime_ns: int, size: int) -> Site:
    return parse_site(path)


def load_site(settings) -> Site | None:
    """The park's site map: PARKLINK_SITE_FILE (an InputError when unreadable), else the default file if present."""
    path = Path(settings.site_path)
    if settings.site_file is None and not path.is_file():
        return None
    try:
        info = path.stat()
    except OSError:
        return parse_site(path)  # the reader's one-line refusal
    return _site(path, info.st_mtime_ns, info.st_size)


def _plan(settings, incident):
    return library(settings).resolve(incident.playbook_id, incident.level)


def _wind(record) -> float | None:
    post = next((e.payload for e in record if isinstance(e.payload, CommandPostSet)), None)
    if post is None:
        return None
    return post.wind_from_deg if post.wind_from_deg is not None else wind_from_of(post.bearing_deg, post.upwind)


def site_map_data(engine, settings, incident_id: str, lang: str) -> SiteMap:
    site = load_site(settings)
    with session_scope(engine) as session:
        incident = get_incident(session=session, incident_id=incident_id)
        plan = _plan(settings, incident)
        record = events(session=session, incident=incident_id, kinds=[EventKind.command_post])
        reservations = list_reservations(session=session, incident_id=incident_id)
        depots = session.exec(select(Depot).order_by(Depot.code)).all()
        enterprises = session.exec(select(Unit).where(Unit.kind == UnitKind.enterprise, Unit.active)
                                   .order_by(Unit.code)).all()
        chemical = plan.chemicals.get(normalise_un(incident.chemical)) if incident.chemical else None
        by_depot: dict[str, list] = defaultdict(list)
        for r in reservations:
            by_depot[r.depot].append(r)
        allocations = tuple(
            AllocationLine(depot=code, label=tr(lang, "{quantity} items · ETA {eta} min",
                                                quantity=sum(r.quantity for r in rows),
                                                eta=num(round(max(r.eta_min for r in rows), 1))))
            for code, rows in sorted(by_depot.items()))
        post = ((incident.command_post_latitude, incident.command_post_longitude)
                if incident.command_post_latitude is not None and incident.command_post_longitude is not None else None)
        return SiteMap(
            title=site_caption(incident_id, lang), incident=(incident.latitude, incident.longitude),
            isolation_radius_m=float(plan.isolation_radius_for(incident.chemical)),
            outline=site.outline if site else (), sample=bool(site and site.sample),
            roads=tuple(Road(r.name(lang), r.points) for r in site.roads) if site else (),
            places=tuple(Place(f"place-{i}", p.name(lang), p.points[0]) for i, p in enumerate(site.places))
            if site else (),
            enterprises=tuple(Place(u.code, _pick(lang, u), (u.latitude, u.longitude))
                              for u in enterprises if u.latitude is not None and u.longitude is not None),
            depots=tuple(Place(d.code, _pick(lang, d), (d.latitude, d.longitude)) for d in depots),
            wind_from_deg=_wind(record), downwind=downwind_zone(chemical, incident.reported_at),
            command_post=post, allocations=allocations)


def ack_chart_data(engine, settings, incident_id: str, lang: str) -> AckChart:
    with session_scope(engine) as session:
        incident = get_incident(session=session, incident_id=incident_id)
        plan = _plan(settings, incident)
        activated = [e for e in events(session=session, incident=incident_id, kinds=[EventKind.group_activated])
                     if isinstance(e.payload, GroupActivated)]
        sent = notifications(session=session, context_kind=ContextKind.incident, context_id=incident_id)
        names = {u.code: _pick(lang, u) for u in session.exec(select(Unit)).all()}
    deadlines = {g.key: float(g.ack_deadline_min) for g in plan.groups}
    first: dict[str, GroupActivated] = {}
    started = {}
    units: dict[str, list[str]] = defaultdict(list)
    for e in activated:
        first.setdefault(e.payload.group, e.payload)
        started.setdefault(e.payload.group, e.at)
        units[e.payload.group] += [u for u in e.payload.units if u not in units[e.payload.group]]
    notified: dict[tuple[str, str], list] = defaultdict(list)
    acked: dict[tuple[str, str], list] = defaultdict(list)
    for n in sent:
        if not n.message_kind.startswith("activate-"):
            continue
        if n.step == 0:
            notified[(n.group, n.unit)].append(n.sent_at or n.delivered_at or n.created_at)
        if n.acked_at is not None:
            acked[(n.group, n.unit)].append(n.acked_at)
    groups = []
    for key, payload in sorted(first.items(), key=lambda kv: kv[1].number):
        rows = tuple(UnitAck(unit=u, name=names.get(u, u), notified_at=min(notified[(key, u)], default=None),
                             acked_at=min(acked[(key, u)], default=None)) for u in units[key])
        groups.append(GroupAcks(key=key, number=payload.number, name=payload.name.pick(lang),
                                activated_at=started[key], deadline_min=deadlines.get(key), units=rows))
    return AckChart(title=ack_caption(incident_id, lang), time_scale=incident.time_scale, groups=tuple(groups))


def site_caption(incident_id: str, lang: str) -> str:
    return tr(lang, "Site map of {incident}: isolation zone, downwind protective-action zone, command post and "
                    "allocations", incident=incident_id)


def ack_caption(incident_id: str, lang: str) -> str:
    return tr(lang, "Acknowledgements of {incident} per group against the deadline (park time)", incident=incident_id)


def site_map_svg(engine, settings, incident_id: str, lang: str) -> str:
    return render_site_map(site_map_data(engine, settings, incident_id, lang), lang)


def ack_chart_svg(engine, settings, incident_id: str, lang: str) -> str:
    return render_ack_chart(ack_chart_data(engine, settings, incident_id, lang), lang)


def incident_figures(engine, settings, incident_id: str, lang: str) -> list[Figure]:
    return [Figure("site-map", site_caption(incident_id, lang), site_map_svg(engine, settings, incident_id, lang)),
            Figure("ack-chart", ack_caption(incident_id, lang), ack_chart_svg(engine, settings, incident_id, lang))]
