"""Build the walking network from a local OSM file or an osmnx download, as compact arrays.

Every source ends in the same place: a table of walkable street segments in WGS84
(``u``, ``v``, ``length``, ``geometry``), filtered with osmnx's "walk" semantics,
treated as two-way (pedestrians ignore ``oneway``), reduced to its largest connected
piece and projected to a metric CRS, then packed into a ``WalkNetwork`` of numpy
arrays and a CSR matrix for the shortest-path search.
"""

from __future__ import annotations

import hashlib
import json
import logging
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse import csgraph

from .. import settings
from .._errors import NetworkError
from ..config import CityConfig, NetworkConfig
from ..coords import WGS84, projected_crs_for
from ..utils import DAMAGED_ENTRY, cache_write, load_npz, log, save_npz

_CACHE_VERSION = "3"
_WAY_TAGS = (
    "highway",
    "layer",
    "bridge",
    "tunnel",
    "area",
    "access",
    "foot",
    "service",
    "sidewalk",
    "sidewalk:both",
    "sidewalk:left",
    "sidewalk:right",
    "wheelchair",
)
_EXCLUDED_HIGHWAY = (
    "abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|proposed|raceway|"
    "razed|rest_area|services"
)


@dataclass(frozen=True, eq=False)
class WalkNetwork:
    """A walking network in a projected CRS, as arrays.

    Attributes
    ----------
    crs
        The projected (metre) CRS of every coordinate.
    node_x, node_y
        Node coordinates in ``crs``, metres.
    node_osmid
        OSM id of each node (or a running number for synthetic networks).
    edge_u, edge_v
        Node indices of each undirected edge (street segment).
    edge_length_m
        Walking length of each edge along its geometry, metres.
    edge_geometry
        Shapely LineString of each edge in ``crs``, running from ``edge_u`` to ``edge_v``.
    dropped_nodes
        Nodes left out because they were not in the largest connected piece.
    dropped_pieces
        Number of connected pieces left out.
    notes
        What building the network found in its source (a road layer's dropped or
        unjoined lines, extra paths joined), reported with the results.
    """

    crs: pyproj.CRS
    node_x: NDArray[np.float64]
    node_y: NDArray[np.float64]
    node_osmid: NDArray[np.int64]
    edge_u: NDArray[np.int64]
    edge_v: NDArray[np.int64]
    edge_length_m: NDArray[np.float64]
    edge_geometry: NDArray[np.object_]
    dropped_nodes: int = 0
    dropped_pieces: int = 0
    notes: tuple[str, ...] = ()

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_x)

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        return len(self.edge_u)

    @cached_property
    def csr(self) -> sparse.csr_matrix:
        """Symmetric adjacency matrix of edge lengths in metres (shortest parallel edge kept)."""
        return _symmetric_csr(self.edge_u, self.edge_v, self.edge_length_m, self.n_nodes)

    @cached_property
    def edge_tree(self) -> shapely.STRtree:
        """Spatial index over the edge geometries."""
        return shapely.STRtree(self.edge_geometry)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Bounding box (minx, miny, maxx, maxy) of the nodes in the network CRS."""
        return (
            float(self.node_x.min()),
            float(self.node_y.min()),
            float(self.node_x.max()),
            float(self.node_y.max()),
        )


def _symmetric_csr(
    u: NDArray[np.int64], v: NDArray[np.int64], w: NDArray[np.float64], n: int
) -> sparse.csr_matrix:
    """Build a symmetric CSR matrix keeping the minimum weight of duplicate (i, j) pairs."""
    rows = np.concatenate([u, v])
    cols = np.concatenate([v, u])
    weights = np.concatenate([w, w])
    order = np.lexsort((weights, cols, rows))
    rows, cols, weights = rows[order], cols[order], weights[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols, weights = rows[first], cols[first], weights[first]
    # csgraph treats explicit zeros as missing edges; keep zero-length links as tiny ones
    weights = np.maximum(weights, 1e-9)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return sparse.csr_matrix((weights, cols.astype(np.int32), indptr), shape=(n, n))


def network_from_arrays(  # noqa: PLR0913 - one argument per WalkNetwork array
    node_x: NDArray[np.float64],
    node_y: NDArray[np.float64],
    edge_u: NDArray[np.int64],
    edge_v: NDArray[np.int64],
    *,
    crs: Any,
    edge_length_m: NDArray[np.float64] | None = None,
    edge_geometry: NDArray[np.object_] | None = None,
    node_osmid: NDArray[np.int64] | None = None,
    keep_largest: bool = True,
    notes: tuple[str, ...] = (),
) -> WalkNetwork:
    """Build a ``WalkNetwork`` from node coordinates and edge endpoints in a projected CRS.

    Parameters
    ----------
    node_x, node_y
        Node coordinates in ``crs``, metres.
    edge_u, edge_v
        Node indices of each undirected edge.
    crs
        A projected CRS with metre units (anything ``pyproj.CRS`` accepts).
    edge_length_m
        Edge lengths; default: the length of ``edge_geometry``.
    edge_geometry
        Edge LineStrings from u to v; default: straight segments.
    node_osmid
        Node ids; default ``0..n-1``.
    keep_largest
        Keep only the largest connected piece (default), reporting what was dropped.
    notes
        Findings of the network's source, kept with it.

    Returns
    -------
    WalkNetwork
        The network as arrays.
    """
    crs = pyproj.CRS.from_user_input(crs)
    if not crs.is_projected:
        msg = f"the network CRS must be projected (metres), got {crs.name}"
        raise NetworkError(msg)
    node_x = np.asarray(node_x, dtype=float)
    node_y = np.asarray(node_y, dtype=float)
    edge_u = np.asarray(edge_u, dtype=np.int64)
    edge_v = np.asarray(edge_v, dtype=np.int64)
    if edge_geometry is None:
        coords = np.stack(
            [
                np.column_stack([node_x[edge_u], node_y[edge_u]]),
                np.column_stack([node_x[edge_v], node_y[edge_v]]),
            ],
            axis=1,
        )
        edge_geometry = shapely.linestrings(coords)
    if edge_length_m is None:
        edge_length_m = shapely.length(edge_geometry)
    if node_osmid is None:
        node_osmid = np.arange(len(node_x), dtype=np.int64)
    dropped_nodes = dropped_pieces = 0
    if keep_largest and len(edge_u):
        n = len(node_x)
        adj = sparse.coo_matrix((np.ones(len(edge_u)), (edge_u, edge_v)), shape=(n, n))
        n_pieces, labels = csgraph.connected_components(adj, directed=False)
        used = np.zeros(n, dtype=bool)
        used[edge_u] = used[edge_v] = True
        sizes = np.bincount(labels[used], minlength=n_pieces)
        largest = int(np.argmax(sizes))
        keep_node = labels == largest
        dropped_pieces = int((sizes > 0).sum() - 1)
        dropped_nodes = int(used.sum() - keep_node.sum())
        new_index = np.cumsum(keep_node) - 1
        keep_edge = keep_node[edge_u]
        node_x, node_y, node_osmid = node_x[keep_node], node_y[keep_node], node_osmid[keep_node]
        edge_u, edge_v = new_index[edge_u[keep_edge]], new_index[edge_v[keep_edge]]
        edge_length_m = np.asarray(edge_length_m)[keep_edge]
        edge_geometry = np.asarray(edge_geometry)[keep_edge]
    if len(edge_u) == 0:
        msg = "the walking network has no edges; check the OSM file holds walkable highways"
        raise NetworkError(msg)
    return WalkNetwork(
        crs=crs,
        node_x=node_x,
        node_y=node_y,
        node_osmid=np.asarray(node_osmid, dtype=np.int64),
        edge_u=edge_u,
        edge_v=edge_v,
        edge_length_m=np.asarray(edge_length_m, dtype=float),
        edge_geometry=np.asarray(edge_geometry, dtype=object),
        dropped_nodes=dropped_nodes,
        dropped_pieces=dropped_pieces,
        notes=tuple(notes),
    )


SPARSE_KM_PER_KM2 = 8.0
"""Below this much walkable street per km² around the communities, results are suspect.

