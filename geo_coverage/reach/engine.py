"""The travel-time engine: snapping, nearest-facility walks and pairs within reach.

The search is one multi-source Dijkstra over the network's CSR matrix: every
facility becomes a virtual source node joined to both ends of the edge it snaps
to, with the off-network walk and the walk along the edge as the joining costs, so
the whole city's nearest-facility time (and which facility) comes out of a single
``scipy.sparse.csgraph.dijkstra(..., min_only=True)`` call. Origins are then
priced from the two ends of their own edge, plus the direct walk along that edge
when a facility sits on the same edge. Catchment pairs (every source × point within a
walk) are searched per tile of sources on the cut-out of the network the tile can reach.
The reach stage (``reach``) calls this engine once per run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from ..network.streets import WalkNetwork
from ..utils import progress


@dataclass(frozen=True)
class Snapped:
    """Points attached to their nearest network edge.

    Attributes
    ----------
    edge
        Index of the nearest edge of each point.
    along_m
        Distance from the edge's ``u`` end to the snap point, along the edge, metres.
    offset_m
        Straight-line distance from the point to the edge (the off-network walk), metres.
    to_u_m, to_v_m
        Walk from the point to the edge's u and v ends: offset plus the walk along it.
    """

    edge: NDArray[np.int64]
    along_m: NDArray[np.float64]
    offset_m: NDArray[np.float64]
    to_u_m: NDArray[np.float64]
    to_v_m: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.edge)


def snap_points(network: WalkNetwork, x: NDArray[np.float64], y: NDArray[np.float64]) -> Snapped:
    """Snap points to the nearest edge (not merely the nearest node) with a spatial index.

    Parameters
    ----------
    network
        The walking network.
    x, y
        Point coordinates in the network CRS, metres.

    Returns
    -------
    Snapped
        Nearest edge, position along it and off-network distance of each point.
    """
    points = shapely.points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    if len(points) == 0:
        empty = np.empty(0)
        return Snapped(np.empty(0, dtype=np.int64), empty, empty, empty, empty)
    (point_idx, edge_idx), dist = network.edge_tree.query_nearest(
        points, return_distance=True, all_matches=False
    )
    edge = np.empty(len(points), dtype=np.int64)
    offset = np.empty(len(points))
    edge[point_idx] = edge_idx
    offset[point_idx] = dist
    along = shapely.line_locate_point(network.edge_geometry[edge], points)
    length = network.edge_length_m[edge]
    along = np.clip(along, 0.0, length)
    return Snapped(edge, along, offset, offset + along, offset + (length - along))


def take(snapped: Snapped, idx: NDArray[np.int64]) -> Snapped:
    """Return the snapped points at positions ``idx``."""
    return Snapped(*(getattr(snapped, f)[idx] for f in Snapped.__dataclass_fields__))


def _with_sources(
    base: sparse.csr_matrix,
    ends: NDArray[np.int64],
    to_u_m: NDArray[np.float64],
    to_v_m: NDArray[np.float64],
) -> sparse.csr_matrix:
    """Return ``base`` plus one isolated node and one row per source joined to its edge.

    The isolated node (index ``n``) has no edges: it stands for "off this graph" and is
    always unreachable. Source ``i`` becomes node ``n + 1 + i``, joined to the ends
    ``ends[i]`` (node indices; negative ends are left out) at the given walks.
    """
    n, k = base.shape[0], len(ends)
    weights = np.maximum(np.column_stack([to_u_m, to_v_m]), 1e-9)
    keep = ends >= 0
    counts = keep.sum(axis=1)
    indptr = np.concatenate([base.indptr, [base.indptr[-1]], base.indptr[-1] + np.cumsum(counts)])
    indices = np.concatenate([base.indices, ends[keep].astype(base.indices.dtype)])
    data = np.concatenate([base.data, weights[keep]])
    return sparse.csr_matrix((data, indices, indptr), shape=(n + 1 + k, n + 1 + k))


def _network_with_sources(network: WalkNetwork, sources: Snapped) -> sparse.csr_matrix:
    """The network's CSR with the sources joined (see ``_with_sources``)."""
    ends = np.column_stack([network.edge_u[sources.edge], network.edge_v[sources.edge]])
    return _with_sources(network.csr, ends, sources.to_u_m, sources.to_v_m)


