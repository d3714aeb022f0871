"""The route behind a verdict: the walk from a compound to its nearest care facility.

"Why is this compound outside the circle?" The answer is a line on the map: from the
compound's entrance onto its street, along the streets the search took (its
predecessors), and off the street to the facility — exactly the walk the verdict was
priced on, so its length is the compound's walk.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.ops import substring

from ..network.streets import WalkNetwork
from .engine import direct_walk_m
from .walks import GroupReach, Reach


def walk_routes(
    network: WalkNetwork,
    reach: Reach,
    group: GroupReach,
    origins: NDArray[np.int64],
    facility_points: NDArray[np.object_],
) -> gpd.GeoDataFrame:
    """The walk from each of ``origins`` to its nearest facility of ``group``.

    Parameters
    ----------
    network
        The walking network the reach searched.
    reach
        The reach stage (snapped origins and facilities).
    group
        The group searched (its node walks must keep their predecessors).
    origins
        Origin rows (``reach.origins``) to draw.
    facility_points
        Each facility's point (network CRS), for the last step off the street.

    Returns
    -------
    geopandas.GeoDataFrame
        ``origin``, ``facility`` (row), ``walk_m`` and the line (network CRS); origins
        no facility of the group reaches are left out.
    """
    pred = group.nodes.predecessor
    if pred is None:  # a group without facilities (nothing to walk to), or merged walks
        if len(group.members) and np.isfinite(group.nodes.distance_m).any():
            msg = "the group's search kept no predecessors (walks merged by placement)"
            raise ValueError(msg)
        pred = np.full(network.n_nodes, -9999, dtype=np.int32)
        origins = origins[:0]
    n = network.n_nodes
    edge_of = _edge_lookup(network)
    snapped = reach.origins.snapped
    rows = []
    for o in origins:
        facility = int(group.origin_nearest[o])
        if facility < 0 or not np.isfinite(group.origin_m[o]):
            continue
        e = int(snapped.edge[o])
        u, v = int(network.edge_u[e]), int(network.edge_v[e])
        fac_edge = int(reach.facilities.edge[facility])
        start = [_point(reach.origins.points[o])]
        start.append(_on_edge(network, e, float(snapped.along_m[o])))
        direct = np.inf
        if fac_edge == e:
            direct = float(
                direct_walk_m(
                    snapped.offset_m[o],
                    snapped.along_m[o],
                    reach.facilities.along_m[facility],
                    reach.facilities.offset_m[facility],
                )
            )
        if direct <= group.origin_m[o]:  # along its own street, no junction between
            middle = [
                _piece(
                    network, e, float(snapped.along_m[o]), float(reach.facilities.along_m[facility])
                )
            ]
        else:
            via_u = group.nodes.distance_m[u] + snapped.to_u_m[o]
            via_v = group.nodes.distance_m[v] + snapped.to_v_m[o]
            node = u if via_u <= via_v else v
            end_along = 0.0 if node == u else float(network.edge_length_m[e])
            middle = [_piece(network, e, float(snapped.along_m[o]), end_along)]
            while 0 <= pred[node] < n:  # back along the search to the facility's street
                before = int(pred[node])
                middle.append(_edge_from(network, edge_of[(node, before)], node))
                node = before
            f_u = int(network.edge_u[fac_edge])
            middle.append(
                _piece(
                    network,
                    fac_edge,
                    0.0 if node == f_u else float(network.edge_length_m[fac_edge]),
                    float(reach.facilities.along_m[facility]),
                )
            )
        end = [
            _on_edge(network, fac_edge, float(reach.facilities.along_m[facility])),
            _point(facility_points[facility]),
        ]
        coords = np.concatenate(
            [np.asarray(start)] + [np.asarray(c) for c in middle] + [np.asarray(end)]
        )
        rows.append((int(o), facility, float(group.origin_m[o]), shapely.linestrings(coords)))
    return gpd.GeoDataFrame(
        {
            "origin": np.array([r[0] for r in rows], dtype=np.int64),
            "facility": np.array([r[1] for r in rows], dtype=np.int64),
            "walk_m": np.array([r[2] for r in rows], dtype=float),
        },
        geometry=[r[3] for r in rows],
        crs=network.crs,
    )


def _edge_lookup(network: WalkNetwork) -> dict[tuple[int, int], int]:
    """(node, node) -> the shortest edge between them (the one the search priced)."""
    order = np.argsort(network.edge_length_m, kind="stable")[::-1]  # shortest written last
    lookup: dict[tuple[int, int], int] = {}
    for e in order:
        a, b = int(network.edge_u[e]), int(network.edge_v[e])
        lookup[(a, b)] = lookup[(b, a)] = int(e)
    return lookup


def _point(geom: shapely.Geometry) -> tuple[float, float]:
    return (float(shapely.get_x(geom)), float(shapely.get_y(geom)))


def _scale(network: WalkNetwork, e: int) -> float:
    """Geometry length per metre of walk on edge ``e`` (1 when they agree)."""
    length = float(network.edge_length_m[e])
    return float(network.edge_geometry[e].length) / length if length > 0 else 1.0


def _on_edge(network: WalkNetwork, e: int, along_m: float) -> tuple[float, float]:
    """The point ``along_m`` from edge ``e``'s u end."""
    point = shapely.line_interpolate_point(network.edge_geometry[e], along_m * _scale(network, e))
    return _point(point)


def _piece(network: WalkNetwork, e: int, from_m: float, to_m: float) -> NDArray[np.float64]:
    """The vertices of edge ``e`` between two distances from its u end, in walking order."""
    scale = _scale(network, e)
    part = substring(network.edge_geometry[e], from_m * scale, to_m * scale)
    coords = shapely.get_coordinates(part)
    return coords if len(coords) else np.empty((0, 2))


def _edge_from(network: WalkNetwork, e: int, node: int) -> NDArray[np.float64]:
    """The vertices of edge ``e`` walked from its end ``node``."""
    coords = shapely.get_coordinates(network.edge_geometry[e])
    return coords if int(network.edge_u[e]) == node else coords[::-1]
