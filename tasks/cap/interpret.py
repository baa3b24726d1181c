"""What a CAP alert means for the park: a `CapDecision` (issue 13, item 3). Pure.

    interpret(alert, park=…, maps=…, playbook=None, drill=False, now=None) → CapDecision

In this order:
1. status: Actual is applied; Exercise only in a drill (`drill=True`, i.e. `--drill`); Test, System and Draft
   never (kind `ignored`, with the reason). An Ack or Error message carries no warning: ignored.
2. Cancel → kind `cancel` with its references (the flow lifts the warning they raised; models.cap_store).
3. area: the infos whose areas cover the park (tasks.cap.area); none → `out_of_area` (recorded, not applied;
   an Update that no longer covers the park is out_of_area too — its references' warning should be lifted).
4. expiry: infos whose `expires` has passed are dropped; none left → ignored.
5. colour of each info: the highest colour word (tasks.cap.maps.colour_word) of its event, else of its parameter
   values, else of its headline; without one, its severity by the severity map. The info with the highest colour
   is taken (Chinese first on a tie). No colour at all (severity Unknown, no word) → InputError.
6. playbook: the `playbook` argument (`--type`), else the event map; an unmapped event → InputError.
Every refusal is one line, exit code 2. The decision carries the WarningRequest the `warn` flow runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict

from models.cap_kinds import CapKey, CapMsgType, CapOutcome, CapStatus
from models.errors import InputError
from models.warning_kinds import Colour, WarningRequest, WarningSource
from tasks.cap.area import Coverage, ParkArea
from tasks.cap.fields import EXIT_CODE, shown
from tasks.cap.maps import EVENT_SETTING, SEVERITY_SETTING, CapMaps, colour_word
from tasks.cap.model import CapAlert, CapInfo

MAX_TEXT = 4000  # WarningRequest.text


class DecisionKind(StrEnum):
    alert = "alert"
    update = "update"
    cancel = "cancel"
    out_of_area = "out_of_area"
    ignored = "ignored"

    @property
    def outcome(self) -> CapOutcome:
        """What the store records once the flow has acted on it."""
        return {DecisionKind.out_of_area: CapOutcome.out_of_area,
                DecisionKind.ignored: CapOutcome.ignored}.get(self, CapOutcome.applied)


class ColourFrom(StrEnum):
    event = "event"
    parameter = "parameter"
    headline = "headline"
    severity = "severity"


class CapDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: DecisionKind
    key: CapKey  # the dedupe key: sender, identifier, sent
    msg_type: CapMsgType
    status: CapStatus
    references: tuple[CapKey, ...] = ()
    colour: Colour | None = None
    colour_from: ColourFrom | None = None
    playbook: str | None = None
    event: str | None = None
    onset: AwareDatetime | None = None
    expires: AwareDatetime | None = None
    text: str = ""
    coverage: Coverage | None = None
    reason: str | None = None  # why ignored or out of area, one line
    request: WarningRequest | None = None  # alert and update: the warning to raise or change to

    @property
    def source_ref(self) -> str:
        return str(self.key)

    @property
    def outcome(self) -> CapOutcome:
        return self.kind.outcome


def interpret(alert: CapAlert, *, park: ParkArea, maps: CapMaps, playbook: str | None = None, drill: bool = False,
              now: datetime | None = None) -> CapDecision:
    now = now or datetime.now(UTC)
    base = {"key": alert.key, "msg_type": alert.msg_type, "status": alert.status, "references": alert.references}
    why = _not_applied(alert, drill)
    if why:
        return CapDecision(kind=DecisionKind.ignored, reason=why, **base)
    if alert.msg_type is CapMsgType.cancel:
        first = alert.infos[0] if alert.infos else None
        return CapDecision(kind=DecisionKind.cancel, text=_text(first) if first else "",
                           event=first.event if first else None, **base)
    covering = [(info, cov) for info in alert.infos if (cov := park.coverage(info.areas)) is not None]
    if not covering:
        places = "; ".join(dict.fromkeys(a.area_desc for info in alert.infos for a in info.areas))
        return CapDecision(kind=DecisionKind.out_of_area, reason=f"its area does not cover the park ({places[:200]})",
                           event=alert.infos[0].event, **base)
    live = [(info, cov) for info, cov in covering if info.expires is None or info.expires > now]
    if not live:
        ended = max(info.expires for info, _ in covering)
        return CapDecision(kind=DecisionKind.ignored, reason=f"it expired at {ended.isoformat()}",
                           event=covering[0][0].event, **base)
    where = alert.where or f"alert {alert.key}"
    coloured = [(info, cov, *_colour(info, maps, where)) for info, cov in live]
    info, coverage, colour, colour_from = max(coloured, key=lambda c: (c[2], c[0].language.lower().startswith("zh")))
    chosen = playbook or maps.playbook_for(info.event)
    if chosen is None:
        raise InputError(f"{where}: event {shown(info.event)} maps to no playbook; add it to {EVENT_SETTING} "
                         f"(e.g. {{\"{info.event[:20]}\": \"hazmat-leak\"}}) or give --type PLAYBOOK",
                         exit_code=EXIT_CODE)
    if info.onset and info.expires and info.expires <= info.onset:
        raise InputError(f"{where}: <expires> {info.expires.isoformat()} is not after <onset> "
                         f"{info.onset.isoformat()}; the sender must correct the alert", exit_code=EXIT_CODE)
    text = _text(info)
    request = WarningRequest(playbook=chosen, colour=colour, onset=info.onset, expires=info.expires,
                             source=WarningSource.cap, source_ref=str(alert.key), text=text)
    kind = DecisionKind.update if alert.msg_type is CapMsgType.update else DecisionKind.alert
    return CapDecision(kind=kind, colour=colour, colour_from=colour_from, playbook=chosen, event=info.event,
                       onset=info.onset, expires=info.expires, text=text, coverage=coverage, request=request, **base)


def _not_applied(alert: CapAlert, drill: bool) -> str | None:
    if alert.msg_type in (CapMsgType.ack, CapMsgType.error):
        return f"a CAP {alert.msg_type.value} message carries no warning"
    if alert.status is CapStatus.actual:
        return None
    if alert.status is CapStatus.exercise:
        return None if drill else "an Exercise alert is applied only in a drill (--drill)"
    return f"its status is {alert.status.value}; only Actual alerts (and Exercise ones in a drill) are applied"


def _colour(info: CapInfo, maps: CapMaps, where: str) -> tuple[Colour, ColourFrom]:
    for source, texts in ((ColourFrom.event, [info.event]),
                          (ColourFrom.parameter, [p.value for p in info.parameters]),
                          (ColourFrom.headline, [info.headline])):
        found = [c for c in map(colour_word, texts) if c is not None]
        if found:
            return max(found), source
    colour = maps.severity.get(info.severity)
    if colour is None:
        raise InputError(f"{where}: severity {info.severity.value} and no colour word in event {shown(info.event)}; "
                         f"map {info.severity.value} in {SEVERITY_SETTING} or raise the warning by hand "
                         "(parklink warn --colour)", exit_code=EXIT_CODE)
    return colour, ColourFrom.severity


def _text(info: CapInfo) -> str:
    text = "\n".join(t for t in (info.headline, info.description) if t)
    return text[:MAX_TEXT]