@dataclass(frozen=True)
class NodeReach:
    """Walking distance from every node to its nearest source.

    Attributes
    ----------
    distance_m
        Network walking distance to the nearest source, metres (inf beyond the limit).
    nearest
        Index (into the sources) of the nearest source, -1 beyond the limit.
    predecessor
        The node before each node on its walk from the nearest source (``n + 1 + i``
        for source ``i`` itself, negative beyond the limit), or None when not kept.
    """

    distance_m: NDArray[np.float64]
    nearest: NDArray[np.int64]
    predecessor: NDArray[np.int32] | None = None


def nearest_source_distances(
    network: WalkNetwork, sources: Snapped, *, limit_m: float = np.inf
) -> NodeReach:
    """Walking distance from every node to the nearest source, in one multi-source pass.

    Parameters
    ----------
    network
        The walking network.
    sources
        Snapped sources (e.g. all facilities of one type).
    limit_m
        Stop the search at this distance, metres; nodes farther away get inf.

    Returns
    -------
    NodeReach
        Distance to and index of the nearest source for every node.
    """
    n = network.n_nodes
    if len(sources) == 0:
        return NodeReach(np.full(n, np.inf), np.full(n, -1, dtype=np.int64))
    graph = _network_with_sources(network, sources)
    dist, before, origin = csgraph.dijkstra(
        graph,
        directed=True,
        indices=np.arange(n + 1, n + 1 + len(sources)),
        min_only=True,
        return_predecessors=True,
        limit=limit_m,
    )
    nearest = np.where(origin[:n] >= 0, origin[:n] - n - 1, -1).astype(np.int64)
    return NodeReach(dist[:n], nearest, before[:n].astype(np.int32))


