"""Travel times on the walking network: snapping, nearest-facility times and isochrones.

The search is one multi-source Dijkstra over the network's CSR matrix: every
facility becomes a virtual source node joined to both ends of the edge it snaps
to, with the off-network walk and the walk along the edge as the joining costs, so
the whole city's nearest-facility time (and which facility) comes out of a single
``scipy.sparse.csgraph.dijkstra(..., min_only=True)`` call. Origins are then
priced from the two ends of their own edge, plus the direct walk along that edge
when a facility sits on the same edge.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from .network import WalkNetwork
from .utils import progress


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
    """

    distance_m: NDArray[np.float64]
    nearest: NDArray[np.int64]


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
    dist, _, origin = csgraph.dijkstra(
        graph,
        directed=True,
        indices=np.arange(n + 1, n + 1 + len(sources)),
        min_only=True,
        return_predecessors=True,
        limit=limit_m,
    )
    nearest = np.where(origin[:n] >= 0, origin[:n] - n - 1, -1).astype(np.int64)
    return NodeReach(dist[:n], nearest)


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
            direct = (
                points.offset_m[p]
                + np.abs(points.along_m[p] - sources.along_m[s])
                + sources.offset_m[s]
            )
            best = pd.DataFrame({"p": p, "s": s, "d": direct}).sort_values(["p", "d", "s"])
            best = best.drop_duplicates("p")
            p, s, d = best["p"].to_numpy(), best["s"].to_numpy(), best["d"].to_numpy()
            better = d < distance[p]
            distance[p[better]] = d[better]
            nearest[p[better]] = s[better]
    nearest = np.where(np.isfinite(distance), nearest, -1)
    return distance, nearest.astype(np.int64)


def source_distances(
    network: WalkNetwork, sources: Snapped, *, limit_m: float
) -> NDArray[np.float64]:
    """Walking distance from each source separately to every node (for per-source isochrones).

    Parameters
    ----------
    network
        The walking network.
    sources
        Snapped sources; keep batches small, the result is dense (sources × nodes).
    limit_m
        Search limit, metres.

    Returns
    -------
    numpy.ndarray
        Shape (len(sources), n_nodes), inf beyond the limit.
    """
    n = network.n_nodes
    graph = _network_with_sources(network, sources)
    dist = csgraph.dijkstra(
        graph, directed=True, indices=np.arange(n + 1, n + 1 + len(sources)), limit=limit_m
    )
    return dist[:, :n]


def _cut_lines(lines: NDArray[np.object_], keep_m: NDArray[np.float64]) -> NDArray[np.object_]:
    """Return the first ``keep_m`` metres of each line (vectorised substring from the start)."""
    coords, index = shapely.get_coordinates(lines, return_index=True)
    seg = np.hypot(*np.diff(coords, axis=0).T)
    same = index[1:] == index[:-1]
    seg = np.where(same, seg, 0.0)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    starts = np.searchsorted(index, np.arange(len(lines)))
    cum = cum - cum[starts][index]
    limit = np.asarray(keep_m)[index]
    inside = cum <= limit
    # the first vertex past the limit is replaced by the interpolated cut point
    nxt = np.zeros(len(coords), dtype=bool)
    nxt[1:] = (~inside[1:]) & inside[:-1] & same
    prev_xy = np.vstack([coords[:1], coords[:-1]])
    prev_cum = np.concatenate([[0.0], cum[:-1]])
    step = cum - prev_cum
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(nxt & (step > 0), (limit - prev_cum) / step, 0.0)
    cut_xy = prev_xy + (coords - prev_xy) * t[:, None]
    keep = inside | nxt
    out_xy = np.where(nxt[:, None], cut_xy, coords)[keep]
    out_index = index[keep]
    counts = np.bincount(out_index, minlength=len(lines))
    out = np.empty(len(lines), dtype=object)
    ok = counts >= 2
    if ok.any():
        out[ok] = shapely.linestrings(out_xy[ok[out_index]], indices=out_index[ok[out_index]])
    return out


