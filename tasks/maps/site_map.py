"""The site map of an incident as SVG (pure): what the board, the HTML report and the PDF show.

    render_site_map(SiteMap(…), lang) → str    an <svg id="site-map"> that scales to its container's width

Drawn, bottom to top: the park's outline and roads (the site file, tasks/park_io/site.py), the downwind
protective-action sector (`id="downwind-sector"`: centred on the direction the wind blows to, half-angle
tasks.maps.zones.SECTOR_HALF_ANGLE_DEG, as long as the day or night distance), the isolation circle
(`id="isolation-circle"`), places, enterprises (`class="enterprise"`), allocation lines depot → incident
(`class="allocation"`), depots (`class="depot"`), the incident (`id="incident-point"`), the command post
(`id="command-post"`), a north arrow (`id="north-arrow"`), a scale bar of a round length (`id="scale-bar"`)
and a legend. The root carries its projection (`data-metres-per-px`, `data-lat0`, `data-lon0`, `data-x0`,
`data-y0`) so a reader can turn any x/y back into latitude/longitude (tasks.maps.projection).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from models.i18n import tr
from tasks.geo import destination
from tasks.maps.projection import Projection, fit
from tasks.maps.svg import attrs, esc, num, root
from tasks.maps.zones import PERIOD_LABELS, SECTOR_HALF_ANGLE_DEG, Downwind, downwind_bearing

WIDTH = 800.0
PADDING = 36.0
MAX_MAP_HEIGHT = 760.0
LEGEND_ROW = 18.0
NICE = (1, 2, 5)

LatLon = tuple[float, float]


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    at: LatLon


@dataclass(frozen=True)
class Road:
    name: str
    points: tuple[LatLon, ...]


@dataclass(frozen=True)
class AllocationLine:
    depot: str  # a depot's code (one of SiteMap.depots)
    label: str


@dataclass(frozen=True)
class SiteMap:
    title: str
    incident: LatLon
    isolation_radius_m: float
    outline: tuple[LatLon, ...] = ()
    roads: tuple[Road, ...] = ()
    places: tuple[Place, ...] = ()
    enterprises: tuple[Place, ...] = ()
    depots: tuple[Place, ...] = ()
    wind_from_deg: float | None = None
    downwind: Downwind | None = None  # the protective distance and whether by day or by night
    command_post: LatLon | None = None
    allocations: tuple[AllocationLine, ...] = ()
    sample: bool = False  # the site file is sample data: the map says so


def nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ metres not over `metres` (a scale bar's length)."""
    power = 10 ** math.floor(math.log10(max(metres, 1.0)))
    return max(n * power for n in NICE if n * power <= max(metres, 1.0))


def length_label(metres: float) -> str:
    return f"{num(metres / 1000)} km" if metres >= 1000 else f"{num(metres)} m"


def _sector_points(data: SiteMap) -> list[LatLon]:
    if data.downwind is None or data.wind_from_deg is None:
        return []
    centre = downwind_bearing(data.wind_from_deg)
    return [destination(*data.incident, centre + a, data.downwind.distance_m)
            for a in (-SECTOR_HALF_ANGLE_DEG, -SECTOR_HALF_ANGLE_DEG / 2, 0, SECTOR_HALF_ANGLE_DEG / 2,
                      SECTOR_HALF_ANGLE_DEG)]


def _extent(data: SiteMap) -> list[LatLon]:
    circle = [destination(*data.incident, b, data.isolation_radius_m) for b in (0, 90, 180, 270)]
    points = [data.incident, *data.outline, *circle, *_sector_points(data)]
    points += [p.at for p in (*data.places, *data.enterprises, *data.depots)]
    points += [p for r in data.roads for p in r.points]
    return points + ([data.command_post] if data.command_post else [])


def _deg(value: float) -> str:
    return f"{value:.7f}"


def _poly(proj: Projection, points) -> str:
    return " ".join(f"{num(x)},{num(y)}" for x, y in (proj.xy(*p) for p in points))


