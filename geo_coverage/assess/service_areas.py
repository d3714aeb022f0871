"""Service areas (责任区) and load: whom each care facility serves, against its floor area.

Every compound entrance within the care circle of a care-circle facility is served by
the one it walks to soonest (the reach stage's ``served_by``, ties by
``reach.walks.SERVICE_TIE_RULE``). A facility's load is what it serves: households,
elderly and compounds, and its floor area per 100 households served, judged against
the area standard (每百户不少于20平方米): below it the facility is overloaded.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..reach.walks import Reach
from ..standards import Standards

LOAD_STATUSES = ("ok", "overloaded", "unused", "no_data")
"""A care facility's load: within the standard, below it, serving no one, no floor area."""


def facility_loads(
    fac: gpd.GeoDataFrame, com: gpd.GeoDataFrame, reach: Reach, standards: Standards
) -> gpd.GeoDataFrame:
    """Add each facility's service area and load to the facilities.

    Parameters
    ----------
    fac, com
        Facilities and communities of the assessment.
    reach
        The reach stage (``served_by`` per origin, the origins' communities and weights).
    standards
        The care-circle types and the area standard.

    Returns
    -------
    geopandas.GeoDataFrame
        ``fac`` with ``served_communities``, ``served_households``, ``served_elderly``,
        ``served_m2_per_100hh``, ``served_beds_per_1000_elderly`` and ``load_status``
        (``LOAD_STATUSES``; "" for facilities outside the care circle's types).
    """
    fac = fac.copy()
    n = len(fac)
    served = reach.served_by
    ok = served >= 0
    by, community = served[ok], reach.origins.community[ok]
    weight = reach.origins.weight[ok]
    households = com["households"].fillna(0).to_numpy(dtype=float)[community] * weight
    elderly = com["elderly"].fillna(0).to_numpy(dtype=float)[community] * weight
    served_hh = np.bincount(by, weights=households, minlength=n)
    served_elderly = np.bincount(by, weights=elderly, minlength=n)
    pairs = np.unique(np.column_stack([by, community]), axis=0) if len(by) else np.empty((0, 2))
    fac["served_communities"] = np.bincount(pairs[:, 0].astype(np.int64), minlength=n)
    fac["served_households"] = np.round(served_hh)
    fac["served_elderly"] = np.round(served_elderly)
    care = fac["type"].isin(standards.care_circle_types).to_numpy()
    area = fac["floor_area_m2"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_100 = np.where(care & (served_hh > 0), 100.0 * area / served_hh, np.nan)
        beds = fac["beds"].fillna(0).to_numpy(dtype=float)
        per_1000 = np.where(care & (served_elderly > 0), 1000.0 * beds / served_elderly, np.nan)
    fac["served_m2_per_100hh"] = np.round(per_100, 1)
    fac["served_beds_per_1000_elderly"] = np.round(per_1000, 1)
    status = np.where(per_100 < standards.area_per_100_households_m2 - 1e-9, "overloaded", "ok")
    status = np.where(np.isnan(area), "no_data", status)
    status = np.where(served_hh > 0, status, "unused")
    fac["load_status"] = np.where(care, status, "")
    return fac


def served_by_ids(com: gpd.GeoDataFrame, fac: gpd.GeoDataFrame, reach: Reach) -> pd.Series:
    """The facility each community's 责任区 lies in: the one serving most of its households.

    Ties between a compound's entrances go to the facility listed first; "" where no
    entrance is within any care facility's circle.
    """
    served = reach.served_by
    ok = served >= 0
    frame = pd.DataFrame(
        {"c": reach.origins.community[ok], "f": served[ok], "w": reach.origins.weight[ok]}
    )
    share = frame.groupby(["c", "f"], as_index=False)["w"].sum()
    best = share.sort_values(["c", "w", "f"], ascending=[True, False, True]).drop_duplicates("c")
    ids = pd.Series("", index=np.arange(len(com)), dtype=object)
    ids.iloc[best["c"].to_numpy()] = fac["id"].to_numpy()[best["f"].to_numpy()]
    return ids


SERVICE_AREA_MARGIN_M = 30.0
"""Outlines of a service area: its compounds, each widened by this much, merged."""


def service_area_outlines(fac: gpd.GeoDataFrame, com: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One outline per care facility that serves anyone: its compounds, merged.

    Parameters
    ----------
    fac
        Facilities with their loads (``facility_loads``).
    com
        Communities with ``served_by_id``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id``, ``name``, ``type``, the load columns and the outline (the communities'
        CRS), in facility order.
    """
    columns = ["id", "name", "type", "floor_area_m2", *LOAD_COLUMNS]
    members = com[com["served_by_id"] != ""]
    grown = members.geometry.buffer(SERVICE_AREA_MARGIN_M, quad_segs=4)
    outline = grown.groupby(members["served_by_id"].to_numpy()).agg(shapely.union_all)
    serving = fac[fac["id"].isin(outline.index)]
    return gpd.GeoDataFrame(
        serving[columns].reset_index(drop=True),
        geometry=outline.reindex(serving["id"]).to_numpy(),
        crs=com.crs,
    )


LOAD_COLUMNS = (
    "served_communities",
    "served_households",
    "served_elderly",
    "served_m2_per_100hh",
    "served_beds_per_1000_elderly",
    "load_status",
)
"""What ``facility_loads`` adds to each facility."""