def reached_pieces(
    network: WalkNetwork,
    distance_m: NDArray[np.float64],
    budget_m: float,
    *,
    edges: NDArray[np.int64] | None = None,
) -> tuple[NDArray[np.object_], NDArray[np.float64]]:
    """Street pieces reachable within ``budget_m``, each running away from the source.

    Every edge is split where walks from its two ends meet, so along each piece the
    walking distance grows from the piece's start; partial edges are cut exactly where
    the budget runs out.

    Parameters
    ----------
    network
        The walking network.
    distance_m
        Network distance of every node from the source(s), metres.
    budget_m
        Walking distance allowed, metres.
    edges
        Only consider these edges (e.g. those touching reached nodes); default all.

    Returns
    -------
    lines, start_m
        LineStrings in the network CRS and the walking distance at the start of each.
    """
    if edges is None:
        edges = np.arange(network.n_edges)
    du = distance_m[network.edge_u[edges]]
    dv = distance_m[network.edge_v[edges]]
    length = network.edge_length_m[edges]
    with np.errstate(invalid="ignore"):
        meet = np.clip((dv + length - du) / 2.0, 0.0, length)
        from_u = np.clip(np.minimum(meet, budget_m - du), 0.0, length)
        from_v = np.clip(np.minimum(length - meet, budget_m - dv), 0.0, length)
    geoms = network.edge_geometry[edges]
    part_u = from_u > 0
    part_v = from_v > 0
    lines = np.concatenate(
        [
            _cut_lines(geoms[part_u], from_u[part_u]),
            _cut_lines(shapely.reverse(geoms[part_v]), from_v[part_v]),
        ]
    )
    start = np.concatenate([du[part_u], dv[part_v]])
    ok = ~shapely.is_missing(lines)
    return lines[ok], start[ok]


def reached_lines(
    network: WalkNetwork, distance_m: NDArray[np.float64], budget_m: float
) -> NDArray[np.object_]:
    """Street pieces reachable within ``budget_m`` (see ``reached_pieces``), lines only."""
    return reached_pieces(network, distance_m, budget_m)[0]


def isochrone_polygon(
    network: WalkNetwork,
    distance_m: NDArray[np.float64],
    budget_m: float,
    *,
    sources: Snapped | None = None,
    max_offset_m: float = 150.0,
    resolution_m: float = 10.0,
) -> shapely.Geometry:
    """Polygon of every place reachable within ``budget_m``, drawn by the verdict's own rule.

    A place is reachable when the walk along the network to its nearest street point,
    plus the straight step from that street point to the place, fits in the budget.
    The streets near the reached area are sampled every ``resolution_m`` metres; each
    sample's Voronoi cell holds the places whose nearest street point it is, and the
    polygon is the union of each reached sample's cell clipped to a circle of the
    walk it has left (at most ``max_offset_m``). So the polygon and the travel-time
    verdicts agree up to the sampling resolution.

    Parameters
    ----------
    network
        The walking network.
    distance_m
        Node distances from the source(s), metres.
    budget_m
        Walking distance allowed, metres.
    sources
        The source(s): walks along their own street start at the snap point.
    max_offset_m
        Largest step off the network drawn, metres (use the snap limit).
    resolution_m
        Spacing of street samples, metres.

    Returns
    -------
    shapely.Geometry
        A (Multi)Polygon in the network CRS; empty when nothing is reached.
    """
    return isochrone_polygons(
        network,
        distance_m,
        (budget_m,),
        sources=sources,
        max_offset_m=max_offset_m,
        resolution_m=resolution_m,
    )[0]


