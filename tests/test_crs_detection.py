"""A wrong coordinate-system declaration is detected on real OSM extracts.

The point lists are the named shops, amenities and offices of each extract — what
an AMap or Baidu POI export of the same district holds — written as a WGS84,
GCJ-02 or BD-09 file and declared right or wrong.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo_coverage.config import load_config
from geo_coverage.coords import to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from geo_coverage.network.fitness import system_fit
from geo_coverage.network.streets import network_from_file
from geo_coverage.pipeline import prepare
from tests.conftest import SHARED_DATA, requires_shared

pytestmark = requires_shared

EXTRACTS = ("beijing-haidian", "beijing-wudaokou", "nanjing-xuanwu", "shanghai-baoshan")
WRITE = {"wgs84": lambda x, y: (x, y), "gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}


@pytest.fixture(scope="module")
def extracts():
    import osmnx as ox

    out = {}
    for name in EXTRACTS:
        path = SHARED_DATA / name / "map.osm"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tags = {"amenity": True, "shop": True, "office": True, "tourism": True}
            features = ox.features_from_xml(path, tags=tags)
        named = features[features["name"].notna()].geometry.representative_point()
        out[name] = (network_from_file(path), named.x.to_numpy(), named.y.to_numpy())
    return out


def fit(extract, file_system: str, declared: str):
    network, lon, lat = extract
    raw_x, raw_y = WRITE[file_system](lon, lat)  # the numbers in the file
    x, y = to_wgs84(raw_x, raw_y, declared)  # what the tool makes of them
    layer = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")
    return system_fit(network, layer, kind="facilities", declared=declared)


@pytest.mark.parametrize("name", EXTRACTS)
@pytest.mark.parametrize("system", ["wgs84", "gcj02", "bd09"])
def test_a_right_declaration_is_never_flagged(extracts, name, system):
    assert len(extracts[name][1]) >= 20
    assert not fit(extracts[name], system, system).declared_is_clearly_worse


@pytest.mark.parametrize(
    ("name", "file_system", "declared"),
    [
        ("beijing-haidian", "wgs84", "gcj02"),  # GPS points declared as an AMap export
        ("beijing-haidian", "bd09", "gcj02"),  # a Baidu export declared AMap
        ("beijing-haidian", "bd09", "wgs84"),
        ("beijing-wudaokou", "bd09", "gcj02"),
    ],
)
def test_a_wrong_declaration_is_flagged_naming_the_right_one(extracts, name, file_system, declared):
    result = fit(extracts[name], file_system, declared)
    assert result.declared_is_clearly_worse
    assert result.best == file_system


def test_run_warns_with_the_fix_on_a_real_district(extracts, tmp_path):
    _, lon, lat = extracts["beijing-haidian"]
    table = pd.DataFrame(
        {
            "编号": [f"P{i}" for i in range(len(lon))],
            "名称": [f"点{i}" for i in range(len(lon))],
            "类型": "社区养老服务站",
            "经度": np.round(lon, 7),
            "纬度": np.round(lat, 7),
        }
    )
    table.to_csv(tmp_path / "poi.csv", index=False, encoding="utf-8-sig")
    osm = SHARED_DATA / "beijing-haidian" / "map.osm"
    config = tmp_path / "c.yaml"
    config.write_text(
        f"city: 海淀\nslug: haidian\nnetwork: {{path: {osm}, snap_limit_m: 2000}}\n"
        "layers:\n  facilities: {path: poi.csv, coords: gcj02}\n"
        "  communities: {source: osm}\n",
        encoding="utf-8",
    )
    found = prepare(load_config(config)).warnings
    messages = [w.message for w in found if "coords" in w.message]
    assert len(messages) == 1 and "set 'coords: wgs84' for layers.facilities" in messages[0]
    config.write_text(config.read_text(encoding="utf-8").replace("gcj02", "wgs84"), "utf-8")
    found = prepare(load_config(config)).warnings
    assert not [w for w in found if "coords" in w.message]
