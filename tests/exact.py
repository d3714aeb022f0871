"""Independent exact travel distances with networkx, for checking the engine and the assessment.

Every snapped point (facility or origin) is inserted into a plain networkx graph by
splitting its street at the snap position and adding its off-network leg as an edge;
then ordinary Dijkstra runs on that graph. Nothing here shares code with
``geo_coverage.reach.walks`` beyond the snapping result it is given.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np


def split_graph(network, **snapped) -> nx.Graph:
    """Graph of the network with each named group of snapped points inserted as nodes."""
    G = nx.Graph()
    for k, (u, v, length) in enumerate(
        zip(network.edge_u, network.edge_v, network.edge_length_m, strict=True)
    ):
        stops = [(0.0, ("n", int(u))), (float(length), ("n", int(v)))]
        for kind, s in snapped.items():
            for i in np.flatnonzero(s.edge == k):
                stops.append((float(s.along_m[i]), (kind + "-on-street", int(i))))
        stops.sort(key=lambda t: t[0])
        for (a, na), (b, nb) in itertools.pairwise(stops):
            w = b - a
            if not G.has_edge(na, nb) or G[na][nb]["weight"] > w:
                G.add_edge(na, nb, weight=w)
    for kind, s in snapped.items():
        for i in range(len(s)):
            G.add_edge((kind, i), (kind + "-on-street", i), weight=float(s.offset_m[i]))
    return G


def nearest_exact(network, sources, points):
    """Node and point distances (metres) to the nearest source, by networkx."""
    G = split_graph(network, src=sources, pt=points)
    dist = nx.multi_source_dijkstra_path_length(G, [("src", i) for i in range(len(sources))])
    nodes = np.array([dist.get(("n", k), np.inf) for k in range(network.n_nodes)])
    pts = np.array([dist.get(("pt", i), np.inf) for i in range(len(points))])
    return nodes, pts


def pair_matrix_exact(network, sources, points) -> np.ndarray:
    """Distance (metres) from every source to every point, by networkx, shape (sources, points)."""
    G = split_graph(network, src=sources, pt=points)
    out = np.full((len(sources), len(points)), np.inf)
    for i in range(len(sources)):
        dist = nx.single_source_dijkstra_path_length(G, ("src", i))
        for j in range(len(points)):
            out[i, j] = dist.get(("pt", j), np.inf)
    return out
