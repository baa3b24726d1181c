"""A joint meeting's record — attendance, agenda, minutes, resolutions — read from the database and rendered
from `templates/meeting-record.<lang>.md.j2` (zh-CN, en), as the assessment is.

    record = meeting_record(engine, meeting_id)     MeetingRecord (typed; `parklink meeting show --json`)
    text = render_record(templates_dir, lang, record)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import Engine

from models.action import ActionSource
from models.action_store import list_actions
from models.db import session_scope
from models.meeting import AttendanceCounts, MeetingKind, MeetingState
from models.meeting_store import attendance, attendance_counts, get_meeting
from models.park_store import unit_names
from tasks.documents import render_markdown
from tasks.meeting.agenda import Agenda


class AttendanceLine(BaseModel):
    unit: str
    name_zh: str
    name_en: str
    answer: str
    delegate: str | None = None
    reason: str | None = None
    answered_by: str | None = None
    answered_at: dt.datetime | None = None


class ResolutionLine(BaseModel):
    action: str
    key: str
    text: str
    owner: str
    owner_zh: str
    owner_en: str
    due: dt.date
    state: str


class MeetingRecord(BaseModel):
    meeting: str
    date: dt.date
    kind: MeetingKind
    reason: str | None
    drill: bool
    state: MeetingState
    flow_run_id: str | None
    created_at: dt.datetime
    counts: AttendanceCounts
    attendance: list[AttendanceLine]
    agenda: Agenda | None
    minutes: str | None
    resolutions: list[ResolutionLine]


def meeting_record(engine: Engine, meeting_id: str) -> MeetingRecord:
    with session_scope(engine) as session:
        m = get_meeting(session=session, meeting_id=meeting_id)
        names = unit_names(session=session)
        lines = [AttendanceLine(unit=a.unit, name_zh=names.get(a.unit, (a.unit, a.unit))[0],
                                name_en=names.get(a.unit, (a.unit, a.unit))[1], answer=a.answer.value,
                                delegate=a.delegate, reason=a.reason, answered_by=a.answered_by,
                                answered_at=a.answered_at)
                 for a in attendance(session=session, meeting_id=meeting_id)]
        resolutions = [ResolutionLine(action=r.id, key=r.key, text=r.text, owner=r.owner,
                                      owner_zh=names.get(r.owner, (r.owner, r.owner))[0],
                                      owner_en=names.get(r.owner, (r.owner, r.owner))[1], due=r.due,
                                      state=r.state.value)
                       for r in list_actions(session=session, source=ActionSource.meeting, source_id=meeting_id)]
        resolutions.sort(key=lambda r: int(r.key.rsplit(":", 1)[-1]) if r.key.rsplit(":", 1)[-1].isdigit() else 0)
        return MeetingRecord(meeting=m.id, date=m.date, kind=m.kind, reason=m.reason, drill=m.drill, state=m.state,
                             flow_run_id=m.flow_run_id, created_at=m.created_at,
                             counts=attendance_counts(session=session, meeting_id=meeting_id), attendance=lines,
                             agenda=Agenda.model_validate_json(m.agenda) if m.agenda else None, minutes=m.minutes,
                             resolutions=resolutions)


def render_record(templates_dir: Path, lang: str, record: MeetingRecord) -> str:
    return render_markdown(templates_dir, "meeting-record", lang, {"m": record})
