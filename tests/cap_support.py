"""Shared by the CAP tests: the fixtures, the sample park's area, a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from models.safe_yaml import load_yaml_file
from tasks.cap.area import ParkArea
from tasks.cap.maps import CapMaps
from tasks.cap.parse import read_cap, read_cap_file

REPO = Path(__file__).resolve().parent.parent
CAP = REPO / "tests/fixtures/cap"
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai: every fixture's alert still in force
SENDER = "yjglj@anze.example.invalid"
ALERT_REF = f"{SENDER},AZ-YJ-20261201-001,2026-12-01T08:00:00+08:00"
UPDATE_REF = f"{SENDER},AZ-YJ-20261201-002,2026-12-01T09:30:00+08:00"


def sample_units() -> list[SimpleNamespace]:
    units = load_yaml_file(REPO / "data/sample-park/directory.yaml")["units"]
    return [SimpleNamespace(latitude=u.get("latitude"), longitude=u.get("longitude")) for u in units]


PARK = ParkArea.of(sample_units(), geocodes=["141026"])
MAPS = CapMaps.build()


def fixture(name: str):
    return read_cap_file(CAP / name, shown_as=name)


def fixture_bytes(name: str) -> bytes:
    return (CAP / name).read_bytes()


def variant(name: str, *replacements: tuple[str, str]):
    """A fixture with texts replaced, read as `name`."""
    text = (CAP / name).read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return read_cap(text.encode(), where=name)
