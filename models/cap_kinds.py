"""The words of a CAP 1.2 alert (OASIS Common Alerting Protocol; GB/T 35965.1-2018 is its Chinese profile) that
the store and the ingest share. Pure.

    CapMsgType   Alert, Update, Cancel (Update and Cancel name the alerts they change), Ack, Error
    CapStatus    Actual, Exercise, Test, System, Draft (only Actual — and Exercise in a drill — is applied)
    CapOutcome   what became of an alert received: applied (a warning was raised or changed), out_of_area,
                 duplicate (the same sender, identifier and sent seen before), ignored (not Actual, expired,
                 an Ack or Error, or a reference to an alert that raised no warning)
    CapKey       (sender, identifier, sent): one alert, everywhere; `str()` is CAP's `sender,identifier,sent`
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class CapMsgType(StrEnum):
    alert = "Alert"
    update = "Update"
    cancel = "Cancel"
    ack = "Ack"
    error = "Error"


class CapStatus(StrEnum):
    actual = "Actual"
    exercise = "Exercise"
    test = "Test"
    system = "System"
    draft = "Draft"


class CapOutcome(StrEnum):
    applied = "applied"
    out_of_area = "out_of_area"
    duplicate = "duplicate"
    ignored = "ignored"


class CapKey(BaseModel):
    """One alert: its sender, its identifier and when it was sent (an aware time; equal instants are equal)."""

    model_config = ConfigDict(frozen=True)

    sender: str = Field(min_length=1, max_length=120)
    identifier: str = Field(min_length=1, max_length=120)
    sent: AwareDatetime

    def __str__(self) -> str:
        return f"{self.sender},{self.identifier},{cap_time(self.sent)}"


def cap_time(at: datetime) -> str:
    """A time as CAP writes it, with its own offset: `2026-12-01T08:00:00+08:00`."""
    return at.isoformat(timespec="seconds")
