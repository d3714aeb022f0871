"""Input layers: every format and coordinate system reads, every bad input is located exactly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from geo_coverage import LayerError, load_config
from geo_coverage.config import FacilityLayerConfig, LayerConfig
from geo_coverage.coords import gcj02_to_bd09, gcj02_to_wgs84, wgs84_to_gcj02
from geo_coverage.inputs.layers import layers_from_config, read_layer
from geo_coverage.pipeline import run

GEOD = Geod(ellps="WGS84")
STATION = {"居家养老服务驿站": "station"}


def facilities_csv(config_path: Path) -> Path:
    return config_path.parent.parent / "layers" / "demo" / "facilities.csv"


def communities_file(config_path: Path) -> Path:
    return config_path.parent.parent / "layers" / "demo" / "communities.geojson"


def edit_csv(path: Path, edit) -> None:
    frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    frame = edit(frame)
    frame.to_csv(path, index=False, encoding="utf-8-sig")


def edit_communities(path: Path, edit) -> None:
    gdf = gpd.read_file(path)
    gdf = edit(gdf)
    path.unlink()
    gdf.to_file(path, driver="GeoJSON")


def findings(config_path: Path) -> list:
    with pytest.raises(LayerError) as err:
        layers_from_config(load_config(config_path))
    return err.value.findings


# ---------------------------------------------------------------- reading


def test_demo_layers_read_with_chinese_headers_and_gcj02_converted(demo_config_path):
    layers = layers_from_config(load_config(demo_config_path))
    fac = layers.facilities
    assert len(fac) == 11 and len(layers.communities) == 71 and len(layers.subdistricts) == 3
    assert len(layers.villages) == 5 and list(layers.townships["name"]) == ["东郊苏木"]
    assert fac.crs.to_epsg() == 4326
    assert fac.loc[fac["id"] == "F05", "type"].item() == "station"  # 居家养老服务驿站 via config
    assert fac.loc[fac["id"] == "F01", "type_label"].item() == "街道综合养老服务中心"
    assert fac.loc[fac["id"] == "F01", "floor_area_m2"].item() == 1200.0
    raw = pd.read_csv(facilities_csv(demo_config_path), encoding="utf-8-sig")
    lon, lat = gcj02_to_wgs84(raw["经度"], raw["纬度"])
    np.testing.assert_allclose(fac.geometry.x, lon, atol=1e-9)
    np.testing.assert_allclose(fac.geometry.y, lat, atol=1e-9)
    assert GEOD.inv(raw["经度"][0], raw["纬度"][0], fac.geometry.x[0], fac.geometry.y[0])[2] > 500


def test_gbk_csv_from_excel_is_read(demo_copy):
    path = facilities_csv(demo_copy)
    text = path.read_text(encoding="utf-8-sig")
    path.write_bytes(text.encode("gbk"))
    assert len(layers_from_config(load_config(demo_copy)).facilities) == 11


def test_xlsx_facilities(tmp_path, demo_config_path):
    src = pd.read_csv(facilities_csv(demo_config_path), encoding="utf-8-sig")
    xlsx = tmp_path / "f.xlsx"
    src.to_excel(xlsx, index=False)
    gdf = read_layer("facilities", FacilityLayerConfig(path=xlsx, coords="gcj02", types=STATION))
    assert list(gdf["id"]) == list(src["编号"])


def test_bd09_points_convert_to_the_same_place(tmp_path, demo_config_path):
    src = pd.read_csv(facilities_csv(demo_config_path), encoding="utf-8-sig")
    src["经度"], src["纬度"] = gcj02_to_bd09(src["经度"], src["纬度"])
    src.to_csv(tmp_path / "bd.csv", index=False)
    bd = read_layer(
        "facilities", FacilityLayerConfig(path=tmp_path / "bd.csv", coords="bd09", types=STATION)
    )
    gcj = read_layer(
        "facilities",
        FacilityLayerConfig(path=facilities_csv(demo_config_path), coords="gcj02", types=STATION),
    )
    d = GEOD.inv(bd.geometry.x, bd.geometry.y, gcj.geometry.x, gcj.geometry.y)[2]
    assert np.max(d) < 0.01


def test_projected_epsg_layer(tmp_path, demo_config_path):
    gdf = read_layer("communities", LayerConfig(path=communities_file(demo_config_path)))
    gdf.rename(columns={"id": "编号", "name": "名称", "households": "户数"})[
        ["编号", "名称", "户数", "geometry"]
    ].to_crs(4546).to_file(tmp_path / "c.gpkg")
    back = read_layer("communities", LayerConfig(path=tmp_path / "c.gpkg"))
    assert back.crs.to_epsg() == 4326
    assert back.geometry.iloc[0].equals_exact(gdf.geometry.iloc[0], 1e-7)


def test_shapefile_with_gbk_dbf_and_no_cpg(tmp_path, demo_config_path):
    gdf = read_layer("communities", LayerConfig(path=communities_file(demo_config_path)))
    out = gdf.rename(columns={"id": "编号", "name": "名称", "households": "户数"})[
        ["编号", "名称", "户数", "geometry"]
    ]
    out.to_file(tmp_path / "c.shp", encoding="gbk", engine="pyogrio")
    (tmp_path / "c.cpg").unlink(missing_ok=True)
    back = read_layer("communities", LayerConfig(path=tmp_path / "c.shp"))
    assert list(back["name"]) == list(gdf["name"])


def test_gcj02_geojson_polygons_are_converted_vertex_by_vertex(tmp_path, demo_config_path):
    gdf = read_layer("communities", LayerConfig(path=communities_file(demo_config_path)))

    def to_gcj(xy):
        return np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]))

    shifted = gdf.set_geometry(shapely.transform(gdf.geometry.to_numpy(), to_gcj))
    shifted[["id", "name", "households", "geometry"]].to_file(tmp_path / "g.geojson")
    back = read_layer("communities", LayerConfig(path=tmp_path / "g.geojson", coords="gcj02"))
    a = shapely.get_coordinates(back.geometry.to_numpy())
    b = shapely.get_coordinates(gdf.geometry.to_numpy())
    assert np.max(GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])[2]) < 0.01


# ---------------------------------------------------------------- bad input


def test_missing_column_suggests_the_close_header(demo_copy):
    edit_csv(facilities_csv(demo_copy), lambda f: f.rename(columns={"类型": "类形"}))
    (f,) = findings(demo_copy)
    assert f.file.endswith("facilities.csv") and f.row is None
    assert "required column 'type'" in f.message
    assert "did you mean '类形'" in f.message
    assert "columns: {type: <your header>}" in f.message


def test_misnamed_column_in_the_config_mapping(demo_copy):
    text = demo_copy.read_text(encoding="utf-8").replace("households: 户数", "households: 户数量")
    demo_copy.write_text(text, encoding="utf-8")
    (f,) = findings(demo_copy)
    assert f.column == "户数量"
    assert "not in the file" in f.message and "Did you mean '户数'?" in f.message


def test_non_numeric_and_negative_households_name_row_and_column(demo_copy):
    def edit(gdf):
        gdf["户数"] = gdf["户数"].astype(object)
        gdf.loc[3, "户数"] = "约300户"
        gdf.loc[7, "户数"] = "-20"
        return gdf

    edit_communities(communities_file(demo_copy), edit)
    found = findings(demo_copy)
    assert [(f.row, f.column) for f in found] == [(4, "户数"), (8, "户数")]
    assert "'约300户' is not a number" in found[0].message
    assert "negative" in found[1].message


def test_swapped_lat_lon(demo_copy):
    def edit(f):
        f.loc[2, ["经度", "纬度"]] = f.loc[2, ["纬度", "经度"]].to_numpy()
        return f

    edit_csv(facilities_csv(demo_copy), edit)
    (f,) = findings(demo_copy)
    assert (f.row, f.column) == (4, "经度/纬度")  # header is row 1, so the 3rd facility is row 4
    assert "look swapped" in f.message


def test_empty_layer(demo_copy):
    edit_csv(facilities_csv(demo_copy), lambda f: f.iloc[0:0])
    (f,) = findings(demo_copy)
    assert "facilities layer is empty" in f.message


def test_duplicate_ids(demo_copy):
    def edit(f):
        f.loc[4, "编号"] = "F02"
        return f

    edit_csv(facilities_csv(demo_copy), edit)
    (f,) = findings(demo_copy)
    assert (f.row, f.column) == (6, "编号")
    assert "duplicate id 'F02' (first used in row 3)" in f.message


def test_unknown_facility_type_tells_how_to_map_it(demo_copy):
    def edit(f):
        f.loc[1, "类型"] = "老年活动室"
        return f

    edit_csv(facilities_csv(demo_copy), edit)
    (f,) = findings(demo_copy)
    assert (f.row, f.column) == (3, "类型")
    assert "unknown facility type '老年活动室'" in f.message
    assert "types: {老年活动室: <centre|" in f.message


def test_invalid_polygon(demo_copy):
    def edit(gdf):
        bowtie = shapely.Polygon(
            [(111.70, 40.82), (111.71, 40.83), (111.71, 40.82), (111.70, 40.83)]
        )
        gdf.loc[5, "geometry"] = bowtie
        return gdf

    edit_communities(communities_file(demo_copy), edit)
    (f,) = findings(demo_copy)
    assert (f.row, f.column) == (6, "geometry")
    assert "invalid geometry (Self-intersection" in f.message


def test_all_layers_are_checked_before_reporting(demo_copy):
    edit_csv(facilities_csv(demo_copy), lambda f: f.assign(**{"床位数": "many"}))
    edit_communities(communities_file(demo_copy), lambda g: g.assign(户数="x"))
    files = {Path(f.file).name for f in findings(demo_copy)}
    assert files == {"facilities.csv", "communities.geojson"}


def test_point_far_from_the_network_is_reported_not_snapped(demo_copy):
    def edit(f):
        f.loc[0, "经度"] = "111.80"  # about 7 km east of the demo district
        return f

    edit_csv(facilities_csv(demo_copy), edit)
    with pytest.raises(LayerError) as err:
        run(demo_copy, write=False)
    (f,) = err.value.findings
    assert (f.row, f.column) == (2, "geometry")
    assert "F01 lies" in f.message
    assert "from the nearest walkable street (network.snap_limit_m: 300)" in f.message
    assert "network.far_points: flag" in f.message and "main roads only" in f.message


def test_validate_command_exits_non_zero_with_located_message(demo_copy):
    edit_csv(facilities_csv(demo_copy), lambda f: f.assign(**{"建筑面积（㎡）": "大"}))
    proc = subprocess.run(
        [sys.executable, "-m", "geo_coverage", "validate", str(demo_copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert (
        "facilities.csv, row 2, column '建筑面积（㎡）': value '大' is not a number" in proc.stderr
    )
    assert "Traceback" not in proc.stderr


def test_validate_command_accepts_the_demo(demo_config_path):
    proc = subprocess.run(
        [sys.executable, "-m", "geo_coverage", "validate", str(demo_config_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "OK:" in proc.stdout and "11 facilities, 71 communities" in proc.stdout
