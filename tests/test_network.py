"""Network sources: OSM XML with osmnx walk rules, GraphML from osmnx, and the cache."""

from __future__ import annotations

import numpy as np
import osmnx as ox
import pytest

from geo_coverage import NetworkError, load_config, settings
from geo_coverage.network import network_from_config
from tests.conftest import ROOT


def demo_with_network(network_path) -> object:
    config = load_config(ROOT / "configs" / "demo.yaml")
    net = config.network.model_copy(update={"path": network_path})
    return config.model_copy(update={"network": net})


def test_demo_streets_keep_only_what_pedestrians_may_use(demo_config_path):
    network = network_from_config(load_config(demo_config_path))
    # 13 × 13 grid; corners merge their two edges; plus the park path. The motorway,
    # the cycleway and the private service road are not walkable.
    assert network.n_edges == 12 * 13 * 2 - 4 + 1
    assert network.crs.to_epsg() == 4546
    # 13 streets of 1800 m, 13 of 2400 m and the 250 m diagonal park path
    assert network.edge_length_m.sum() == pytest.approx(13 * 1800 + 13 * 2400 + 250, rel=1e-4)


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
    cached = list((tmp_path / "cache" / "networks").glob("*.pkl"))
    assert len(cached) == 1
    second = network_from_config(load_config(demo_config_path))
    np.testing.assert_array_equal(first.node_x, second.node_x)
    assert second.n_edges == first.n_edges


def test_missing_or_broken_network_file(tmp_path):
    with pytest.raises(NetworkError, match="network file not found"):
        network_from_config(demo_with_network(tmp_path / "nope.osm"))
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><node id='1'", encoding="utf-8")
    with pytest.raises(NetworkError, match=r"broken\.osm: cannot read the network file"):
        network_from_config(demo_with_network(broken))
