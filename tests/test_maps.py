"""The map object: basemaps, the AMap GCJ-02 shift, languages, escaping (no browser needed)."""

from __future__ import annotations

import numpy as np
import pytest

from geo_coverage.coords import wgs84_to_gcj02
from geo_coverage.outputs.maps import build_map, map_html, to_display
from tests.conftest import SHARED_DATA, requires_shared


def decode_polyline(text: str) -> list[tuple[float, float]]:
    """The polyline algorithm read back, written here apart from the map's own code."""
    numbers, value, shift = [], 0, 0
    for char in text:
        chunk = ord(char) - 63
        value |= (chunk & 0x1F) << shift
        shift += 5
        if chunk < 0x20:
            numbers.append(~(value >> 1) if value & 1 else value >> 1)
            value, shift = 0, 0
    x = np.cumsum(numbers[0::2]) / 1e5
    y = np.cumsum(numbers[1::2]) / 1e5
    return list(zip(x.tolist(), y.tolist(), strict=True))


def page_data(html: str) -> dict:
    """The packed layers' data of a map page."""
    import json
    import re

    found = re.search(r"var GC_DATA = (\{.*?\});</script>", html, re.S)
    assert found, "no packed data in the page"
    return json.loads(found.group(1))


def test_packed_geometry_reads_back_to_the_rounded_vertices():
    import shapely

    from geo_coverage.outputs.packed import encode_geometries

    square = shapely.Polygon(
        [(111.0, 40.0), (111.01, 40.0), (111.01, 40.01), (111.0, 40.01)],
        holes=[[(111.002, 40.002), (111.004, 40.002), (111.004, 40.004)]],
    )
    far = shapely.Polygon([(-70.5, -33.4), (-70.49, -33.4), (-70.49, -33.39)])
    geoms = [
        shapely.Point(111.123456, 40.654321),
        square,
        shapely.MultiPolygon([square, far]),
        shapely.Polygon(),
        shapely.Point(-0.000004, 0.000006),
    ]
    point, polygon, multi, empty, tiny = encode_geometries(np.array(geoms, dtype=object))
    assert decode_polyline(point) == [(111.12346, 40.65432)]
    assert decode_polyline(tiny) == [(-0.0, 0.00001)]
    assert empty == []
    assert len(polygon) == 1 and len(polygon[0]) == 2  # one polygon: exterior and hole
    assert decode_polyline(polygon[0][0]) == [
        (111.0, 40.0),
        (111.01, 40.0),
        (111.01, 40.01),
        (111.0, 40.01),
    ]  # closing vertex dropped
    assert decode_polyline(polygon[0][1]) == [
        (111.002, 40.002),
        (111.004, 40.002),
        (111.004, 40.004),
    ]
    assert len(multi) == 2 and decode_polyline(multi[1][0]) == [
        (-70.5, -33.4),
        (-70.49, -33.4),
        (-70.49, -33.39),
    ]


def test_packed_page_data_cannot_close_the_script_or_reach_a_template(demo_result):
    import dataclasses

    com = demo_result.assessment.communities.copy()
    com.loc[com.index[0], "name"] = "</script><script>alert(1)</script>{{7*7}}{% x %}"
    assessment = dataclasses.replace(demo_result.assessment, communities=com)
    html = map_html(build_map(assessment, None, city="x"))
    assert "</script><script>alert(1)" not in html
    data = page_data(html)
    names = next(d for d in data.values() if "reasons" in d.get("cols", {}))["cols"]["name"]
    assert names[0] == "</script><script>alert(1)</script>{{7*7}}{% x %}"  # data, unchanged


