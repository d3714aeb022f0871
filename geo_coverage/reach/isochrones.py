"""Isochrone layers and travel-time rasters, drawn from one travel-time surface.

The rule is the verdicts' own: a place is reached when the walk along the network to
its nearest street point plus the straight step from that point to the place fits in
the budget (the step at most ``max_offset_m``). It is evaluated once on a grid:

1. the streets of the study area are sampled every ``resolution_m`` metres, and every
   grid cell is tied to its nearest sample with one KD-tree query (shared by all
   facility groups and bands);
2. per group, the walk to every sample is a vector operation on the group's node
   distances, and a cell's time is its sample's walk plus its own step;
3. each band is the polygon of the cells within it (``rasterio.features.shapes``),
   and the whole surface can be written as a GeoTIFF for QGIS.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from .. import settings
from ..network.streets import WalkNetwork
from ..standards import Standards, walk_metres, walk_minutes
from ..utils import DAMAGED_ENTRY, cache_write, load_npz, log, progress, save_npz
from .engine import Snapped, direct_walk_m, nearest_source_distances, take
from .walks import Reach

FINE_RESOLUTION_M = 5.0
"""Cell size where the study area is small enough (see ``MAX_FINE_CELLS``), metres."""
DEFAULT_RESOLUTION_M = 10.0
"""Cell size of larger study areas, metres."""
MAX_FINE_CELLS = 1_000_000
"""The fine resolution is used while the grid stays within this many cells."""
MAX_CELLS = 16_000_000
"""Beyond this many 10 m cells (a whole prefecture), cells grow to stay within it."""


def auto_resolution(bounds: tuple[float, float, float, float]) -> float:
    """Cell size for a study area: 5 m for districts, 10 m for cities, coarser beyond.

    5 m while that makes at most ``MAX_FINE_CELLS`` cells, 10 m while at most
    ``MAX_CELLS``, else the size (a whole metre) that keeps the grid at ``MAX_CELLS``.
    """
    minx, miny, maxx, maxy = bounds
    area = (maxx - minx) * (maxy - miny)
    if area / FINE_RESOLUTION_M**2 <= MAX_FINE_CELLS:
        return FINE_RESOLUTION_M
    if area / DEFAULT_RESOLUTION_M**2 <= MAX_CELLS:
        return DEFAULT_RESOLUTION_M
    return float(np.ceil(np.sqrt(area / MAX_CELLS)))


@dataclass(frozen=True)
class StreetGrid:
    """A raster over the study area whose cells know their nearest street sample.

    Attributes
    ----------
    origin
        (x of the left edge, y of the top edge) in the network CRS.
    resolution_m
        Cell size, metres.
    shape
        (rows, columns).
    sample_edge, sample_along
        Edge and position along it (metres from its u end) of each street sample.
    cell_sample
        For each cell (row-major), its nearest sample, or -1 when no street lies within
        ``max_offset_m``.
    cell_step
        Straight distance from each cell centre to that sample, metres.
    """

    origin: tuple[float, float]
    resolution_m: float
    shape: tuple[int, int]
    sample_edge: NDArray[np.int64]
    sample_along: NDArray[np.float64]
    cell_sample: NDArray[np.int32]
    cell_step: NDArray[np.float32]

    @property
    def transform(self) -> object:
        """The affine transform of the raster (rasterio convention, north up)."""
        from affine import Affine

        x0, y0 = self.origin
        return Affine(self.resolution_m, 0.0, x0, 0.0, -self.resolution_m, y0)


def street_grid(
    network: WalkNetwork,
    bounds: tuple[float, float, float, float],
    *,
    resolution_m: float = DEFAULT_RESOLUTION_M,
    max_offset_m: float = 150.0,
) -> StreetGrid:
    """Sample the streets of ``bounds`` and tie every grid cell to its nearest sample.

    Parameters
    ----------
    network
        The walking network.
    bounds
        (minx, miny, maxx, maxy) of the study area in the network CRS.
    resolution_m
        Cell size and sample spacing, metres.
    max_offset_m
        Cells farther than this from every street are never reached.

    Returns
    -------
    StreetGrid
        The grid, ready for any number of groups and bands.
    """
    minx, miny, maxx, maxy = bounds
    cols = max(1, int(np.ceil((maxx - minx) / resolution_m)))
    rows = max(1, int(np.ceil((maxy - miny) / resolution_m)))
    margin = max_offset_m + resolution_m
    box = shapely.box(minx - margin, miny - margin, maxx + margin, maxy + margin)
    edges = network.edge_tree.query(box)
    length = network.edge_length_m[edges]
    counts = np.maximum(np.ceil(length / resolution_m).astype(np.int64), 1) + 1
    edge_of = np.repeat(edges, counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    step = np.arange(len(edge_of)) - first
    along = length.repeat(counts) * step / (counts.repeat(counts) - 1)
    xy = points_along(network.edge_geometry[edges], np.repeat(np.arange(len(edges)), counts), along)
    cx = minx + (np.arange(cols) + 0.5) * resolution_m
    cy = maxy - (np.arange(rows) + 0.5) * resolution_m
    centres = np.column_stack([np.tile(cx, rows), np.repeat(cy, cols)])
    if len(xy):
        # an unbalanced tree builds twice as fast and answers as exactly (and a little faster)
        distance, nearest = cKDTree(xy, balanced_tree=False).query(
            centres, distance_upper_bound=max_offset_m + 1e-9, workers=-1
        )
    else:
        distance, nearest = np.full(len(centres), np.inf), np.zeros(len(centres), dtype=int)
    found = np.isfinite(distance)
    return StreetGrid(
        origin=(float(minx), float(maxy)),
        resolution_m=float(resolution_m),
        shape=(rows, cols),
        sample_edge=edge_of.astype(np.int64),
        sample_along=along,
        cell_sample=np.where(found, nearest, -1).astype(np.int32),
        cell_step=np.where(found, distance, np.inf).astype(np.float32),
    )


_GRID_CACHE_VERSION = 1
GRID_CACHE_ENTRIES = 8
"""Street grids kept in the cache (the most recently used)."""

_GRID_FIELDS = ("sample_edge", "sample_along", "cell_sample", "cell_step")


def cached_street_grid(
    network: WalkNetwork,
    bounds: tuple[float, float, float, float],
    *,
    resolution_m: float,
    max_offset_m: float,
) -> StreetGrid:
    """``street_grid``, kept in the cache folder for the next run of the same city.

    The grid depends only on the street geometry, the study area, the cell size and the
    step-off cap, so a run that changes households, floor areas or facility types (but
    not where facilities stand) reuses it. The key hashes all of those; a damaged entry
    is rebuilt. Off when ``settings.use_cache`` is False.
    """
    if not settings.use_cache:
        return street_grid(network, bounds, resolution_m=resolution_m, max_offset_m=max_offset_m)
    digest = hashlib.blake2b(digest_size=12)
    coords = shapely.get_coordinates(network.edge_geometry)
    for part in (network.edge_u, network.edge_v, network.edge_length_m, coords):
        digest.update(np.ascontiguousarray(part).tobytes())
    digest.update(repr((_GRID_CACHE_VERSION, bounds, resolution_m, max_offset_m)).encode())
    path = settings.cache_folder / "grids" / f"{digest.hexdigest()}.npz"
    if path.is_file():
        try:
            saved = load_npz(path)
            rows, cols = (int(v) for v in saved["shape"])
            arrays = {name: saved[name] for name in _GRID_FIELDS}
            path.touch()
            origin = (float(bounds[0]), float(bounds[3]))
            return StreetGrid(origin, float(resolution_m), (rows, cols), **arrays)
        except DAMAGED_ENTRY as exc:
            log(f"street grid cache entry {path} is damaged ({exc}); rebuilding it")
    grid = street_grid(network, bounds, resolution_m=resolution_m, max_offset_m=max_offset_m)
    arrays = {name: getattr(grid, name) for name in _GRID_FIELDS}
    if cache_write(path, lambda tmp: save_npz(tmp, shape=np.array(grid.shape), **arrays)):
        for old in sorted(path.parent.glob("*.npz"), key=lambda p: p.stat().st_mtime)[
            :-GRID_CACHE_ENTRIES
        ]:
            old.unlink(missing_ok=True)
    return grid


def points_along(
    lines: NDArray[np.object_], line_of: NDArray[np.int64], along: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Coordinates of the points ``along`` metres from the start of ``lines[line_of]``.

    Vectorised over all points: one search in the cumulative vertex distances
    instead of a GEOS call per point. ``line_of`` must be sorted.
    """
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    seg = np.hypot(*np.diff(coords, axis=0).T)
    seg[owner[1:] != owner[:-1]] = 0.0  # no segment between two lines
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    start = cum[np.searchsorted(owner, np.arange(len(lines)))]
    last = np.searchsorted(owner, np.arange(len(lines)), side="right") - 1
    target = start[line_of] + along
    # the segment holding each point: its end is the first vertex at or past the target
    end = np.searchsorted(cum, target, side="left")
    end = np.clip(end, np.searchsorted(owner, line_of) + 1, last[line_of])
    begin = end - 1
    span = cum[end] - cum[begin]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(span > 0, (target - cum[begin]) / span, 0.0)
    t = np.clip(t, 0.0, 1.0)
    return coords[begin] + (coords[end] - coords[begin]) * t[:, None]


