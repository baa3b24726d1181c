"""The identity of one response run (pure): passed to every task, small, so tasks re-read what they need."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Run(BaseModel):
    """The identity of one response run, passed to every task (small: tasks re-read what they need)."""

    model_config = ConfigDict(frozen=True)

    incident_id: str
    playbook: str
    level: str
    lang: str = "zh-CN"
    time_scale: float = 1.0
    drill: bool = False
    enterprise: str | None = None
    manual_approval: bool = False  # a drill that waits for the commander on every requisition (rehearsing approval)

    def key(self, *parts: object) -> str:
        """An idempotency key of this incident: `INC-…:step:target`."""
        return ":".join([self.incident_id, *(str(p) for p in parts)])
