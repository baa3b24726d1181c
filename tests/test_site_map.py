"""The site map (issue 15, item 3): projection, zones and the SVG read back as XML — where each thing is drawn."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime

import pytest
from defusedxml import ElementTree
from hypothesis import given
from hypothesis import strategies as st

from models.errors import InputError
from models.settings import REPO_ROOT, get_settings
from tasks.geo import destination, distance_m
from tasks.maps.projection import Projection, bearing_xy, fit
from tasks.maps.site_map import (
    AllocationLine,
    Place,
    Road,
    SiteMap,
    length_label,
    nice_length,
    render_site_map,
)
from tasks.maps.zones import (
    SECTOR_HALF_ANGLE_DEG,
    Downwind,
    Period,
    downwind_bearing,
    period_at,
    wind_from_of,
)
from tasks.park_io.site import parse_site
from tasks.siting import site_command_post

NS = {"s": "http://www.w3.org/2000/svg"}
SITE = REPO_ROOT / "data" / "sample-park" / "site.geojson"
INCIDENT = (36.1531, 112.288)  # the sample ammonia plant (qy-ha)
HOSTILE = 'A <b>&"\'</b> ]]> \x01'


def parse(svg: str):
    return ElementTree.fromstring(svg)


def by_id(root, ident: str):
    found = root.find(f".//*[@id='{ident}']")
    assert found is not None, ident
    return found


def projection_of(root) -> Projection:
    return Projection(float(root.get("data-lat0")), float(root.get("data-lon0")),
                      float(root.get("data-metres-per-px")), float(root.get("data-x0")), float(root.get("data-y0")))


def sample_map(**changes) -> SiteMap:
    site = parse_site(SITE)
    post = site_command_post(latitude=INCIDENT[0], longitude=INCIDENT[1], wind_from_deg=315, min_distance_m=300,
                             isolation_radius_m=300)
    data = dict(title="map", incident=INCIDENT, isolation_radius_m=300.0, outline=site.outline,
                roads=tuple(Road(r.name("zh-CN"), r.points) for r in site.roads),
                places=tuple(Place(f"p{i}", p.name("en"), p.points[0]) for i, p in enumerate(site.places)),
                enterprises=(Place("qy-ha", "示例合成氨尿素有限公司", INCIDENT),),
                depots=(Place("dp-xfz", "消防救援大队特勤站", (36.1581, 112.2593)),
                        Place("dp-ha", "示例合成氨企业应急库", (36.1537, 112.2869))),
                wind_from_deg=315.0, downwind=Downwind(1500.0, Period.night),
                command_post=(post.latitude, post.longitude),
                allocations=(AllocationLine("dp-xfz", "4 items · ETA 6 min"),), sample=True)
    return SiteMap(**{**data, **changes})


def test_the_sample_site_file_is_marked_sample_and_surrounds_the_enterprises_and_depots():
    raw = json.loads(SITE.read_text(encoding="utf-8"))
    site = parse_site(SITE)
    assert raw["sample"] is True and "示例" in raw["name"] and "SAMPLE" in raw["name"]
    assert site.sample and len(site.roads) >= 3 and site.outline[0] == site.outline[-1]
    lats, lons = [p[0] for p in site.outline], [p[1] for p in site.outline]
    assert all(min(lats) <= lat <= max(lats) and min(lons) <= lon <= max(lons)
               for lat, lon in [INCIDENT, (36.1447, 112.2801), (36.1329, 112.2619), (36.181, 112.2967)])
    assert get_settings().site_path == SITE


@pytest.mark.parametrize("change, message", [
    (lambda d: d["features"][1]["geometry"].update(coordinates=[[500, 36], [112, 36]]),
     "features[1].geometry.coordinates[0][0]: Input should be less than or equal to 180"),
    (lambda d: d["features"][1]["properties"].update(kind="place"), "features[1]: Value error, a `place` is a Point"),
    (lambda d: d["features"].pop(0), "0 features of kind `outline`"),
    (lambda d: d.update(type="Feature"), "type: Input should be 'FeatureCollection'"),
])
def test_a_bad_site_file_is_refused_in_one_line_naming_where(tmp_path, change, message):
    data = json.loads(SITE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "site.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError) as err:
        parse_site(path)
    assert message in str(err.value) and str(path) in str(err.value) and "\n" not in str(err.value)


def test_a_site_file_that_is_not_json_too_big_or_nan_is_refused(tmp_path):
    path = tmp_path / "site.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [}', encoding="utf-8")
    with pytest.raises(InputError, match=r"site\.geojson:2:\d+: not valid JSON"):
        parse_site(path)
    path.write_text('{"type": "FeatureCollection", "features": [], "x": NaN}', encoding="utf-8")
    with pytest.raises(InputError, match="NaN"):
        parse_site(path)
    path.write_bytes(b" " * (1024 * 1024 + 1))
    with pytest.raises(InputError, match="over the 1 MiB limit"):
        parse_site(path)


@given(lat=st.floats(30, 45), lon=st.floats(100, 125), east=st.floats(-5000, 5000), north=st.floats(-5000, 5000),
       mpp=st.floats(0.5, 50))
def test_the_projection_round_trips_and_keeps_distances(lat, lon, east, north, mpp):
    proj = Projection(lat, lon, mpp, 400.0, 300.0)
    x, y = 400.0 + east / mpp, 300.0 - north / mpp
    back = proj.latlon(x, y)
    assert proj.xy(*back) == pytest.approx((x, y), abs=1e-6)
    metres = math.hypot(x - 400.0, y - 300.0) * mpp  # at a park's scale the plane is the sphere to 0.5 %
    assert distance_m(lat, lon, *back) == pytest.approx(metres, rel=5e-3, abs=0.01)


@given(bearing=st.floats(0, 359.99), distance=st.floats(50, 5000))
def test_a_bearing_on_the_ground_is_the_same_bearing_on_the_map(bearing, distance):
    proj = Projection(*INCIDENT, 5.0)
    x1, y1 = proj.xy(*INCIDENT)
    x2, y2 = proj.xy(*destination(*INCIDENT, bearing, distance))
    diff = abs(bearing_xy(x1, y1, x2, y2) - bearing) % 360
    assert min(diff, 360 - diff) < 0.2


def test_fit_keeps_every_point_inside_the_padding():
    points = [INCIDENT, (36.1712, 112.2418), (36.1329, 112.2619), (36.181, 112.2967)]
    proj, height = fit(points, width=800, padding=30, max_height=700)
    for p in points:
        x, y = proj.xy(*p)
        assert 30 - 1e-6 <= x <= 770 + 1e-6 and 30 - 1e-6 <= y <= height - 30 + 1e-6
    assert height <= 700 + 1e-6


@pytest.mark.parametrize("hour, period", [(5, Period.night), (6, Period.day), (17, Period.day), (18, Period.night)])
def test_day_is_six_to_eighteen_in_the_park(hour, period):
    assert period_at(datetime(2026, 7, 1, hour - 8 if hour >= 8 else hour + 16, 0, tzinfo=UTC)) is period


@given(wind=st.floats(0, 359.99), upwind=st.booleans())
def test_the_wind_is_recovered_from_a_command_posts_bearing(wind, upwind):
    post = site_command_post(latitude=36.15, longitude=112.28, wind_from_deg=wind, min_distance_m=300, upwind=upwind)
    diff = abs(wind_from_of(post.bearing_deg, upwind) - wind) % 360
    assert min(diff, 360 - diff) < 0.11  # the bearing is recorded to a tenth of a degree


def test_the_isolation_circle_is_its_radius_at_the_maps_scale():
    root = parse(render_site_map(sample_map(), "en"))
    proj = projection_of(root)
    circle = by_id(root, "isolation-circle")
    assert float(circle.get("r")) == pytest.approx(300 / proj.metres_per_px, abs=0.01)
    assert (float(circle.get("cx")), float(circle.get("cy"))) == pytest.approx(proj.xy(*INCIDENT), abs=0.01)
    point = by_id(root, "incident-point")
    assert proj.latlon(float(point.get("data-x")), float(point.get("data-y"))) == pytest.approx(INCIDENT, abs=1e-6)


@pytest.mark.parametrize("wind, downwind", [(315.0, 135.0), (90.0, 270.0), (0.0, 180.0), (200.0, 20.0)])
def test_the_sector_points_downwind_as_long_as_the_protective_distance(wind, downwind):
    root = parse(render_site_map(sample_map(wind_from_deg=wind), "en"))
    proj = projection_of(root)
    sector = by_id(root, "downwind-sector")
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", sector.get("d"))]
    cx, cy, x1, y1, rx, _ry, _rot, _large, _sweep, x2, y2 = numbers
    assert (cx, cy) == pytest.approx(proj.xy(*INCIDENT), abs=0.01)
    assert rx * proj.metres_per_px == pytest.approx(1500, rel=1e-3)
    mid = bearing_xy(cx, cy, (x1 + x2) / 2, (y1 + y2) / 2)
    assert min(abs(mid - downwind), 360 - abs(mid - downwind)) < 0.1 and downwind_bearing(wind) == downwind
    spread = abs(bearing_xy(cx, cy, x2, y2) - bearing_xy(cx, cy, x1, y1)) % 360
    assert min(spread, 360 - spread) == pytest.approx(2 * SECTOR_HALF_ANGLE_DEG, abs=0.1)
    assert sector.get("data-period") == "night" and float(sector.get("data-bearing")) == downwind


def test_no_sector_without_a_protective_distance_or_a_wind():
    for changes in ({"downwind": None}, {"wind_from_deg": None}):
        root = parse(render_site_map(sample_map(**changes), "en"))
        assert root.find(".//*[@id='downwind-sector']") is None and by_id(root, "isolation-circle") is not None


def test_the_command_post_sits_where_it_was_recorded_upwind():
    data = sample_map()
    root = parse(render_site_map(data, "zh-CN"))
    proj = projection_of(root)
    post = by_id(root, "command-post")
    x, y = float(post.get("data-x")), float(post.get("data-y"))
    assert proj.latlon(x, y) == pytest.approx(data.command_post, abs=1e-6)
    assert post.find("s:circle", NS).get("cx") == post.get("data-x")
    ix, iy = proj.xy(*INCIDENT)
    assert bearing_xy(ix, iy, x, y) == pytest.approx(315, abs=0.5), "upwind of a north-west wind"
    assert "现场指挥部" in "".join(post.itertext())


def test_depots_and_allocation_lines_from_them():
    root = parse(render_site_map(sample_map(), "en"))
    proj = projection_of(root)
    depots = {d.get("data-code") for d in root.iterfind(".//*[@class='depot']", NS)}
    assert depots == {"dp-xfz", "dp-ha"}
    (line_group,) = root.iterfind(".//*[@class='allocation']", NS)
    line = line_group.find("s:line", NS)
    assert line_group.get("data-depot") == "dp-xfz"
    assert (float(line.get("x1")), float(line.get("y1"))) == pytest.approx(proj.xy(36.1581, 112.2593), abs=0.01)
    assert "4 items · ETA 6 min" in "".join(line_group.itertext())


@pytest.mark.parametrize("metres, nice", [(1, 1), (7, 5), (180, 100), (230, 200), (999, 500), (1000, 1000), (4321, 2000)])
def test_a_scale_bar_is_a_round_length(metres, nice):
    assert nice_length(metres) == nice


def test_the_scale_bars_label_matches_its_length_and_north_is_up():
    root = parse(render_site_map(sample_map(), "en"))
    proj = projection_of(root)
    bar = by_id(root, "scale-bar")
    metres = float(bar.get("data-metres"))
    assert float(bar.find("s:rect", NS).get("width")) == pytest.approx(metres / proj.metres_per_px, abs=0.01)
    label = "".join(bar.itertext())
    value, unit = re.fullmatch(r"([\d.]+) (m|km)", label).groups()
    assert float(value) * (1000 if unit == "km" else 1) == metres == nice_length(metres) and label == length_label(metres)
    assert "N" in "".join(by_id(root, "north-arrow").itertext())


def test_hostile_names_are_text_in_a_well_formed_svg():
    data = sample_map(title=HOSTILE, enterprises=(Place("x", HOSTILE, INCIDENT),),
                      depots=(Place('d"><script>', HOSTILE, (36.15, 112.27)),),
                      allocations=(AllocationLine('d"><script>', HOSTILE),), roads=(Road(HOSTILE, ((36.14, 112.26), (36.14, 112.3))),))
    svg = render_site_map(data, "en")
    root = parse(svg)
    assert "<script>" not in svg and "<b>" not in svg
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts.count(HOSTILE.replace("\x01", "")) >= 3
    assert root.find(".//*[@class='depot']", NS).get("data-code") == 'd"><script>'


def test_the_svg_scales_to_its_container_and_fetches_nothing():
    svg = render_site_map(sample_map(), "zh-CN")
    root = parse(svg)
    assert root.get("width") == "100%" and len(root.get("viewBox").split()) == 4
    assert "Noto Sans CJK SC" in root.get("font-family")
    assert not re.search(r"href|url\(|@import|<image|<script", svg)
    legend = "".join(by_id(root, "legend").itertext())
    assert "隔离区 半径 300 米" in legend and "下风向防护区 1500 米（夜间）" in legend and "示例场地图" in svg
