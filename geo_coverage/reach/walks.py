"""The reach stage: who can walk to which facilities, computed once per run.

Snaps every facility and every community origin to the walking network (once),
checks that none lies beyond the snap limit, and runs one multi-source search per
facility group (the care circle, day care, and each facility type; groups with the
same members share one search). It also finds every facility × community pair within
the care circle. Assessment, isochrones and siting all read this one result, so a
walk is priced the same way everywhere — including the one step-off rule: a point
more than ``step_off_m`` (``network.snap_limit_m``) from every street is not reached.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from .._errors import ROW_COL, Finding, LayerError
from ..inputs.layers import Layers
from ..network.streets import WalkNetwork
from ..standards import Standards
from .engine import (
    NodeReach,
    Snapped,
    nearest_source_distances,
    nearest_source_from_points,
    pairs_within,
    snap_points,
    take,
)

SEARCH_LIMIT_MIN = 60.0
"""Nearest-facility times are searched up to this walk, minutes (beyond: reported as '>60')."""


@dataclass(frozen=True)
class Origins:
    """Where walks start: community entrances or a point on each compound's street side.

    Attributes
    ----------
    community
        Row index (into the communities frame) of each origin.
    weight
        Share of its community's households that start at this origin (sums to 1).
    snapped
        The origins snapped to the network.
    points
        Origin points in the network CRS.
    """

    community: np.ndarray
    weight: np.ndarray
    snapped: Snapped
    points: np.ndarray


def _street_side_points(network: WalkNetwork, geoms: np.ndarray) -> np.ndarray:
    """For polygons, where the compound meets its nearest walkable street; points stay.

    A compound apart from every street starts at the point of its outline nearest
    the street. A compound that streets pass through (paths inside it) starts on
    such a street, at the point nearest the compound's centre; among several, the
    one passing closest to the centre. The choice depends on geometry only, never on
    the order or direction of the network's edges.
    """
    out = np.array(geoms, dtype=object)
    is_poly = shapely.get_type_id(out) >= 3
    if not is_poly.any():
        return out
    polys = out[is_poly]
    (idx, edge), dist = network.edge_tree.query_nearest(
        polys, return_distance=True, all_matches=True
    )
    centre = shapely.centroid(polys)
    crossing = dist <= 0.0
    to_centre = shapely.distance(centre[idx], network.edge_geometry[edge])
    key = np.where(crossing, to_centre, 0.0)
    order = np.lexsort((edge, key, idx))  # per polygon: closest to the centre, then edge id
    first = order[np.r_[True, idx[order][1:] != idx[order][:-1]]]
    idx, edge, crossing = idx[first], edge[first], crossing[first]
    lines = np.where(
        crossing,
        shapely.shortest_line(centre[idx], network.edge_geometry[edge]),
        shapely.shortest_line(polys[idx], network.edge_geometry[edge]),
    )
    points = np.where(crossing, shapely.get_point(lines, -1), shapely.get_point(lines, 0))
    poly_points = np.empty(len(polys), dtype=object)
    poly_points[idx] = points
    out[is_poly] = poly_points
    return out


def community_origins(
    network: WalkNetwork, communities: gpd.GeoDataFrame, entrances: gpd.GeoDataFrame | None = None
) -> Origins:
    """Build the origins of every community.

    Communities with entrances start at their entrances (households split by the
    entrances' ``households`` where given, else equally); the others start at the
    point of their polygon nearest a walkable street (or at their point).

    Parameters
    ----------
    network
        The walking network.
    communities
        Communities in the network CRS.
    entrances
        Optional entrance points in the network CRS with ``community_id``.

    Returns
    -------
    Origins
        One or more origins per community.
    """
    ids = communities["id"].astype(str).to_numpy()
    parts_c: list[np.ndarray] = []
    parts_w: list[np.ndarray] = []
    parts_p: list[np.ndarray] = []
    has_entrance = np.zeros(len(ids), dtype=bool)
    if entrances is not None and len(entrances):
        pos = pd.Series(np.arange(len(ids)), index=ids)
        comm = pos.loc[entrances["community_id"].astype(str)].to_numpy()
        hh = entrances["households"].to_numpy(dtype=float)
        frame = pd.DataFrame({"c": comm, "hh": hh})
        given = frame.groupby("c")["hh"].transform(lambda s: s.notna().all() and s.sum() > 0)
        count = frame.groupby("c")["hh"].transform("size")
        total = frame.groupby("c")["hh"].transform("sum")
        weight = np.where(given.astype(bool), hh / total.where(total > 0, 1), 1.0 / count)
        parts_c.append(comm)
        parts_w.append(np.asarray(weight, dtype=float))
        parts_p.append(entrances.geometry.to_numpy())
        has_entrance[comm] = True
    rest = np.flatnonzero(~has_entrance)
    parts_c.append(rest)
    parts_w.append(np.ones(len(rest)))
    parts_p.append(_street_side_points(network, communities.geometry.to_numpy()[rest]))
    points = np.concatenate(parts_p)
    xy = shapely.get_coordinates(points)
    return Origins(
        community=np.concatenate(parts_c).astype(np.int64),
        weight=np.concatenate(parts_w),
        snapped=snap_points(network, xy[:, 0], xy[:, 1]),
        points=points,
    )


def unreachable(snapped: Snapped, mask: np.ndarray) -> Snapped:
    """The snapped points with those under ``mask`` cut off: no walk starts or ends there."""
    if not mask.any():
        return snapped
    inf = np.where(mask, np.inf, 0.0)
    return replace(
        snapped,
        offset_m=snapped.offset_m + inf,
        to_u_m=snapped.to_u_m + inf,
        to_v_m=snapped.to_v_m + inf,
    )


def check_snap_distances(
    snapped: Snapped,
    frame: gpd.GeoDataFrame,
    rows: np.ndarray,
    *,
    file: str,
    limit_m: float,
    flagged: str = "",
) -> list[Finding]:
    """Report points farther than ``limit_m`` from any walkable street (never snapped silently).

    Parameters
    ----------
    snapped
        The snapped points.
    frame
        The layer the points come from (for ``source_row``).
    rows
        Row index into ``frame`` of each snapped point.
    file
        The layer's file, for the message.
    limit_m
        The snap limit, metres.
    flagged
        With ``far_points: flag``, what happens to such a point (the message then
        reports it instead of asking for a fix).

    Returns
    -------
    list of Finding
        One per point beyond the limit.
    """
    far = np.flatnonzero(snapped.offset_m > limit_m)
    if flagged:
        return [
            Finding(
                file,
                int(frame[ROW_COL].iloc[rows[i]]),
                "geometry",
                f"{frame['id'].iloc[rows[i]]} lies {snapped.offset_m[i]:,.0f} m from the "
                f"nearest walkable street (network.snap_limit_m: {limit_m:,.0f}): {flagged}",
                f"{frame['id'].iloc[rows[i]]} 距最近的步行道路 {snapped.offset_m[i]:,.0f} 米"
                f"（上限 {limit_m:,.0f} 米）",
            )
            for i in far
        ]
    return [
        Finding(
            file,
            int(frame[ROW_COL].iloc[rows[i]]),
            "geometry",
            f"{frame['id'].iloc[rows[i]]} lies {snapped.offset_m[i]:,.0f} m from the nearest "
            f"walkable street (network.snap_limit_m: {limit_m:,.0f}). Either its coordinates "
            "are wrong (GCJ-02 vs WGS84? lon/lat swapped?), or the network maps main roads "
            "only (common in OSM of smaller towns): then add the compound's own roads "
            "(network.extra_paths), raise network.snap_limit_m, or set "
            "'network.far_points: flag' to list such points as not assessed and go on",
            f"{frame['id'].iloc[rows[i]]} 距最近的步行道路 {snapped.offset_m[i]:,.0f} 米"
            f"（上限 {limit_m:,.0f} 米）：坐标可能有误（坐标系选错？经纬度填反？），或路网只有"
            "主干道——可补充小区内部道路，或放宽距离上限",
        )
        for i in far
    ]


@dataclass(frozen=True)
class GroupReach:
    """Walks to the nearest facility of one group (a set of facility types).

    Attributes
    ----------
    members
        Facility rows in the group.
    nodes
        Every node's walk to the nearest member (``nodes.nearest`` indexes ``members``).
    origin_m
        Each origin's walk to the nearest member, metres (inf beyond the search).
    origin_nearest
        Facility row of that member, -1 where none is within the search.
    """

    members: NDArray[np.int64]
    nodes: NodeReach
    origin_m: NDArray[np.float64]
    origin_nearest: NDArray[np.int64]


@dataclass(frozen=True)
class Reach:
    """Snapped facilities and origins, walks per facility group, care-circle pairs.

    Attributes
    ----------
    facilities
        Every facility snapped to its street; those beyond the step-off cap are cut off
        (no walk reaches them).
    facility_offset_m
        Each facility's straight distance to its street, metres (before any cut-off).
    origins
        Every community origin snapped to its street; far ones cut off likewise.
    origin_offset_m
        Each origin's straight distance to its street, metres.
    groups
        Sorted tuple of facility types -> the walks to the nearest facility of those types.
    catchment
        Every (facility, community) pair within the care circle: ``source`` (facility
        row), ``community`` (community row), ``weight`` (the share of the community's
        households whose origin reaches it).
    circle_m
        The care circle, metres of walking.
    limit_m
        How far the group searches go, metres.
    step_off_m
        The longest straight step between a point and its street, metres.
    facility_types
        Each facility's type (the tool's type key).
    centre_health_m
        Each subdistrict centre's walk to the nearest health facility, metres (inf for
        the other facilities, and where no health facility is within the search).
    served_by
        Each origin's serving facility (责任区): the care-circle facility it walks to
        soonest within the circle (``SERVICE_TIE_RULE``), -1 where none is within it.
    served_dm
        That walk, whole decimetres (inf where none).
    findings
        Points beyond the step-off cap (with ``far_points: flag``), each located.
    """

    facilities: Snapped
    facility_offset_m: NDArray[np.float64]
    origins: Origins
    origin_offset_m: NDArray[np.float64]
    groups: dict[tuple[str, ...], GroupReach]
    catchment: pd.DataFrame
    circle_m: float
    limit_m: float
    step_off_m: float
    facility_types: NDArray[np.object_]
    centre_health_m: NDArray[np.float64]
    served_by: NDArray[np.int64]
    served_dm: NDArray[np.float64]
    findings: tuple[Finding, ...] = ()

    @property
    def facility_far(self) -> NDArray[np.bool_]:
        """Facilities beyond the step-off cap (they serve no one)."""
        return self.facility_offset_m > self.step_off_m

    @property
    def origin_far(self) -> NDArray[np.bool_]:
        """Origins beyond the step-off cap (their communities are not assessed)."""
        return self.origin_offset_m > self.step_off_m

    def group(self, types: tuple[str, ...] | list[str] | str) -> GroupReach:
        """The walks to the nearest facility of ``types`` (one type or several)."""
        return self.groups[group_key(types)]


def group_key(types: tuple[str, ...] | list[str] | str) -> tuple[str, ...]:
    """The key of a group: its types, sorted (a single type is a one-type group)."""
    return (types,) if isinstance(types, str) else tuple(sorted(set(types)))


def facility_groups(standards: Standards, types: NDArray[np.object_]) -> list[tuple[str, ...]]:
    """The groups every run searches: care circle, day care, meals and each type present."""
    keys = [
        group_key(standards.care_circle_types),
        group_key(standards.day_care_types),
        group_key(standards.meal_types),
        group_key(standards.health_types),
    ]
    keys += [(t,) for t in sorted(set(types))]
    return list(dict.fromkeys(keys))


def search_group(
    network: WalkNetwork,
    facilities: Snapped,
    types: NDArray[np.object_],
    key: tuple[str, ...],
    origins: Snapped,
    limit_m: float,
) -> GroupReach:
    """One multi-source search from the facilities whose type is in ``key``."""
    members = np.flatnonzero(np.isin(types, key))
    if len(members) == 0:
        none = np.full(network.n_nodes, -1, dtype=np.int64)
        return GroupReach(
            members,
            NodeReach(np.full(network.n_nodes, np.inf), none),
            np.full(len(origins), np.inf),
            np.full(len(origins), -1, dtype=np.int64),
        )
    subset = take(facilities, members)
    nodes = nearest_source_distances(network, subset, limit_m=limit_m)
    dist, nearest = nearest_source_from_points(network, nodes, origins, subset)
    return GroupReach(
        members, nodes, dist, np.where(nearest >= 0, members[np.clip(nearest, 0, None)], -1)
    )


SERVICE_TIE_RULE = (
    "each compound entrance is served by the care-circle facility it walks to soonest; "
    "walks equal to 0.1 m go to the facility listed first in the facility file"
)
"""How the service areas (责任区) are drawn, in words for the outputs' notes."""


