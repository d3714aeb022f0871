"""Rural checks: home-care facilities of villages (嘎查村) and centres of townships (苏木乡镇).

Half of a banner is rural, where the standards count places rather than walks: a
village is served when a home-care facility (互助幸福院, station, …) stands in it or
within ``village_reach_m`` of it in a straight line (001: 农村牧区居家养老服务设施
覆盖率 ≥ 60 %); a township is covered when it holds an elderly-service centre (003:
农村养老服务中心覆盖率 ≥ 50 %). Straight lines, because village roads are rarely
mapped; the distance is reported so a planner can judge it.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from ..standards import Standards


def village_checks(
    villages: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, standards: Standards
) -> gpd.GeoDataFrame:
    """Each village's nearest home-care facility and whether it is served.

    Parameters
    ----------
    villages
        Village points or polygons (projected CRS, metres).
    facilities
        All facilities in the same CRS.
    standards
        ``rural_home_care_types`` and ``village_reach_m``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``villages`` with ``home_care_m`` (straight distance to the nearest home-care
        facility, 0 inside a village polygon, NaN when there is none), ``home_care_name``
        and ``served``.
    """
    out = villages.copy().reset_index(drop=True)
    care = facilities[facilities["type"].isin(standards.rural_home_care_types)]
    out["home_care_m"] = np.nan
    out["home_care_name"] = ""
    if len(care) and len(out):
        (v_idx, f_idx), distance = shapely.STRtree(care.geometry.to_numpy()).query_nearest(
            out.geometry.to_numpy(), return_distance=True, all_matches=False
        )
        out.loc[v_idx, "home_care_m"] = np.round(distance, 1)
        out.loc[v_idx, "home_care_name"] = care["name"].to_numpy()[f_idx]
    out["served"] = out["home_care_m"].fillna(np.inf).to_numpy() <= standards.village_reach_m
    return out


def township_checks(
    townships: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, standards: Standards
) -> gpd.GeoDataFrame:
    """Each township's count of elderly-service centres and of welfare homes (敬老院) inside it.

    Parameters
    ----------
    townships
        Township polygons (projected CRS).
    facilities
        All facilities in the same CRS.
    standards
        ``township_centre_types`` and ``welfare_home_types``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``townships`` with ``centres``, ``has_centre``, ``welfare_homes`` and
        ``has_welfare_home``.
    """
    out = townships.copy().reset_index(drop=True)
    for column, types in (
        ("centres", standards.township_centre_types),
        ("welfare_homes", standards.welfare_home_types),
    ):
        inside = facilities[facilities["type"].isin(types)]
        counts = np.zeros(len(out), dtype=np.int64)
        if len(inside) and len(out):
            _, t_idx = shapely.STRtree(out.geometry.to_numpy()).query(
                inside.geometry.to_numpy(), predicate="within"
            )
            np.add.at(counts, t_idx, 1)
        out[column] = counts
    out["has_centre"] = out["centres"] >= 1
    out["has_welfare_home"] = out["welfare_homes"] >= 1
    return out