def sample_walks(
    network: WalkNetwork, grid: StreetGrid, distance_m: NDArray[np.float64], sources: Snapped
) -> NDArray[np.float64]:
    """Walk from the nearest source to every street sample, metres.

    Along each edge from both ends, and directly along the edge when a source sits on
    the same edge as the sample.
    """
    edge = grid.sample_edge
    along = grid.sample_along
    length = network.edge_length_m[edge]
    walked = np.minimum(
        distance_m[network.edge_u[edge]] + along,
        distance_m[network.edge_v[edge]] + length - along,
    )
    if len(sources):
        on = pd.DataFrame({"edge": edge, "sample": np.arange(len(edge)), "along": along}).merge(
            pd.DataFrame({"edge": sources.edge, "a": sources.along_m, "off": sources.offset_m}),
            on="edge",
        )
        if len(on):
            direct = direct_walk_m(on["off"].to_numpy(), on["a"].to_numpy(), on["along"].to_numpy())
            best = pd.Series(direct).groupby(on["sample"].to_numpy()).min()
            idx = best.index.to_numpy()
            walked[idx] = np.minimum(walked[idx], best.to_numpy())
    return walked


def surface_minutes(
    network: WalkNetwork,
    grid: StreetGrid,
    distance_m: NDArray[np.float64],
    sources: Snapped,
    *,
    speed_m_s: float,
) -> NDArray[np.float32]:
    """Walking minutes to the nearest source for every grid cell (inf where not reached).

    Parameters
    ----------
    network
        The walking network.
    grid
        The study area's grid.
    distance_m
        Node distances from the sources (``engine.nearest_source_distances``, or the reach stage).
    sources
        The snapped sources.
    speed_m_s
        Walking speed.

    Returns
    -------
    numpy.ndarray
        Float32 array of ``grid.shape``.
    """
    walked = sample_walks(network, grid, distance_m, sources)
    metres = np.full(grid.cell_sample.shape, np.inf, dtype=np.float64)
    ok = grid.cell_sample >= 0
    metres[ok] = walked[grid.cell_sample[ok]] + grid.cell_step[ok]
    return walk_minutes(metres, speed_m_s).astype(np.float32).reshape(grid.shape)


