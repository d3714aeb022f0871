"""The previous isochrone path, kept for the benchmarks' "old → new" ratios (not shipped).

Per-group and per-source isochrones as the union of reached street pieces, each
tessellated into Voronoi cells of street samples (the path `geo_coverage.reach.isochrones`
replaced with one travel-time surface). Imported by bench_city.py, bench_isochrones.py
and bench_scale.py only.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy.sparse import csgraph

from geo_coverage.network.streets import WalkNetwork
from geo_coverage.reach.engine import (
    Snapped,
    _network_with_sources,
    nearest_source_distances,
    take,
)
from geo_coverage.utils import progress


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