def isochrone_polygons(
    network: WalkNetwork,
    distance_m: NDArray[np.float64],
    budgets_m: tuple[float, ...],
    *,
    sources: Snapped | None = None,
    max_offset_m: float = 150.0,
    resolution_m: float = 10.0,
) -> list[shapely.Geometry]:
    """Polygons for several budgets from one set of street samples (see ``isochrone_polygon``).

    Parameters
    ----------
    network
        The walking network.
    distance_m
        Node distances from the source(s), metres.
    budgets_m
        Walking distances allowed, metres, e.g. 5, 10 and 15 minutes' walk.
    sources
        The source(s): walks along their own street start at the snap point.
    max_offset_m
        Largest step off the network drawn, metres.
    resolution_m
        Spacing of street samples, metres.

    Returns
    -------
    list of shapely.Geometry
        One (Multi)Polygon per budget, in the network CRS.
    """
    budget = max(budgets_m)
    reached = np.flatnonzero(distance_m <= budget)
    xs = network.node_x[reached]
    ys = network.node_y[reached]
    if sources is not None and len(sources):
        snap = shapely.get_coordinates(
            shapely.line_interpolate_point(network.edge_geometry[sources.edge], sources.along_m)
        )
        xs, ys = np.concatenate([xs, snap[:, 0]]), np.concatenate([ys, snap[:, 1]])
    if len(xs) == 0:
        return [shapely.Polygon() for _ in budgets_m]
    # a place within max_offset of a reached street has its nearest street point within
    # twice that, so streets farther out cannot change any cell that matters
    margin = 2 * max_offset_m + resolution_m
    box = shapely.box(xs.min() - margin, ys.min() - margin, xs.max() + margin, ys.max() + margin)
    edges = network.edge_tree.query(box)
    points, walked = _street_samples(network, edges, distance_m, sources, resolution_m)
    keep = walked < budget
    if not keep.any():
        return [shapely.Polygon() for _ in budgets_m]
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(points), extend_to=box, ordered=True)
    )[keep]
    centres = shapely.points(points[keep])
    reach_of_cell = shapely.hausdorff_distance(centres, cells)
    out = []
    for b in budgets_m:
        radius = np.minimum(b - walked[keep], max_offset_m)
        whole = radius >= reach_of_cell  # the cell lies inside its circle: no cut needed
        cut = ~whole & (radius > 0)
        circles = shapely.buffer(centres[cut], radius[cut], quad_segs=4)
        pieces = shapely.intersection(cells[cut], circles)
        # whole Voronoi cells tile the plane exactly, so their union is a cheap coverage union
        out.append(
            shapely.union(shapely.coverage_union_all(cells[whole]), shapely.union_all(pieces))
        )
    return out


