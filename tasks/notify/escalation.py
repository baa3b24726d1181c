"""A group's notification: send, wait for acknowledgements until the deadline, escalate the silent, report.

    outcomes = await notify_units(engine, context_kind=ContextKind.incident, context_id="42", group="g2",
                                  units=["yjj", "xfjydd"], message=Message("activate", "…"), deadline_s=900,
                                  escalation=None, settings=settings)

The database is the meeting point: acknowledgements arrive through the web service (another thread or
process) and are found by polling. Deadlines are park time divided by `settings.time_scale` (drills run
faster) and are counted from each message's recorded delivery, so every person gets the whole time and a
re-run does not restart the clock. Each unit's chain is
walked on its own: the first wave goes to its primary liaison; when the deadline passes unanswered (or the
message could not be delivered) the next step is messaged — by default deputy → the unit's duty officer →
unit head → the office's duty officer (PARKLINK_ESCALATION_CHAIN) — until someone acknowledges or the chain
ends. The duty steps (tasks/notify/duty_steps.py) are resolved from the rosters when the step is sent.
Per unit the outcome (tasks.notify.outcome.UnitOutcome) has a UnitStatus:

    acknowledged   the primary liaison acknowledged (by, at)
    escalated      the primary stayed silent; `escalated_to` lists who was messaged, `acked_by` who answered
    unreachable    nobody in the chain acknowledged
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import httpx
from sqlalchemy import Engine
from sqlmodel import select

from models.db import session_scope
from models.directory import CHAIN_ROLES, Liaison, Unit, UnitKind
from models.errors import InputError
from models.events import UnitStatus
from models.i18n import is_english
from models.notification import Notification
from models.notification_store import acked_ids, notifications
from models.types import utcnow
from tasks.notify.duty_steps import DUTY_STEPS, StepPlace, resolve_duty
from tasks.notify.outcome import Person, UnitOutcome
from tasks.notify.sender import Context, Sender, Target
from tasks.notify.texts import Message

ROLES = {r.value for r in CHAIN_ROLES}


def parse_chain(chain: str | list[str] | tuple[str, ...] | None, *, known_units: set[str]) -> list[str]:
    """Steps: a role of the unit (deputy, head, primary), whoever is on duty (duty, leader_on_duty,
    office_duty), a unit code (its primary), or `code/role`."""
    steps = [s.strip() for s in (chain.split(",") if isinstance(chain, str) else chain or []) if s and s.strip()]
    bad = []
    for step in steps:
        code, _, role = step.partition("/")
        if step in ROLES or step in DUTY_STEPS or (code in known_units and (not role or role in ROLES)):
            continue
        bad.append(step)
    if bad:
        raise InputError(f"escalation chain: unknown step(s) {', '.join(bad)}; a step is a role "
                         f"({', '.join(sorted(ROLES))}), who is on duty ({', '.join(DUTY_STEPS)}), a unit code, "
                         "or code/role")
    return steps


class _Directory:
    """The directory as it stands when the group is notified (read once)."""

    def __init__(self, engine: Engine):
        with session_scope(engine) as session:
            self.units = {u.code: u for u in session.exec(select(Unit)).all()}
            offices = sorted(c for c, u in self.units.items() if u.kind == UnitKind.office and u.active)
            self.office = offices[0] if offices else None
            self.people: dict[tuple[str, str], list[Liaison]] = {}
            for li in session.exec(select(Liaison).where(Liaison.active).order_by(Liaison.id)).all():
                self.people.setdefault((li.unit, str(li.role)), []).append(li)

    def name(self, code: str, lang: str) -> str:
        unit = self.units.get(code)
        if unit is None:
            return code
        return (unit.name_en or unit.name_zh) if is_english(lang) else unit.name_zh

    def resolve(self, unit: str, step: str) -> Liaison | None:
        code, _, role = step.partition("/")
        if step in ROLES:
            code, role = unit, step
        found = self.people.get((code, role or "primary"), [])
        if not found and not role:  # a unit named without a role: its primary, else its deputy
            found = self.people.get((code, "deputy"), [])
        return found[0] if found else None


class AckWatcher:
    """Polls the database for acknowledgements of the watched rows; waiters wake on every poll."""

    def __init__(self, engine: Engine, poll_s: float):
        self.engine, self.poll_s = engine, poll_s
        self.watched: set[int] = set()
        self.acked: dict[int, datetime] = {}
        # Waiters wait on the current tick, which every poll sets and replaces. An Event has no lock: a waiter
        # cancelled inside asyncio.wait_for cannot deadlock re-acquiring one, as Condition.wait could (seen at
        # teardown of a failed run, Python 3.11).
        self._tick = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> AckWatcher:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    def _poll(self, ids: list[int]) -> dict[int, datetime]:
        with session_scope(self.engine) as session:
            return acked_ids(session=session, ids=ids)

    async def poll_once(self) -> None:
        pending = sorted(self.watched - set(self.acked))
        if pending:
            self.acked.update(await asyncio.to_thread(self._poll, pending))
        tick, self._tick = self._tick, asyncio.Event()
        tick.set()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.poll_s)
            await self.poll_once()

    def any_acked(self, ids: list[int]) -> bool:
        return any(i in self.acked for i in ids)

    async def wait_any(self, ids: list[int], until: datetime) -> bool:
        """True as soon as one of `ids` is acknowledged; False at `until`."""
        self.watched.update(ids)
        while not self.any_acked(ids):
            remaining = (until - utcnow()).total_seconds()
            if remaining <= 0:  # one last look: an answer may have come since the last poll (or before a re-run)
                await self.poll_once()
                return self.any_acked(ids)
            try:
                await asyncio.wait_for(self._tick.wait(), timeout=min(remaining, self.poll_s * 2))
            except TimeoutError:
                pass
        return True


async def send_wave(engine: Engine, *, context_kind: str, context_id: str, group: str, units: list[str],
                    message: Message, settings, client: httpx.AsyncClient | None = None,
                    role: str = "primary") -> list[Notification]:
    """The first wave alone: message each unit's liaison of `role`; return the rows as recorded."""
    directory = await asyncio.to_thread(_Directory, engine)
    targets = [Target(unit=u, liaison=li, label=role) for u in units if (li := directory.resolve(u, role))]
    async with Sender(engine, settings, client) as sender:
        rows = await asyncio.to_thread(sender.prepare, Context(context_kind, context_id, group), message, targets)
        return await sender.deliver(rows)


