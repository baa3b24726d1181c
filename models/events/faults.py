"""The payloads of what went wrong with a run itself (not with a unit or a group: those are response entries)."""

from __future__ import annotations

from typing import ClassVar

from models.events.base import EventKind, Payload
from models.events.names import Names
from models.i18n import tr
from models.run_lease import LostRunAction


class RunFailed(Payload):
    """The run stopped on an error: what it held went back to the depots, and the incident was closed."""

    kind: ClassVar[EventKind] = EventKind.run_failed
    error: str
    released: int
    cancelled_requisitions: list[int]

    def text(self, lang: str, names: Names | None = None) -> str:
        return tr(lang, "the run failed ({error}); {released} reserved units went back to the depots, "
                        "{cancelled} undelivered requisitions cancelled; the incident is closed",
                  error=self.error, released=self.released, cancelled=len(self.cancelled_requisitions))


class RunLost(Payload):
    """The watchdog found the incident's live run silent (its heartbeat stale) and what it did about it."""

    kind: ClassVar[EventKind] = EventKind.run_lost
    flow_run: str
    silent_s: float
    action: LostRunAction
    resumed_as: str | None = None
    resumes: int = 0  # resumes of this incident, this one included
    max_resumes: int = 0

    def text(self, lang: str, names: Names | None = None) -> str:
        lost = tr(lang, "flow run {run} went silent ({s:.0f} s without a heartbeat)", run=self.flow_run,
                  s=self.silent_s)
        if self.action is LostRunAction.resume:
            return tr(lang, "{lost}: resumed as flow run {new} ({n} of at most {max})", lost=lost,
                      new=self.resumed_as, n=self.resumes, max=self.max_resumes)
        if self.action is LostRunAction.too_many:
            return tr(lang, "{lost}: resumed {n} times already, not again; an operator must look at it",
                      lost=lost, n=self.resumes)
        if self.action is LostRunAction.cancelled:
            return tr(lang, "{lost}: it was cancelled in Prefect, so it is not resumed", lost=lost)
        return tr(lang, "{lost}: it was not started from a deployment, so it is not resumed; run it again with "
                        "`parklink respond … --incident-id`", lost=lost)