def _street_samples(
    network: WalkNetwork,
    edges: NDArray[np.int64],
    distance_m: NDArray[np.float64],
    sources: Snapped | None,
    resolution_m: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Points every ``resolution_m`` along ``edges`` and the walk to each (unique points)."""
    length = network.edge_length_m[edges]
    counts = np.maximum(np.ceil(length / resolution_m).astype(np.int64), 1) + 1
    edge_of = np.repeat(edges, counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    step = np.arange(len(edge_of)) - first
    along = length.repeat(counts) * step / (counts.repeat(counts) - 1)
    du = distance_m[network.edge_u[edge_of]]
    dv = distance_m[network.edge_v[edge_of]]
    full = network.edge_length_m[edge_of]
    walked = np.minimum(du + along, dv + full - along)
    if sources is not None:
        for e, a, off in zip(sources.edge, sources.along_m, sources.offset_m, strict=True):
            on = edge_of == e
            walked[on] = np.minimum(walked[on], off + np.abs(along[on] - a))
    xy = shapely.get_coordinates(
        shapely.line_interpolate_point(network.edge_geometry[edge_of], along)
    )
    # shared street ends appear once per edge: keep one sample with the shortest walk
    order = np.lexsort((walked, xy[:, 1].round(3), xy[:, 0].round(3)))
    xy, walked = xy[order], walked[order]
    rounded = xy.round(3)
    unique = np.ones(len(xy), dtype=bool)
    unique[1:] = np.any(rounded[1:] != rounded[:-1], axis=1)
    return xy[unique], walked[unique]


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
        tree = cKDTree(np.column_stack([network.node_x, network.node_y]))
        relabel = np.full(network.n_nodes + 1, -1, dtype=np.int64)
        for batch in progress(batches, desc="catchments", total=len(batches)):
            frames.append(
                _pairs_in_cut_out(
                    network, tree, relabel, sources, batch, sxy, points, limit_m, radius
                )
            )
    pairs = pd.concat(frames, ignore_index=True).astype(
        {"source": np.int64, "point": np.int64, "distance_m": np.float64}
    )
    return pairs.sort_values(["source", "point"], ignore_index=True)


def _pairs_in_cut_out(
    network: WalkNetwork,
    tree: cKDTree,
    relabel: NDArray[np.int64],
    sources: Snapped,
    batch: NDArray[np.int64],
    source_xy: NDArray[np.float64],
    points: Snapped,
    limit_m: float,
    radius_m: float,
) -> pd.DataFrame:
    """Pairs within ``limit_m`` for the sources ``batch``, searched on their cut-out."""
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
            direct = (
                src.offset_m[:, None]
                + np.abs(src.along_m[:, None] - points.along_m[near][None, :])
                + points.offset_m[near][None, :]
            )
            via = np.where(same, np.minimum(via, direct), via)
        s, p = np.nonzero(via <= limit_m)
        return pd.DataFrame({"source": batch[s], "point": near[p], "distance_m": via[s, p]})
    finally:
        relabel[nodes] = -1


def isochrones_by_group(
    network: WalkNetwork,
    groups: dict[str, NDArray[np.bool_]],
    facilities: Snapped,
    *,
    bands_min: tuple[float, ...],
    speed_m_s: float,
    max_offset_m: float = 150.0,
) -> pd.DataFrame:
    """Dissolved isochrone polygons per facility group and band, one search per group.

    Parameters
    ----------
    network
        The walking network.
    groups
        Group name (a facility type, or e.g. "care_circle") -> mask over the facilities.
    facilities
        The snapped facilities.
    bands_min
        Walking-time bands, minutes, e.g. (5, 10, 15).
    speed_m_s
        Walking speed, m/s.
    max_offset_m
        Largest step off the network drawn, metres.

    Returns
    -------
    pandas.DataFrame
        Columns ``group``, ``band_min`` and ``geometry`` (network CRS), largest band first.
    """
    rows = []
    limit_m = max(bands_min) * 60.0 * speed_m_s
    for name, mask in progress(groups.items(), desc="isochrones", total=len(groups)):
        idx = np.flatnonzero(mask)
        if len(idx) == 0:
            continue
        subset = take(facilities, idx)
        reach = nearest_source_distances(network, subset, limit_m=limit_m)
        bands = tuple(sorted(bands_min, reverse=True))
        polygons = isochrone_polygons(
            network,
            reach.distance_m,
            tuple(b * 60.0 * speed_m_s for b in bands),
            sources=subset,
            max_offset_m=max_offset_m,
        )
        rows += [
            {"group": name, "band_min": b, "geometry": g}
            for b, g in zip(bands, polygons, strict=True)
        ]
    return pd.DataFrame(rows, columns=["group", "band_min", "geometry"])


def isochrones_per_source(
    network: WalkNetwork,
    sources: Snapped,
    *,
    budget_m: float,
    max_offset_m: float = 150.0,
    batch_size: int = 32,
) -> NDArray[np.object_]:
    """One isochrone polygon per source (not dissolved), searched in batches.

    Only streets near what each source reaches are sampled, so the cost follows the
    size of the isochrones, not of the city.

    Parameters
    ----------
    network
        The walking network.
    sources
        The snapped sources.
    budget_m
        Walking distance allowed, metres.
    max_offset_m
        Largest step off the network drawn, metres.
    batch_size
        Sources searched together.

    Returns
    -------
    numpy.ndarray
        A (Multi)Polygon per source in the network CRS.
    """
    out = np.empty(len(sources), dtype=object)
    network.edge_tree  # build the shared index once, before the threads use it  # noqa: B018
    starts = range(0, len(sources), batch_size)
    # GEOS releases the GIL, so polygons of one batch are built on all cores
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for start in progress(starts, desc="isochrones", total=len(starts)):
            idx = np.arange(start, min(start + batch_size, len(sources)))
            batch = take(sources, idx)
            dist = source_distances(network, batch, limit_m=budget_m)
            polygons = pool.map(
                lambda k, dist=dist, batch=batch: isochrone_polygon(
                    network,
                    dist[k],
                    budget_m,
                    sources=take(batch, np.array([k])),
                    max_offset_m=max_offset_m,
                ),
                range(len(idx)),
            )
            out[idx] = list(polygons)
    return out
