"""One vocabulary per concept (issue 9): one Need, one position parser, one "did you mean", one level check,
one level-diff that `playbooks diff` and a running response's level change both read."""

from __future__ import annotations

import itertools

import pytest

from models.allocation import Need, StockLine
from models.did_you_mean import did_you_mean
from models.errors import InputError
from models.playbook import load_playbooks, require_level
from models.position import Position, PositionError, parse_position
from tasks.dispatch import plan_dispatch
from tasks.playbook_plan import compare, plan_diff
from tasks.response.levels import level_delta
from tests.dispatch_fixtures import AT, SCBA


@pytest.fixture(scope="module")
def shipped():
    return load_playbooks()


def test_a_playbook_need_goes_to_the_planner_as_it_is(shipped):
    needs = shipped.resolve("hazmat-leak", "II").all_needs()
    assert all(type(n) is Need for n in needs) and needs[0].group and isinstance(needs[0].deadline_min, int)
    stock = [StockLine("d", "gov", "government_reserve", AT.latitude + 0.01, AT.longitude, SCBA, 500)]
    plan = plan_dispatch([n for n in needs if n.resource_type == SCBA], stock, AT)
    assert plan.allocations and plan.shortfalls == ()


@pytest.mark.parametrize(("text", "problem", "short", "long"), [
    ("36.1", "shape", "`36.1`: give LAT,LON, e.g. 36.150,112.270",
     "`36.1` is not a position; write LAT,LON such as 36.15,112.27"),
    ("north,east", "number", "`north,east`: LAT and LON must be numbers, e.g. 36.150,112.270",
     "`north,east` is not a position; write LAT,LON such as 36.15,112.27"),
    ("91,112.2", "globe", "`91,112.2`: off the globe (latitude −90…90, longitude −180…180)",
     "`91,112.2` is off the globe; latitude must be within ±90 and longitude within ±180 (did you swap them?)"),
])
def test_one_position_parser_two_wordings(text, problem, short, long):
    with pytest.raises(PositionError) as info:
        Position.parse(text)
    assert info.value.problem == problem and str(info.value) == short
    position, errors = parse_position(text, file="--at")
    assert position is None and [e.message for e in errors] == [long]


def test_positions_parse_with_either_comma_or_as_a_list():
    assert Position.parse("36.15, 112.27") == Position.parse("36.15，112.27") == Position.parse([36.15, 112.27]) \
        == Position(36.15, 112.27)


def test_did_you_mean_with_a_name_a_cut_short_code_and_a_short_list():
    units = {"xfjydd": "消防救援大队", "gaj": "公安局"}
    assert did_you_mean("xfjyd", units) == "; did you mean `xfjydd`?"
    assert did_you_mean("xfjyd", units, names=units) == "; did you mean `xfjydd` (消防救援大队)?"
    assert did_you_mean("2010", {"2010101": "", "2010102": "x"}, prefix=True) == "; did you mean `2010101`?"
    assert did_you_mean("zzz", ["b", "a"]) == ""
    assert did_you_mean("zzz", ["b", "a"], list_up_to=12) == "; known: a, b"


def test_one_level_check(shipped):
    assert shipped.require_level("fire", "II") == "II"
    with pytest.raises(InputError) as info:
        require_level("fire", shipped.levels("fire"), "V")
    assert info.value.exit_code == 2 and str(info.value) == "--level V: playbook `fire` has levels IV, III, II, I"


def test_the_level_change_a_run_makes_is_the_diff_an_administrator_reads(shipped):
    for pid in shipped.ids():
        for a, b in itertools.permutations(shipped.levels(pid), 2):
            before, after = shipped.resolve(pid, a), shipped.resolve(pid, b)
            changes = plan_diff(before, after)
            assert changes == compare(before, after).changes
            groups = {c.path.split(".")[1]: c.kind for c in changes if c.path.count(".") == 1
                      and c.path.startswith("groups.")}
            delta = level_delta(before, after, "qy-ha")
            assert [g.key for g in delta.new_groups] == [k for k, kind in groups.items() if kind == "added"]
            assert delta.dropped_groups == [k for k, kind in groups.items() if kind == "removed"]
            members = {(c.path.split(".")[1], c.path.split(".")[3]) for c in changes if c.kind == "added"
                       and ".members." in c.path}
            assert {(k, m) for k, ms in delta.added_members.items() for m in ms} >= \
                {(k, "qy-ha" if m == "incident_enterprise" else m) for k, m in members}
            grown = {c.path.split(".")[3] for c in changes if c.kind == "changed" and c.path.endswith(".quantity")
                     and c.after > c.before}
            assert {n.id for n in delta.new_needs if "@" in n.id} == {f"{i}@{b}" for i in grown}
