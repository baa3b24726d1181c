"""What a run tells Prefect's run log, so that the run page in the Prefect UI reads like the timeline.

    run_logger()                        the logger of the flow or task run under way; this module's logger outside
                                        one (a phase called from a test or the CLI): it never raises
    say(line)                           one INFO line; best-effort: logging never fails a task
    log_events(events, lang, names)     each entry's text as the timeline says it (`Event.text`, models.i18n), in
                                        the run's language; an acknowledgement with its ETA
    record(session, incident, lang, events)
                                        `models.event_store.record_events`, and each entry it wrote logged as above
                                        (an entry a re-run finds there already is not told again)

The words are the record's: one text mechanism (tr and the catalogue), no second set of strings. The few lines
the record has no entry for (a group's counts, requisitions waiting, allocations) come from
tasks.response.phases.story and go through `say`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlmodel import Session

from models.event_store import record_events
from models.events import Event, Names, UnitOutcomeEvent
from models.i18n import tr

LOG = logging.getLogger("parklink.run")


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    """The run logger of the flow or task run under way (its lines reach the run's page); else LOG."""
    from prefect.exceptions import MissingContextError
    from prefect.logging.loggers import get_run_logger

    try:
        return get_run_logger()
    except MissingContextError:
        return LOG


def say(line: str) -> None:
    """One INFO line in the run's log; whatever goes wrong here is swallowed (logging never fails a task)."""
    try:
        run_logger().info("%s", line)
    except Exception:  # noqa: BLE001 — best-effort by design
        LOG.debug("run log line dropped", exc_info=True)


def event_line(event: Event, lang: str, names: Names | None = None) -> str:
    """An entry as the run log says it: its timeline text; an acknowledgement with the ETA the person gave."""
    text = event.text(lang, names)
    payload = event.payload
    if isinstance(payload, UnitOutcomeEvent) and payload.eta_min is not None:
        text = f"{text} {tr(lang, 'ETA {n} min.', n=payload.eta_min)}"
    return text


def log_events(events: Iterable[Event], lang: str, names: Names | None = None) -> None:
    """Each entry's text as one INFO line, in `lang`; best-effort."""
    try:
        for event in events:
            say(event_line(event, lang, names))
    except Exception:  # noqa: BLE001 — a text that cannot be said never fails the task that recorded it
        LOG.debug("run log entries dropped", exc_info=True)


def record(session: Session, *, incident: str, lang: str, events: Iterable[Event]) -> list[Event]:
    """Record the entries (once per key) and tell the run log the ones written now, in `lang`."""
    told: list[Event] = []
    recorded = record_events(session=session, incident=incident, events=events, on_new=told.append)
    log_events(told, lang)
    return recorded
