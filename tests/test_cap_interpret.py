"""What a CAP alert means for the sample park (issue 13, item 3): kind, colour, playbook, coverage, the request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from models.cap_kinds import CapOutcome
from models.errors import InputError
from models.settings import get_settings
from models.warning_kinds import Colour, WarningRequest, WarningSource
from tasks.cap.area import Coverage, ParkArea
from tasks.cap.interpret import ColourFrom, DecisionKind, interpret
from tasks.cap.maps import CapMaps, colour_word
from tasks.cap.model import CapArea, Circle, NamedValue, Point
from tests.cap_support import ALERT_REF, MAPS, NOW, PARK, UPDATE_REF, fixture, variant

SHANGHAI = timezone(timedelta(hours=8))


def decide(alert, **kw):
    kw.setdefault("park", PARK)
    kw.setdefault("maps", MAPS)
    kw.setdefault("now", NOW)
    return interpret(alert, **kw)


def refusal(call) -> str:
    with pytest.raises(InputError) as caught:
        call()
    assert caught.value.exit_code == 2 and "\n" not in str(caught.value)
    return str(caught.value)


# (kind, colour, colour_from, playbook, coverage, references)
FIXTURES = {
    "alert-hazmat.xml": (DecisionKind.alert, Colour.orange, ColourFrom.severity, "hazmat-leak", Coverage.polygon, []),
    "update-hazmat.xml": (DecisionKind.update, Colour.red, ColourFrom.headline, "hazmat-leak", Coverage.polygon,
                          [ALERT_REF]),
    "cancel-hazmat.xml": (DecisionKind.cancel, None, None, None, None, [ALERT_REF, UPDATE_REF]),
    "out-of-area.xml": (DecisionKind.out_of_area, None, None, None, None, []),
    "rainstorm-orange.xml": (DecisionKind.alert, Colour.orange, ColourFrom.event, "natural-disaster", Coverage.circle,
                             []),
    "geocode-coldwave.xml": (DecisionKind.alert, Colour.orange, ColourFrom.severity, "natural-disaster",
                             Coverage.geocode, []),
    "unknown-reference.xml": (DecisionKind.update, Colour.red, ColourFrom.headline, "hazmat-leak", Coverage.polygon,
                              ["yjglj@anze.example.invalid,AZ-YJ-20261130-999,2026-12-01T08:00:00+08:00"]),
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_each_fixture_decides_exactly(name):
    d = decide(fixture(name))
    assert (d.kind, d.colour, d.colour_from, d.playbook, d.coverage, [str(r) for r in d.references]) == FIXTURES[name]
    assert d.outcome is {DecisionKind.out_of_area: CapOutcome.out_of_area}.get(d.kind, CapOutcome.applied)


def test_the_alert_becomes_a_warning_request_from_cap():
    d = decide(fixture("alert-hazmat.xml"))
    assert d.key.identifier == "AZ-YJ-20261201-001" and d.source_ref == ALERT_REF
    assert d.request == WarningRequest(
        playbook="hazmat-leak", colour=Colour.orange, onset=datetime(2026, 12, 1, 8, tzinfo=SHANGHAI),
        expires=datetime(2026, 12, 2, 8, tzinfo=SHANGHAI), source=WarningSource.cap, source_ref=ALERT_REF,
        text="化工园区周边危险化学品泄漏预警\n园区东侧管廊疑似发生危险化学品泄漏，请做好应急准备。")
    assert d.text == d.request.text and d.reason is None


def test_out_of_area_and_cancel_carry_no_request():
    far = decide(fixture("out-of-area.xml"))
    assert far.request is None and far.reason == "its area does not cover the park (广州市)"
    assert far.event == "台风红色预警"
    assert decide(fixture("cancel-hazmat.xml")).request is None


@pytest.mark.parametrize(("severity", "colour"), [
    ("Minor", Colour.blue), ("Moderate", Colour.yellow), ("Severe", Colour.orange), ("Extreme", Colour.red)])
def test_severity_maps_to_colour_by_default(severity, colour):
    d = decide(variant("alert-hazmat.xml", ("<severity>Severe", f"<severity>{severity}")))
    assert (d.colour, d.colour_from) == (colour, ColourFrom.severity)


def test_a_colour_word_wins_over_severity_event_first_then_parameter_then_headline():
    rain = decide(fixture("rainstorm-orange.xml"))  # Moderate would be yellow
    assert (rain.colour, rain.colour_from, rain.event) == (Colour.orange, ColourFrom.event, "暴雨橙色预警")
    assert rain.request.text.startswith("安泽县气象台发布暴雨橙色预警信号")  # the Chinese info, not the English one
    by_parameter = variant("rainstorm-orange.xml", ("<event>暴雨橙色预警", "<event>暴雨预警"),
                           ("<value>橙色</value>", "<value>红色</value>"))
    assert (decide(by_parameter).colour, decide(by_parameter).colour_from) == (Colour.red, ColourFrom.parameter)
    by_headline = variant("alert-hazmat.xml", ("<headline>化工园区", "<headline>黄色预警：化工园区"))
    assert (decide(by_headline).colour, decide(by_headline).colour_from) == (Colour.yellow, ColourFrom.headline)
    in_english = variant("alert-hazmat.xml", ("<event>危险化学品泄漏", "<event>Chemical leak, Amber"))
    assert (decide(in_english).colour, decide(in_english).playbook) == (Colour.orange, "hazmat-leak")


@pytest.mark.parametrize(("text", "colour"), [
    ("暴雨红色预警", Colour.red), ("暴雨黄色预警升级为红色", Colour.red), ("Yellow warning", Colour.yellow),
    ("BLUE", Colour.blue), ("Reduced visibility", None), ("redness", None), ("大雾", None), ("amber alert", Colour.orange)])
def test_colour_words(text, colour):
    assert colour_word(text) is colour


def test_the_info_with_the_highest_colour_is_taken():
    two = variant("rainstorm-orange.xml", ("<event>Rainstorm", "<event>Rainstorm red"))
    d = decide(two)
    assert (d.colour, d.event) == (Colour.red, "Rainstorm red")


def test_the_playbook_argument_wins_and_an_unmapped_event_is_one_line():
    odd = variant("alert-hazmat.xml", ("<event>危险化学品泄漏", "<event>不明原因异味"))
    assert refusal(lambda: decide(odd)) == (
        "alert-hazmat.xml: event '不明原因异味' maps to no playbook; add it to PARKLINK_CAP_EVENT_MAP "
        "(e.g. {\"不明原因异味\": \"hazmat-leak\"}) or give --type PLAYBOOK")
    assert decide(odd, playbook="environmental").playbook == "environmental"
    assert decide(fixture("alert-hazmat.xml"), playbook="fire").request.playbook == "fire"


def test_maps_are_overridden_by_settings(monkeypatch):
    monkeypatch.setenv("PARKLINK_CAP_SEVERITY_MAP", '{"Severe": "red", "unknown": "Blue"}')
    monkeypatch.setenv("PARKLINK_CAP_EVENT_MAP", '{"泄漏": "fire", "异味": "environmental"}')
    s = get_settings()
    maps = CapMaps.build(severity=s.cap_severity_map, events=s.cap_event_map)
    d = decide(fixture("alert-hazmat.xml"), maps=maps)
    assert (d.colour, d.playbook) == (Colour.red, "fire")  # the park's entries are tried before the defaults
    unknown = variant("alert-hazmat.xml", ("<severity>Severe", "<severity>Unknown"), ("<event>危险化学品泄漏", "<event>异味"))
    assert (decide(unknown, maps=maps).colour, decide(unknown, maps=maps).playbook) == (Colour.blue, "environmental")
    assert refusal(lambda: decide(unknown)) == (
        "alert-hazmat.xml: severity Unknown and no colour word in event '异味'; map Unknown in "
        "PARKLINK_CAP_SEVERITY_MAP or raise the warning by hand (parklink warn --colour)")


@pytest.mark.parametrize(("severity", "events", "line"), [
    ({"Huge": "red"}, None,
     "PARKLINK_CAP_SEVERITY_MAP: key 'Huge' is not a CAP severity; use Extreme, Severe, Moderate, Minor or Unknown"),
    ({"Minor": "green"}, None,
     "PARKLINK_CAP_SEVERITY_MAP: Minor → 'green' is not a colour; use blue, yellow, orange or red"),
    (None, {"暴雨": "Natural Disaster"}, "PARKLINK_CAP_EVENT_MAP: '暴雨' → 'Natural Disaster': give a non-empty event "
                                        "word and a playbook id such as hazmat-leak"),
    (None, {" ": "fire"}, "PARKLINK_CAP_EVENT_MAP: ' ' → 'fire': give a non-empty event word and a playbook id such "
                          "as hazmat-leak"),
])
def test_a_bad_map_entry_is_one_line(severity, events, line):
    assert refusal(lambda: CapMaps.build(severity=severity, events=events)) == line


def test_status_exercise_only_in_a_drill_and_test_never():
    exercise = variant("alert-hazmat.xml", ("<status>Actual", "<status>Exercise"))
    d = decide(exercise)
    assert (d.kind, d.outcome, d.request) == (DecisionKind.ignored, CapOutcome.ignored, None)
    assert d.reason == "an Exercise alert is applied only in a drill (--drill)"
    assert decide(exercise, drill=True).kind is DecisionKind.alert
    test = variant("alert-hazmat.xml", ("<status>Actual", "<status>Test"))
    assert decide(test, drill=True).reason == (
        "its status is Test; only Actual alerts (and Exercise ones in a drill) are applied")
    ack = variant("cancel-hazmat.xml", ("<msgType>Cancel", "<msgType>Ack"))
    assert (decide(ack).kind, decide(ack).reason) == (DecisionKind.ignored, "a CAP Ack message carries no warning")


def test_an_expired_alert_is_ignored_and_bad_times_refused():
    d = decide(fixture("alert-hazmat.xml"), now=datetime(2026, 12, 2, 1, tzinfo=UTC))
    assert (d.kind, d.reason) == (DecisionKind.ignored, "it expired at 2026-12-02T08:00:00+08:00")
    backwards = variant("alert-hazmat.xml", ("<expires>2026-12-02T08", "<expires>2026-12-01T07"))
    assert refusal(lambda: decide(backwards, now=datetime(2026, 11, 30, tzinfo=UTC))) == (
        "alert-hazmat.xml: <expires> 2026-12-01T07:00:00+08:00 is not after <onset> 2026-12-01T08:00:00+08:00; the "
        "sender must correct the alert")


def test_coverage_polygon_circle_geocode_and_no_area():
    park = ParkArea.of([SimpleNamespace(latitude=36.1447, longitude=112.2801),
                        SimpleNamespace(latitude=None, longitude=None)], geocodes=["GB/T 2260=141026"])
    assert park.points == (Point(latitude=36.1447, longitude=112.2801),)
    ring = tuple(Point(latitude=a, longitude=b) for a, b in
                 [(36.14, 112.27), (36.14, 112.29), (36.15, 112.29), (36.15, 112.27), (36.14, 112.27)])
    beside = tuple(Point(latitude=p.latitude, longitude=p.longitude + 0.05) for p in ring)
    near = Circle(centre=Point(latitude=36.15, longitude=112.28), radius_km=1.0)  # the site is ~0.6 km away
    tight = Circle(centre=Point(latitude=36.15, longitude=112.28), radius_km=0.5)

    def area(**kw):
        return [CapArea(area_desc="x", **kw)]
    assert park.coverage(area(polygons=(ring,))) is Coverage.polygon
    assert park.coverage(area(polygons=(beside,))) is None
    assert park.coverage(area(circles=(near,))) is Coverage.circle
    assert park.coverage(area(circles=(tight,))) is None
    assert park.coverage([]) is Coverage.no_area
    assert park.coverage(area()) is None  # an area that says nothing but its description covers nothing
    for name, value, covered in [("GB/T 2260", "141026", True), ("gb/t 2260", "141000", True),
                                 ("GB/T 2260", "140000", True), ("GB/T 2260", "141027", False),
                                 ("GB/T 2260", "141026101000", False), ("FIPS", "141026", False)]:
        got = park.coverage(area(geocodes=(NamedValue(name=name, value=value),)))
        assert (got is Coverage.geocode) is covered, (name, value)
    any_name = ParkArea.of(geocodes=["141026", " "])
    assert any_name.geocodes == ("141026",)
    assert any_name.coverage(area(geocodes=(NamedValue(name="FIPS", value="141026"),))) is Coverage.geocode


def test_the_sample_park_is_outside_a_far_polygon_and_the_geocode_setting_is_read(monkeypatch):
    monkeypatch.setenv("PARKLINK_PARK_GEOCODES", "GB/T 2260=141026, 141026000000")
    park = ParkArea.of(PARK.points, geocodes=get_settings().park_geocodes)
    assert park.geocodes == ("GB/T 2260=141026", "141026000000")
    assert decide(fixture("geocode-coldwave.xml"), park=park).coverage is Coverage.geocode
    nowhere = ParkArea.of(PARK.points)
    assert decide(fixture("geocode-coldwave.xml"), park=nowhere).kind is DecisionKind.out_of_area
    no_area = variant("geocode-coldwave.xml", ("<area>", "<!--"), ("</area>", "-->"))
    assert decide(no_area, park=nowhere).coverage is Coverage.no_area


def test_a_decision_is_json_for_the_cli():
    d = decide(fixture("update-hazmat.xml"))
    data = d.model_dump(mode="json")
    assert (data["kind"], data["colour"], data["playbook"], data["references"][0]["identifier"]) == (
        "update", "red", "hazmat-leak", "AZ-YJ-20261201-001")
    assert data["request"]["source"] == "cap" and data["request"]["source_ref"] == d.source_ref
    assert data["key"]["sent"] == "2026-12-01T09:30:00+08:00"
