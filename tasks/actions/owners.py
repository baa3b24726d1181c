"""Who answers for a KPI an assessment marked not met: the owner unit of the corrective action it proposes (pure).

    kpi_owner(target, plan=, groups=, enterprise=, known=) → unit code

    command_post_min                the leading-group office (the plan's `office_unit`): it stands up the post
    all_groups_ack_min, ack_rate    the lead unit of the group that did worst, else the office
    first_report_min                the office: it releases the information and reports upward
    first_dispatch_min, fill_ratio  the lead of the logistics (support) group, found as the reserve check finds
                                    it (tasks.warning.rules.logistics_lead), else the office
    any other target                the office

The group that did worst: the smallest share of its units whose primary liaison acknowledged (a group with no
outcome at all counts as none), then the latest last acknowledgement (a unit never answered for is later than
any), then the plan's order. A lead that is the incident enterprise is the run's enterprise; a lead the
directory does not know (`known`), or an incident away from any enterprise, falls back to the office.
"""

from __future__ import annotations

import math

from models.events import UnitStatus
from models.playbook import INCIDENT_ENTERPRISE, ResolvedPlan
from tasks.assessment import GroupFacts
from tasks.warning.rules import logistics_lead

BY_GROUP = ("all_groups_ack_min", "ack_rate")
BY_LOGISTICS = ("first_dispatch_min", "fill_ratio")


def worst_group(groups: list[GroupFacts]) -> GroupFacts | None:
    """The group that did worst (see the module's docstring); None when there is none."""
    def standing(indexed: tuple[int, GroupFacts]) -> tuple[float, float, int]:
        order, g = indexed
        share = sum(u.outcome is UnitStatus.acknowledged for u in g.units) / len(g.units) if g.units else 0.0
        last = max((u.acked_at.timestamp() if u.acked_at else math.inf for u in g.units), default=math.inf)
        return share, -last, order  # a unit never answered for is later than any answer

    return min(enumerate(groups), key=standing)[1] if groups else None


def kpi_owner(target: str, *, plan: ResolvedPlan, groups: list[GroupFacts], enterprise: str | None,
              known: set[str]) -> str:
    office = plan.office_unit
    if target in BY_GROUP:
        worst = worst_group(groups)
        lead = plan.group(worst.key).lead if worst is not None and worst.key in plan.group_keys else office
    elif target in BY_LOGISTICS:
        lead = logistics_lead([plan], office)
    else:
        lead = office
    if lead == INCIDENT_ENTERPRISE:
        lead = enterprise
    return lead if lead in known else office
