"""What a drill run is told about its people, and what its drill gateway counted. Pure.

    DrillPeople     how the drill gateway plays the liaisons: who answers, after how long, which requests fail.
                    A parameter of the response flow (a form in the Prefect UI), so a drill launched through a
                    deployment on any worker behaves as `parklink respond --drill` does.
    GatewayCount    what the run's own drill gateway received: messages, requests, duplicates (by the key each
                    message carries). Part of a drill's result, read wherever the run ran.

A bad value is refused by pydantic (the CLI checks the same fields first and says which option to fix).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class DrillPeople(BaseModel):
    """How the drill gateway plays the liaisons (and their channels)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    answer_rate: float = Field(default=0.9, ge=0, le=1, description="share of liaisons who answer (0–1)")
    seed: int = Field(default=0, description="the same seed meets the same people behaving the same way")
    error_rate: float = Field(default=0.0, ge=0, le=1, description="share of requests answered with HTTP 5xx")
    timeout_rate: float = Field(default=0.0, ge=0, le=1,
                                description="share of requests held until the sender times out")
    delay: tuple[float, float] | None = Field(
        default=None, description="park seconds before a person answers, [low, high] (default 15–240)")

    @model_validator(mode="after")
    def _shares(self) -> DrillPeople:
        if self.error_rate + self.timeout_rate > 1:
            raise ValueError("error_rate plus timeout_rate exceed 1")
        if self.delay is not None and not 0 <= self.delay[0] <= self.delay[1]:
            raise ValueError("delay: give 0 ≤ low ≤ high")
        return self

    def options(self) -> dict:
        """Keyword arguments of the drill environment (the delay only when given)."""
        extra = {"delay": self.delay} if self.delay else {}
        return {"answer_rate": self.answer_rate, "seed": self.seed, "error_rate": self.error_rate,
                "timeout_rate": self.timeout_rate, **extra}


class GatewayCount(BaseModel):
    """What a drill run's own gateway received (None in a result when the drill used an external one)."""

    messages: int = Field(description="messages accepted")
    requests: int = Field(description="requests, including those answered 5xx or held")
    duplicates: int = Field(description="messages whose key had been received before")
    answered: int = Field(description="people who acknowledged through the page or the API")
