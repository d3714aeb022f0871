"""The planner's own road layers: read a line layer, node it, check it, merge extra paths.

Planning institutes and 自然资源局 hold road centre lines (道路中心线) as Shapefiles or
GeoPackages in CGCS2000 Gauss-Krüger metres, GCJ-02 or WGS84. Such a layer is not a
graph: lines cross without a shared vertex, a bridge crosses the road below it, and
digitised ends stop a metre short of the street they should meet. This module turns
lines into street segments the way a pedestrian would walk them:

- lines are split where they cross or touch, but only at the same grade level
  (``layer``/``bridge``/``tunnel`` columns, or a configured level column); a line
  end touching a line of another level (a ramp reaching the road) is joined;
- classes pedestrians may not use (``exclude: {道路等级: [快速路]}``) are left out;
- zero-length and duplicate lines are dropped, and ends stopping short of another
  line (a gap under ``gap_m``) are reported with their feature numbers;
- extra paths (compound roads, gates) are merged into any network, their loose
  ends joined to the nearest street within ``join_m``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from .._errors import NetworkError
from ..config import RoadLayerOptions
from ..coords import projected_crs_for
from ..inputs.files import read_vector, reproject_to_wgs84
from ..utils import log

NODE_TOLERANCE_M = 0.01
"""Line ends and crossings closer than this are one node (1 cm)."""
MAX_REPORTED = 20
"""Problems of one kind listed by feature before a count."""

_TRUE = {"yes", "true", "1", "y", "t", "是", "viaduct"}


@dataclass(frozen=True)
class Lines:
    """Line features in a projected CRS, one LineString each, ready to be noded.

    Attributes
    ----------
    geometry
        LineStrings in ``crs``.
    level
        Grade level of each line (0 ground, positive bridges, negative tunnels).
    fixed
        Lines already noded among themselves (an OSM network's edges): never split
        against each other, only against the other lines.
    feature
        The feature number in the source file (1-based), for reports; 0 for fixed lines.
    crs
        The projected CRS.
    """

    geometry: NDArray[np.object_]
    level: NDArray[np.int64]
    fixed: NDArray[np.bool_]
    feature: NDArray[np.int64]
    crs: pyproj.CRS

    def __len__(self) -> int:
        return len(self.geometry)


def read_road_layer(
    path: Path, options: RoadLayerOptions, *, crs: pyproj.CRS | None = None
) -> tuple[Lines, list[str]]:
    """Read a road line layer, keep what pedestrians may use, and check it.

    Parameters
    ----------
    path
        Shapefile (GBK DBF fine), GeoPackage or GeoJSON of LineStrings.
    options
        Coordinate system, layer, encoding, excluded classes, level column, gap.
    crs
        The projected CRS to work in; default: chosen from the layer's centre.

    Returns
    -------
    lines, notes
        The walkable lines (MultiLineStrings split into parts) and what was dropped
        (zero-length, duplicate) as notes naming feature numbers.

    Raises
    ------
    NetworkError
        The file cannot be read, holds no lines, or names columns it does not have.
    """
    try:
        frame = read_vector(path, encoding=options.encoding, layer=options.layer)
    except Exception as exc:  # any reader failure becomes one clear line
        msg = f"{path}: cannot read the road layer ({type(exc).__name__}: {exc})"
        raise NetworkError(msg) from None
    frame = frame.reset_index(drop=True)
    frame["feature"] = np.arange(1, len(frame) + 1)
    lines = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    kind = set(lines.geom_type.unique())
    if len(lines) == 0 or not kind <= {"LineString", "MultiLineString", "LinearRing"}:
        msg = (
            f"{path}: a road layer must hold lines, found {sorted(kind) or 'nothing'}; "
            "export the road centre lines (道路中心线), not points or areas"
        )
        raise NetworkError(msg)
    walkable = _walkable(lines, options.exclude, path)
    notes = []
    if (~walkable).any():
        notes.append(f"{(~walkable).sum():,} lines excluded by 'exclude' ({options.exclude})")
    lines = lines[walkable]
    file_crs = lines.crs
    coords = options.coords or "wgs84"
    lines = reproject_to_wgs84(gpd.GeoDataFrame(lines), coords, file_crs)
    level = _levels(lines, options.level_column, path)
    parts = lines.assign(level=level).explode(index_parts=False).reset_index(drop=True)
    if crs is None:
        lon, lat = np.asarray(parts.geometry.union_all().envelope.centroid.coords[0])

        crs = projected_crs_for(float(lon), float(lat))
    projected = parts.to_crs(crs)
    geoms = projected.geometry.to_numpy()
    feature = projected["feature"].to_numpy(dtype=np.int64)
    zero = shapely.length(geoms) < NODE_TOLERANCE_M
    notes += _listed(feature[zero], "zero-length line(s) dropped")
    keys = pd.Series(shapely.to_wkb(shapely.normalize(geoms)))
    duplicate = keys.duplicated().to_numpy() & ~zero
    notes += _listed(feature[duplicate], "duplicate line(s) dropped (same geometry twice)")
    keep = ~zero & ~duplicate
    log(f"{path.name}: {keep.sum():,} walkable road lines in {crs.name}")
    return (
        Lines(
            geometry=geoms[keep],
            level=projected["level"].to_numpy(dtype=np.int64)[keep],
            fixed=np.zeros(int(keep.sum()), dtype=bool),
            feature=feature[keep],
            crs=pyproj.CRS.from_user_input(crs),
        ),
        notes,
    )


def _walkable(frame: pd.DataFrame, exclude: dict[str, tuple[str, ...]], path: Path) -> np.ndarray:
    """Rows pedestrians may use: none of the ``exclude`` values in its column."""
    mask = np.ones(len(frame), dtype=bool)
    for column, values in exclude.items():
        if column not in frame:
            have = ", ".join(str(c) for c in frame.columns if c not in {"geometry", "feature"})
            msg = f"{path}: network.exclude names column {column!r}; the layer has: {have}"
            raise NetworkError(msg)
        text = frame[column].map(lambda v: "" if pd.isna(v) else str(v).strip())
        mask &= ~text.isin({str(v) for v in values}).to_numpy()
    return mask


def _levels(frame: pd.DataFrame, column: str | None, path: Path) -> np.ndarray:
    """Grade level per line: the level column, else OSM-style layer / bridge / tunnel."""
    if column is not None:
        if column not in frame:
            msg = f"{path}: network.level_column {column!r} is not in the layer"
            raise NetworkError(msg)
        values = pd.to_numeric(frame[column], errors="coerce").fillna(0)
        return values.round().astype(np.int64).to_numpy()
    level = np.zeros(len(frame), dtype=np.int64)
    if "layer" in frame:
        level = pd.to_numeric(frame["layer"], errors="coerce").fillna(0).round().astype(np.int64)
        level = level.to_numpy()
    for name, sign in (("bridge", 1), ("tunnel", -1)):
        if name in frame:
            flagged = frame[name].map(lambda v: str(v).strip().lower() in _TRUE).to_numpy()
            level = np.where(flagged & (level == 0), sign, level)
    return level


def _listed(features: np.ndarray, what: str) -> list[str]:
    """A note naming the features (at most ``MAX_REPORTED``), or nothing."""
    if len(features) == 0:
        return []
    shown = ", ".join(str(int(f)) for f in features[:MAX_REPORTED])
    more = f" … and {len(features) - MAX_REPORTED} more" if len(features) > MAX_REPORTED else ""
    return [f"{len(features):,} {what}: feature {shown}{more}"]


def lines_from_network_edges(geometry: NDArray[np.object_], crs: pyproj.CRS) -> Lines:
    """Wrap an already noded network's edges as fixed lines (for merging extra paths)."""
    n = len(geometry)
    return Lines(
        geometry=np.asarray(geometry, dtype=object),
        level=np.zeros(n, dtype=np.int64),
        fixed=np.ones(n, dtype=bool),
        feature=np.zeros(n, dtype=np.int64),
        crs=crs,
    )


def join_loose_ends(lines: Lines, extra: Lines, *, join_m: float) -> tuple[Lines, list[str]]:
    """Merge extra paths into ``lines``, joining each loose path end to the nearest line.

    A path end that touches no other line is joined by a straight connector to the
    nearest point of any other line within ``join_m`` (the walk from a gate to the
    street in front of it).

    Parameters
    ----------
    lines
        The network's lines (usually fixed OSM edges, or a road layer).
    extra
        The planner's extra paths.
    join_m
        Largest connector, metres.

    Returns
    -------
    lines, notes
        All lines with the connectors added; a note on how many ends were joined and
        which stayed loose.
    """
    merged = _concat(lines, extra)
    offset = len(lines)
    tree = shapely.STRtree(merged.geometry)
    connectors, joined, loose = [], 0, []
    for i in range(len(extra)):
        geom = extra.geometry[i]
        for end in (shapely.get_point(geom, 0), shapely.get_point(geom, -1)):
            near = tree.query(end, predicate="dwithin", distance=join_m)
            near = near[near != offset + i]
            if len(near) == 0:
                loose.append(int(extra.feature[i]))
                continue
            dist = shapely.distance(end, merged.geometry[near])
            if dist.min() <= NODE_TOLERANCE_M:
                continue  # already touches a line
            target = merged.geometry[near[np.argmin(dist)]]
            connectors.append(shapely.shortest_line(end, target))
            joined += 1
    notes = [f"extra paths: {len(extra):,} lines, {joined:,} loose ends joined to a street"]
    notes += _listed(
        np.array(sorted(set(loose))), f"extra path(s) with an end over {join_m:g} m from any line"
    )
    link = Lines(
        geometry=np.array(connectors, dtype=object),
        level=np.zeros(len(connectors), dtype=np.int64),
        fixed=np.zeros(len(connectors), dtype=bool),
        feature=np.zeros(len(connectors), dtype=np.int64),
        crs=lines.crs,
    )
    return _concat(merged, link), notes


def _concat(a: Lines, b: Lines) -> Lines:
    return Lines(
        geometry=np.concatenate([a.geometry, b.geometry]),
        level=np.concatenate([a.level, b.level]),
        fixed=np.concatenate([a.fixed, b.fixed]),
        feature=np.concatenate([a.feature, b.feature]),
        crs=a.crs,
    )


def _points_of(geom: shapely.Geometry) -> list[shapely.Point]:
    """The points where two lines meet: points themselves, the ends of shared stretches."""
    out = []
    for part in shapely.get_parts(geom):
        if shapely.get_type_id(part) == 0:
            out.append(part)
        elif not part.is_empty:
            out += list(shapely.get_parts(part.boundary))
    return out


def node_lines(lines: Lines) -> tuple[NDArray[np.object_], NDArray[np.int64]]:
    """Split lines where pedestrians can change from one to the other.

    Two lines are split where they cross or touch when they are at the same level
    (and not both fixed); any line is split where the end of another line lies on
    it, whatever the levels (a ramp reaching the road below).

    Parameters
    ----------
    lines
        The lines.

    Returns
    -------
    pieces, owner
        LineString pieces and the index (into ``lines``) of the line each came from.
    """
    geoms = lines.geometry
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = (a < b) & ~(lines.fixed[a] & lines.fixed[b])
    a, b = a[keep], b[keep]
    splits: dict[int, list[shapely.Point]] = {}
    same = lines.level[a] == lines.level[b]
    crossings = shapely.intersection(geoms[a[same]], geoms[b[same]])
    for i, j, where in zip(a[same], b[same], crossings, strict=True):
        points = _points_of(where)
        splits.setdefault(int(i), []).extend(points)
        splits.setdefault(int(j), []).extend(points)
    for first, second in ((a, b), (b, a)):
        for end in (0, -1):
            ends = shapely.get_point(geoms[first], end)
            on = shapely.distance(ends, geoms[second]) <= NODE_TOLERANCE_M
            for j, point in zip(second[on], ends[on], strict=True):
                splits.setdefault(int(j), []).append(point)
    pieces: list[shapely.Geometry] = []
    owner: list[int] = []
    for i, geom in enumerate(geoms):
        cut = _cut(geom, splits.get(i, []))
        pieces += cut
        owner += [i] * len(cut)
    return np.array(pieces, dtype=object), np.array(owner, dtype=np.int64)


def _cut(line: shapely.LineString, points: list[shapely.Point]) -> list[shapely.LineString]:
    """``line`` cut at ``points`` (each located along it), in order, without slivers."""
    if not points:
        return [line]
    from shapely.ops import substring

    length = line.length
    at = np.unique(shapely.line_locate_point(line, np.array(points, dtype=object)))
    at = at[(at > NODE_TOLERANCE_M) & (at < length - NODE_TOLERANCE_M)]
    if len(at) == 0:
        return [line]
    bounds = np.concatenate([[0.0], at, [length]])
    keep = np.diff(bounds) > NODE_TOLERANCE_M
    return [
        substring(line, s, e) for s, e, k in zip(bounds[:-1], bounds[1:], keep, strict=True) if k
    ]


def node_ids(pieces: NDArray[np.object_]) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Number the nodes of line pieces: ends within ``NODE_TOLERANCE_M`` are one node.

    Returns
    -------
    node_x, node_y, edge_u, edge_v
        Node coordinates (the first end seen of each cluster) and each piece's ends.
    """
    starts = shapely.get_coordinates(shapely.get_point(pieces, 0))
    ends = shapely.get_coordinates(shapely.get_point(pieces, -1))
    xy = np.concatenate([starts, ends])
    pairs = cKDTree(xy).query_pairs(NODE_TOLERANCE_M, output_type="ndarray")
    n = len(xy)
    graph = sparse.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = csgraph.connected_components(graph, directed=False)
    _, first, node = np.unique(label, return_index=True, return_inverse=True)
    m = len(pieces)
    return xy[first, 0], xy[first, 1], node[:m], node[m:]


def dangling_ends(
    lines: Lines,
    pieces: NDArray[np.object_],
    owner: NDArray,
    edge_u: NDArray,
    edge_v: NDArray,
    *,
    gap_m: float,
) -> list[str]:
    """Line ends that stop within ``gap_m`` of another line without meeting it.

    Such a gap is almost always a digitising slip; the network is cut there, so a
    walk that should cross it goes the long way round (or cannot).

    Returns
    -------
    list of str
        One note naming up to ``MAX_REPORTED`` features with the gap in metres.
    """
    degree = np.bincount(np.concatenate([edge_u, edge_v]))
    tree = shapely.STRtree(lines.geometry)
    found = []
    for nodes, end in ((edge_u, 0), (edge_v, -1)):
        loose = np.flatnonzero(degree[nodes] == 1)
        points = shapely.get_point(pieces[loose], end)
        for k, point in zip(loose, points, strict=True):
            own = owner[k]
            if lines.fixed[own]:
                continue
            near = tree.query(point, predicate="dwithin", distance=gap_m)
            near = near[near != own]
            if len(near) == 0:
                continue
            dist = shapely.distance(point, lines.geometry[near])
            gap = dist.min()
            if gap > NODE_TOLERANCE_M:
                other = lines.feature[near[np.argmin(dist)]]
                found.append((int(lines.feature[own]), float(gap), int(other)))
    if not found:
        return []
    found.sort()
    shown = "; ".join(
        f"feature {f} stops {g:.1f} m short of feature {o}" for f, g, o in found[:MAX_REPORTED]
    )
    more = f" … and {len(found) - MAX_REPORTED} more" if len(found) > MAX_REPORTED else ""
    return [
        f"{len(found):,} line end(s) stop within {gap_m:g} m of another line without meeting "
        f"it ({shown}{more}); snap them (QGIS: Vector ▸ Geometry Tools ▸ Snap geometries "
        "to layer) or the walk is cut there"
    ]


def segments_from_lines(lines: Lines, *, gap_m: float | None = None) -> tuple[dict, list[str]]:
    """Node lines into street segments: the arrays ``network_from_arrays`` takes.

    Parameters
    ----------
    lines
        The lines in a projected CRS.
    gap_m
        Report line ends stopping this close to another line (None: no report).

    Returns
    -------
    segments, notes
        ``node_x``, ``node_y``, ``edge_u``, ``edge_v``, ``edge_geometry``; and the report.
    """
    if len(lines) == 0:
        msg = "no walkable lines to build a network from"
        raise NetworkError(msg)
    pieces, owner = node_lines(lines)
    node_x, node_y, edge_u, edge_v = node_ids(pieces)
    notes = []
    if gap_m is not None:
        notes = dangling_ends(lines, pieces, owner, edge_u, edge_v, gap_m=gap_m)
    return (
        {
            "node_x": node_x,
            "node_y": node_y,
            "edge_u": edge_u,
            "edge_v": edge_v,
            "edge_geometry": pieces,
        },
        notes,
    )
