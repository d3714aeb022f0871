"""The planner's own road layer, and extra paths merged into a network.

A hand-drawn layer in CGCS2000 Gauss-Krüger metres (EPSG:4548) checks every rule with
answers worked out by hand; real OSM extracts exported as a GeoPackage in EPSG:4547
and as a GCJ-02 Shapefile with Chinese attributes must give the same walks as the
OSM file itself.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy.spatial import cKDTree

from geo_coverage._errors import NetworkError
from geo_coverage.config import load_config
from geo_coverage.coords import wgs84_to_gcj02
from geo_coverage.network.streets import network_from_file
from geo_coverage.pipeline import run
from geo_coverage.reach.engine import (
    nearest_source_distances,
    nearest_source_from_points,
    snap_points,
)
from tests.conftest import SHARED_DATA, requires_shared
from tests.osmnx_reference import segments_from_osm_xml

CRS = "EPSG:4548"
X0, Y0 = 500_000.0, 4_430_000.0


def line(*xy):
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in xy])


def walk(network, source, points):
    """Metres from ``source`` to each point, exact on the network."""
    src = snap_points(network, np.array([X0 + source[0]]), np.array([Y0 + source[1]]))
    pts = np.asarray(points, dtype=float) + np.array([X0, Y0])
    reach = nearest_source_distances(network, src)
    distance, _ = nearest_source_from_points(
        network, reach, snap_points(network, pts[:, 0], pts[:, 1]), src
    )
    return distance


@pytest.fixture
def hand_layer(tmp_path):
    """Feature numbers in comments; levels in column 层 (not OSM's names)."""
    rows = [
        ("主街", "主干路", 0, line((0, 0), (400, 0))),  # 1
        ("横街", "支路", 0, line((100, -100), (100, 100))),  # 2 crosses 1 at grade
        ("高架", "快速路", 1, line((300, -100), (300, 100))),  # 3 excluded class
        ("天桥", "人行天桥", 1, line((200, -100), (200, 100))),  # 4 footbridge over 1
        ("梯道", "人行道", 0, line((200, 100), (250, 0))),  # 5 ramp: end on 1's interior
        ("断头", "支路", 0, line((400, 2), (400, 100))),  # 6 stops 2 m short of 1's end
        ("重复", "支路", 0, line((100, -100), (100, 100))),  # 7 duplicate of 2
        ("零长", "支路", 0, line((50, 50), (50, 50))),  # 8 zero length
    ]
    frame = gpd.GeoDataFrame(
        {
            "名称": [r[0] for r in rows],
            "道路等级": [r[1] for r in rows],
            "层": [r[2] for r in rows],
        },
        geometry=[r[3] for r in rows],
        crs=CRS,
    )
    path = tmp_path / "道路中心线.gpkg"
    frame.to_file(path, driver="GPKG")
    return path


def test_noding_follows_levels_classes_and_line_ends(hand_layer):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # GEOS on the zero-length line
        network = network_from_file(
            hand_layer, crs=CRS, exclude={"道路等级": ["快速路"]}, level_column="层"
        )
    assert network.edge_length_m.sum() == pytest.approx(400 + 200 + 200 + np.hypot(50, 100))
    points = [
        (100, 90),  # up the cross street: crossing at grade, 100 + 90
        (200, 50),  # on the footbridge, not joined to the street it crosses: 150 along
        #             the street to the ramp's foot, up the 111.8 m ramp, 50 down the bridge
        (230, 40),  # on the ramp, 40/100 of its 111.8 m from its foot at (250, 0)
    ]
    expected = [
        90.0 + 0.0,
        150 + np.hypot(50, 100) + 50,
        150 + np.hypot(50, 100) * 0.4,
    ]
    np.testing.assert_allclose(walk(network, (100, 0), points), expected, atol=1e-6)
    notes = " | ".join(network.notes)
    assert "1 lines excluded by 'exclude'" in notes
    assert "zero-length line(s) dropped: feature 8" in notes
    assert "duplicate line(s) dropped (same geometry twice): feature 7" in notes
    assert "feature 6 stops 2.0 m short of feature 1" in notes


def test_bridge_column_from_osm_names_and_bad_columns(tmp_path):
    frame = gpd.GeoDataFrame(
        {"bridge": ["no", "yes"]},
        geometry=[line((0, 0), (200, 0)), line((100, -100), (100, 100))],
        crs=CRS,
    )
    path = tmp_path / "roads.gpkg"
    frame.to_file(path, driver="GPKG")
    network = network_from_file(path, crs=CRS)
    assert network.n_edges == 1  # the bridge is its own piece, left out as disconnected
    with pytest.raises(NetworkError, match=r"network\.exclude names column .等级."):
        network_from_file(path, crs=CRS, exclude={"等级": ["快速路"]})


def test_extra_paths_are_noded_and_joined_to_the_street(tmp_path):
    streets = gpd.GeoDataFrame(
        geometry=[line((0, 0), (400, 0)), line((0, 200), (400, 200))], crs=CRS
    )
    streets.to_file(tmp_path / "streets.gpkg", driver="GPKG")
    # a compound road from 8 m north of the south street to the north street, crossed
    # by a path at grade; its loose south end is joined by an 8 m connector
    extra = gpd.GeoDataFrame(
        geometry=[line((100, 8), (100, 200)), line((50, 100), (150, 100))], crs=CRS
    )
    extra.to_file(tmp_path / "extra.gpkg", driver="GPKG")
    network = network_from_file(
        tmp_path / "streets.gpkg",
        crs=CRS,
        extra_paths={"path": tmp_path / "extra.gpkg", "join_m": 20},
    )
    got = walk(network, (0, 0), [(100, 150), (140, 100), (300, 200)])
    np.testing.assert_allclose(got, [100 + 8 + 142, 100 + 8 + 92 + 40, 100 + 200 + 200], atol=1e-6)
    notes = " | ".join(network.notes)
    assert "2 lines, 1 loose ends joined" in notes
    assert "extra path(s) with an end over 20 m" in notes  # the cross path's two free ends


def export_osm(osm: Path, crs_of) -> gpd.GeoDataFrame:
    """The walking network of an OSM file as a planner's road layer (one line per street).

    Levels come from OSM's layer / bridge / tunnel tags. Where two OSM ways cross with
    no shared node at the same tagged level, OSM says they do not connect; the export
    marks such a crossing as a grade separation (the later line one level up), as a
    planner's layer marks a bridge, so both sources describe the same network.
    """
    segs = segments_from_osm_xml(osm)

    def level(row) -> int:
        values = row.get("layer")
        for v in values if isinstance(values, list) else [values]:
            try:
                return int(float(v))
            except (TypeError, ValueError):
                pass
        for tag, sign in (("bridge", 1), ("tunnel", -1)):
            tag_values = row.get(tag)
            tag_values = tag_values if isinstance(tag_values, list) else [tag_values]
            if any(str(v).lower() in {"yes", "viaduct", "true"} for v in tag_values):
                return sign
        return 0

    key = shapely.normalize(segs.geometry.to_numpy())
    unique = ~gpd.GeoSeries(key).to_wkb().duplicated().to_numpy()  # reverse twins once
    layer = gpd.GeoDataFrame(
        {
            "道路等级": segs["highway"].astype(str).to_numpy()[unique],
            "道路名称": segs["name"].astype(str).to_numpy()[unique] if "name" in segs else "",
            "layer": [level(r) for _, r in segs[unique].iterrows()],
        },
        geometry=segs.geometry.to_numpy()[unique],
        crs="EPSG:4326",
    ).reset_index(drop=True)
    metric = layer.to_crs(crs_of)
    geoms = metric.geometry.to_numpy()
    a, b = shapely.STRtree(geoms).query(geoms, predicate="crosses")
    lv = layer["layer"].to_numpy().copy()
    for i, j in zip(a[a < b], b[a < b], strict=True):
        if lv[i] == lv[j]:
            lv[j] += 10
    layer["layer"] = lv
    return layer


@requires_shared
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", ["beijing-wudaokou", "beijing-haidian", "nanjing-xuanwu"])
def test_real_extract_as_road_layers_gives_the_osm_walks(name, tmp_path):
    osm = SHARED_DATA / name / "map.osm"
    reference = network_from_file(osm)
    layer = export_osm(osm, reference.crs)
    layer.to_crs("EPSG:4547").to_file(tmp_path / "roads.gpkg", driver="GPKG")
    gcj = layer.copy()
    gcj["geometry"] = shapely.transform(
        gcj.geometry.to_numpy(), lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]))
    )
    gcj.to_file(tmp_path / "道路.shp", encoding="gbk")
    rng = np.random.default_rng(7)
    idx = rng.choice(reference.n_nodes, 25)
    x = reference.node_x[idx] + rng.normal(0, 20, 25)
    y = reference.node_y[idx] + rng.normal(0, 20, 25)
    expected = nearest_source_distances(reference, snap_points(reference, x, y)).distance_m
    for path, options in (
        (tmp_path / "roads.gpkg", {}),
        (tmp_path / "道路.shp", {"coords": "gcj02"}),
    ):
        network = network_from_file(path, crs=reference.crs, **options)
        assert network.n_nodes == reference.n_nodes and network.n_edges == reference.n_edges
        assert network.edge_length_m.sum() == pytest.approx(reference.edge_length_m.sum(), abs=0.1)
        got = nearest_source_distances(network, snap_points(network, x, y)).distance_m
        gap, match = cKDTree(np.column_stack([network.node_x, network.node_y])).query(
            np.column_stack([reference.node_x, reference.node_y])
        )
        assert gap.max() < 0.01, path.name  # every OSM node is a node of the layer's network
        finite = np.isfinite(expected)
        np.testing.assert_allclose(got[match][finite], expected[finite], atol=0.1)
        assert np.isinf(got[match][~finite]).all()


