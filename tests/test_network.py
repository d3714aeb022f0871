"""Network sources: OSM XML with osmnx walk rules, GraphML from osmnx, and the cache."""

from __future__ import annotations

import numpy as np
import osmnx as ox
import pytest

from geo_coverage import NetworkError, load_config, settings
from geo_coverage.network.streets import network_from_config
from tests.conftest import ROOT


def demo_with_network(network_path) -> object:
    config = load_config(ROOT / "configs" / "demo.yaml")
    net = config.network.model_copy(update={"path": network_path})
    return config.model_copy(update={"network": net})


def test_demo_streets_keep_only_what_pedestrians_may_use(demo_config_path):
    network = network_from_config(load_config(demo_config_path))
    # 13 × 13 grid; corners merge their two edges; plus the park path and the county
    # road east (one edge: its villages are not junctions). The motorway, the cycleway
    # and the private service road are not walkable.
    assert network.n_edges == 12 * 13 * 2 - 4 + 1 + 1
    assert network.crs.to_epsg() == 4546
    # 13 streets of 1800 m, 13 of 2400 m, the 250 m park path and the 4 km county road
    total = 13 * 1800 + 13 * 2400 + 250 + 4000
    assert network.edge_length_m.sum() == pytest.approx(total, rel=1e-4)


def test_graphml_saved_by_osmnx_loads(tmp_path):
    G = ox.graph_from_xml(ROOT / "layers" / "demo" / "streets.osm", bidirectional=True)
    G = G.edge_subgraph(
        [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d["highway"] != "motorway"]
    )
    path = tmp_path / "demo.graphml"
    ox.save_graphml(G, path)
    network = network_from_config(demo_with_network(path))
    assert network.n_nodes > 100 and network.crs.to_epsg() == 4546


def test_second_build_comes_from_the_cache(demo_config_path, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    first = network_from_config(load_config(demo_config_path))
    cached = list((tmp_path / "cache" / "networks").glob("*"))
    assert [p.suffix for p in cached] == [".npz"]  # no temp files left, no pickle
    second = network_from_config(load_config(demo_config_path))
    np.testing.assert_array_equal(first.node_x, second.node_x)
    np.testing.assert_array_equal(first.edge_u, second.edge_u)
    np.testing.assert_array_equal(first.edge_length_m, second.edge_length_m)
    pairs = zip(first.edge_geometry, second.edge_geometry, strict=True)
    assert all(a.equals_exact(b, 0) for a, b in pairs)
    assert second.crs == first.crs and second.n_edges == first.n_edges


def test_cache_holds_only_arrays_never_a_pickle(demo_config_path, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    network_from_config(load_config(demo_config_path))
    entry = next((tmp_path / "cache" / "networks").glob("*.npz"))
    with np.load(entry, allow_pickle=False) as z:  # raises if any member needs unpickling
        assert all(z[k].dtype != object for k in z.files)


def test_corrupt_cache_entry_is_rebuilt_with_a_warning(demo_config_path, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    first = network_from_config(load_config(demo_config_path))
    entry = next((tmp_path / "cache" / "networks").glob("*.npz"))
    entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])  # truncated
    with pytest.warns(UserWarning, match="damaged.*rebuilding"):
        again = network_from_config(load_config(demo_config_path))
    assert again.n_edges == first.n_edges
    third = network_from_config(load_config(demo_config_path))  # the rebuilt entry is good
    assert third.n_edges == first.n_edges
    entry.write_bytes(b"\x80\x04cos\nsystem\n...")  # a pickle payload is just a bad file
    with pytest.warns(UserWarning, match="damaged"):
        assert network_from_config(load_config(demo_config_path)).n_edges == first.n_edges


def test_concurrent_cache_writes_use_their_own_temp_names(demo_config_path, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from geo_coverage.network.streets import _write_cached

    network = network_from_config(load_config(demo_config_path))
    target = tmp_path / "shared" / "entry.npz"
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: _write_cached(network, target), range(8)))
    assert [p.name for p in target.parent.iterdir()] == ["entry.npz"]
    from geo_coverage.network.streets import load_network

    assert load_network(target).n_edges == network.n_edges


def test_missing_or_broken_network_file(tmp_path):
    with pytest.raises(NetworkError, match="network file not found"):
        network_from_config(demo_with_network(tmp_path / "nope.osm"))
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><node id='1'", encoding="utf-8")
    with pytest.raises(NetworkError, match=r"broken\.osm: cannot read the network file"):
        network_from_config(demo_with_network(broken))
