"""GCJ-02 and BD-09 conversions reproduce published pairs and invert exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo_coverage import coords
from tests.conftest import SHARED_DATA, requires_shared

GEOD = Geod(ellps="WGS84")

# published test vectors of the eviltransform project: wgs lat, wgs lon, gcj lat, gcj lon
EVILTRANSFORM = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


def metres(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), EVILTRANSFORM)
def test_wgs84_to_gcj02_reproduces_published_pairs(wlat, wlon, glat, glon):
    lon, lat = coords.wgs84_to_gcj02(wlon, wlat)
    assert lon == pytest.approx(glon, abs=1e-9)
    assert lat == pytest.approx(glat, abs=1e-9)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), EVILTRANSFORM)
def test_gcj02_to_wgs84_recovers_published_pairs_within_a_millimetre(wlat, wlon, glat, glon):
    lon, lat = coords.gcj02_to_wgs84(glon, glat)
    assert metres(lon, lat, wlon, wlat) < 0.001


def test_gcj02_to_bd09_reproduces_published_pair():
    lon, lat = coords.gcj02_to_bd09(116.404, 39.915)
    assert (lon, lat) == pytest.approx((116.41036949371029, 39.92133699351021), abs=1e-12)


def test_bd09_inverse_is_exact_and_the_one_step_formula_is_within_a_metre():
    lon, lat = coords.bd09_to_gcj02(116.404, 39.915)
    back = coords.gcj02_to_bd09(lon, lat)
    assert metres(*back, 116.404, 39.915) < 0.001
    # the common one-step inverse gives (116.39762729119315, 39.90865673957631)
    assert metres(lon, lat, 116.39762729119315, 39.90865673957631) < 1.0


def test_round_trip_error_is_below_a_millimetre_across_china():
    rng = np.random.default_rng(1)
    lon = rng.uniform(75, 134, 2000)
    lat = rng.uniform(19, 53, 2000)
    for fwd, inv in [
        (coords.wgs84_to_gcj02, coords.gcj02_to_wgs84),
        (coords.wgs84_to_bd09, coords.bd09_to_wgs84),
    ]:
        back = inv(*fwd(lon, lat))
        assert np.max(metres(lon, lat, *back)) < 0.001


@pytest.mark.parametrize(
    ("city", "lon", "lat", "offset_m"),
    [
        ("Hohhot", 111.75, 40.84, 604),
        ("Baotou", 109.84, 40.66, 498),
        ("Chifeng", 118.89, 42.26, 551),
        ("Siping", 124.35, 43.17, 579),
    ],
)
def test_gcj02_offsets_in_the_seed_cities_match_the_design_notes(city, lon, lat, offset_m):
    glon, glat = coords.wgs84_to_gcj02(lon, lat)
    assert metres(lon, lat, glon, glat) == pytest.approx(offset_m, abs=15), city


def test_no_offset_outside_china():
    assert coords.wgs84_to_gcj02(24.94, 60.17) == (24.94, 60.17)


def test_projected_crs_is_the_cgcs2000_zone_in_china_and_utm_elsewhere():
    assert coords.projected_crs_for(111.7, 40.8).to_epsg() == 4546  # Hohhot
    assert coords.projected_crs_for(118.9, 42.3).to_epsg() == 4549  # Chifeng
    assert coords.projected_crs_for(124.35, 43.17).to_epsg() == 4550  # Siping
    assert coords.projected_crs_for(24.9, 60.2).to_epsg() == 32635  # Helsinki


def test_unknown_system_is_refused():
    with pytest.raises(ValueError, match="unknown coordinate system 'wgs'"):
        coords.to_wgs84(1, 2, "wgs")


@requires_shared
def test_amap_district_polygons_convert_to_the_shipped_wgs84_polygons():
    """cn-districts ships the same polygons in GCJ-02 and converted to WGS84 (7 decimals)."""
    gcj = json.loads((SHARED_DATA / "cn-districts" / "districts_gcj02.geojson").read_text("utf-8"))
    wgs = json.loads((SHARED_DATA / "cn-districts" / "districts_wgs84.geojson").read_text("utf-8"))
    for fg, fw in list(zip(gcj["features"], wgs["features"], strict=True))[:6]:
        g = shapely.get_coordinates(shapely.from_geojson(json.dumps(fg["geometry"])))
        w = shapely.get_coordinates(shapely.from_geojson(json.dumps(fw["geometry"])))
        lon, lat = coords.gcj02_to_wgs84(g[:, 0], g[:, 1])
        assert np.max(metres(lon, lat, w[:, 0], w[:, 1])) < 0.05, fg["properties"]["name"]
