"""The start of a warning's run: the request checked and written, or an existing warning read back.

    open_warning(request, warning_id, drill=…, time_scale=…, lang=…) → OpenedWarning

Everything a request can get wrong (unknown playbook, unknown enterprise, a bad time scale, a warning id that
does not exist, a drill continued as a live run) raises InputError before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from models.db import session_scope
from models.directory import Unit, UnitKind
from models.errors import InputError
from models.event_store import record_events
from models.events import Event, WarningRaised
from models.incident_report import check_time_scale
from models.playbook import ResolvedPlan
from models.position import Position
from models.warning import WarningRecord
from models.warning_kinds import WarningRequest, WarningState
from models.warning_store import create_warning, get_warning
from tasks.response.launch import require_live
from tasks.response.runtime import db, library, run_settings
from tasks.warning.results import WarningResult
from tasks.warning.rules import level_units
from tasks.warning.steps import WarningRun

# Who a warning concerns besides the playbook's units: every active unit but the leading group and its office,
# which run the mechanism.
NOT_LINKED = (UnitKind.leading_group, UnitKind.office)


@dataclass(frozen=True)
class OpenedWarning:
    run: WarningRun
    plans: list[ResolvedPlan]  # the playbook at each response level, lowest first
    lowest_level_units: list[str]
    linked_units: list[str]
    position: Position | None
    office: str
    finished: WarningResult | None = None  # the warning had ended: what it did, read back


def _check(request: WarningRequest, known: list[str], session) -> None:
    if request.playbook not in known:
        raise InputError(f"unknown playbook `{request.playbook}`; choose from {', '.join(sorted(known))}",
                         exit_code=2)
    if request.enterprise is not None:
        unit = session.get(Unit, request.enterprise)
        if unit is None or unit.kind != UnitKind.enterprise or not unit.active:
            raise InputError(f"enterprise `{request.enterprise}`: not a resident enterprise of the directory",
                             exit_code=2)


def _position(row: WarningRecord, session) -> Position | None:
    """Where the reserve check plans from: the warning's point, its enterprise's site, else the middle of the
    park's sites."""
    if row.latitude is not None:
        return Position(row.latitude, row.longitude)
    sites = session.exec(select(Unit).where(Unit.active, Unit.latitude.is_not(None))).all()
    if row.enterprise is not None:
        site = next((u for u in sites if u.code == row.enterprise), None)
        if site is not None:
            return Position(site.latitude, site.longitude)
    if not sites:
        return None
    return Position(sum(u.latitude for u in sites) / len(sites), sum(u.longitude for u in sites) / len(sites))


def new_warning(request: WarningRequest, *, drill: bool, time_scale: float | None, lang: str) -> WarningRecord:
    """Check a new warning and write it (InputError, exit 2, nothing written, when it is wrong or a live warning
    could not reach people); the run then carries it by its id."""
    settings = run_settings(lang)
    engine = db(settings)
    playbooks = library(settings)
    scale = check_time_scale(time_scale if time_scale is not None else (settings.drill_time_scale if drill else 1.0))
    with session_scope(engine) as session:
        _check(request, playbooks.ids(), session)
    if not drill:
        require_live(engine, run_settings(lang, scale))
    with session_scope(engine) as session:
        row = create_warning(session=session, request=request, drill=drill, lang=lang, time_scale=scale)
        session.flush()
        session.expunge(row)
    return row


def open_warning(request: WarningRequest | dict | None, warning_id: str | None, *, drill: bool,
                 time_scale: float | None, lang: str) -> OpenedWarning:
    if (request is None) == (warning_id is None):
        raise InputError("give a new warning or the id of one to carry on, not both", exit_code=2)
    if request is not None:
        request = request if isinstance(request, WarningRequest) else WarningRequest.model_validate(request)
        warning_id = new_warning(request, drill=drill, time_scale=time_scale, lang=lang).id
    settings = run_settings(lang)
    engine = db(settings)
    playbooks = library(settings)
    with session_scope(engine) as session:
        row = get_warning(session=session, warning_id=warning_id)
        if row.drill != drill and drill:
            raise InputError(f"warning `{warning_id}` is live; it cannot go on as a drill", exit_code=2)
        drill, scale, lang = row.drill, row.time_scale, row.lang
        levels = playbooks.levels(row.playbook_id)
        plans = [playbooks.resolve(row.playbook_id, level) for level in levels]
        title = plans[0]
        run = WarningRun(warning_id=row.id, playbook=row.playbook_id, colour=row.colour, title_zh=title.title_zh,
                         title_en=title.title_en, lang=lang, time_scale=scale, drill=drill,
                         enterprise=row.enterprise, text=row.text)
        linked = sorted(u.code for u in session.exec(select(Unit).where(Unit.active)).all()
                        if u.kind not in NOT_LINKED)
        position = _position(row, session)
        state = row.state
        record_events(session=session, warning=row.id, events=[Event(  # once: its key
            key=run.key("raised"), actor=row.source_ref or row.source.value, at=row.raised_at, payload=WarningRaised(
                playbook=row.playbook_id, title={"zh": title.title_zh, "en": title.title_en}, colour=row.colour,
                drill=drill, source=row.source.value, where=row.enterprise or (
                    f"{row.latitude:.5f},{row.longitude:.5f}" if row.latitude is not None else ""),
                expires=row.expires))])
    finished = None
    if state is not WarningState.active:
        from tasks.warning.readback import read_back

        finished = read_back(engine, run.warning_id)
    return OpenedWarning(run=run, plans=plans, lowest_level_units=level_units(plans[0], run.enterprise),
                         linked_units=linked, position=position, office=settings.office_unit,
                         finished=finished)