async def notify_units(engine: Engine, *, context_kind: str, context_id: str, group: str, units: list[str],
                       message: Message, deadline_s: float, settings, escalation: str | list[str] | None = None,
                       step_deadline_s: float | None = None, waits_s: list[float] | None = None,
                       client: httpx.AsyncClient | None = None) -> list[UnitOutcome]:
    """Send to each unit's primary, wait, escalate the silent step by step; one outcome per unit.

    The clock (park seconds, divided by the time scale), each wait counted from the previous message's
    delivery: with `waits_s` (a playbook's chain: one per step, its `after_min`), step k is sent `waits_s[k-1]`
    after the message before it, and the last step is given `waits_s[-1]` to be answered; without it, the
    primary gets `deadline_s` and every step `step_deadline_s` (default `deadline_s`)."""
    directory = await asyncio.to_thread(_Directory, engine)
    chain = parse_chain(settings.escalation_chain if escalation is None else escalation,
                        known_units=set(directory.units))
    units = list(dict.fromkeys(units))
    unknown = [u for u in units if u not in directory.units]
    if unknown:
        raise InputError(f"notify: unknown unit(s) {', '.join(unknown)}")
    ctx = Context(context_kind, context_id, group)
    waits = _waits(len(chain), deadline_s, step_deadline_s, waits_s, settings.time_scale)
    lang = settings.lang
    async with Sender(engine, settings, client) as sender, AckWatcher(engine, settings.ack_poll_s) as watcher:
        rows = await _first_wave(sender, directory, ctx, message, units, lang)

        async def chase(unit: str) -> UnitOutcome:
            out = UnitOutcome(unit)
            sent: list[tuple[Notification, Target | None]] = []
            row = rows.get(unit)
            if row is None:
                out.problems.append("no active primary liaison")
            else:
                sent.append((row, None))
                if row.delivered_at is None:
                    out.problems.append(f"primary: {row.last_error}")
                elif await watcher.wait_any([row.id], row.delivered_at + waits[0]):
                    return await _finish(engine, out, sent, watcher)
            silent = row.liaison_name if row else None
            for number, step in enumerate(chain, start=1):
                if step in DUTY_STEPS:  # who is on duty now, when the step is sent
                    pick = await asyncio.to_thread(
                        resolve_duty, engine, unit=unit, step=step, office=directory.office, at=utcnow(),
                        earlier=StepPlace(str(ctx.kind), ctx.id, ctx.group, message.kind, number))
                    li = pick.liaison
                    if pick.problem:
                        out.problems.append(pick.problem)
                else:
                    li = directory.resolve(unit, step)
                    if li is None:
                        out.problems.append(f"{step}: nobody active to escalate to")
                if li is None:
                    continue
                if any(r.liaison_id == li.id for r, _ in sent):
                    continue
                target = Target(unit=unit, liaison=li, step=number, label=step, silent=silent,
                                parent_id=sent[-1][0].id if sent else None, subject_name=directory.name(unit, lang))
                [prepared] = await asyncio.to_thread(sender.prepare, ctx, message, [target])
                [step_row] = await sender.deliver([prepared])
                sent.append((step_row, target))
                ids = [r.id for r, _ in sent]
                if step_row.delivered_at is None:  # undeliverable: no point waiting for this step
                    out.problems.append(f"{step}: {step_row.last_error}")
                    if watcher.any_acked(ids):
                        break
                elif await watcher.wait_any(ids, step_row.delivered_at + waits[number]):
                    break
            return await _finish(engine, out, sent, watcher)

        return list(await asyncio.gather(*(chase(u) for u in units)))