def nearest_source_from_points(
    network: WalkNetwork, reach: NodeReach, points: Snapped, sources: Snapped
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Walking distance from each snapped point to its nearest source.

    Counts the off-network walk from the point to its edge, the walk along the edge
    to either end, the node distances of ``reach``, and the direct walk along the
    edge when a source sits on the same edge as the point.

    Parameters
    ----------
    network
        The walking network.
    reach
        Node distances from ``nearest_source_distances`` for ``sources``.
    points
        The snapped origins.
    sources
        The snapped sources used to compute ``reach``.

    Returns
    -------
    distance_m, nearest
        Metres to the nearest source (inf if none within the search limit) and its index.
    """
    u = network.edge_u[points.edge]
    v = network.edge_v[points.edge]
    via_u = reach.distance_m[u] + points.to_u_m
    via_v = reach.distance_m[v] + points.to_v_m
    distance = np.minimum(via_u, via_v)
    nearest = np.where(via_u <= via_v, reach.nearest[u], reach.nearest[v])
    if len(sources) and len(points):
        pairs = pd.DataFrame({"edge": points.edge, "p": np.arange(len(points))}).merge(
            pd.DataFrame({"edge": sources.edge, "s": np.arange(len(sources))}), on="edge"
        )
        if len(pairs):
            p, s = pairs["p"].to_numpy(), pairs["s"].to_numpy()
            direct = direct_walk_m(
                points.offset_m[p], points.along_m[p], sources.along_m[s], sources.offset_m[s]
            )
            best = pd.DataFrame({"p": p, "s": s, "d": direct}).sort_values(["p", "d", "s"])
            best = best.drop_duplicates("p")
            p, s, d = best["p"].to_numpy(), best["s"].to_numpy(), best["d"].to_numpy()
            better = d < distance[p]
            distance[p[better]] = d[better]
            nearest[p[better]] = s[better]
    nearest = np.where(np.isfinite(distance), nearest, -1)
    return distance, nearest.astype(np.int64)


def direct_walk_m(
    offset_a_m: NDArray[np.float64],
    along_a_m: NDArray[np.float64],
    along_b_m: NDArray[np.float64],
    offset_b_m: NDArray[np.float64] | float = 0.0,
) -> NDArray[np.float64]:
    """The walk between two points on the same edge without leaving it: the one rule.

    Step onto the edge, walk along it, step off: ``offset_a + |along_a - along_b| +
    offset_b``. Every search adds this to the walks via the edge's two ends, so two
    points on one street are never priced as a detour to a junction.
    """
    return offset_a_m + np.abs(along_a_m - along_b_m) + offset_b_m


def _snap_xy(network: WalkNetwork, snapped: Snapped) -> NDArray[np.float64]:
    """Coordinates of the snapped positions on their edges (n × 2)."""
    if len(snapped) == 0:
        return np.empty((0, 2))
    lengths = network.edge_length_m[snapped.edge]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(lengths > 0, snapped.along_m / lengths, 0.0)
    pts = shapely.line_interpolate_point(
        network.edge_geometry[snapped.edge], np.clip(share, 0.0, 1.0), normalized=True
    )
    return shapely.get_coordinates(pts)


def _stretch(network: WalkNetwork) -> float:
    """Largest ratio of straight-line span to walking length over all edges (≥ 1).

    A walk of ``d`` metres never leaves the disc of radius ``stretch × d`` around its
    start, which is what makes searching a cut-out of the network exact.
    """
    chord = np.hypot(
        network.node_x[network.edge_u] - network.node_x[network.edge_v],
        network.node_y[network.edge_u] - network.node_y[network.edge_v],
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(network.edge_length_m > 0, chord / network.edge_length_m, 1.0)
    return float(max(1.0, np.nanmax(ratio, initial=1.0)))


def _cut_out(
    csr: sparse.csr_matrix, nodes: NDArray[np.int64], relabel: NDArray[np.int64]
) -> sparse.csr_matrix:
    """The sub-matrix of ``csr`` on ``nodes``, given ``relabel`` (−1 off the cut-out)."""
    starts, ends = csr.indptr[nodes], csr.indptr[nodes + 1]
    counts = ends - starts
    rows = np.repeat(np.arange(len(nodes)), counts)
    pos = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    cols = relabel[csr.indices[pos]]
    keep = cols >= 0
    return sparse.csr_matrix(
        (csr.data[pos][keep], (rows[keep], cols[keep])), shape=(len(nodes), len(nodes))
    )


def pairs_within(
    network: WalkNetwork,
    sources: Snapped,
    points: Snapped,
    *,
    limit_m: float,
    batch_size: int = 64,
) -> pd.DataFrame:
    """Every (source, point) pair within ``limit_m`` of walking, with its exact distance.

    Used for catchments (two-step floating catchment, siting) where each source's own
    reach matters, not only the nearest one. Sources are grouped into square tiles of
    the city; each tile's sources are searched together on the cut-out of the network
    that a walk of ``limit_m`` from the tile can reach (straight-line distance bounds
    walking distance, so the cut-out loses no pair). Time and memory therefore grow
    with the pairs found, not with sources × the whole city.

    Parameters
    ----------
    network
        The walking network.
    sources, points
        Snapped sources and snapped points.
    limit_m
        Walking limit, metres.
    batch_size
        Most sources searched together.

    Returns
    -------
    pandas.DataFrame
        Columns ``source``, ``point`` (indices) and ``distance_m``, sorted by source
        then point.
    """
    frames = [pd.DataFrame({"source": [], "point": [], "distance_m": []})]
    if len(sources) and len(points) and np.isfinite(limit_m):
        radius = _stretch(network) * limit_m * 1.001 + 1.0
        sxy = _snap_xy(network, sources)
        # tiles at least a walk wide, and wide enough to hold about a batch of sources
        # where they are sparse: each cut-out costs a fixed overhead
        span = np.ptp(sxy, axis=0) + radius
        tile = max(radius, float(np.sqrt(span[0] * span[1] * batch_size / len(sources))))
        cell = np.floor(sxy / tile).astype(np.int64)
        order = np.lexsort((cell[:, 1], cell[:, 0]))
        key = cell[order, 0] * 1_000_003 + cell[order, 1]
        bounds = np.flatnonzero(np.diff(key)) + 1
        batches = [
            chunk
            for group in np.split(order, bounds)
            for chunk in np.array_split(group, -(-len(group) // batch_size))
        ]
        cut_outs = _CutOuts(
            network,
            cKDTree(np.column_stack([network.node_x, network.node_y])),
            np.full(network.n_nodes + 1, -1, dtype=np.int64),
            sources,
            sxy,
            points,
            limit_m,
            radius,
        )
        for batch in progress(batches, desc="catchments", total=len(batches)):
            frames.append(cut_outs.pairs(batch))
    pairs = pd.concat(frames, ignore_index=True).astype(
        {"source": np.int64, "point": np.int64, "distance_m": np.float64}
    )
    return pairs.sort_values(["source", "point"], ignore_index=True)


@dataclass(frozen=True)
class _CutOuts:
    """What the cut-out searches of one ``pairs_within`` call share.

    ``relabel`` is scratch space (node -> row of the current cut-out, -1 outside),
    reset after each search.
    """

    network: WalkNetwork
    tree: cKDTree
    relabel: NDArray[np.int64]
    sources: Snapped
    source_xy: NDArray[np.float64]
    points: Snapped
    limit_m: float
    radius_m: float

    def pairs(self, batch: NDArray[np.int64]) -> pd.DataFrame:
        """Pairs within ``limit_m`` for the sources ``batch``, searched on their cut-out."""
        network, tree, relabel, sources = self.network, self.tree, self.relabel, self.sources
        source_xy, points, limit_m, radius_m = (
            self.source_xy,
            self.points,
            self.limit_m,
            self.radius_m,
        )
        lo, hi = source_xy[batch].min(axis=0), source_xy[batch].max(axis=0)
        reach = float((hi - lo).max()) / 2.0 + radius_m
        nodes = np.asarray(tree.query_ball_point((lo + hi) / 2.0, reach, p=np.inf), dtype=np.int64)
        n_sub = len(nodes)
        relabel[nodes] = np.arange(n_sub)
        try:
            src = take(sources, batch)
            ends = np.column_stack([network.edge_u[src.edge], network.edge_v[src.edge]])
            graph = _with_sources(
                _cut_out(network.csr, nodes, relabel), relabel[ends], src.to_u_m, src.to_v_m
            )
            dist = csgraph.dijkstra(
                graph,
                directed=True,
                indices=np.arange(n_sub + 1, n_sub + 1 + len(batch)),
                limit=limit_m,
            )
            pu = relabel[network.edge_u[points.edge]]
            pv = relabel[network.edge_v[points.edge]]
            near = np.flatnonzero((pu >= 0) | (pv >= 0))
            # off the cut-out → the isolated node n_sub, whose distance is always inf
            cu = np.where(pu[near] >= 0, pu[near], n_sub)
            cv = np.where(pv[near] >= 0, pv[near], n_sub)
            via = np.minimum(dist[:, cu] + points.to_u_m[near], dist[:, cv] + points.to_v_m[near])
            same = src.edge[:, None] == points.edge[near][None, :]
            if same.any():
                direct = direct_walk_m(
                    src.offset_m[:, None],
                    src.along_m[:, None],
                    points.along_m[near][None, :],
                    points.offset_m[near][None, :],
                )
                via = np.where(same, np.minimum(via, direct), via)
            s, p = np.nonzero(via <= limit_m)
            return pd.DataFrame({"source": batch[s], "point": near[p], "distance_m": via[s, p]})
        finally:
            relabel[nodes] = -1
