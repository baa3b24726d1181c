"""Reading the park's site map file — GeoJSON: the outline, the roads, a few places — into a typed `Site`.

    parse_site(path) → Site(name, sample, outline, roads, places)     or InputError, one line:
                       `file: where: what; how to fix`

The file (PARKLINK_SITE_FILE, default `site.geojson` beside the directory: models/settings.py `site_path`) is
an RFC 7946 FeatureCollection, read within the size limit of models/text_file.py. Each feature's
`properties.kind` says what it is: one `outline` (a Polygon, its exterior ring drawn), `road` (LineString),
`place` (Point: a gate, a shelter); `name_zh`/`name_en` name it. Coordinates are [longitude, latitude].
Top-level members other than `features` (`sample`, `name`, `note`) are kept or ignored, as RFC 7946 allows.
Pure: no database, no Prefect.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from models.errors import InputError
from models.i18n import localized
from models.text_file import MAX_BYTES, FileRefused, read_text_file

MAX_SITE_BYTES = MAX_BYTES  # 1 MiB, as every file a person hands ParkLink


class FeatureKind(StrEnum):
    outline = "outline"
    road = "road"
    place = "place"


Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Position = tuple[Lon, Lat]  # GeoJSON order; a third (altitude) value is refused: the map is flat


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class PointGeometry(_Strict):
    type: Literal["Point"]
    coordinates: Position


class LineGeometry(_Strict):
    type: Literal["LineString"]
    coordinates: list[Position] = Field(min_length=2)


class PolygonGeometry(_Strict):
    type: Literal["Polygon"]
    coordinates: list[Annotated[list[Position], Field(min_length=4)]] = Field(min_length=1)


Geometry = Annotated[PointGeometry | LineGeometry | PolygonGeometry, Field(discriminator="type")]
GEOMETRY_OF = {FeatureKind.outline: "Polygon", FeatureKind.road: "LineString", FeatureKind.place: "Point"}


class FeatureProperties(_Strict):
    kind: FeatureKind
    name_zh: str = Field(default="", max_length=120)
    name_en: str = Field(default="", max_length=200)


class Feature(_Strict):
    type: Literal["Feature"]
    geometry: Geometry
    properties: FeatureProperties

    @model_validator(mode="after")
    def _kind_fits(self) -> Feature:
        want = GEOMETRY_OF[self.properties.kind]
        if self.geometry.type != want:
            raise ValueError(f"a `{self.properties.kind.value}` is a {want}, not a {self.geometry.type}")
        return self


class SiteFile(_Strict):
    type: Literal["FeatureCollection"]
    name: str = Field(default="", max_length=200)
    sample: bool = False
    features: list[Feature] = Field(max_length=10_000)

    @model_validator(mode="after")
    def _one_outline(self) -> SiteFile:
        outlines = sum(f.properties.kind is FeatureKind.outline for f in self.features)
        if outlines != 1:
            raise ValueError(f"{outlines} features of kind `outline`; give exactly one (the park's boundary)")
        return self


@dataclass(frozen=True)
class Named:
    """A road or a place: its names and its points as (latitude, longitude)."""

    name_zh: str
    name_en: str
    points: tuple[tuple[float, float], ...]

    def name(self, lang: str) -> str:
        return localized(lang, self, "name") or self.name_zh or self.name_en


@dataclass(frozen=True)
class Site:
    name: str
    sample: bool
    outline: tuple[tuple[float, float], ...]  # (latitude, longitude), the exterior ring
    roads: tuple[Named, ...]
    places: tuple[Named, ...]


def _latlon(positions) -> tuple[tuple[float, float], ...]:
    return tuple((lat, lon) for lon, lat in positions)


def _where(loc: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(loc)) or "file"


def _reject_constant(name: str):
    raise ValueError(f"`{name}` is not a number JSON allows")


def parse_site(path: Path | str) -> Site:
    """The site map of the file at `path`, or InputError naming the file, the place in it and the fix."""
    shown = str(path)
    try:
        text = read_text_file(path, shown=shown, limit=MAX_SITE_BYTES)
        raw = json.loads(text, parse_constant=_reject_constant)
    except FileRefused as exc:
        raise InputError(f"site map {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"site map {shown}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}); "
                         "give a GeoJSON FeatureCollection") from None
    except ValueError as exc:
        raise InputError(f"site map {shown}: {exc}; give plain numbers") from None
    try:
        site = SiteFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p in {"Point", "LineString", "Polygon"}))
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise InputError(f"site map {shown}: {_where(loc)}: {first['msg']}{more}; fix the GeoJSON "
                         "(RFC 7946: [longitude, latitude]; kinds outline/road/place)") from None
    outline = next(f for f in site.features if f.properties.kind is FeatureKind.outline)

    def named(kind: FeatureKind, points) -> tuple[Named, ...]:
        return tuple(Named(f.properties.name_zh, f.properties.name_en, points(f.geometry.coordinates))
                     for f in site.features if f.properties.kind is kind)

    return Site(name=site.name, sample=site.sample, outline=_latlon(outline.geometry.coordinates[0]),
                roads=named(FeatureKind.road, _latlon), places=named(FeatureKind.place, lambda c: _latlon([c])))
