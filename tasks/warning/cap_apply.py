"""A CAP alert applied to the park's warnings: read, interpreted (tasks/cap), recorded once, acted on.

    read_source(source, settings) → (bytes, where)    a file (within 1 MiB) or an http(s) URL (httpx, bounded)
    apply_cap(engine, data, where=…, playbook=…, drill=…, lang=…, time_scale=…) → CapApplied

    Alert             a new warning is written (its run is the caller's to start: `CapApplied.new`)
    Update            the warning its references raised is raised or lowered to the new colour (a change its run
                      applies); one whose references raised no warning (they were out of area) raises a new one
    Cancel            that warning is cancelled
    out of area       recorded and ignored; an Update that no longer covers the park cancels the warning it changes
    ignored           recorded with the reason (Test, System, Draft; Exercise outside a drill; expired)
    duplicate         the same sender, identifier and sent again: nothing changes

Anything wrong with the document, an unmapped event, an Update or Cancel whose references name no alert ever
received: InputError (one line, exit 2), nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import Engine
from sqlmodel import select

from models.cap_kinds import CapOutcome
from models.cap_store import record_alert, seen, set_warning, warning_for
from models.db import session_scope
from models.directory import Unit
from models.errors import InputError
from models.text_file import FileRefused, read_bytes
from models.warning import ChangeKind
from models.warning_kinds import WarningState
from models.warning_store import find_warning, finish, request_change
from tasks.cap.area import ParkArea
from tasks.cap.interpret import CapDecision, DecisionKind, interpret
from tasks.cap.maps import CapMaps
from tasks.cap.parse import read_cap
from tasks.warning.opening import new_warning

MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class CapApplied:
    key: str
    kind: DecisionKind
    outcome: CapOutcome
    warning_id: str | None = None
    change: ChangeKind | None = None
    reason: str = ""
    new: bool = False  # a new warning was written: its run is to be started

    def as_dict(self) -> dict:
        return {"key": self.key, "kind": self.kind.value, "outcome": self.outcome.value,
                "warning": self.warning_id, "change": self.change.value if self.change else None,
                "reason": self.reason, "new": self.new}


def read_source(source: str, settings, client: httpx.Client | None = None) -> tuple[bytes, str]:
    if source.startswith(("http://", "https://")):
        try:
            with (client or httpx.Client(timeout=settings.notify_timeout_s, follow_redirects=True)) as http:
                with http.stream("GET", source) as response:
                    response.raise_for_status()
                    data = bytearray()
                    for chunk in response.iter_bytes():
                        data += chunk
                        if len(data) > 8 * MAX_BYTES:
                            raise InputError(f"{source}: over 8 MiB; not a CAP alert or feed", exit_code=2)
                    return bytes(data), source
        except httpx.HTTPStatusError as exc:
            raise InputError(f"{source}: could not be fetched (HTTP {exc.response.status_code}); check the URL",
                             exit_code=2) from None
        except httpx.HTTPError as exc:
            why = str(exc).splitlines()[0] if str(exc) else ""
            raise InputError(f"{source}: could not be fetched ({exc.__class__.__name__}{': ' + why if why else ''}); "
                             "check the URL", exit_code=2) from None
    path = Path(source)
    try:
        return read_bytes(path, shown=path.name, limit=MAX_BYTES), path.name
    except FileRefused as exc:
        raise InputError(str(exc), exit_code=2) from None


def park_area(engine: Engine, settings) -> ParkArea:
    with session_scope(engine) as session:
        units = [u for u in session.exec(select(Unit).where(Unit.active)).all() if u.latitude is not None]
    return ParkArea.of(units, geocodes=settings.park_geocodes)


def _record(engine: Engine, decision: CapDecision, raw: str, outcome: CapOutcome, warning_id: str | None) -> CapOutcome:
    with session_scope(engine) as session:
        return record_alert(session=session, key=decision.key, msg_type=decision.msg_type, status=decision.status,
                            outcome=outcome, raw=raw, warning_id=warning_id)


def _active(engine: Engine, warning_id: str | None):
    with session_scope(engine) as session:
        row = find_warning(session=session, warning_id=warning_id) if warning_id else None
        return row if row is not None and row.state is WarningState.active else None


def _change(engine: Engine, decision: CapDecision, warning, kind: ChangeKind | None) -> ChangeKind | None:
    """The change to the warning an Update or Cancel asks for (none when the colour is the same)."""
    to = decision.colour if kind is None else None
    if kind is None:
        if to is None or to == warning.colour:
            return None
        kind = ChangeKind.raise_ if to > warning.colour else ChangeKind.lower
    with session_scope(engine) as session:
        request_change(session=session, warning_id=warning.id, kind=kind, to_colour=to, by="cap",
                       reason=f"CAP {decision.msg_type.value} {decision.key}"[:500])
    return kind


def apply_cap(engine: Engine, data: bytes, *, where: str, settings, playbook: str | None, drill: bool, lang: str,
              time_scale: float | None) -> CapApplied:
    alert = read_cap(data, where=where)
    maps = CapMaps.build(severity=settings.cap_severity_map, events=settings.cap_event_map)
    decision = interpret(alert, park=park_area(engine, settings), maps=maps, playbook=playbook, drill=drill)
    key = str(decision.key)
    with session_scope(engine) as session:
        if seen(session=session, key=decision.key) is not None:
            return CapApplied(key, decision.kind, CapOutcome.duplicate, reason="received before: nothing changed")
        referenced = (warning_for(session=session, refs=decision.references, where=where)
                      if decision.references and decision.kind is not DecisionKind.alert else None)
    raw = alert.raw
    if decision.kind is DecisionKind.ignored:
        return CapApplied(key, decision.kind, _record(engine, decision, raw, CapOutcome.ignored, None),
                          reason=decision.reason or "")
    warning = _active(engine, referenced)
    if decision.kind is DecisionKind.out_of_area:
        change = _change(engine, decision, warning, ChangeKind.cancel) if warning is not None else None
        outcome = _record(engine, decision, raw, CapOutcome.out_of_area, warning.id if warning else None)
        return CapApplied(key, decision.kind, outcome, warning.id if warning else None, change, decision.reason or "")
    if decision.kind in (DecisionKind.update, DecisionKind.cancel) and referenced is not None:
        if warning is None:
            return CapApplied(key, decision.kind, _record(engine, decision, raw, CapOutcome.ignored, referenced),
                              referenced, reason=f"warning {referenced} has ended already")
        change = _change(engine, decision, warning,
                         ChangeKind.cancel if decision.kind is DecisionKind.cancel else None)
        return CapApplied(key, decision.kind, _record(engine, decision, raw, CapOutcome.applied, warning.id),
                          warning.id, change)
    if decision.kind is DecisionKind.cancel:  # its alerts raised no warning: nothing to lift
        return CapApplied(key, decision.kind, _record(engine, decision, raw, CapOutcome.ignored, None),
                          reason="the alerts it cancels raised no warning")
    row = new_warning(decision.request, drill=drill, time_scale=time_scale, lang=lang)  # checked: exit 2 if wrong
    if _record(engine, decision, raw, CapOutcome.applied, row.id) is CapOutcome.duplicate:  # another poller won
        with session_scope(engine) as session:
            finish(session=session, warning_id=row.id, state=WarningState.lifted, reason=f"duplicate of CAP {key}")
        return CapApplied(key, decision.kind, CapOutcome.duplicate, reason="received at the same time elsewhere")
    with session_scope(engine) as session:
        set_warning(session=session, key=decision.key, warning_id=row.id)
    return CapApplied(key, decision.kind, CapOutcome.applied, row.id, new=True)
