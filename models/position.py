"""Where an incident or a depot is: `Position`, and the one parser of `LAT,LON` that every input goes through.

    Position(latitude, longitude)                 checked on the globe (ValueError otherwise)
    Position.parse(text) → Position               `36.15,112.27` (or `36.15，112.27`, or a two-item list);
                                                  PositionError, whose text is the one `respond --at` shows
    parse_position(text, file=…, row=…, field=…)  the same parse for files and `dispatch plan --at`, which
                                                  collect every bad entry: (Position | None, [RowError])

PositionError.problem says what is wrong — "shape" (not two values), "number" (not numbers) or "globe"
(off the globe) — and each of the two wordings (short for an option, long for a row of a file) says it.
Pure data: no database, no Prefect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from models.errors import RowError

Problem = Literal["shape", "number", "globe"]

_SHORT: dict[str, str] = {  # `respond --at`
    "shape": "`{}`: give LAT,LON, e.g. 36.150,112.270",
    "number": "`{}`: LAT and LON must be numbers, e.g. 36.150,112.270",
    "globe": "`{}`: off the globe (latitude −90…90, longitude −180…180)",
}
_LONG: dict[str, str] = {  # needs files, `dispatch plan --at`
    "shape": "`{}` is not a position; write LAT,LON such as 36.15,112.27",
    "number": "`{}` is not a position; write LAT,LON such as 36.15,112.27",
    "globe": "`{}` is off the globe; latitude must be within ±90 and longitude within ±180 (did you swap them?)",
}


def on_globe(latitude: float, longitude: float) -> bool:
    return -90 <= latitude <= 90 and -180 <= longitude <= 180


class PositionError(ValueError):
    """A text that is not a position; `str()` is the short wording, `row_error()` the long one."""

    def __init__(self, text: Any, problem: Problem):
        self.text, self.problem = text, problem
        super().__init__(_SHORT[problem].format(text))

    def row_error(self, file: str, row: int = 0, field: str = "") -> RowError:
        return RowError(file, row, field, _LONG[self.problem].format(self.text))


@dataclass(frozen=True, slots=True)
class Position:
    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        if not on_globe(self.latitude, self.longitude):
            raise ValueError(f"position {self.latitude},{self.longitude} is off the globe")

    @classmethod
    def parse(cls, text: Any) -> Position:
        """`36.15,112.27` (a full-width comma too, or a two-item list) → Position; PositionError otherwise."""
        parts = text if isinstance(text, list | tuple) else str(text).replace("，", ",").split(",")
        if len(parts) != 2:
            raise PositionError(text, "shape")
        try:
            lat, lon = (float(p) for p in parts)
        except (TypeError, ValueError):
            raise PositionError(text, "number") from None
        if not on_globe(lat, lon):
            raise PositionError(text, "globe")
        return cls(lat, lon)


def parse_position(text: Any, *, file: str = "--at", row: int = 0,
                   field: str = "") -> tuple[Position | None, list[RowError]]:
    """`Position.parse` for callers that collect errors: (position, []) or (None, [the reason as a RowError])."""
    try:
        return Position.parse(text), []
    except PositionError as exc:
        return None, [exc.row_error(file, row, field)]
