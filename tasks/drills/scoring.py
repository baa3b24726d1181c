"""A drill's score: the weighted share of its assessment's KPI checks that were met (issue 14, item 4). Pure.

    score(checks, weights) → Score(value, met, checks, detail)

Each check (an assessment target against its KPI, tasks.assessment.KpiCheck) weighs what `weights` says for its
target (the playbook's `assessment_weights`), 1 when it says nothing; a weight of 0 leaves the check out. A drill
with nothing to weigh has no score (None), never 0 or 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

DEFAULT_WEIGHT = 1.0


class Check(Protocol):
    target: str
    met: bool


@dataclass(frozen=True)
class Score:
    value: float | None
    met: int = 0
    checks: int = 0
    detail: list[dict] = field(default_factory=list)  # [{target, weight, met}]


def score(checks: Iterable[Check], weights: Mapping[str, float] | None = None) -> Score:
    weights = weights or {}
    detail = [{"target": c.target, "weight": float(weights.get(c.target, DEFAULT_WEIGHT)), "met": bool(c.met)}
              for c in checks]
    counted = [d for d in detail if d["weight"] > 0]
    total = sum(d["weight"] for d in counted)
    value = round(sum(d["weight"] for d in counted if d["met"]) / total, 3) if total else None
    return Score(value=value, met=sum(d["met"] for d in counted), checks=len(counted), detail=detail)
