"""Which notice a corrective action is due on a day, named by its stage (pure).

    reminder_kind(due, today, days) → "remind-7" … | None     before the due day: the owner's liaison reminded
    overdue_kind(due, today)        → "overdue-0", "overdue-7", … | None   past it: escalated, again every 7 days

The stage is the message kind of the notice, so each is sent once however often the flow runs (the idempotency key
of tasks/notify). A reminder is due from its day on (`remind-N` with N the smallest of `days` at or above the days
left, the due day itself included): a day the flow did not run is made up the next day, once. An action becomes
overdue the day after its due day (`overdue-0`), and is escalated again 7, 14, … days later.
"""

from __future__ import annotations

from datetime import date

REPEAT_DAYS = 7


def reminder_kind(due: date, today: date, days: tuple[int, ...]) -> str | None:
    left = (due - today).days
    reached = [d for d in days if d >= left >= 0]
    return f"remind-{min(reached)}" if reached else None


def overdue_kind(due: date, today: date) -> str | None:
    late = (today - due).days
    return f"overdue-{REPEAT_DAYS * ((late - 1) // REPEAT_DAYS)}" if late >= 1 else None