def _sector(proj: Projection, data: SiteMap, lang: str) -> str:
    if data.downwind is None or data.wind_from_deg is None:
        return ""
    cx, cy = proj.xy(*data.incident)
    r = proj.px(data.downwind.distance_m)
    centre = downwind_bearing(data.wind_from_deg)
    ends = [(cx + r * math.sin(math.radians(b)), cy - r * math.cos(math.radians(b)))
            for b in (centre - SECTOR_HALF_ANGLE_DEG, centre + SECTOR_HALF_ANGLE_DEG)]
    d = (f"M {num(cx)} {num(cy)} L {num(ends[0][0])} {num(ends[0][1])} "
         f"A {num(r)} {num(r)} 0 0 1 {num(ends[1][0])} {num(ends[1][1])} Z")
    return (f'<path{attrs(id="downwind-sector", d=d, fill="#ff9800", fill_opacity="0.22", stroke="#e65100")}'
            f'{attrs(stroke_width="1.5", data_bearing=centre, data_half_angle_deg=SECTOR_HALF_ANGLE_DEG)}'
            f'{attrs(data_distance_m=data.downwind.distance_m, data_period=data.downwind.period.value)}>'
            f"<title>{esc(_downwind_text(data, lang))}</title></path>")


def _downwind_text(data: SiteMap, lang: str) -> str:
    assert data.downwind is not None
    return tr(lang, "Downwind protective-action zone {distance} m ({period})",
              distance=num(data.downwind.distance_m), period=tr(lang, PERIOD_LABELS[data.downwind.period]))


def _label(x: float, y: float, text: str, *, anchor: str = "start", size: int = 10, fill: str = "#263238") -> str:
    # no halo (paint-order): WeasyPrint would paint the stroke over the letters
    return f"<text{attrs(x=float(x), y=float(y), text_anchor=anchor, font_size=size, fill=fill)}>{esc(text)}</text>"


def _depot_side(x: float, gap: float) -> tuple[float, str]:
    """A depot's labels go left of it (its enterprise's are on the right), near the left edge to the right."""
    return (x + gap, "start") if x < WIDTH / 4 else (x - gap, "end")


def _marks(proj: Projection, data: SiteMap) -> list[str]:
    out = []
    for p in data.places:
        x, y = proj.xy(*p.at)
        out.append(f'<g class="place"{attrs(data_code=p.code)}><circle{attrs(cx=x, cy=y, r="3", fill="#607d8b")}/>'
                   f"{_label(x + 5, y - 4, p.name, size=9, fill='#455a64')}</g>")
    for e in data.enterprises:
        x, y = proj.xy(*e.at)
        out.append(f'<g class="enterprise"{attrs(data_code=e.code)}>'
                   f'<rect{attrs(x=x - 4, y=y - 4, width="8", height="8", fill="#546e7a")}/>'
                   f"{_label(x + 7, y + 4, e.name)}</g>")
    depots = {d.code: d for d in data.depots}
    ix, iy = proj.xy(*data.incident)
    for a in data.allocations:
        if a.depot not in depots:
            continue
        x, y = proj.xy(*depots[a.depot].at)
        lx, side = _depot_side(x, 8)
        angle = math.atan2(iy - y, ix - x)
        tip = (ix - 9 * math.cos(angle), iy - 9 * math.sin(angle))
        head = [(tip[0] - 8 * math.cos(angle + s), tip[1] - 8 * math.sin(angle + s)) for s in (0.4, -0.4)]
        points = " ".join(f"{num(px)},{num(py)}" for px, py in (tip, *head))
        out.append(f'<g class="allocation"{attrs(data_depot=a.depot)}>'
                   f'<line{attrs(x1=x, y1=y, x2=tip[0], y2=tip[1], stroke="#2e7d32", stroke_width="2")}'
                   f' stroke-dasharray="6 3"/><polygon{attrs(points=points, fill="#2e7d32")}/>'
                   f"{_label(lx, y + 15, a.label, anchor=side, size=9, fill='#1b5e20')}</g>")  # under the depot's name
    for d in data.depots:
        x, y = proj.xy(*d.at)
        lx, side = _depot_side(x, 8)
        diamond = f"M {num(x)} {num(y - 6)} L {num(x + 6)} {num(y)} L {num(x)} {num(y + 6)} L {num(x - 6)} {num(y)} Z"
        out.append(f'<g class="depot"{attrs(data_code=d.code)}><path{attrs(d=diamond, fill="#2e7d32")}'
                   f' stroke="#ffffff"/>{_label(lx, y + 4, d.name, anchor=side, fill="#1b5e20")}</g>')
    return out


