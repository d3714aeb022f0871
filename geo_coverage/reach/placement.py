"""One facility more, without walking the city again: the reach stage updated in place.

A planner placing a facility on the map (the workbench) wants the scorecard now. Every
walk of the reach stage is a minimum over facilities, so adding one facility needs only
its own searches, bounded by the reach's limits, merged with what is stored:

- each group the new type belongs to: node walks ``min(stored, new)``, origins likewise;
- the care-circle pairs: the new facility's pairs appended (it is the last row);
- service areas: origins it reaches strictly sooner (to 0.1 m) move to it — the last
  facility loses ties, as ``SERVICE_TIE_RULE`` says;
- the centre → health walks where the new facility is a centre or a health station.

The result equals ``reach_city`` on the layers with the facility added: the same walks
(sums of the same edges), the same verdicts (``tests/test_placement.py`` checks both).
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from .._errors import Finding, LayerError
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
from .walks import GroupReach, Reach, group_key


def with_facility(
    network: WalkNetwork,
    reach: Reach,
    layers: Layers,
    standards: Standards,
    facility: gpd.GeoDataFrame,
) -> tuple[Reach, Layers]:
    """The reach and layers of a city with one facility added.

    Parameters
    ----------
    network
        The walking network ``reach`` was searched on.
    reach
        The city's reach stage (``reach_city``).
    layers
        The layers ``reach`` was searched for (network CRS).
    standards
        The same standards.
    facility
        One row in the network CRS with the facility columns (``id``, ``name``,
        ``type``, ``floor_area_m2``, ``beds``, ``nursing_beds``).

    Returns
    -------
    Reach, Layers
        As ``reach_city`` and the layers would be with the facility in the list.

    Raises
    ------
    LayerError
        The facility stands farther from every street than the step-off cap.
    """
    xy = shapely.get_coordinates(facility.geometry.to_numpy())
    new = snap_points(network, xy[:, 0], xy[:, 1])
    offset = float(new.offset_m[0])
    if offset > reach.step_off_m:
        msg = (
            f"{offset:,.0f} m from the nearest walkable street (more than {reach.step_off_m:g} m): "
            "place it next to a street"
        )
        raise LayerError([Finding("placement", None, None, msg, "离步行道路过远：请放在道路旁")])
    row = len(reach.facility_types)
    ftype = str(facility["type"].iloc[0])
    types = np.append(reach.facility_types, np.array([ftype], dtype=object))
    single = nearest_source_distances(network, new, limit_m=reach.limit_m)
    origin_m = nearest_source_from_points(network, single, reach.origins.snapped, new)[0]
    groups = {
        key: _merged(group, single, origin_m, row) if ftype in key else group
        for key, group in reach.groups.items()
    }
    own = group_key(ftype)
    if own not in groups:  # the first facility of its type
        groups[own] = GroupReach(
            np.array([row]),
            single,
            origin_m,
            np.where(np.isfinite(origin_m), row, -1).astype(np.int64),
        )
    served_by, served_dm = reach.served_by, reach.served_dm
    catchment = reach.catchment
    pairs = pairs_within(network, new, reach.origins.snapped, limit_m=reach.circle_m)
    if len(pairs):
        points = pairs["point"].to_numpy()
        added = (
            pd.DataFrame(
                {
                    "source": row,
                    "community": reach.origins.community[points],
                    "weight": reach.origins.weight[points],
                }
            )
            .groupby(["source", "community"], as_index=False)["weight"]
            .sum()
        )
        catchment = pd.concat([catchment, added], ignore_index=True)
        if ftype in standards.care_circle_types:
            walk_dm = np.round(pairs["distance_m"].to_numpy(dtype=float) * 10.0)
            sooner = walk_dm < served_dm[points]
            served_by, served_dm = served_by.copy(), served_dm.copy()
            served_by[points[sooner]] = row
            served_dm[points[sooner]] = walk_dm[sooner]
    facilities = Snapped(
        *(
            np.concatenate([getattr(reach.facilities, f), getattr(new, f)])
            for f in Snapped.__dataclass_fields__
        )
    )
    updated = replace(
        reach,
        facilities=facilities,
        facility_offset_m=np.append(reach.facility_offset_m, offset),
        groups=groups,
        catchment=catchment,
        facility_types=types,
        centre_health_m=_centre_health(network, reach, groups, facilities, types, row, standards),
        served_by=served_by,
        served_dm=served_dm,
    )
    fac = pd.concat([layers.facilities, facility], ignore_index=True)
    return updated, replace(layers, facilities=gpd.GeoDataFrame(fac, crs=layers.facilities.crs))


def _merged(
    group: GroupReach, single: NodeReach, origin_m: NDArray[np.float64], row: int
) -> GroupReach:
    """A group's walks with facility ``row`` (searched alone as ``single``) among them."""
    position = len(group.members)  # the new member's index in the group
    closer_node = single.distance_m < group.nodes.distance_m
    closer_origin = origin_m < group.origin_m
    return GroupReach(
        np.append(group.members, row),
        NodeReach(
            np.where(closer_node, single.distance_m, group.nodes.distance_m),
            np.where(closer_node, position, group.nodes.nearest),
        ),
        np.where(closer_origin, origin_m, group.origin_m),
        np.where(closer_origin, row, group.origin_nearest),
    )


def _centre_health(
    network: WalkNetwork,
    reach: Reach,
    groups: dict[tuple[str, ...], GroupReach],
    facilities: Snapped,
    types: NDArray[np.object_],
    row: int,
    standards: Standards,
) -> NDArray[np.float64]:
    """Each centre's walk to its nearest health facility, with facility ``row`` added."""
    centre_health = np.append(reach.centre_health_m, np.inf)
    health = groups.get(group_key(standards.health_types))
    if health is None or not len(health.members):
        return centre_health
    centres = np.flatnonzero(np.isin(types, standards.subdistrict_centre_types))
    is_centre = types[row] in standards.subdistrict_centre_types
    is_health = types[row] in standards.health_types
    if is_health or is_centre:  # walks to the (merged) health group, as reach_city does
        targets = centres if is_health else np.array([row])
        centre_health[targets] = nearest_source_from_points(
            network, health.nodes, take(facilities, targets), take(facilities, health.members)
        )[0]
    return centre_health
