"""Reading the duty commands' arguments: instants in Asia/Shanghai, windows, roles — one clear line when wrong."""

from __future__ import annotations

from datetime import datetime, timedelta

from models.duty import DutyRole
from models.errors import InputError
from models.types import SHANGHAI, utcnow


def instant(text: str | None, option: str, default: datetime | None = None) -> datetime:
    """An ISO-8601 time; without an offset it is Asia/Shanghai's."""
    if text is None:
        return default or utcnow()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} `{text}`: not an ISO-8601 time; write e.g. 2026-10-01T08:00 "
                         "(Asia/Shanghai) or 2026-10-01T00:00+00:00", exit_code=2) from None
    return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value


def window(start: str | None, end: str | None, days: int = 30) -> tuple[datetime, datetime]:
    begin = instant(start, "--from")
    finish = instant(end, "--to", begin + timedelta(days=days))
    if finish <= begin:
        raise InputError(f"--to {finish.astimezone(SHANGHAI).isoformat()} is not after --from "
                         f"{begin.astimezone(SHANGHAI).isoformat()}; give a later --to", exit_code=2)
    if finish - begin > timedelta(days=400):
        raise InputError("--from … --to: more than 400 days; ask for a shorter window", exit_code=2)
    return begin, finish


def role(text: str) -> DutyRole:
    if text not in DutyRole.__members__:
        raise InputError(f"--role `{text}`: choose {' or '.join(DutyRole)}", exit_code=2)
    return DutyRole(text)
