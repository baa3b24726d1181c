"""The run log's lines that the record has no entry for (pure): a group's counts, dispatch's allocations and
requisitions, a late report, the board — in the run's language, from the catalogue (models.i18n).

Everything the record has an entry for is logged with that entry's own text (tasks/run_log.py); these lines
say only what the entries do not (how many, which lines, who must act now).
"""

from __future__ import annotations

from datetime import datetime

from models.i18n import is_english, tr
from models.playbook import GroupPlan
from models.types import local_time
from tasks.response.results import AllocationLine, DispatchResult, GroupResult


def group_counts(lang: str, group: GroupPlan, result: GroupResult) -> str:
    """`第2组 抢险救援组：已通知 5 个单位，4 个已确认，1 个已升级，0 个无法联系`."""
    name = group.name_en if is_english(lang) else group.name_zh
    return tr(lang, "group {number} {name}: {n} units notified, {acked} acknowledged, {escalated} escalated, "
                    "{unreachable} unreachable", number=group.number, name=name, n=len(result.units),
              acked=result.acknowledged, escalated=result.escalated, unreachable=result.unreachable)


def allocation_line(lang: str, line: AllocationLine) -> str:
    eta = "—" if line.eta_min is None else format(line.eta_min, ".0f")
    km = "—" if line.distance_km is None else format(line.distance_km, ".1f")
    return tr(lang, "allocation: {depot} → {need}, {quantity} × {type}, {km} km, ETA {eta} min", depot=line.depot,
              need=line.need, quantity=line.quantity, type=line.resource_type, km=km, eta=eta)


def requisition_ids(ids: list[int]) -> str:
    """`#3, #4`: requisitions as `parklink requisitions` numbers them."""
    return ", ".join(f"#{i}" for i in ids)


def dispatch_lines(lang: str, result: DispatchResult, needs: set[str]) -> list[str]:
    """What one dispatch (of the needs `needs`) came to: its allocations, its shortfalls, and the requisitions
    approved without the commander (those that wait for the commander: `waiting_line`)."""
    out = [allocation_line(lang, a) for a in result.allocations if a.need in needs]
    out += [tr(lang, "shortfall: {need} lacks {quantity} × {type}", need=s.need, quantity=s.quantity,
               type=s.resource_type) for s in result.shortfalls if s.need in needs]
    mine = [r for r in result.requisitions if r.need in needs]
    auto = [r for r in mine if r.id in set(result.auto_approved)]
    if auto:
        out.append(tr(lang, "{n} requisitions approved without the commander: {ids}", n=len(auto),
                      ids=requisition_ids([r.id for r in auto])))
    return out


def waiting_line(lang: str, incident_id: str, pending: list[int], deadline_min: float) -> str:
    """Requisitions that wait for the commander, and how to approve them."""
    return tr(lang, "{n} requisitions wait for the commander's approval: {ids} (within {minutes} min: "
                    "`parklink approve {incident}` or the board)", n=len(pending),
              ids=requisition_ids(pending), minutes=format(deadline_min, ".1f"), incident=incident_id)


def approved_line(lang: str, approved: list[int]) -> str:
    return tr(lang, "requisitions approved by the commander: {ids}", ids=requisition_ids(approved))


def late_line(lang: str, seq: int, due: datetime, sent: datetime | None) -> str | None:
    """An upward report sent after its deadline (None when it was on time)."""
    if sent is None or sent <= due:
        return None
    return tr(lang, "upward report {seq} was late: due {due}, sent {sent}", seq=seq, due=local_time(due),
              sent=local_time(sent))


def board_line(lang: str, url: str) -> str:
    return tr(lang, "the incident's board: {url}", url=url)


def assessment_line(lang: str, title: str, key: str) -> str:
    return tr(lang, "{title}: stored, published as artifact {key}", title=title, key=key)
