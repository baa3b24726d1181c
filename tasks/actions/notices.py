"""The reminder flow's two messages about a corrective action, through the response's machinery (tasks/notify).

    remind(engine, settings, action_id, kind, today=, drill=)    the owner's primary liaison, told the due day
                                                                   nears (one message, an acknowledgement link)
    escalate(engine, settings, action_id, kind, today=, drill=)  the overdue notice: the owner's primary, then its
                                                                   head, then the office (PARKLINK_OFFICE_UNIT), each
                                                                   given PARKLINK_ACTION_ACK_MIN on the time scale

Both send under the action's own context (`ContextKind.action`, its id), with the stage as the message kind
(tasks/actions/stages.py) in the group `reminder` or `overdue` (`drill-reminder`, `drill-overdue` for a drill, so
a rehearsal never stands in for the real notice): a re-run the same day finds what it sent and sends nothing
again, and a run that died half-way carries the chase on. Each returns an ActionNotice: `sent` is true only when
this call delivered the notice.
"""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import Engine

from models.action import SOURCE_LABELS, CorrectiveAction
from models.action_store import get_action
from models.db import session_scope
from models.i18n import tr
from models.notification import ContextKind
from models.notification_store import notifications
from models.types import utcnow
from tasks.actions.results import ActionNotice
from tasks.notify.escalation import notify_units, send_wave
from tasks.notify.texts import Message
from tasks.response.context import deadline_text, pick
from tasks.response.runtime import http_client, park_context, render_file, unit_names

REMINDER, OVERDUE = "reminder", "overdue"


def group_of(base: str, drill: bool) -> str:
    return f"drill-{base}" if drill else base


def _read(engine: Engine, action_id: str, group: str, kind: str) -> tuple[CorrectiveAction, bool]:
    """The action, and whether its notice of this stage was delivered before."""
    with session_scope(engine) as session:
        action = get_action(session=session, action_id=action_id)
        sent = any(n.delivered_at is not None and n.message_kind == kind for n in notifications(
            session=session, context_kind=ContextKind.action, context_id=action_id, group=group))
    return action, sent


def _context(engine: Engine, settings, action: CorrectiveAction, today: date, drill: bool, **more) -> dict:
    lang = settings.lang
    return {"park": park_context(settings, engine),
            "action": {"id": action.id, "text": action.text, "due": action.due.isoformat(),
                       "days_left": (action.due - today).days, "days_over": (today - action.due).days,
                       "source": tr(lang, SOURCE_LABELS[action.source]), "source_id": action.source_id,
                       "owner_name": pick(unit_names(engine).get(action.owner, (action.owner,) * 2), lang),
                       "drill": drill}, **more}


async def remind(engine: Engine, settings, action_id: str, kind: str, *, today: date, drill: bool) -> ActionNotice:
    group = group_of(REMINDER, drill)
    action, before = await asyncio.to_thread(_read, engine, action_id, group, kind)
    text = render_file(settings.templates_dir, "action-reminder", settings.lang,
                       await asyncio.to_thread(_context, engine, settings, action, today, drill))
    rows = await send_wave(engine, context_kind=ContextKind.action, context_id=action.id, group=group,
                           units=[action.owner], message=Message(kind, text), settings=settings,
                           client=http_client(settings))
    delivered = any(r.delivered_at is not None for r in rows)
    problems = [] if delivered else [(rows[0].last_error or "not delivered") if rows else "no active primary liaison"]
    return ActionNotice(action=action.id, kind=kind, owner=action.owner, sent=delivered and not before,
                        problems=problems)


async def escalate(engine: Engine, settings, action_id: str, kind: str, *, today: date, drill: bool) -> ActionNotice:
    group, minutes = group_of(OVERDUE, drill), settings.action_ack_min
    action, before = await asyncio.to_thread(_read, engine, action_id, group, kind)
    text = render_file(settings.templates_dir, "action-overdue", settings.lang, await asyncio.to_thread(
        _context, engine, settings, action, today, drill,
        ack_deadline_at=deadline_text(utcnow(), minutes, settings.time_scale)))
    [out] = await notify_units(engine, context_kind=ContextKind.action, context_id=action.id, group=group,
                               units=[action.owner], message=Message(kind, text), deadline_s=minutes * 60.0,
                               escalation=["head", settings.office_unit], settings=settings,
                               client=http_client(settings))
    return ActionNotice(action=action.id, kind=kind, owner=action.owner, sent=out.delivered > 0 and not before,
                        status=out.status, acked_by=out.acked_by.label(settings.lang) if out.acked_by else None,
                        escalated_to=[p.label(settings.lang) for p in out.escalated_to], problems=out.problems)
