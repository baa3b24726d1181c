"""The acknowledgement chart as SVG (pure): per working group, notified → acknowledged over park time.

    render_ack_chart(AckChart(…), lang) → str    an <svg id="ack-chart">, one row per group

Park time is scenario time: real minutes since the group's activation × the incident's time scale (a drill at
120× lasts seconds, its chart reads in the minutes the plan gives). Each row (`class="ack-group"`,
`data-group="g<number>"`) has a step line of the units acknowledged so far (`class="ack-step"`), a dot per
acknowledgement (`class="ack"`, red with `late` after the deadline), a tick per unit notified
(`class="notified"`), the group's deadline as a vertical line (`class="deadline"`, `data-min`), and on the
right how many acknowledged and the units that never did (`class="unacked"`, their codes in `data-units`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from models.i18n import listing, tr
from tasks.maps.svg import attrs, esc, num, root

WIDTH = 800.0
LEFT = 200.0  # the plot's left edge (the group names before it)
RIGHT = 630.0  # its right edge (the counts after it)
HEADER = 26.0
ROW = 46.0
BAND = 28.0  # the step line's height within a row
AXIS = 40.0
NICE = (1, 2, 5)


@dataclass(frozen=True)
class UnitAck:
    unit: str
    name: str
    notified_at: datetime | None
    acked_at: datetime | None


@dataclass(frozen=True)
class GroupAcks:
    key: str
    number: int
    name: str
    activated_at: datetime
    deadline_min: float | None  # the group's acknowledgement deadline, park minutes after its activation
    units: tuple[UnitAck, ...]


@dataclass(frozen=True)
class AckChart:
    title: str
    time_scale: float
    groups: tuple[GroupAcks, ...]


def park_minutes(start: datetime, at: datetime, time_scale: float) -> float:
    """Park minutes from `start` to `at`: real elapsed time × the time scale (never below zero)."""
    return max(0.0, (at - start).total_seconds() / 60.0 * time_scale)


def nice_step(span: float, ticks: int = 5) -> float:
    raw = max(span, 1e-9) / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next((n * power for n in (*NICE, 10) if n * power >= raw), 10 * power)


def _times(group: GroupAcks, scale: float) -> tuple[list[float], list[float]]:
    notified = [park_minutes(group.activated_at, u.notified_at, scale) for u in group.units if u.notified_at]
    acked = sorted(park_minutes(group.activated_at, u.acked_at, scale) for u in group.units if u.acked_at)
    return notified, acked


def _axis_end(data: AckChart) -> tuple[float, float]:
    latest = [1.0]
    for g in data.groups:
        notified, acked = _times(g, data.time_scale)
        latest += [*notified, *acked, *([g.deadline_min] if g.deadline_min else [])]
    step = nice_step(max(latest) * 1.05)
    return step * math.ceil(max(latest) * 1.05 / step), step


def _row(group: GroupAcks, data: AckChart, top: float, end: float, lang: str) -> str:
    x = lambda minutes: LEFT + (RIGHT - LEFT) * min(minutes, end) / end  # noqa: E731
    base = top + 8 + BAND
    notified, acked = _times(group, data.time_scale)
    n = max(len(group.units), 1)
    parts = [f'<rect{attrs(x=LEFT, y=top + 8, width=RIGHT - LEFT, height=BAND, fill="#f5f7f8")}/>']
    for minutes in notified:
        parts.append(f'<line class="notified"{attrs(x1=x(minutes), y1=base, x2=x(minutes), y2=base + 5)}'
                     f' stroke="#90a4ae" stroke-width="1.5"/>')
    points, level = [(x(0), base)], base
    for k, minutes in enumerate(acked, start=1):
        points += [(x(minutes), level)]
        level = base - BAND * k / n
        points += [(x(minutes), level)]
    points.append((x(end), level))
    parts.append(f'<polyline class="ack-step"{attrs(points=" ".join(f"{num(a)},{num(b)}" for a, b in points))}'
                 f' fill="none" stroke="#2e7d32" stroke-width="2"/>')
    for k, minutes in enumerate(acked, start=1):
        late = group.deadline_min is not None and minutes > group.deadline_min
        parts.append(f'<circle{attrs(class_="ack late" if late else "ack", cx=x(minutes), cy=base - BAND * k / n)}'
                     f'{attrs(r="3", fill="#c62828" if late else "#2e7d32", data_min=minutes)}/>')
    if group.deadline_min is not None:
        dx = x(group.deadline_min)
        deadline = tr(lang, "deadline {minutes} min", minutes=num(group.deadline_min))
        parts.append(f'<line class="deadline"{attrs(x1=dx, y1=top + 4, x2=dx, y2=base + 2, data_min=group.deadline_min)}'
                     f' stroke="#c62828" stroke-width="1.5" stroke-dasharray="4 2"/>'
                     f'<text{attrs(x=dx + 3, y=base - 3, font_size="9", fill="#c62828")}>'
                     f"{esc(deadline)}</text>")
    never = [u for u in group.units if u.acked_at is None]
    label = tr(lang, "Group {number} {name}", number=group.number, name=group.name)
    parts.append(f'<text{attrs(x="8", y=base - 8, font_size="12", fill="#263238")}>{esc(label)}</text>')
    count = tr(lang, "{acked}/{units} acknowledged", acked=len(acked), units=len(group.units))
    parts.append(f'<text{attrs(x=RIGHT + 10, y=top + 20, font_size="11", fill="#263238")}>{esc(count)}</text>')
    if never:
        names = listing(lang, [u.name for u in never])
        shown = names if len(names) <= 11 else names[:10] + "…"
        full, short = tr(lang, "never acknowledged: {units}", units=names), tr(lang, "not acknowledged: {units}",
                                                                                 units=shown)
        parts.append(f'<text class="unacked"{attrs(x=RIGHT + 10, y=top + 36, font_size="10", fill="#c62828")}'
                     f'{attrs(data_units=",".join(u.unit for u in never))}>'
                     f"<title>{esc(full)}</title>{esc(short)}</text>")
    data_attrs = attrs(data_group=f"g{group.number}", data_key=group.key, data_units=len(group.units),
                       data_acked=len(acked))
    return f'<g class="ack-group"{data_attrs}>{"".join(parts)}</g>'


def _axis(top: float, end: float, step: float, lang: str) -> str:
    parts = [f'<line{attrs(x1=LEFT, y1=top, x2=RIGHT, y2=top)} stroke="#263238"/>']
    ticks = round(end / step)
    for i in range(ticks + 1):
        tx = LEFT + (RIGHT - LEFT) * i / ticks
        parts.append(f'<line{attrs(x1=tx, y1=top, x2=tx, y2=top + 4)} stroke="#263238"/>'
                     f'<text{attrs(x=tx, y=top + 15, text_anchor="middle", font_size="10")}>{num(step * i)}</text>')
    caption = tr(lang, "park minutes after the group's activation")
    parts.append(f'<text{attrs(x=(LEFT + RIGHT) / 2, y=top + 29, text_anchor="middle", font_size="10")}'
                 f' fill="#546e7a">{esc(caption)}</text>')
    return f'<g id="ack-axis">{"".join(parts)}</g>'


def render_ack_chart(data: AckChart, lang: str) -> str:
    end, step = _axis_end(data)
    rows = [_row(g, data, HEADER + i * ROW, end, lang) for i, g in enumerate(data.groups)]
    height = HEADER + len(data.groups) * ROW + AXIS
    heading = tr(lang, "Acknowledgements per group (time scale ×{scale})", scale=num(data.time_scale))
    body = (f'<rect{attrs(x="0", y="0", width=WIDTH, height=height, fill="#ffffff")}/>'
            f'<text{attrs(x="8", y="17", font_size="12", fill="#546e7a")}>{esc(heading)}</text>'
            + "".join(rows) + _axis(HEADER + len(data.groups) * ROW + 4, end, step, lang))
    if not data.groups:
        empty = tr(lang, "no group was activated")
        body += f'<text{attrs(x="8", y=HEADER + 16)}>{esc(empty)}</text>'
    return root(body, width=WIDTH, height=height + (ROW if not data.groups else 0), title=data.title, id_="ack-chart",
                lang=lang, data_time_scale=num(data.time_scale))