def _incident_and_post(proj: Projection, data: SiteMap, lang: str) -> list[str]:
    x, y = proj.xy(*data.incident)
    out = [f'<g id="incident-point"{attrs(data_lat=_deg(data.incident[0]), data_lon=_deg(data.incident[1]), data_x=x, data_y=y)}>'
           f'<circle{attrs(cx=x, cy=y, r="7", fill="#d32f2f", stroke="#ffffff", stroke_width="2")}/>'
           f'<path{attrs(d=f"M {num(x - 4)} {num(y)} H {num(x + 4)} M {num(x)} {num(y - 4)} V {num(y + 4)}")}'
           f' stroke="#ffffff" stroke-width="2"/></g>']
    if data.command_post is not None:
        cx, cy = proj.xy(*data.command_post)
        label = tr(lang, "Command post")
        flag = f"M {num(cx)} {num(cy)} V {num(cy - 18)} L {num(cx + 12)} {num(cy - 13)} L {num(cx)} {num(cy - 8)}"
        out.append(f'<g id="command-post"{attrs(data_lat=_deg(data.command_post[0]), data_lon=_deg(data.command_post[1]))}'
                   f'{attrs(data_x=cx, data_y=cy)}><circle{attrs(cx=cx, cy=cy, r="4", fill="#1565c0")}/>'
                   f'<path{attrs(d=flag, fill="#1565c0", stroke="#0d47a1", stroke_width="1.5")}/>'
                   f"{_label(cx + 8, cy + 12, label, size=11, fill='#0d47a1')}</g>")
    return out


def _north_arrow(x: float, y: float, lang: str) -> str:
    arrow = f"M {num(x)} {num(y)} L {num(x + 8)} {num(y + 24)} L {num(x)} {num(y + 18)} L {num(x - 8)} {num(y + 24)} Z"
    north = tr(lang, "N")
    return (f'<g id="north-arrow"><path{attrs(d=arrow, fill="#263238")}/>'
            f'{_label(x, y - 4, north, anchor="middle", size=12)}</g>')


def _scale_bar(proj: Projection, x: float, y: float) -> str:
    metres = nice_length(proj.metres_per_px * WIDTH / 5)
    length = proj.px(metres)
    return (f'<g id="scale-bar"{attrs(data_metres=float(metres), data_px=length)}>'
            f'<rect{attrs(x=x, y=y, width=length, height="6", fill="#263238")}/>'
            f'<rect{attrs(x=x + length / 2, y=y + 1, width=length / 2 - 1, height="4", fill="#ffffff")}/>'
            f"{_label(x + length / 2, y - 4, length_label(metres), anchor='middle')}</g>")


