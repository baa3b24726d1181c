"""The words of duty: the two roles of a shift, how a rotation hands on, why a period is special. Pure."""

from __future__ import annotations

from enum import StrEnum


class DutyRole(StrEnum):
    duty_officer = "duty_officer"  # 值班员
    leader_on_duty = "leader_on_duty"  # 带班领导


class Turn(StrEnum):
    """How a rotation hands on: every shift, every day, every week (counted from its start date)."""

    shift = "shift"
    daily = "daily"
    weekly = "weekly"


class PeriodKind(StrEnum):
    """Why a period is special (昼夜值班): day-and-night cover with both roles is required."""

    holiday = "holiday"
    major_event = "major_event"
    warning = "warning"
    incident = "incident"