@requires_shared
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.slow
def test_verdicts_on_a_road_layer_equal_the_osm_run(tmp_path):
    config_path = Path(__file__).resolve().parents[1] / "configs" / "beijing-wudaokou.yaml"
    osm = SHARED_DATA / "beijing-wudaokou" / "map.osm"
    config = load_config(config_path)
    reference = run(config, write=False).assessment.communities.set_index("id")
    layer = export_osm(osm, "EPSG:4547")
    layer.to_crs("EPSG:4547").to_file(tmp_path / "roads.gpkg", driver="GPKG")
    layers = config.layers.model_copy(
        update={
            "facilities": config.layers.facilities.model_copy(update={"path": osm}),
            "communities": config.layers.communities.model_copy(update={"path": osm}),
        }
    )
    network = config.network.model_copy(update={"path": tmp_path / "roads.gpkg"})
    own = config.model_copy(update={"network": network, "layers": layers})
    got = run(own, write=False).assessment.communities.set_index("id")
    assert (got["covered"] == reference["covered"]).all()
    np.testing.assert_allclose(got["walk_min"], reference["walk_min"], atol=0.01)


def test_road_layer_mistakes_are_named(tmp_path):
    lines = gpd.GeoDataFrame({"层": ["x"]}, geometry=[line((0, 0), (100, 0))], crs=CRS)
    lines.to_file(tmp_path / "roads.gpkg", driver="GPKG")
    with pytest.raises(NetworkError, match=r"network\.level_column '层次' is not in the layer"):
        network_from_file(tmp_path / "roads.gpkg", crs=CRS, level_column="层次")
    points = gpd.GeoDataFrame(geometry=[shapely.Point(X0, Y0)], crs=CRS)
    points.to_file(tmp_path / "points.gpkg", driver="GPKG")
    with pytest.raises(
        NetworkError, match=r"points\.gpkg: a road layer must hold lines, found \['Point'\]"
    ):
        network_from_file(tmp_path / "points.gpkg", crs=CRS)
    (tmp_path / "broken.geojson").write_text("{not json", encoding="utf-8")
    with pytest.raises(NetworkError, match=r"broken\.geojson: cannot read the road layer"):
        network_from_file(tmp_path / "broken.geojson", crs=CRS)