def _legend(data: SiteMap, lang: str, top: float) -> tuple[str, float]:
    items = [("#d32f2f", "circle", tr(lang, "Incident")),
             ("#d32f2f", "ring", tr(lang, "Isolation zone {radius} m", radius=num(data.isolation_radius_m)))]
    if data.downwind is not None and data.wind_from_deg is not None:
        items.append(("#ff9800", "box", _downwind_text(data, lang)))
    if data.wind_from_deg is not None:
        items.append(("#263238", "none", tr(lang, "Wind from {bearing}°", bearing=num(data.wind_from_deg % 360))))
    items += [("#1565c0", "circle", tr(lang, "Command post")), ("#546e7a", "box", tr(lang, "Enterprise")),
              ("#2e7d32", "box", tr(lang, "Depot")), ("#2e7d32", "line", tr(lang, "Allocation (depot → incident)")),
              ("#b0b7bb", "line", tr(lang, "Road")), ("#7a8a6a", "ring", tr(lang, "Park boundary"))]
    half = math.ceil(len(items) / 2)
    parts = []
    for i, (colour, shape, text) in enumerate(items):
        x = PADDING + (i // half) * (WIDTH - 2 * PADDING) / 2
        y = top + 14 + (i % half) * LEGEND_ROW
        symbol = {"circle": f'<circle{attrs(cx=x + 6, cy=y - 4, r="5", fill=colour)}/>',
                  "ring": f'<circle{attrs(cx=x + 6, cy=y - 4, r="5", fill="none", stroke=colour, stroke_width="2")}/>',
                  "box": f'<rect{attrs(x=x + 1, y=y - 9, width="10", height="10", fill=colour)}/>',
                  "line": f'<line{attrs(x1=x, y1=y - 4, x2=x + 12, y2=y - 4, stroke=colour, stroke_width="3")}/>',
                  "none": ""}[shape]
        parts.append(f"{symbol}<text{attrs(x=x + 18, y=y, font_size='11', fill='#263238')}>{esc(text)}</text>")
    height = 14 + half * LEGEND_ROW
    return f'<g id="legend">{"".join(parts)}</g>', height


def render_site_map(data: SiteMap, lang: str) -> str:
    proj, height = fit(_extent(data), width=WIDTH, padding=PADDING, max_height=MAX_MAP_HEIGHT)
    ix, iy = proj.xy(*data.incident)
    body = [f'<rect{attrs(x="0", y="0", width=WIDTH, height=height, fill="#fbfbf8")}/>']
    if data.outline:
        body.append(f'<polygon{attrs(id="park-outline", points=_poly(proj, data.outline), fill="#eef2e6")}'
                    f' stroke="#7a8a6a" stroke-width="2" stroke-dasharray="8 4"/>')
    for road in data.roads:
        middle = proj.xy(*road.points[len(road.points) // 2])
        body.append(f'<g class="road"><polyline{attrs(points=_poly(proj, road.points), fill="none")}'
                    f' stroke="#b0b7bb" stroke-width="5" stroke-linecap="round" stroke-linejoin="round"/>'
                    f"{_label(middle[0], middle[1] - 6, road.name, anchor='middle', size=9, fill='#78909c')}</g>")
    body.append(_sector(proj, data, lang))
    body.append(f'<circle{attrs(id="isolation-circle", cx=ix, cy=iy, r=proj.px(data.isolation_radius_m))}'
                f'{attrs(data_radius_m=float(data.isolation_radius_m), fill="#d32f2f", fill_opacity="0.15")}'
                f' stroke="#d32f2f" stroke-width="2"/>')
    body += _marks(proj, data)
    body += _incident_and_post(proj, data, lang)
    body.append(_north_arrow(WIDTH - PADDING, 22.0, lang))
    body.append(_scale_bar(proj, PADDING, height - 14))
    if data.sample:
        body.append(_label(PADDING / 2, 18, tr(lang, "Sample site map (fictional park)"), size=11, fill="#8d6e63"))
    legend, legend_height = _legend(data, lang, height)
    body.append(f'<rect{attrs(x="0", y=height, width=WIDTH, height=legend_height, fill="#ffffff")}/>{legend}')
    return root("".join(body), width=WIDTH, height=height + legend_height, title=data.title, id_="site-map",
                lang=lang, data_metres_per_px=f"{proj.metres_per_px:.6f}", data_lat0=_deg(proj.lat0),
                data_lon0=_deg(proj.lon0), data_x0=f"{proj.x0:.4f}", data_y0=f"{proj.y0:.4f}")
