"""The map object: basemaps, the AMap GCJ-02 shift, languages, escaping (no browser needed)."""

from __future__ import annotations

import numpy as np
import pytest

from geo_coverage import load_config
from geo_coverage.coords import wgs84_to_gcj02
from geo_coverage.maps import build_map, map_html, to_display
from geo_coverage.pipeline import run
from tests.conftest import SHARED_DATA, requires_shared


@pytest.fixture(scope="module")
def demo_result():
    from tests.conftest import ROOT

    return run(load_config(ROOT / "configs" / "demo.yaml"), write=False)


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
    assert f"{gcj.geometry.x.iloc[0]:.5f}".rstrip("0") in html


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
def test_drawing_never_fails_on_real_isochrones():
    """Random facility sets on every real extract: the map's geometry step always succeeds.

    Seed 1 reproduces two 'side location conflict' failures of the old precision step
    (Nanjing, trial 5; Shanghai Jing'an, trial 0).
    """
    import geopandas as gpd

    from geo_coverage.engine import snap_points
    from geo_coverage.isochrones import travel_times
    from geo_coverage.maps import DISPLAY_TOLERANCE_M
    from geo_coverage.network import network_from_file

    rng = np.random.default_rng(1)
    for path in sorted(SHARED_DATA.glob("*/*.osm")):
        network = network_from_file(path)
        for _ in range(6):
            k = int(rng.integers(1, 40))
            idx = rng.choice(network.n_nodes, k)
            x = network.node_x[idx] + rng.normal(0, 30, k)
            y = network.node_y[idx] + rng.normal(0, 30, k)
            iso = travel_times(
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

    from geo_coverage.maps import LEAFLET

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