async def _first_wave(sender: Sender, directory: _Directory, ctx: Context, message: Message, units: list[str],
                      lang: str) -> dict[str, Notification]:
    """Each unit's primary liaison messaged at once; unit → its row as recorded (units with no primary: none)."""
    first = [Target(unit=u, liaison=li, subject_name=directory.name(u, lang))
             for u in units if (li := directory.resolve(u, "primary"))]
    rows = await asyncio.to_thread(sender.prepare, ctx, message, first)
    return {r.unit: r for r in await sender.deliver(rows)}


def _waits(steps: int, deadline_s: float, step_deadline_s: float | None, waits_s: list[float] | None,
           scale: float) -> list[timedelta]:
    """How long to wait after the primary (index 0) and after each step k (index k) before going on."""
    if waits_s:  # before step k+1: the chain's k-th wait; the last step is given its own wait again
        park = [waits_s[min(k, len(waits_s) - 1)] for k in range(max(steps, 1))]
        park.append(park[-1])
    else:
        step = step_deadline_s if step_deadline_s is not None else deadline_s
        park = [deadline_s, *([step] * steps)]
    return [timedelta(seconds=s / scale) for s in park]


async def _finish(engine: Engine, out: UnitOutcome, sent: list, watcher: AckWatcher) -> UnitOutcome:
    await watcher.poll_once()
    ids = [r.id for r, _ in sent]
    current = await asyncio.to_thread(_rows, engine, ids)
    for row in current:
        person = Person(row.recipient_unit, row.liaison_name, row.liaison_role, row.liaison_id, row.step,
                        row.delivered_at is not None, row.id)
        out.notifications.append(row.id)
        out.delivered += row.delivered_at is not None
        if row.step > 0:
            out.escalated_to.append(person)
    acked = sorted((r for r in current if r.acked_at), key=lambda r: r.acked_at)
    if acked:
        first = acked[0]
        out.acked_by = Person(first.recipient_unit, first.liaison_name, first.liaison_role, first.liaison_id,
                              first.step, True, first.id)
        out.acked_at, out.eta_min, out.note = first.acked_at, first.ack_eta_min, first.ack_note
        out.status = UnitStatus.acknowledged if first.step == 0 else UnitStatus.escalated
    return out


def _rows(engine: Engine, ids: list[int]) -> list[Notification]:
    with session_scope(engine) as session:
        return notifications(session=session, ids=ids)
