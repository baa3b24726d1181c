from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.geo import bearing_deg, distance_m
from tasks.siting import site_command_post


def test_upwind_with_a_north_wind_is_north_of_the_source():
    site = site_command_post(latitude=36.15, longitude=112.27, wind_from_deg=0, min_distance_m=500)
    assert site.latitude > 36.15 and abs(site.longitude - 112.27) < 1e-6
    assert distance_m(36.15, 112.27, site.latitude, site.longitude) == pytest.approx(500, abs=1)
    assert "上风向" in site.reason_zh and "upwind" in site.reason_en


def test_isolation_distance_is_a_floor():
    site = site_command_post(latitude=36.15, longitude=112.27, wind_from_deg=270, min_distance_m=300,
                             isolation_radius_m=1600)
    assert site.distance_m == 1650 and site.longitude < 112.27


@given(lat=st.floats(-80, 80), lon=st.floats(-179, 179), wind=st.floats(0, 359.9), dist=st.floats(50, 5000),
       iso=st.floats(0, 3000))
def test_site_is_at_the_distance_and_bearing_it_claims(lat, lon, wind, dist, iso):
    site = site_command_post(latitude=lat, longitude=lon, wind_from_deg=wind, min_distance_m=dist,
                             isolation_radius_m=iso)
    got = distance_m(lat, lon, site.latitude, site.longitude)
    assert got == pytest.approx(site.distance_m, abs=1.0) and got >= iso
    assert min(abs(bearing_deg(lat, lon, site.latitude, site.longitude) - site.bearing_deg) % 360,
               360 - abs(bearing_deg(lat, lon, site.latitude, site.longitude) - site.bearing_deg) % 360) < 0.5


def test_off_the_globe_is_refused():
    with pytest.raises(ValueError, match="off the globe"):
        site_command_post(latitude=123, longitude=0, wind_from_deg=0, min_distance_m=100)