def band_polygons(
    grid: StreetGrid, minutes: NDArray[np.float32], bands_min: tuple[float, ...]
) -> list[shapely.Geometry]:
    """The polygon of the cells within each band (cell edges; simplify for display).

    Parameters
    ----------
    grid
        The grid the surface was computed on.
    minutes
        The surface (``surface_minutes``).
    bands_min
        Bands, minutes.

    Returns
    -------
    list of shapely.Geometry
        One (Multi)Polygon per band, in the network CRS, in the order of ``bands_min``.
    """
    from affine import Affine
    from rasterio import features

    # trace only the window of cells the largest band reaches
    reached = minutes <= max(bands_min, default=-np.inf)
    rows, cols = np.flatnonzero(reached.any(axis=1)), np.flatnonzero(reached.any(axis=0))
    out = []
    if len(rows) == 0:
        return [shapely.MultiPolygon() for _ in bands_min]
    window = minutes[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    transform = grid.transform @ Affine.translation(cols[0], rows[0])
    for band in bands_min:
        inside = window <= band
        if not inside.any():
            out.append(shapely.MultiPolygon())
            continue
        parts = [
            shapely.geometry.shape(geom)
            for geom, _ in features.shapes(inside.view(np.uint8), mask=inside, transform=transform)
        ]
        # the connected regions of one mask never overlap (they meet at most at a
        # corner), so together they are a valid MultiPolygon without any union
        out.append(shapely.multipolygons(parts) if len(parts) > 1 else parts[0])
    return out


@dataclass(frozen=True)
class TravelTimes:
    """Isochrone polygons and travel-time surfaces of every facility group.

    Attributes
    ----------
    isochrones
        Columns ``group``, ``band_min`` and ``geometry`` (network CRS), largest band first.
    surfaces
        Group -> minutes per grid cell (inf beyond every street step).
    grid
        The grid shared by all groups.
    """

    isochrones: pd.DataFrame
    surfaces: dict[str, NDArray[np.float32]]
    grid: StreetGrid


def travel_times(
    network: WalkNetwork,
    reach: Reach,
    standards: Standards,
    *,
    resolution_m: float | None = None,
) -> TravelTimes:
    """Isochrones of the care circle and of each facility type, from the reach's walks.

    Parameters
    ----------
    network
        The walking network the reach searched.
    reach
        The reach stage: snapped facilities and every node's walk per facility group.
    standards
        The bands and the walking speed.
    resolution_m
        Grid cell size, metres; None: ``auto_resolution`` of the study area.

    Returns
    -------
    TravelTimes
        Polygons, surfaces and the grid; facilities far from every street are left out.
    """
    types = reach.facility_types
    keys = {"care_circle": standards.care_circle_types}
    keys |= {t: t for t in sorted(set(types))}
    usable = ~reach.facility_far
    return group_travel_times(
        network,
        {name: np.isin(types, key) & usable for name, key in keys.items()},
        reach.facilities,
        bands_min=standards.bands_min,
        speed_m_s=standards.walking_speed_m_s,
        max_offset_m=reach.step_off_m,
        resolution_m=resolution_m,
        node_distances={name: reach.group(key).nodes.distance_m for name, key in keys.items()},
    )


def group_travel_times(
    network: WalkNetwork,
    groups: dict[str, NDArray[np.bool_]],
    facilities: Snapped,
    *,
    bands_min: tuple[float, ...],
    speed_m_s: float,
    max_offset_m: float = 150.0,
    resolution_m: float | None = None,
    node_distances: dict[str, NDArray[np.float64]] | None = None,
) -> TravelTimes:
    """Isochrones of every group and band from one grid, one search per group.

    Parameters
    ----------
    network
        The walking network.
    groups
        Group name -> mask over the facilities.
    facilities
        The snapped facilities.
    bands_min
        Walking-time bands, minutes.
    speed_m_s
        Walking speed, m/s.
    max_offset_m
        Largest straight step from a street, metres.
    resolution_m
        Grid cell size, metres; None: ``auto_resolution`` of the study area.
    node_distances
        Group name -> every node's walk to the group's nearest facility, already
        searched (the reach stage) at least as far as the largest band; searched here
        when None.

    Returns
    -------
    TravelTimes
        Polygons, surfaces and the grid.
    """
    limit_m = walk_metres(max(bands_min), speed_m_s)
    named = [(name, np.flatnonzero(mask)) for name, mask in groups.items() if mask.any()]
    if node_distances is None:
        node_distances = {
            name: nearest_source_distances(
                network, take(facilities, idx), limit_m=limit_m
            ).distance_m
            for name, idx in named
        }
    distances = [node_distances[name] for name, _ in named]
    used = np.unique(np.concatenate([idx for _, idx in named])) if named else np.empty(0, int)
    bounds = _reach_bounds(network, take(facilities, used), distances, limit_m, max_offset_m)
    grid = cached_street_grid(
        network,
        bounds,
        resolution_m=resolution_m or auto_resolution(bounds),
        max_offset_m=max_offset_m,
    )
    bands = tuple(sorted(bands_min, reverse=True))

    def one_group(
        item: tuple[NDArray[np.int64], NDArray[np.float64]],
    ) -> tuple[NDArray[np.float32], list[shapely.Geometry]]:
        idx, distance_m = item
        subset = take(facilities, idx)
        minutes = surface_minutes(network, grid, distance_m, subset, speed_m_s=speed_m_s)
        return minutes, band_polygons(grid, minutes, bands)

    # groups are independent: on all cores (the searches, array work and polygon
    # tracing release the GIL for most of their time)
    with warnings.catch_warnings(), ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        # rasterio's polygon tracing says its in-memory raster has no transform when run
        # in a worker thread; the transform is applied to the polygons all the same
        warnings.filterwarnings("ignore", message="Dataset has no geotransform")
        done = pool.map(one_group, [(idx, d) for (_, idx), d in zip(named, distances, strict=True)])
        results = list(progress(done, desc="isochrones", total=len(named)))
    rows, surfaces = [], {}
    for (name, _), (minutes, polygons) in zip(named, results, strict=True):
        surfaces[name] = minutes
        rows += [
            {"group": name, "band_min": b, "geometry": g}
            for b, g in zip(bands, polygons, strict=True)
        ]
    frame = pd.DataFrame(rows, columns=["group", "band_min", "geometry"])
    return TravelTimes(frame, surfaces, grid)


def _reach_bounds(
    network: WalkNetwork,
    sources: Snapped,
    distances: list[NDArray[np.float64]],
    limit_m: float,
    margin_m: float,
) -> tuple[float, float, float, float]:
    """The study area: every street touching a node within ``limit_m``, plus ``margin_m``.

    Edges leaving a reached node are included whole, since a walk may end partway
    along them; the margin holds the straight step off the street.
    """
    if len(sources) == 0:
        return network.bounds
    hit = np.zeros(network.n_nodes, dtype=bool)
    for distance_m in distances:
        hit |= distance_m <= limit_m
    edges = np.flatnonzero(hit[network.edge_u] | hit[network.edge_v])
    edges = np.union1d(edges, sources.edge)
    minx, miny, maxx, maxy = shapely.total_bounds(network.edge_geometry[edges])
    return minx - margin_m, miny - margin_m, maxx + margin_m, maxy + margin_m


def for_display(geoms: NDArray[np.object_], tolerance_m: float) -> NDArray[np.object_]:
    """Isochrone polygons smoothed for drawing: the grid's stair steps simplified away.

    Simplifies by ``tolerance_m`` (at least the grid's resolution, so no detail finer
    than the data is invented) without topology preservation, which is about a
    thousand times faster on city-sized polygons, then repairs the result.
    """
    simple = shapely.simplify(np.asarray(geoms, dtype=object), tolerance_m, preserve_topology=False)
    return shapely.make_valid(simple)