GB 50180-2018 asks residential areas for a street network density of at least 8 km/km²;
a walking network below that in OSM usually lacks the paths inside compounds."""


def network_quality(network: WalkNetwork, area: shapely.Geometry) -> dict[str, float]:
    """How fit the network is for walking analysis around the communities.

    Parameters
    ----------
    network
        The walking network.
    area
        The study area in the network CRS (e.g. the communities' hull plus a margin).

    Returns
    -------
    dict
        Nodes, edges, pieces and nodes dropped as disconnected, walkable km inside the
        area, the area in km², km per km², and ``sparse`` (1.0 when below
        ``SPARSE_KM_PER_KM2``, typical of OSM in smaller Chinese cities).
    """
    # prepared containment first; only the few edges crossing the boundary are cut
    shapely.prepare(area)
    edges = network.edge_geometry
    whole = shapely.contains_properly(area, edges)
    crossing = ~whole & shapely.intersects(area, edges)
    metres = network.edge_length_m[whole].sum()
    metres += shapely.length(shapely.intersection(edges[crossing], area)).sum()
    km = float(metres) / 1000.0
    area_km2 = float(shapely.area(area)) / 1e6
    density = km / area_km2 if area_km2 else 0.0
    return {
        "nodes": network.n_nodes,
        "edges": network.n_edges,
        "dropped_nodes": network.dropped_nodes,
        "dropped_pieces": network.dropped_pieces,
        "walkable_km_in_area": round(km, 2),
        "area_km2": round(area_km2, 3),
        "km_per_km2": round(density, 2),
        "sparse": float(density < SPARSE_KM_PER_KM2),
    }


def walkable_mask(
    tags: pd.DataFrame, *, avoid_steps: bool = False, wheelchair: bool = False
) -> NDArray[np.bool_]:
    """Return which ways are walkable, with osmnx's ``network_type="walk"`` rules.

    Parameters
    ----------
    tags
        One row per way with OSM tag columns (``highway``, ``area``, ``access``,
        ``foot``, ``service``, ``sidewalk*``, ``wheelchair``); missing columns count as
        untagged.
    avoid_steps
        Leave out flights of steps (``highway=steps``).
    wheelchair
        Walks a wheelchair can take: steps and ways tagged ``wheelchair=no`` left out.

    Returns
    -------
    numpy.ndarray
        Boolean mask, True where pedestrians may walk.
    """

    def tag(name: str) -> pd.Series:
        if name not in tags:
            return pd.Series("", index=tags.index)
        return tags[name].fillna("").astype(str)

    highway = tag("highway")
    mask = highway.ne("") & highway.ne("None")
    mask &= ~tag("area").str.contains("yes")
    mask &= ~tag("access").str.contains("private")
    mask &= ~highway.str.contains(_EXCLUDED_HIGHWAY)
    mask &= ~tag("foot").str.contains("no")
    mask &= ~tag("service").str.contains("private")
    for side in ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right"):
        mask &= ~tag(side).str.contains("separate")
    if avoid_steps or wheelchair:
        mask &= highway.ne("steps")
    if wheelchair:
        mask &= tag("wheelchair").ne("no")
    return mask.to_numpy()


def _segments_from_osmium(
    path: Path, *, avoid_steps: bool = False, wheelchair: bool = False
) -> gpd.GeoDataFrame:
    """Read walkable streets from .osm or .osm.pbf at C++ speed (pyosmium), no graph library.

    Applies the same walk rules as the osmnx path (``walkable_mask`` on the way tags)
    and joins chains of street points that are not junctions into one edge each, as
    osmnx's ``simplify_graph`` does, so both paths give the same network.
    """
    import osmium

    reader = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    tags: list[dict[str, str | None]] = []
    refs: list[int] = []
    lon: list[float] = []
    lat: list[float] = []
    piece: list[int] = []
    way_of_piece: list[int] = []
    for way in cast("Iterable[osmium.osm.Way]", reader):
        tags.append({t: way.tags.get(t) for t in _WAY_TAGS})
        way_of_piece.append(len(tags) - 1)
        for node in way.nodes:
            location = node.location
            if not location.valid():  # a node outside the extract: the way breaks here
                way_of_piece.append(len(tags) - 1)
                continue
            refs.append(node.ref)
            lon.append(location.lon)
            lat.append(location.lat)
            piece.append(len(way_of_piece) - 1)
    if not tags:
        msg = f"{path}: no highways in this OSM file"
        raise NetworkError(msg)
    frame = pd.DataFrame(tags)
    walk = walkable_mask(frame, avoid_steps=avoid_steps, wheelchair=wheelchair)
    log(f"{path.name}: {int(walk.sum()):,} of {len(tags):,} OSM ways are walkable")
    refs_a, piece_a = np.array(refs, dtype=np.int64), np.array(piece, dtype=np.int64)
    xy = np.column_stack([lon, lat])
    way_of = np.array(way_of_piece)[piece_a[1:]]
    same = piece_a[1:] == piece_a[:-1]
    first = np.flatnonzero(same & walk[way_of])
    segments = _simplified(refs_a[first], refs_a[first + 1], xy[first], xy[first + 1])
    left_out = walkable_mask(frame) & ~walk  # walkable, but not for this walker
    if left_out.any():
        gone = np.flatnonzero(same & left_out[way_of])
        km = _approx_km(xy[gone], xy[gone + 1])
        why = "wheelchair: true" if wheelchair else "steps: avoid"
        segments.attrs["notes"] = [
            f"{km:,.2f} km of walkable way ({int(left_out.sum()):,} OSM ways: steps"
            + (" or wheelchair=no" if wheelchair else "")
            + f") left out of every walk (network.{why.split(':')[0]}: {why.split(': ')[1]})"
        ]
    return segments


def _approx_km(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """Total length of lon/lat segments, km (equirectangular: a note's figure, not a walk)."""
    lat = np.radians((a[:, 1] + b[:, 1]) / 2)
    dx = np.radians(b[:, 0] - a[:, 0]) * np.cos(lat)
    dy = np.radians(b[:, 1] - a[:, 1])
    return float(6371.0 * np.hypot(dx, dy).sum())


def _simplified(
    u: NDArray[np.int64], v: NDArray[np.int64], uxy: NDArray, vxy: NDArray
) -> gpd.GeoDataFrame:
    """Join straight street segments into edges between junctions and dead ends.

    A node with exactly two distinct neighbours is not a junction; every chain of such
    nodes between two other nodes becomes one edge (osmnx's rule). Closed rings with no
    junction at all are left out, as osmnx does.
    """
    a, b = np.minimum(u, v), np.maximum(u, v)
    pairs = pd.DataFrame({"a": a, "b": b, "ax": 0.0, "ay": 0.0, "bx": 0.0, "by": 0.0})
    flip = u > v
    pairs[["ax", "ay"]] = np.where(flip[:, None], vxy, uxy)
    pairs[["bx", "by"]] = np.where(flip[:, None], uxy, vxy)
    pairs = pairs[pairs["a"] != pairs["b"]].drop_duplicates(["a", "b"])
    ids, inverse = np.unique(np.concatenate([pairs["a"], pairs["b"]]), return_inverse=True)
    m = len(pairs)
    ea, eb = inverse[:m], inverse[m:]
    coords = np.empty((len(ids), 2))
    coords[ea] = pairs[["ax", "ay"]].to_numpy()
    coords[eb] = pairs[["bx", "by"]].to_numpy()
    n = len(ids)
    ends = np.concatenate([ea, eb])
    degree = np.bincount(ends, minlength=n)
    junction = degree != 2
    incident = sparse.csr_matrix(
        (np.tile(np.arange(m), 2) + 1, (ends, np.concatenate([eb, ea]))), shape=(n, n)
    )
    neighbours = np.split(incident.indices, incident.indptr[1:-1])
    used: set[tuple[int, int]] = set()
    out_u, out_v, out_geom = [], [], []
    for start in np.flatnonzero(junction):
        for nxt in neighbours[start]:
            if (start, nxt) in used:
                continue
            chain = [start, nxt]
            used.add((int(start), int(nxt)))
            while not junction[chain[-1]]:
                here, before = chain[-1], chain[-2]
                step = next(x for x in neighbours[here] if x != before)
                chain.append(step)
            used.add((chain[-1], chain[-2]))
            out_u.append(ids[start])
            out_v.append(ids[chain[-1]])
            out_geom.append(coords[chain])
    lengths = np.array([len(g) for g in out_geom], dtype=np.int64)
    geometry = (
        shapely.linestrings(
            np.concatenate(out_geom), indices=np.repeat(np.arange(len(lengths)), lengths)
        )
        if out_geom
        else []
    )
    return gpd.GeoDataFrame(
        {"u": np.array(out_u, dtype=np.int64), "v": np.array(out_v, dtype=np.int64)},
        geometry=geometry,
        crs=WGS84,
    )


def _segments_from_graphml(path: Path) -> gpd.GeoDataFrame:
    """Read segments from a GraphML saved by osmnx (assumed to be a walking network)."""
    import osmnx as ox

    G = ox.load_graphml(path)
    return ox.graph_to_gdfs(G, nodes=False, fill_edge_geometry=True).reset_index()


def _segments_from_download(cfg: NetworkConfig) -> gpd.GeoDataFrame:
    """Download a walking network with osmnx (needs internet; osmnx caches responses)."""
    import osmnx as ox

    if cfg.place is not None:
        G = ox.graph_from_place(cfg.place, network_type="walk", retain_all=True)
    elif cfg.bbox is not None:
        G = ox.graph_from_bbox(cfg.bbox, network_type="walk", retain_all=True)
    else:
        polygon = gpd.read_file(cfg.polygon).to_crs(WGS84).union_all()
        G = ox.graph_from_polygon(polygon, network_type="walk", retain_all=True)
    return ox.graph_to_gdfs(G, nodes=False, fill_edge_geometry=True).reset_index()


def network_from_segments(
    segments: gpd.GeoDataFrame, *, crs: Any = "auto", keep_largest: bool = True
) -> WalkNetwork:
    """Project WGS84 street segments and pack them into a ``WalkNetwork``.

    Parameters
    ----------
    segments
        Columns ``u``, ``v`` (OSM node ids) and LineString geometry from u to v, in
        WGS84 (EPSG:4326). Lengths are re-measured in the projected CRS.
    crs
        "auto" (CGCS2000 Gauss-Krüger zone in China, UTM elsewhere) or a metric CRS.
    keep_largest
        Keep only the largest connected piece (default).

    Returns
    -------
    WalkNetwork
        The largest connected piece, projected.
    """
    if len(segments) == 0:
        msg = "no walkable street segments found"
        raise NetworkError(msg)
    segments = segments.set_crs(WGS84, allow_override=True)
    if str(crs) == "auto":
        lon, lat = np.asarray(segments.geometry.union_all().envelope.centroid.coords[0])
        crs = projected_crs_for(float(lon), float(lat))
    projected = segments.to_crs(crs)
    geoms = projected.geometry.to_numpy()
    osm_u = segments["u"].to_numpy(dtype=np.int64)
    osm_v = segments["v"].to_numpy(dtype=np.int64)
    node_ids, inverse = np.unique(np.concatenate([osm_u, osm_v]), return_inverse=True)
    edge_u, edge_v = inverse[: len(osm_u)], inverse[len(osm_u) :]
    starts = shapely.get_coordinates(shapely.get_point(geoms, 0))
    ends = shapely.get_coordinates(shapely.get_point(geoms, -1))
    node_xy = np.empty((len(node_ids), 2))
    node_xy[edge_u] = starts
    node_xy[edge_v] = ends
    return pack_segments(
        node_xy[:, 0],
        node_xy[:, 1],
        edge_u,
        edge_v,
        geoms,
        crs=crs,
        node_osmid=node_ids,
        keep_largest=keep_largest,
        notes=tuple(segments.attrs.get("notes", ())),
    )


def pack_segments(  # noqa: PLR0913 - one argument per segment array, as network_from_arrays
    node_x: NDArray[np.float64],
    node_y: NDArray[np.float64],
    edge_u: NDArray[np.int64],
    edge_v: NDArray[np.int64],
    geoms: NDArray[np.object_],
    *,
    crs: Any,
    node_osmid: NDArray[np.int64] | None = None,
    keep_largest: bool = True,
    notes: tuple[str, ...] = (),
) -> WalkNetwork:
    """Turn street segments in a projected CRS into a ``WalkNetwork``.

    Drops the reverse twins of two-way streets (one undirected edge per pair and
    length) and zero-length segments, splits loops (``split_loops``) and keeps the
    largest connected piece.

    Parameters
    ----------
    node_x, node_y
        Node coordinates, metres.
    edge_u, edge_v, geoms
        Segment ends and LineStrings from u to v.
    crs
        The projected CRS.
    node_osmid
        Node ids (default ``0..n-1``).
    keep_largest
        Keep only the largest connected piece.
    notes
        Findings of the source, kept with the network.

    Returns
    -------
    WalkNetwork
        The network.
    """
    if node_osmid is None:
        node_osmid = np.arange(len(node_x), dtype=np.int64)
    length = shapely.length(geoms)
    key = pd.DataFrame(
        {"a": np.minimum(edge_u, edge_v), "b": np.maximum(edge_u, edge_v), "l": length.round(3)}
    )
    unique = ~key.duplicated().to_numpy() & (length > 0)
    node_x, node_y, node_osmid, edge_u, edge_v, geoms = split_loops(
        node_x, node_y, node_osmid, edge_u[unique], edge_v[unique], geoms[unique]
    )
    return network_from_arrays(
        node_x,
        node_y,
        edge_u,
        edge_v,
        crs=crs,
        edge_length_m=shapely.length(geoms),
        edge_geometry=geoms,
        node_osmid=node_osmid,
        keep_largest=keep_largest,
        notes=notes,
    )


def split_loops(
    node_x: NDArray[np.float64],
    node_y: NDArray[np.float64],
    node_ids: NDArray[np.int64],
    edge_u: NDArray[np.int64],
    edge_v: NDArray[np.int64],
    geoms: NDArray[np.object_],
) -> tuple[NDArray, NDArray, NDArray, NDArray, NDArray, NDArray]:
    """Split every edge that starts and ends at one node into two halves at its midpoint.

    After simplification a roundabout, a ring road, a closed residential loop or the
    loop of a P-shaped cul-de-sac is one edge from a node back to itself. The search
    would never use such an edge, and snapping onto it could not tell its two ways
    round; split at half its length, it becomes two ordinary edges through a new
    node, and every point along it gets the shorter way round.

    Parameters
    ----------
    node_x, node_y, node_ids
        Node coordinates and ids (new nodes get negative ids).
    edge_u, edge_v, geoms
        Edges and their LineStrings from u to v.

    Returns
    -------
    tuple
        ``node_x, node_y, node_ids, edge_u, edge_v, geoms`` with the loops split.
    """
    loops = np.flatnonzero(edge_u == edge_v)
    if len(loops) == 0:
        return node_x, node_y, node_ids, edge_u, edge_v, geoms
    from shapely.ops import substring

    n = len(node_x)
    new_nodes = n + np.arange(len(loops))
    middle = shapely.line_interpolate_point(geoms[loops], 0.5, normalized=True)
    first = [substring(g, 0.0, 0.5, normalized=True) for g in geoms[loops]]
    second = [substring(g, 0.5, 1.0, normalized=True) for g in geoms[loops]]
    keep = np.ones(len(edge_u), dtype=bool)
    keep[loops] = False
    start_id = min(int(node_ids.min()), 0) - 1
    return (
        np.concatenate([node_x, shapely.get_x(middle)]),
        np.concatenate([node_y, shapely.get_y(middle)]),
        np.concatenate([node_ids, start_id - np.arange(len(loops), dtype=np.int64)]),
        np.concatenate([edge_u[keep], edge_u[loops], new_nodes]),
        np.concatenate([edge_v[keep], new_nodes, edge_v[loops]]),
        np.concatenate([geoms[keep], np.array(first + second, dtype=object)]),
    )


_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def _source_files(path: Path) -> list[Path]:
    """The file and, for a Shapefile, its sidecar files (.dbf, .prj, .cpg …)."""
    if path.suffix.lower() != ".shp":
        return [path]
    return [p for p in (path.with_suffix(s) for s in _SIDECARS) if p.exists()]


def _cache_key(cfg: NetworkConfig, crs: str) -> str | None:
    if cfg.path is None:
        return None
    files = _source_files(Path(cfg.path))
    if cfg.extra_paths is not None:
        files += _source_files(Path(cfg.extra_paths.path))
    digests = [hashlib.sha256(f.read_bytes()).hexdigest() for f in files]
    options = cfg.model_dump(mode="json", exclude={"snap_limit_m", "far_points", "path"})
    if options.get("extra_paths"):
        options["extra_paths"].pop("path")
    payload = json.dumps([_CACHE_VERSION, digests, crs, options], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def network_from_config(config: CityConfig) -> WalkNetwork:
    """Build (or load from the cache) the walking network of a city.

    Parameters
    ----------
    config
        The city config; ``config.network`` names the source and ``config.crs`` the CRS.

    Returns
    -------
    WalkNetwork
        The projected walking network.

    Raises
    ------
    NetworkError
        The file is missing or unreadable, or holds no walkable streets.
    """
    cfg = config.network
    if cfg.path is not None and not Path(cfg.path).is_file():
        msg = f"{cfg.path}: network file not found; check network.path in the config"
        raise NetworkError(msg)
    key = _cache_key(cfg, config.crs) if settings.use_cache else None
    cached = settings.cache_folder / "networks" / f"{key}.npz" if key else None
    if cached is not None and cached.is_file():
        network = _read_cached(cached)
        if network is not None:
            log(f"network from cache: {network.n_nodes:,} nodes, {network.n_edges:,} edges")
            return network
    network = _build(cfg, config.crs)
    log(
        f"walking network: {network.n_nodes:,} nodes, {network.n_edges:,} edges, "
        f"{network.edge_length_m.sum() / 1000:,.1f} km in {network.crs.name}; dropped "
        f"{network.dropped_nodes:,} nodes in {network.dropped_pieces:,} disconnected pieces"
    )
    if cached is not None:
        _write_cached(network, cached)
    return network


def _build(cfg: NetworkConfig, crs: Any) -> WalkNetwork:
    """Build the network from its source: OSM segments, a road layer, plus extra paths."""
    from .roads import (
        join_loose_ends,
        lines_from_network_edges,
        read_road_layer,
        segments_from_lines,
    )

    if not cfg.is_line_layer and cfg.extra_paths is None:
        return network_from_segments(_segments_for(cfg), crs=crs)
    target = None if str(crs) == "auto" else pyproj.CRS.from_user_input(crs)
    notes: list[str] = []
    if cfg.is_line_layer:
        lines, notes = read_road_layer(Path(str(cfg.path)), cfg, crs=target)
        gap_m = cfg.gap_m
    else:
        assert cfg.extra_paths is not None  # (or the plain OSM case above)
        base = network_from_segments(_segments_for(cfg), crs=crs, keep_largest=False)
        lines = lines_from_network_edges(base.edge_geometry, base.crs)
        gap_m = cfg.extra_paths.gap_m
    if cfg.extra_paths is not None:
        extra, extra_notes = read_road_layer(
            Path(cfg.extra_paths.path), cfg.extra_paths, crs=lines.crs
        )
        lines, join_notes = join_loose_ends(lines, extra, join_m=cfg.extra_paths.join_m)
        notes += extra_notes + join_notes
    segments, gap_notes = segments_from_lines(lines, gap_m=gap_m)
    return pack_segments(
        segments["node_x"],
        segments["node_y"],
        segments["edge_u"],
        segments["edge_v"],
        segments["edge_geometry"],
        crs=lines.crs,
        notes=tuple(notes + gap_notes),
    )


def save_network(network: WalkNetwork, path: str | Path) -> None:
    """Write a network as a NumPy ``.npz`` archive of plain arrays (no pickled objects).

    Edge geometries are stored as their vertex coordinates and the index of the
    edge each vertex belongs to; the CRS as WKT text.

    Parameters
    ----------
    network
        The network.
    path
        The ``.npz`` file (written as given; see ``network_from_config`` for the
        atomic cache write).
    """
    coords, owner = shapely.get_coordinates(network.edge_geometry, return_index=True)
    save_npz(
        Path(path),
        version=np.array(_CACHE_VERSION),
        crs_wkt=np.array(network.crs.to_wkt()),
        node_x=network.node_x,
        node_y=network.node_y,
        node_osmid=network.node_osmid,
        edge_u=network.edge_u,
        edge_v=network.edge_v,
        edge_length_m=network.edge_length_m,
        vertex_xy=coords,
        vertex_edge=owner.astype(np.int64),
        dropped=np.array([network.dropped_nodes, network.dropped_pieces], dtype=np.int64),
        notes=np.array(list(network.notes), dtype=np.str_),
    )


def load_network(path: str | Path) -> WalkNetwork:
    """Read a network written by ``save_network``; never unpickles anything.

    Parameters
    ----------
    path
        The ``.npz`` file.

    Returns
    -------
    WalkNetwork
        The network.

    Raises
    ------
    ValueError
        The file is truncated, from another version, or its arrays do not fit together.
    """
    arrays = load_npz(Path(path))
    if str(arrays["version"]) != _CACHE_VERSION:
        msg = f"network file version {arrays['version']} (this tool writes {_CACHE_VERSION})"
        raise ValueError(msg)
    n_edges = len(arrays["edge_u"])
    geoms = shapely.linestrings(arrays["vertex_xy"], indices=arrays["vertex_edge"])
    sizes = {len(arrays[k]) for k in ("edge_v", "edge_length_m")} | {len(geoms), n_edges}
    if len(sizes) != 1 or len(arrays["node_x"]) != len(arrays["node_y"]):
        msg = "network arrays of different lengths"
        raise ValueError(msg)
    dropped_nodes, dropped_pieces = (int(v) for v in arrays["dropped"])
    return WalkNetwork(
        crs=pyproj.CRS.from_wkt(str(arrays["crs_wkt"])),
        node_x=arrays["node_x"],
        node_y=arrays["node_y"],
        node_osmid=arrays["node_osmid"],
        edge_u=arrays["edge_u"],
        edge_v=arrays["edge_v"],
        edge_length_m=arrays["edge_length_m"],
        edge_geometry=np.asarray(geoms, dtype=object),
        dropped_nodes=dropped_nodes,
        dropped_pieces=dropped_pieces,
        notes=tuple(str(n) for n in arrays["notes"]),
    )


def _read_cached(path: Path) -> WalkNetwork | None:
    """A cached network, or None (with a warning) when the entry is damaged."""
    try:
        return load_network(path)
    except DAMAGED_ENTRY as exc:
        msg = (
            f"network cache entry {path} is damaged ({type(exc).__name__}: {exc}); "
            "rebuilding it from the network file"
        )
        warnings.warn(msg, UserWarning, stacklevel=3)
        log(msg, logging.WARNING)
        return None


def _write_cached(network: WalkNetwork, path: Path) -> None:
    """Write a cache entry atomically (concurrent runs leave one whole entry)."""
    cache_write(path, lambda tmp: save_network(network, tmp))


def network_from_file(path: str | Path, *, crs: Any = "auto", **options: Any) -> WalkNetwork:
    """Build the walking network of a local OSM file or road line layer.

    Parameters
    ----------
    path
        A .osm, .osm.pbf or osmnx .graphml file (filtered with osmnx's "walk" rules),
        or a road line layer (.shp, .gpkg, .geojson), noded at crossings of the same level.
    options
        Options of a road layer or extra paths, as in the config's ``network:``
        (``coords``, ``exclude``, ``level_column``, ``extra_paths`` …).
    crs
        "auto" (CGCS2000 Gauss-Krüger zone in China, UTM elsewhere) or a metric CRS.

    Returns
    -------
    WalkNetwork
        The largest connected piece, projected.
    """
    return _build(NetworkConfig(path=Path(path), **options), crs)


def _segments_for(cfg: NetworkConfig) -> gpd.GeoDataFrame:
    """Dispatch on the network source."""
    if cfg.path is None:
        return _segments_from_download(cfg)
    path = Path(cfg.path)
    name = path.name.lower()
    try:
        if name.endswith(".graphml"):
            return _segments_from_graphml(path)
        return _segments_from_osmium(
            path, avoid_steps=cfg.steps == "avoid", wheelchair=cfg.wheelchair
        )
    except NetworkError:
        raise
    except Exception as exc:
        msg = f"{path}: cannot read the network file ({type(exc).__name__}: {exc})"
        raise NetworkError(msg) from exc
