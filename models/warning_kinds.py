"""The words of warning linkage (预警联动, source document 二(四)1): colours, where a warning came from, its state,
and what is asked of the `warn` flow. Pure.

    Colour          blue < yellow < orange < red (蓝、黄、橙、红), ordered: `Colour.red > Colour.yellow`
    WarningSource   manual (an operator), cap (a CAP alert), enterprise (an enterprise's report)
    WarningState    active → lifted (cancelled by hand or by CAP), expired (its `expires` passed), promoted
                    (a response was launched for it; the warning stays on record, linked both ways)
    WarningRequest  a new warning, as the CLI, the CAP ingest and the enterprise report intake hand it over
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Colour(StrEnum):
    blue = "blue"
    yellow = "yellow"
    orange = "orange"
    red = "red"

    @property
    def rank(self) -> int:
        return COLOURS.index(self)

    # ordered by severity, not by spelling (a StrEnum would compare the words)
    def __lt__(self, other: object) -> bool:
        return self.rank < Colour(other).rank

    def __le__(self, other: object) -> bool:
        return self.rank <= Colour(other).rank

    def __gt__(self, other: object) -> bool:
        return self.rank > Colour(other).rank

    def __ge__(self, other: object) -> bool:
        return self.rank >= Colour(other).rank

    __hash__ = StrEnum.__hash__

    def and_below(self) -> list[Colour]:
        """This colour and every lower one, lowest first."""
        return COLOURS[: self.rank + 1]


COLOURS = [Colour.blue, Colour.yellow, Colour.orange, Colour.red]
COLOUR_ZH = {Colour.blue: "蓝色", Colour.yellow: "黄色", Colour.orange: "橙色", Colour.red: "红色"}


class WarningSource(StrEnum):
    manual = "manual"
    cap = "cap"
    enterprise = "enterprise"


class WarningState(StrEnum):
    active = "active"
    lifted = "lifted"
    expired = "expired"
    promoted = "promoted"


class WarningRequest(BaseModel):
    """A new warning. `playbook` is the incident type it relates to; a position (latitude and longitude) or an
    enterprise code says where, neither: the whole park. `source_ref` says what it came from (a CAP alert's
    `sender,identifier,sent`; an enterprise report's id)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    playbook: str = Field(min_length=1, max_length=60)
    colour: Colour
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    enterprise: str | None = Field(default=None, max_length=40)
    onset: datetime | None = None
    expires: datetime | None = None
    source: WarningSource = WarningSource.manual
    source_ref: str | None = Field(default=None, max_length=300)
    text: str = Field(default="", max_length=4000)

    @model_validator(mode="after")
    def _check(self) -> WarningRequest:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        if self.onset and self.expires and self.expires <= self.onset:
            raise ValueError("expires must be after onset")
        return self
