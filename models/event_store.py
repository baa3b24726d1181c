"""The one writer and the typed reader of a run's activity log: keyword-only functions that take the session.

`record_events` writes each `Event` once under its idempotency key (a retried task or a re-run finds the
entry it wrote before) with its payload as data and its text in zh-CN and English; `events` reads them back
as typed `Event`s, optionally of some kinds only. Nobody else writes `TimelineEvent` rows.
`names` resolves who the entries' codes are (the directory's units, the incident's message recipients) and
`timeline` gives the entries as a reviewer reads them (`TimelineEntry`, sorted by time, units and people named).
A warning's log (`WarningEvent`, models/warning.py) is written and read the same way: `record_events(warning=…)`,
`events(warning=…)`, `timeline(warning=…)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.events import Event, EventKind, Names, Recipient, Texts, UnitOutcomeEvent, parse_payload
from models.events.entry import TimelineEntry, entries
from models.incident import TimelineEvent
from models.notification import Notification
from models.park_store import unit_names
from models.types import utcnow
from models.warning import WarningEvent


def _subject(incident: str | None, warning: str | None) -> tuple[type, dict, object]:
    """The log an entry belongs to: an incident's (TimelineEvent) or a warning's (WarningEvent)."""
    if (incident is None) == (warning is None):
        raise ValueError("give the incident or the warning whose log it is")
    if incident is not None:
        return TimelineEvent, {"incident": incident}, TimelineEvent.incident == incident
    return WarningEvent, {"warning": warning}, WarningEvent.warning == warning


def _row(table: type, subject: dict, event: Event):
    payload = event.payload
    return table(**subject, key=event.key, actor=event.actor, kind=payload.kind.value,
                 summary_zh=payload.text("zh-CN"), summary_en=payload.text("en"),
                 data=payload.model_dump(mode="json"), at=event.at or utcnow())


def _strings(value: object) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set(value) | {s for v in value.values() for s in _strings(v)}
    if isinstance(value, list):
        return {s for v in value for s in _strings(v)}
    return set()


def _named(event: Event, known: Names) -> Event:
    """The event with the names of the units and people it mentions, as the directory has them now."""
    payload = event.payload
    mentioned = _strings(payload.model_dump(mode="json", exclude={"who"})) | {event.actor}
    ids = payload.notifications if isinstance(payload, UnitOutcomeEvent) else []
    who = Names(units={c: known.units[c] for c in sorted(mentioned) if c in known.units},
                people={i: known.people[i] for i in ids if i in known.people})
    return event.model_copy(update={"payload": payload.model_copy(update={"who": who})})


def record_events(*, session: Session, incident: str | None = None, events: Iterable[Event],
                  warning: str | None = None, on_new: Callable[[Event], None] | None = None) -> list[Event]:
    """Append each event once per key to the incident's (or the warning's) log, with the names of what it
    mentions (`Payload.who`); returns the events as recorded (the earlier entry for a known key). `on_new` is
    called with each entry this call wrote (not one found there already), as recorded."""
    table, subject, _ = _subject(incident, warning)
    events = list(events)
    if not events:
        return []
    keys = [e.key for e in events]
    existing = {r.key: r for r in session.exec(select(table).where(col(table.key).in_(keys))).all()}
    new = [e for e in events if e.key not in existing]
    known = names(session=session, events=new) if new else Names()
    out = []
    for event in events:
        row = existing.get(event.key)
        if row is None:
            row = _row(table, subject, _named(event, known))
            try:
                with session.begin_nested():
                    session.add(row)
            except IntegrityError:  # a concurrent run wrote the same key between our read and our write
                row = session.exec(select(table).where(table.key == event.key)).one()
            else:
                if on_new is not None:
                    on_new(typed(row))
            existing[event.key] = row
        out.append(typed(row))
    return out


def typed(row: TimelineEvent | WarningEvent) -> Event:
    return Event(key=row.key, actor=row.actor, at=row.at, id=row.id,
                 incident=getattr(row, "incident", None) or getattr(row, "warning", None),
                 payload=parse_payload(row.kind, row.data))


def events(*, session: Session, incident: str | None = None, kinds: Iterable[EventKind] | None = None,
           after_id: int | None = None, warning: str | None = None) -> list[Event]:
    """The incident's (or warning's) entries in time order, typed; only `kinds` when given, only those after
    `after_id`."""
    table, _, where = _subject(incident, warning)
    query = select(table).where(where)
    if kinds is not None:
        query = query.where(col(table.kind).in_([k.value for k in kinds]))
    if after_id is not None:
        query = query.where(col(table.id) > after_id)
    return [typed(r) for r in session.exec(query.order_by(table.at, table.id)).all()]


def timeline_rows(*, session: Session, incident: str) -> list[TimelineEvent]:
    """The entries as stored (time, actor, the texts in both languages): what the assessment's timeline shows."""
    return list(session.exec(select(TimelineEvent).where(TimelineEvent.incident == incident)
                             .order_by(TimelineEvent.at, TimelineEvent.id)).all())


def names(*, session: Session, events: Iterable[Event] = ()) -> Names:
    """The directory's unit names and who each message the `events` name (their `notifications`) went to."""
    units = {code: Texts(zh=zh, en=en or zh) for code, (zh, en) in unit_names(session=session).items()}
    ids = sorted({i for e in events if isinstance(e.payload, UnitOutcomeEvent) for i in e.payload.notifications})
    people = {}
    if ids:
        rows = session.exec(select(Notification).where(col(Notification.id).in_(ids))).all()
        people = {r.id: Recipient(unit=r.recipient_unit, name=r.liaison_name, role=r.liaison_role, step=r.step,
                                  acked_at=r.acked_at) for r in rows}
    return Names(units=units, people=people)


def timeline(*, session: Session, incident: str | None = None, lang: str,
             kinds: Iterable[EventKind] | None = None, warning: str | None = None) -> list[TimelineEntry]:
    """The incident's (or warning's) activity log in `lang`, sorted by time, units and people by name (only
    `kinds` when given: an upward report's measures are `timeline(…, kinds=MEASURES)`)."""
    found = events(session=session, incident=incident, kinds=kinds, warning=warning)
    return entries(found, names(session=session, events=found), lang)


def last_event_id(*, session: Session) -> int:
    rows = session.exec(select(TimelineEvent.id).order_by(col(TimelineEvent.id).desc()).limit(1)).all()
    return rows[0] if rows else 0


def events_since(*, session: Session, after_id: int) -> list[Event]:
    """Every entry written after `after_id`, of any incident (the live view follows the newest run)."""
    rows = session.exec(select(TimelineEvent).where(col(TimelineEvent.id) > after_id).order_by(TimelineEvent.id)).all()
    return [typed(r) for r in rows]
