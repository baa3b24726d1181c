"""The needs-file reader: every bad entry listed, one line each, with where and how to fix."""

from __future__ import annotations

import json

import pytest

from tasks.dispatch import Need, NeedsRejected, Position, parse_position, read_needs_file

KNOWN = {"2010101", "2010102", "3010101"}


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_yaml_and_json(tmp_path):
    yaml_path = write(tmp_path, "needs.yaml", """\
at: 36.15,112.27
needs:
- {id: scba, group: g2, resource_type: '2010101', quantity: 12, urgency: 1, role: primary, deadline_min: 20}
- {id: sand, resource_type: 3010101, quantity: 5, urgency: 3, role: secondary}
""")
    needs, at = read_needs_file(yaml_path, known_types=KNOWN)
    assert at == Position(36.15, 112.27)
    assert needs == [Need("scba", "2010101", 12, 1, "primary", "g2", 20.0), Need("sand", "3010101", 5, 3, "secondary")]
    json_path = write(tmp_path, "needs.json", json.dumps([{"id": "scba", "resource_type": "2010101", "quantity": 2,
                                                           "urgency": 2, "role": "primary"}]))
    needs, at = read_needs_file(json_path, known_types=KNOWN)
    assert at is None and needs == [Need("scba", "2010101", 2, 2, "primary")]


def test_every_bad_entry_listed_once(tmp_path):
    path = write(tmp_path, "needs.yaml", """\
- {id: a, resource_type: '2010109', quantity: 0, urgency: 4, role: main}
- {id: b, resource_type: '2010101', quantity: -3, urgency: 1, role: primary, colour: red}
- {id: a, resource_type: '2010101', quantity: 2.5, urgency: 1, role: secondary}
- {resource_type: '2010101', quantity: 1, urgency: 0, role: primary, deadline_min: -5}
""")
    with pytest.raises(NeedsRejected) as info:
        read_needs_file(path, known_types=KNOWN)
    f = str(path)
    assert info.value.lines() == [
        f"{f}:1: needs[0].quantity: `0` must be a whole number greater than 0",
        f"{f}:1: needs[0].resource_type: unknown resource type `2010109`; did you mean `2010102`?",
        f"{f}:1: needs[0].role: `main` must be primary or secondary",
        f"{f}:1: needs[0].urgency: `4` must be 1, 2 or 3 (1 is the most urgent)",
        f"{f}:2: needs[1].colour: unknown field; expected id, group, resource_type, quantity, urgency, role, "
        "deadline_min",
        f"{f}:2: needs[1].quantity: `-3` must be a whole number greater than 0",
        f"{f}:3: needs[2].id: duplicate id `a` (first at line 1)",
        f"{f}:3: needs[2].quantity: `2.5` must be a whole number greater than 0",
        f"{f}:4: needs[3].deadline_min: `-5` must be a number of minutes greater than 0 (at most 527,040)",
        f"{f}:4: needs[3].id: missing",
        f"{f}:4: needs[3].urgency: `0` must be 1, 2 or 3 (1 is the most urgent)",
        "11 error(s); nothing was planned",
    ]


def test_position_off_the_globe_in_file_and_argument(tmp_path):
    path = write(tmp_path, "needs.yaml", "at: [112.27, 36.15]\nneeds:\n- {id: a, resource_type: '2010101', "
                                         "quantity: 1, urgency: 1, role: primary}\n")
    with pytest.raises(NeedsRejected) as info:
        read_needs_file(path, known_types=KNOWN)
    assert "at: `[112.27, 36.15]` is off the globe" in info.value.lines()[0]
    assert parse_position("36.15,112.27") == (Position(36.15, 112.27), [])
    _, errors = parse_position("36.15")
    assert "not a position" in str(errors[0])
    _, errors = parse_position("36.15,190")
    assert "off the globe" in str(errors[0])


@pytest.mark.parametrize("text, message", [
    ("[]", "expected a non-empty list of needs"),
    ("needs: 3", "expected a non-empty list of needs"),
    ("- {id: a\n", "flow mapping"),
    ("- a\n", "each need must be a mapping"),
])
def test_shapes_refused(tmp_path, text, message):
    with pytest.raises(NeedsRejected) as info:
        read_needs_file(write(tmp_path, "n.yaml", text), known_types=KNOWN)
    assert message in "\n".join(info.value.lines())


def test_bad_json_and_missing_file(tmp_path):
    with pytest.raises(NeedsRejected, match="1 error"):
        read_needs_file(write(tmp_path, "n.json", "[{,}]"), known_types=KNOWN)
    with pytest.raises(NeedsRejected) as info:
        read_needs_file(tmp_path / "nope.yaml", known_types=KNOWN)
    assert "cannot read" in info.value.lines()[0]
