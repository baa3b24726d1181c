"""CAP 1.2's text formats turned into values, each refusal one `InputError` line (exit 2). Pure.

    Refuse(where)                 the error maker: `refuse(path, problem, fix)` → "WHERE: PATH problem; fix"
    choice(refuse, path, text, E) → E          one of an enum's spellings ("Severe"), else the list to use
    cap_time(refuse, path, text)  → datetime   ISO 8601 with an offset (CAP: `2026-12-01T08:00:00+08:00`)
    references(refuse, text)      → (CapKey…)  CAP's "sender,identifier,sent sender,identifier,sent"
    polygon(refuse, path, text)   → (Point…)   "lat,lon lat,lon …", at least 4 points, a closed ring
    circle(refuse, path, text)    → Circle     "lat,lon radius_km"
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from models.cap_kinds import CapKey
from models.errors import InputError, one_line
from tasks.cap.model import Circle, Point

EXIT_CODE = 2  # a bad alert is bad input: `parklink warn --cap` exits 2, nothing written
MAX_KEY_CHARS = 120  # sender and identifier each: `sender,identifier,sent` fits a warning's source_ref
TIME_EXAMPLE = "2026-12-01T08:00:00+08:00"
E = TypeVar("E", bound=StrEnum)


def shown(text: str, limit: int = 80) -> str:
    """A value from the document as a message quotes it: one line, cut to `limit` characters."""
    text = one_line(text)
    return f"'{text}'" if len(text) <= limit else f"'{text[:limit]}…'"


class Refuse:
    """Makes the one line of a refusal, starting with where the alert came from."""

    def __init__(self, where: str):
        self.where = where

    def __call__(self, path: str, problem: str, fix: str) -> InputError:
        return InputError(one_line(f"{self.where}: {path} {problem}; {fix}"), exit_code=EXIT_CODE)


def words(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def choice(refuse: Refuse, path: str, text: str, enum: type[E]) -> E:
    for member in enum:
        if member.value == text:
            return member
    raise refuse(path, f"is {shown(text)}", f"use {words([m.value for m in enum])}")


def cap_time(refuse: Refuse, path: str, text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text) if re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)", text) else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise refuse(path, f"is {shown(text)}", f"write an ISO 8601 time with its offset, e.g. {TIME_EXAMPLE}")
    return at


def key_part(refuse: Refuse, path: str, text: str) -> str:
    """A sender or an identifier: CAP forbids spaces, commas and `<`, `&` in them (references would break)."""
    if re.search(r"[\s,<&]", text):
        raise refuse(path, f"is {shown(text)}", "remove the spaces, commas, < and & (CAP forbids them there)")
    if len(text) > MAX_KEY_CHARS:
        raise refuse(path, f"is {len(text)} characters long", f"ParkLink keeps at most {MAX_KEY_CHARS}")
    return text


def references(refuse: Refuse, text: str) -> tuple[CapKey, ...]:
    out = []
    for entry in text.split():
        parts = entry.split(",")
        if len(parts) != 3 or not all(parts):
            raise refuse("<references>", f"entry {shown(entry)} is not sender,identifier,sent",
                         f"write each alert it changes as sender,identifier,sent, e.g. "
                         f"qxj@example.invalid,QX-001,{TIME_EXAMPLE}, separated by spaces")
        sender = key_part(refuse, "<references> sender", parts[0])
        identifier = key_part(refuse, "<references> identifier", parts[1])
        out.append(CapKey(sender=sender, identifier=identifier, sent=cap_time(refuse, "<references> sent", parts[2])))
    if not out:
        raise refuse("<references>", "is empty", "name the alert it changes as sender,identifier,sent")
    return tuple(out)


def _point(refuse: Refuse, path: str, text: str) -> Point:
    lat_lon = text.split(",")
    try:
        lat, lon = (float(v) for v in lat_lon) if len(lat_lon) == 2 else (math.nan, math.nan)
    except ValueError:
        lat = lon = math.nan
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise refuse(path, f"point {shown(text, 40)} is not lat,lon", "write WGS 84 degrees such as 36.14,112.27")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise refuse(path, f"point {shown(text, 40)} is off the globe",
                     "latitude comes first (−90…90), then longitude (−180…180)")
    return Point(latitude=lat, longitude=lon)


def polygon(refuse: Refuse, path: str, text: str) -> tuple[Point, ...]:
    points = tuple(_point(refuse, path, p) for p in text.split())
    if len(points) < 4:
        raise refuse(path, f"has {len(points)} point(s)", "a CAP polygon needs at least 4, the last equal to the first")
    if points[0] != points[-1]:
        raise refuse(path, "is not closed (its last point differs from its first)", "repeat the first point at the end")
    return points


def circle(refuse: Refuse, path: str, text: str) -> Circle:
    parts = text.split()
    radius = math.nan
    if len(parts) == 2:
        try:
            radius = float(parts[1])
        except ValueError:
            pass
    if not (math.isfinite(radius) and radius >= 0):
        raise refuse(path, f"is {shown(text)}", "write LAT,LON RADIUS_KM, e.g. 36.14,112.27 5")
    return Circle(centre=_point(refuse, path, parts[0]), radius_km=radius)
