"""Duty rosters as one iCalendar (RFC 5545) calendar: one VEVENT per shift. Pure: no database, no Prefect.

    rosters_to_ical(rosters, start, end, *, unit_names=None, phones=None, stamp=None, name=None) → bytes

Each shift that `tasks.duty.roster.assignments` gives for [start, end) (swaps and overrides applied, shifts not
cut to the window) is one VEVENT:

    UID          `<unit>-<role>-<start, Asia/Shanghai, YYYYMMDDTHHMMSS>@parklink`; `-2`, `-3`… after it for a
                 second shift of the same unit and role starting at the same time (two rotations of one role)
    DTSTART/DTEND  TZID=Asia/Shanghai (the calendar carries its VTIMEZONE)
    SUMMARY      `值班员 张三 · 领导组办公室` — the role's word, the person, the unit's name (or its code)
    ATTENDEE     CN=<name>; CUTYPE=INDIVIDUAL; the address is `tel:` the person's phone when `phones` has it
                 (RFC 3966: `tel:+86…` as given when it starts with +, else a local number with
                 `;phone-context=+86`), else `urn:uuid:<uuid5 of "parklink:person:<unit>:<name>">` (RFC 4122) —
                 a stable, valid URI that names nobody's mailbox
    CATEGORIES   the role's word and its value (`值班员,duty_officer`)
    X-PARKLINK-UNIT / X-PARKLINK-ROLE / X-PARKLINK-SOURCE   unit code, DutyRole value, rotation|fixed|swap|override
    DESCRIPTION  the shift's note (the shift's name; who asked for and approved a swap; an override's reason)
    DTSTAMP      `stamp` (default: now, UTC)
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import UTC, datetime
from enum import StrEnum

from icalendar import Calendar, Event, vCalAddress, vText

from models.duty import DutyRole
from models.types import SHANGHAI
from tasks.duty.roster import Assignment, UnitRoster, assignments

PRODID = "-//ParkLink//duty//ZH"
UID_DOMAIN = "parklink"
DEFAULT_CALNAME = "ParkLink 值班表"
ROLE_WORD = {DutyRole.duty_officer: "值班员", DutyRole.leader_on_duty: "带班领导"}
_PERSON_NS = uuid.uuid5(uuid.NAMESPACE_DNS, "parklink.invalid")
_TEL = re.compile(r"\+?[0-9][0-9().-]*")


class Prop(StrEnum):
    """ParkLink's own properties on a VEVENT (RFC 5545 §3.8.8.2 non-standard, X- prefixed)."""

    unit = "X-PARKLINK-UNIT"
    role = "X-PARKLINK-ROLE"
    source = "X-PARKLINK-SOURCE"


def rosters_to_ical(rosters: list[UnitRoster], start: datetime, end: datetime, *,
                    unit_names: dict[str, str] | None = None, phones: dict[tuple[str, str], str] | None = None,
                    stamp: datetime | None = None, name: str | None = None) -> bytes:
    """One VCALENDAR of every roster's shifts overlapping [start, end) (aware datetimes), as RFC 5545 bytes.

    `unit_names`: unit code → the name shown in SUMMARY and X-WR-CALNAME; `phones`: (unit, person) → phone.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    unit_names, phones = unit_names or {}, phones or {}
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name or _calname(rosters, unit_names))
    cal.add("x-wr-timezone", "Asia/Shanghai")
    uids: Counter[str] = Counter()
    for roster in rosters:
        for slot in sorted(assignments(roster, start, end), key=lambda s: (s.start, s.role, s.end, s.name)):
            uid = _uid(slot)
            uids[uid] += 1
            if uids[uid] > 1:
                uid = uid.replace(f"@{UID_DOMAIN}", f"-{uids[uid]}@{UID_DOMAIN}")
            unit_name = unit_names.get(slot.unit, slot.unit)
            cal.add_component(_event(slot, uid, unit_name, phones.get((slot.unit, slot.name)), stamp))
    cal.add_missing_timezones()
    return cal.to_ical()


def _calname(rosters: list[UnitRoster], unit_names: dict[str, str]) -> str:
    if len(rosters) == 1:
        unit = rosters[0].unit
        return f"{DEFAULT_CALNAME} · {unit_names.get(unit, unit)}"
    return DEFAULT_CALNAME


def _uid(slot: Assignment) -> str:
    return f"{slot.unit}-{slot.role.value}-{slot.start.astimezone(SHANGHAI):%Y%m%dT%H%M%S}@{UID_DOMAIN}"


def _event(slot: Assignment, uid: str, unit_name: str, phone: str | None, stamp: datetime) -> Event:
    word = ROLE_WORD[slot.role]
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", slot.start.astimezone(SHANGHAI))
    event.add("dtend", slot.end.astimezone(SHANGHAI))
    event.add("summary", f"{word} {slot.name} · {unit_name}")
    attendee = vCalAddress(attendee_uri(slot.unit, slot.name, phone))
    attendee.params["CN"] = vText(slot.name)
    attendee.params["CUTYPE"] = vText("INDIVIDUAL")
    event.add("attendee", attendee, encode=0)
    event.add("categories", [word, slot.role.value])
    event.add(Prop.unit, slot.unit)
    event.add(Prop.role, slot.role.value)
    event.add(Prop.source, slot.source.value)
    if slot.note:
        event.add("description", slot.note)
    return event


def attendee_uri(unit: str, name: str, phone: str | None) -> str:
    """`tel:` for a phone RFC 3966 can carry, else a name-based `urn:uuid:` (the same person, the same URI)."""
    digits = re.sub(r"\s", "", phone or "")
    if digits and _TEL.fullmatch(digits) and sum(c.isdigit() for c in digits) >= 3:
        return f"tel:{digits}" if digits.startswith("+") else f"tel:{digits};phone-context=+86"
    return f"urn:uuid:{uuid.uuid5(_PERSON_NS, f'parklink:person:{unit}:{name}')}"
