"""The map object: basemaps, the AMap GCJ-02 shift, languages, escaping (no browser needed)."""

from __future__ import annotations

import numpy as np
import pytest

from geo_coverage import load_config
from geo_coverage.coords import wgs84_to_gcj02
from geo_coverage.maps import build_map, map_html, to_display
from geo_coverage.pipeline import run


@pytest.fixture(scope="module")
def demo_result():
    from tests.conftest import ROOT

    return run(load_config(ROOT / "configs" / "demo.yaml"), write=False)


def test_amap_basemap_shifts_every_layer_to_gcj02(demo_result):
    fac = demo_result.assessment.facilities
    wgs = to_display(fac)
    gcj = to_display(fac, gcj02=True)
    lon, lat = wgs84_to_gcj02(wgs.geometry.x, wgs.geometry.y)
    np.testing.assert_allclose(gcj.geometry.x, lon, atol=2e-6)
    np.testing.assert_allclose(gcj.geometry.y, lat, atol=2e-6)
    html = map_html(
        build_map(demo_result.assessment, demo_result.isochrones, city="x", basemap="amap")
    )
    assert "autonavi.com/appmaptile" in html
    assert f"{gcj.geometry.x.iloc[0]:.6f}".rstrip("0") in html


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