def test_amap_basemap_shifts_every_layer_to_gcj02(demo_result):
    fac = demo_result.assessment.facilities
    wgs = to_display(fac)
    gcj = to_display(fac, gcj02=True)
    lon, lat = wgs84_to_gcj02(wgs.geometry.x, wgs.geometry.y)
    np.testing.assert_allclose(gcj.geometry.x, lon, atol=1e-5)
    np.testing.assert_allclose(gcj.geometry.y, lat, atol=1e-5)
    html = map_html(
        build_map(demo_result.assessment, demo_result.isochrones, city="x", basemap="amap")
    )
    assert "autonavi.com/appmaptile" in html
    facilities = next(d for d in page_data(html).values() if "type_label" in d.get("cols", {}))
    drawn = np.array([decode_polyline(g) for g in facilities["geom"]])
    np.testing.assert_allclose(drawn[:, 0, 0], gcj.geometry.x, atol=1e-5)
    np.testing.assert_allclose(drawn[:, 0, 1], gcj.geometry.y, atol=1e-5)


def test_tianditu_uses_the_key_and_adds_labels(demo_result):
    html = map_html(
        build_map(demo_result.assessment, None, city="x", basemap="tianditu", tianditu_key="KEY123")
    )
    assert "T=vec_w" in html and "T=cva_w" in html and "tk=KEY123" in html


def test_no_basemap_means_no_tiles_and_no_network(demo_result):
    html = map_html(build_map(demo_result.assessment, demo_result.isochrones, city="x"))
    assert "tile.openstreetmap" not in html and "https://cdn" not in html


def test_english_labels(demo_result):
    html = map_html(
        build_map(demo_result.assessment, demo_result.isochrones, city="Demo", language="en")
    )
    assert "Communities by status" in html and "outside the 15-minute care circle" in html
    assert "小区（按状态着色）" not in html


def test_city_name_is_escaped(demo_result):
    html = map_html(build_map(demo_result.assessment, None, city="<b>x</b>"))
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


@requires_shared
@pytest.mark.filterwarnings("ignore:The XML file you are loading appears:UserWarning")
@pytest.mark.slow
def test_drawing_never_fails_on_real_isochrones():
    """Random facility sets on every real extract: the map's geometry step always succeeds.

    Seed 1 reproduces two 'side location conflict' failures of the old precision step
    (Nanjing, trial 5; Shanghai Jing'an, trial 0).
    """
    import geopandas as gpd

    from geo_coverage.network.streets import network_from_file
    from geo_coverage.outputs.maps import DISPLAY_TOLERANCE_M
    from geo_coverage.reach.engine import snap_points
    from geo_coverage.reach.isochrones import group_travel_times

    rng = np.random.default_rng(1)
    for path in sorted(SHARED_DATA.glob("*/*.osm")):
        network = network_from_file(path)
        for _ in range(6):
            k = int(rng.integers(1, 40))
            idx = rng.choice(network.n_nodes, k)
            x = network.node_x[idx] + rng.normal(0, 30, k)
            y = network.node_y[idx] + rng.normal(0, 30, k)
            iso = group_travel_times(
                network,
                {"g": np.ones(k, bool)},
                snap_points(network, x, y),
                bands_min=(5, 10, 15),
                speed_m_s=1.0,
            ).isochrones
            layer = gpd.GeoDataFrame(iso, geometry="geometry", crs=network.crs)
            layer["geometry"] = layer.geometry.simplify(DISPLAY_TOLERANCE_M)
            shown = to_display(layer)
            assert len(shown) == 3 and not shown.geometry.is_empty.any(), path.parent.name


def test_the_shipped_leaflet_files_are_the_pinned_release():
    import hashlib

    from geo_coverage.outputs.maps import LEAFLET

    pinned = dict(
        reversed(line.split("  ", 1))
        for line in (LEAFLET / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    )
    assert len(pinned) == 7 and "leaflet.js" in pinned
    for name, digest in pinned.items():
        assert hashlib.sha256((LEAFLET / name).read_bytes()).hexdigest() == digest, name
    assert "Leaflet 1.9.4" in (LEAFLET / "leaflet.js").read_text(encoding="utf-8")[:200]


def test_the_offline_page_loads_nothing_and_needs_no_jquery(demo_result):
    import re

    sites = demo_result.siting.sites
    page = map_html(
        build_map(demo_result.assessment, demo_result.isochrones, sites=sites, city="示范区")
    )
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', page)
    assert "$(" not in page  # popups are bound with Leaflet's bindPopup
    assert page.count(".bindPopup(") >= len(sites)
    assert "Leaflet 1.9.4" in page
