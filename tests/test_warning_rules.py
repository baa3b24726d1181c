"""What a warning of each colour asks for, and what a change of colour adds or stands down (tasks/warning/rules.py),
from the shipped playbooks; the reserve check against a stock; the colours' order; the scaled expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.allocation import StockLine
from models.playbook import load_playbooks
from models.position import Position
from models.warning_kinds import COLOURS, Colour, WarningRequest
from tasks.warning.rules import (
    actions_for,
    colour_delta,
    level_units,
    reserve_shortfalls,
    run_expiry,
    standby_units,
)
from tests.conftest import REPO

LIB = load_playbooks(REPO / "playbooks")
HAZMAT = LIB.resolve("hazmat-leak", "IV")
BLUE = ["gather-info", "duty-watch"]
YELLOW = ["check-reserves", "notify-liaisons"]
ORANGE = ["muster-forces", "pre-position", "check-gas-alarms"]  # _common's two, then hazmat-leak's own
RED = ["leaders-on-duty", "stand-by-evacuation", "stop-hazardous-ops"]


def ids(actions) -> list[str]:
    return [a.id for a in actions]


def test_colours_are_ordered_by_severity_not_by_spelling():
    assert Colour.blue < Colour.yellow < Colour.orange < Colour.red  # as words: blue < orange < red < yellow
    assert max([Colour.yellow, Colour.red, Colour.orange]) is Colour.red
    assert Colour.orange.and_below() == [Colour.blue, Colour.yellow, Colour.orange]


@pytest.mark.parametrize("colour, expected", [
    (Colour.blue, BLUE), (Colour.yellow, BLUE + YELLOW), (Colour.orange, BLUE + YELLOW + ORANGE),
    (Colour.red, BLUE + YELLOW + ORANGE + RED)])
def test_a_colour_brings_its_actions_and_every_lower_colours(colour, expected):
    assert ids(actions_for(HAZMAT, colour)) == expected
    assert {a.colour for a in actions_for(HAZMAT, colour)} == set(colour.and_below())


def test_every_playbooks_actions_grow_with_the_colour():
    for playbook in LIB.ids():
        plan = LIB.resolve(playbook, LIB.levels(playbook)[0])
        sizes = [len(actions_for(plan, c)) for c in COLOURS]
        assert sizes == sorted(sizes) and sizes[-1] == sum(len(v) for v in plan.warning_actions.values())


LOWEST = level_units(HAZMAT, "qy-ha")
LINKED = sorted({*LOWEST, "a", "b", "c"})


def test_standby_is_the_lowest_levels_units_at_blue_and_every_linked_unit_from_yellow():
    assert "qy-ha" in LOWEST and "xfjydd" in LOWEST  # the incident enterprise is one of them
    assert standby_units(Colour.blue, lowest_level_units=LOWEST, linked_units=LINKED) == LOWEST
    for colour in (Colour.yellow, Colour.orange, Colour.red):
        assert standby_units(colour, lowest_level_units=LOWEST, linked_units=LINKED) == LINKED


def test_raising_yellow_to_orange_adds_only_oranges_actions():
    delta = colour_delta(HAZMAT, Colour.yellow, Colour.orange, lowest_level_units=LOWEST, linked_units=LINKED)
    assert ids(delta.added) == ORANGE and delta.dropped == []
    assert delta.standby_added == [] and delta.standby_released == []  # every linked unit stood by already


def test_raising_blue_to_red_adds_three_colours_and_the_whole_park_to_standby():
    delta = colour_delta(HAZMAT, Colour.blue, Colour.red, lowest_level_units=LOWEST, linked_units=LINKED)
    assert ids(delta.added) == YELLOW + ORANGE + RED
    assert delta.standby_added == ["a", "b", "c"]


def test_lowering_stands_down_what_the_lower_colour_no_longer_needs():
    delta = colour_delta(HAZMAT, Colour.orange, Colour.blue, lowest_level_units=LOWEST, linked_units=LINKED)
    assert delta.added == [] and ids(delta.dropped) == YELLOW + ORANGE
    assert delta.standby_released == ["a", "b", "c"] and delta.standby_added == []


def line(depot: str, kind: str, resource_type: str, n: int, km_north: float = 1.0) -> StockLine:
    return StockLine(depot=depot, owner="gov", kind=kind, latitude=36.15 + km_north / 111.2, longitude=112.27,
                     resource_type=resource_type, available=n)


def test_the_reserve_check_names_each_levels_shortfalls_and_requisitions():
    plans = [LIB.resolve("hazmat-leak", level) for level in LIB.levels("hazmat-leak")]
    ambulances = {p.level: sum(n.quantity for n in p.all_needs() if n.resource_type == "2030106") for p in plans}
    stock = [line("d1", "government_reserve", "2030106", 1), line("d2", "requisitionable", "2030106", 1, 2.0)]
    short, requisition = reserve_shortfalls(plans, stock, Position(36.15, 112.27))
    by_level = {(s.level, s.resource_type): s.quantity for s in short}
    assert ambulances["IV"] == 2 and ambulances["I"] > 2
    for level, needed in ambulances.items():  # two in stock, one of them to requisition
        assert by_level.get((level, "2030106"), 0) == needed - 2
    assert {(r.level, r.resource_type, r.quantity) for r in requisition if r.resource_type == "2030106"} == {
        (level, "2030106", 1) for level in ambulances}
    scba = {s.level: s.quantity for s in short if s.resource_type == "2010101"}  # none in stock: every unit short
    assert scba == {p.level: sum(n.quantity for n in p.all_needs() if n.resource_type == "2010101") for p in plans}


def test_a_drills_expiry_shrinks_with_its_time_scale():
    raised = datetime(2026, 12, 2, 8, tzinfo=UTC)
    expires = raised + timedelta(hours=2)
    assert run_expiry(raised_at=raised, onset=None, expires=expires, time_scale=1.0) == expires
    assert run_expiry(raised_at=raised, onset=None, expires=expires, time_scale=120) == raised + timedelta(minutes=1)
    assert run_expiry(raised_at=raised, onset=None, expires=None, time_scale=120) is None


def test_a_request_needs_both_coordinates_and_an_expiry_after_its_onset():
    with pytest.raises(ValueError, match="both latitude and longitude"):
        WarningRequest(playbook="fire", colour="red", latitude=36.1)
    at = datetime(2026, 12, 2, tzinfo=UTC)
    with pytest.raises(ValueError, match="expires must be after onset"):
        WarningRequest(playbook="fire", colour="red", onset=at, expires=at)