def serving_facility(
    pairs: pd.DataFrame,
    types: NDArray[np.object_],
    care_types: tuple[str, ...],
    n_origins: int,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Each origin's serving facility among the ``care_types`` pairs within the circle.

    Parameters
    ----------
    pairs
        ``source`` (facility row), ``point`` (origin) and ``distance_m``: every pair
        within the care circle.
    types
        Each facility's type.
    care_types
        The types that count for the care circle.
    n_origins
        How many origins there are.

    Returns
    -------
    served_by, served_dm
        The facility row serving each origin (``SERVICE_TIE_RULE``), -1 for none, and
        that walk in whole decimetres (the unit ties are judged in; inf for none).
    """
    source = pairs["source"].to_numpy(dtype=np.int64)
    care = np.isin(types[source], care_types) if len(source) else np.zeros(0, dtype=bool)
    source, point = source[care], pairs["point"].to_numpy(dtype=np.int64)[care]
    walk_dm = np.round(pairs["distance_m"].to_numpy(dtype=float)[care] * 10.0)
    order = np.lexsort((source, walk_dm, point))  # by origin, then walk, then file order
    first = order[np.r_[True, point[order][1:] != point[order][:-1]]] if len(order) else order
    served_by = np.full(n_origins, -1, dtype=np.int64)
    served_by[point[first]] = source[first]
    served_dm = np.full(n_origins, np.inf)
    served_dm[point[first]] = walk_dm[first]
    return served_by, served_dm


def reach_city(
    network: WalkNetwork,
    layers: Layers,
    standards: Standards,
    *,
    snap_limit_m: float = 300.0,
    far_points: str = "error",
    files: dict[str, str] | None = None,
) -> Reach:
    """Snap, check and search once for the whole run.

    Parameters
    ----------
    network
        The walking network.
    layers
        Input layers in the network CRS.
    standards
        Walking speed, care circle and the facility groups.
    snap_limit_m
        The step-off cap: points farther than this from a walkable street are "far".
    far_points
        "error": far points stop the run with a located error; "flag": far points are
        cut off (far facilities serve no one, far communities are not assessed), each
        reported as a finding.
    files
        Layer name -> file path, for error messages.

    Returns
    -------
    Reach
        Everything later stages need to know about walks.

    Raises
    ------
    LayerError
        Points lie beyond the snap limit and ``far_points`` is "error".
    """
    files = files or {}
    fac, com = layers.facilities, layers.communities
    circle_m = standards.walk_m(standards.care_circle_min)
    limit_m = standards.walk_m(max(SEARCH_LIMIT_MIN, standards.care_circle_min))
    fac_xy = shapely.get_coordinates(fac.geometry.to_numpy())
    fac_snap = snap_points(network, fac_xy[:, 0], fac_xy[:, 1])
    origins = community_origins(network, com, layers.entrances)
    flag = far_points == "flag"
    findings = check_snap_distances(
        fac_snap,
        fac,
        np.arange(len(fac)),
        file=files.get("facilities", "facilities"),
        limit_m=snap_limit_m,
        flagged="left out of every walk (serves no one in this run)" if flag else "",
    )
    findings += check_snap_distances(
        origins.snapped,
        com,
        origins.community,
        file=files.get("communities", "communities"),
        limit_m=snap_limit_m,
        flagged="the community is listed as not assessed (无法评估)" if flag else "",
    )
    if findings and not flag:
        raise LayerError(findings)
    fac_offset, origin_offset = fac_snap.offset_m, origins.snapped.offset_m
    fac_snap = unreachable(fac_snap, fac_offset > snap_limit_m)
    origins = replace(origins, snapped=unreachable(origins.snapped, origin_offset > snap_limit_m))
    types = fac["type"].to_numpy(dtype=object)
    groups = {
        key: search_group(network, fac_snap, types, key, origins.snapped, limit_m)
        for key in facility_groups(standards, types)
    }
    catchment = pairs_within(network, fac_snap, origins.snapped, limit_m=circle_m)
    served_by, served_dm = serving_facility(
        catchment, types, standards.care_circle_types, len(origins.snapped)
    )
    catchment["community"] = origins.community[catchment["point"].to_numpy()]
    catchment["weight"] = origins.weight[catchment["point"].to_numpy()]
    catchment = catchment.groupby(["source", "community"], as_index=False)["weight"].sum()
    centre_health_m = np.full(len(fac), np.inf)
    centres = np.flatnonzero(np.isin(types, standards.subdistrict_centre_types))
    health = groups[group_key(standards.health_types)]
    if len(centres) and len(health.members):
        centre_health_m[centres] = nearest_source_from_points(
            network, health.nodes, take(fac_snap, centres), take(fac_snap, health.members)
        )[0]
    return Reach(
        facilities=fac_snap,
        facility_offset_m=fac_offset,
        origins=origins,
        origin_offset_m=origin_offset,
        groups=groups,
        catchment=catchment,
        circle_m=circle_m,
        limit_m=limit_m,
        step_off_m=snap_limit_m,
        facility_types=types,
        centre_health_m=centre_health_m,
        served_by=served_by,
        served_dm=served_dm,
        findings=tuple(findings),
    )
