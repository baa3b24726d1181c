"""The acknowledgement chart (issue 15, item 4): per group, notified → acknowledged in park time, the deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from defusedxml import ElementTree
from hypothesis import given
from hypothesis import strategies as st

from tasks.maps.ack_chart import (
    LEFT,
    RIGHT,
    AckChart,
    GroupAcks,
    UnitAck,
    nice_step,
    park_minutes,
    render_ack_chart,
)

NS = {"s": "http://www.w3.org/2000/svg"}
T0 = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
SCALE = 120.0


def real(park_min: float) -> datetime:
    """The real time at which `park_min` park minutes have passed since T0 in a drill at SCALE."""
    return T0 + timedelta(minutes=park_min / SCALE)


def chart(**changes) -> AckChart:
    groups = (
        GroupAcks("coordination", 1, "综合协调组", T0, 15.0, (
            UnitAck("a", "甲单位", real(0.5), real(4.0)), UnitAck("b", "乙单位", real(0.5), real(18.0)),
            UnitAck("c", "丙单位", real(0.5), None))),
        GroupAcks("rescue", 2, "抢险救援组", T0, 10.0, (UnitAck("d", "丁单位", real(1.0), real(2.0)),)),
    )
    return AckChart(**{"title": "chart", "time_scale": SCALE, "groups": groups, **changes})


def groups_of(svg: str) -> dict[str, object]:
    root = ElementTree.fromstring(svg)
    assert root.get("id") == "ack-chart"
    return {g.get("data-group"): g for g in root.iterfind(".//*[@class='ack-group']", NS)}


def x_scale(root_group) -> float:
    """Park minutes per pixel, read from the deadline line of a group whose deadline is known."""
    line = root_group.find("s:line[@class='deadline']", NS)
    return float(line.get("data-min")) / (float(line.get("x1")) - LEFT)


@given(minutes=st.floats(0, 10_000), scale=st.floats(1, 1000))
def test_park_minutes_are_real_minutes_times_the_scale(minutes, scale):
    assert park_minutes(T0, T0 + timedelta(minutes=minutes), scale) == pytest.approx(minutes * scale, abs=1e-4)  # timedelta keeps µs
    assert park_minutes(T0, T0 - timedelta(minutes=minutes + 1), scale) == 0.0


@pytest.mark.parametrize("span, step", [(20, 5), (21, 5), (9, 2), (100, 20), (0.4, 0.1)])
def test_axis_steps_are_round(span, step):
    assert nice_step(span) == pytest.approx(step)


def test_each_group_has_its_row_its_deadline_and_its_acknowledgements_in_park_minutes():
    found = groups_of(render_ack_chart(chart(), "en"))
    assert set(found) == {"g1", "g2"}
    g1 = found["g1"]
    assert (g1.get("data-units"), g1.get("data-acked"), g1.get("data-key")) == ("3", "2", "coordination")
    per_px = x_scale(g1)
    acks = g1.findall("s:circle", NS)
    minutes = sorted(float(c.get("data-min")) for c in acks)
    assert minutes == pytest.approx([4.0, 18.0])
    for c in acks:  # where each dot stands is its park minute on the shared axis
        assert (float(c.get("cx")) - LEFT) * per_px == pytest.approx(float(c.get("data-min")), abs=0.05)
    late = [c for c in acks if "late" in c.get("class").split()]
    assert [float(c.get("data-min")) for c in late] == pytest.approx([18.0]), "after the 15-minute deadline"
    assert len(g1.findall("s:line[@class='notified']", NS)) == 3
    assert float(found["g2"].find("s:line[@class='deadline']", NS).get("data-min")) == 10.0


def test_units_never_acknowledged_are_named():
    found = groups_of(render_ack_chart(chart(), "zh-CN"))
    unacked = found["g1"].find("s:text[@class='unacked']", NS)
    assert unacked.get("data-units") == "c" and "丙单位" in "".join(unacked.itertext())
    assert found["g2"].find("s:text[@class='unacked']", NS) is None
    assert "第1组 综合协调组" in "".join(found["g1"].itertext())


def test_the_step_line_climbs_one_unit_at_each_acknowledgement():
    g1 = groups_of(render_ack_chart(chart(), "en"))["g1"]
    points = [tuple(map(float, p.split(","))) for p in g1.find("s:polyline[@class='ack-step']", NS).get("points").split()]
    levels = sorted({y for _x, y in points}, reverse=True)
    assert len(levels) == 3, "nobody, one, two acknowledged"
    assert points[-1][0] == pytest.approx(RIGHT) and levels[0] - levels[1] == pytest.approx(levels[1] - levels[2], abs=0.02)


def test_the_same_park_time_at_another_time_scale_draws_the_same():
    slow = chart(time_scale=1.0, groups=tuple(
        GroupAcks(g.key, g.number, g.name, g.activated_at, g.deadline_min,
                  tuple(UnitAck(u.unit, u.name, u.notified_at and T0 + (u.notified_at - T0) * SCALE,
                                u.acked_at and T0 + (u.acked_at - T0) * SCALE) for u in g.units))
        for g in chart().groups))
    fast, live = groups_of(render_ack_chart(chart(), "en")), groups_of(render_ack_chart(slow, "en"))
    for key in ("g1", "g2"):
        assert sorted(round(float(c.get("data-min")), 6) for c in fast[key].findall("s:circle", NS)) == \
            sorted(round(float(c.get("data-min")), 6) for c in live[key].findall("s:circle", NS))


def test_hostile_names_stay_text_and_an_empty_chart_says_so():
    hostile = '<b>&"x</b>'
    data = chart(groups=(GroupAcks("g", 3, hostile, T0, None, (UnitAck("u", hostile, None, None),)),))
    svg = render_ack_chart(data, "en")
    assert "<b>" not in svg
    group = groups_of(svg)["g3"]
    assert hostile in "".join(group.itertext()) and group.find("s:line[@class='deadline']", NS) is None
    empty = ElementTree.fromstring(render_ack_chart(chart(groups=()), "en"))
    assert "no group was activated" in "".join(empty.itertext())
