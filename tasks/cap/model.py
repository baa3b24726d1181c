"""A CAP 1.2 alert as ParkLink reads it: typed, frozen, only the fields the ingest uses. Pure.

    CapAlert   identifier, sender, sent, status, msg_type, scope, references (CapKey), infos, raw (the XML text),
               where (the file or URL it came from)
    CapInfo    language, categories, event, urgency, severity, certainty, onset, expires, headline, description,
               instruction, event_codes and parameters (NamedValue), areas
    CapArea    area_desc, polygons (closed rings of Point), circles (Circle), geocodes (NamedValue)

The vocabularies are CAP 1.2's own spellings (`Severity.severe == "Severe"`).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from models.cap_kinds import CapKey, CapMsgType, CapStatus


class Scope(StrEnum):
    public = "Public"
    restricted = "Restricted"
    private = "Private"


class Severity(StrEnum):
    extreme = "Extreme"
    severe = "Severe"
    moderate = "Moderate"
    minor = "Minor"
    unknown = "Unknown"


class Urgency(StrEnum):
    immediate = "Immediate"
    expected = "Expected"
    future = "Future"
    past = "Past"
    unknown = "Unknown"


class Certainty(StrEnum):
    observed = "Observed"
    likely = "Likely"
    possible = "Possible"
    unlikely = "Unlikely"
    unknown = "Unknown"


class Category(StrEnum):
    geo = "Geo"
    met = "Met"
    safety = "Safety"
    security = "Security"
    rescue = "Rescue"
    fire = "Fire"
    health = "Health"
    env = "Env"
    transport = "Transport"
    infra = "Infra"
    cbrne = "CBRNE"
    other = "Other"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NamedValue(_Frozen):
    """An eventCode, a parameter or a geocode: `<valueName>` and `<value>`."""

    name: str
    value: str


class Point(_Frozen):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class Circle(_Frozen):
    centre: Point
    radius_km: float = Field(ge=0)


class CapArea(_Frozen):
    area_desc: str
    polygons: tuple[tuple[Point, ...], ...] = ()
    circles: tuple[Circle, ...] = ()
    geocodes: tuple[NamedValue, ...] = ()


class CapInfo(_Frozen):
    language: str = "en-US"
    categories: tuple[Category, ...]
    event: str
    urgency: Urgency
    severity: Severity
    certainty: Certainty
    onset: AwareDatetime | None = None
    expires: AwareDatetime | None = None
    headline: str = ""
    description: str = ""
    instruction: str = ""
    event_codes: tuple[NamedValue, ...] = ()
    parameters: tuple[NamedValue, ...] = ()
    areas: tuple[CapArea, ...] = ()


class CapAlert(_Frozen):
    identifier: str
    sender: str
    sent: AwareDatetime
    status: CapStatus
    msg_type: CapMsgType
    scope: Scope
    references: tuple[CapKey, ...] = ()
    infos: tuple[CapInfo, ...] = ()
    raw: str = Field(default="", repr=False)
    where: str = Field(default="", repr=False)  # where it was read from, for messages: a file, a URL

    @property
    def key(self) -> CapKey:
        return CapKey(sender=self.sender, identifier=self.identifier, sent=self.sent)
