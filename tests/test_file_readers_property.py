"""Property (issue 10, proof): whatever bytes a file holds, each reader parses it or refuses it cleanly.

For the directory (YAML, CSV), the inventory (YAML, CSV), a needs file (YAML, JSON) and a playbook: arbitrary
bytes, and good files with bytes changed, give either a result or one clean error — ImportRejected /
PlaybookInvalid / InputError whose every line is one line — never another exception, each within a deadline.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.errors import InputError
from models.playbook import PlaybookInvalid, default_catalog, validate
from models.safe_yaml import load_yaml_file
from tasks.dispatch import read_needs_file
from tasks.park_io import parse_directory, parse_inventory

REPO = Path(__file__).resolve().parent.parent
SETTINGS = settings(max_examples=120, deadline=2000, suppress_health_check=[HealthCheck.too_slow],
                    derandomize=False)
SAMPLE = REPO / "data/sample-park"
UNITS = {u["code"] for u in load_yaml_file(SAMPLE / "directory.yaml")["units"]}
TYPES = {"2010101", "2010102"}
CATALOG = default_catalog(REPO / "templates")

SEEDS = {  # a good file of each kind: mutations of it reach past the first syntax check
    "directory.yaml": (SAMPLE / "directory.yaml").read_bytes(),
    "directory.csv": "unit_code,unit_name_zh,unit_kind,unit_parent,liaison_name,liaison_role,liaison_phone,"
                     "liaison_channels\nqy-a,甲企业,enterprise,gwh,甲,primary,+447700900901,sms\n"
                     "qy-a,甲企业,enterprise,gwh,乙,deputy,'-1,sms\n".encode(),
    "inventory.yaml": (SAMPLE / "inventory.yaml").read_bytes(),
    "inventory.csv": b"depot,resource_type,quantity,reserved,inspected_on\ndp-xfz,2010101,5,0,2026-01-02\n",
    "needs.yaml": b"at: 36.15,112.27\nneeds:\n- {id: scba, group: g2, resource_type: '2010101', quantity: 12, "
                  b"urgency: 1, role: primary, deadline_min: 20}\n",
    "needs.json": b'{"at": "36.15,112.27", "needs": [{"id": "a", "resource_type": "2010101", "quantity": 2, '
                  b'"urgency": 2, "role": "primary"}]}',
    "fire.yaml": (REPO / "playbooks/fire.yaml").read_bytes(),  # a playbook's id is its file name
}
SPECIAL = [b"\x00", b"\xff", b"\xef\xbb\xbf", b"\r", b"\t", b"\n", b"[", b"{", b"]", b"}", b"&a ", b"*a", b"!!python/",
           b'"', b"'", b",", b"=", b"+", b"-", b"@", b": ", b"- ", b"9" * 40, b".nan", b"1e999", b"\\u0000", b"\\0",
           b"2026-02-30", b"\xe4\xb8", b"---\n", b"...\n", b"%YAML 1.1\n", b"? ", b"<<: *a\n", b"[" * 40]


def read_directory(path: Path) -> None:
    parse_directory(path, known_units=UNITS)


def read_inventory(path: Path) -> None:
    parse_inventory(path, known_units=UNITS, known_depots={"dp-xfz"}, known_types=TYPES, reserved={})


def read_needs(path: Path) -> None:
    read_needs_file(path, known_types=TYPES)


def read_playbook(path: Path) -> None:
    result = validate([path], catalog=CATALOG, playbooks_dir=REPO / "playbooks")
    if result.issues:
        raise PlaybookInvalid(result.issues)


READERS = {"directory.yaml": read_directory, "directory.csv": read_directory, "inventory.yaml": read_inventory,
           "inventory.csv": read_inventory, "needs.yaml": read_needs, "needs.json": read_needs,
           "fire.yaml": read_playbook}


def outcome(name: str, content: bytes) -> str:
    """"parsed" or "refused"; anything else that escapes fails the property."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            READERS[name](path)
        except InputError as exc:  # ImportRejected, NeedsRejected and PlaybookInvalid are InputErrors
            lines = exc.lines()
            assert lines and all(line and "\n" not in line and "\r" not in line for line in lines[:-1]), lines
            assert "Traceback" not in "".join(lines)
            return "refused"
    return "parsed"


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "cut"]))
        piece = draw(st.sampled_from(SPECIAL) | st.binary(min_size=1, max_size=8))
        if action == "insert":
            data[at:at] = piece
        elif action == "delete":
            del data[at:at + draw(st.integers(1, 40))]
        elif action == "replace":
            data[at:at + len(piece)] = piece
        else:
            data = data[:at]
    return bytes(data)


@pytest.mark.parametrize("name", READERS)
def test_the_seeds_are_good_files(name):
    assert outcome(name, SEEDS[name]) == "parsed"


@pytest.mark.parametrize("name", READERS)
@SETTINGS
@given(content=st.binary(max_size=600))
def test_arbitrary_bytes(name, content):
    outcome(name, content)


@pytest.mark.parametrize("name", READERS)
@SETTINGS
@given(data=st.data())
def test_good_files_with_bytes_changed(name, data):
    outcome(name, data.draw(mutated(SEEDS[name])))


@pytest.mark.parametrize("name", READERS)
@settings(max_examples=40, deadline=2000)
@given(deep=st.integers(33, 20_000), opener=st.sampled_from([b"[", b"{a: ", b"- "]))
def test_deep_nesting_is_refused_quickly(name, deep, opener):
    assert outcome(name, b"units: " + opener * deep + b"\n") == "refused"
