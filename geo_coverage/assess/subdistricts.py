"""Subdistrict (街道) checks: centres, coverage shares, beds, health-station co-location.

Each subdistrict polygon collects the facilities inside it and its communities (by
their ``subdistrict`` name, else by location), then counts comprehensive centres,
the shares of households in the care circle and of communities with day care, beds
per 1000 elderly, nursing beds, and centres within walking reach of a health station
(from the reach stage's health-station search).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..reach.walks import Reach
from ..standards import Standards
from .indicators import share


def subdistrict_checks(
    subs: gpd.GeoDataFrame,
    com: gpd.GeoDataFrame,
    fac: gpd.GeoDataFrame,
    reach: Reach,
    standards: Standards,
) -> gpd.GeoDataFrame:
    """Per subdistrict: centres, coverage shares, beds per 1000 elderly, health co-location."""
    subs = subs.copy().reset_index(drop=True)
    tree = shapely.STRtree(subs.geometry.to_numpy())
    f_pts, s_idx = tree.query(fac.geometry.to_numpy(), predicate="within")
    fac_sub = pd.Series(-1, index=np.arange(len(fac)))
    fac_sub.iloc[f_pts] = s_idx
    if "subdistrict" in com and com["subdistrict"].notna().all():
        com_sub = com["subdistrict"].map(pd.Series(subs.index, index=subs["name"])).fillna(-1)
    else:
        c_pts, cs_idx = tree.query(com.geometry.representative_point().to_numpy(), "within")
        com_sub = pd.Series(-1, index=np.arange(len(com)))
        com_sub.iloc[c_pts] = cs_idx
    com_sub = com_sub.to_numpy().astype(int)
    fsub = fac_sub.to_numpy()
    rows = []
    centre = fac["type"].isin(standards.subdistrict_centre_types).to_numpy()
    colocated = reach.centre_health_m <= standards.walk_m(standards.health_colocation_min)
    beds = fac["beds"].fillna(0).to_numpy()
    nursing = fac["nursing_beds"].fillna(0).to_numpy()
    assessed = com["assessed"].to_numpy(dtype=bool)
    known = (
        com["deficit_m2"].notna().to_numpy() if "deficit_m2" in com else np.zeros(len(com), bool)
    )
    area_given = bool(known.any()) and bool(com["meets_area"].notna().any())
    for s in range(len(subs)):
        in_c = com_sub == s
        in_f = fsub == s
        hh = com["households"].fillna(0).to_numpy()[in_c]  # no data: counts no household
        elderly = com["elderly"].fillna(0).to_numpy()[in_c].sum()
        n_centres = int((in_f & centre).sum())
        ok = in_c & assessed  # coverage shares count the communities that could be assessed
        hh_ok = com["households"].fillna(0).to_numpy()[ok]
        rows.append(
            {
                "communities": int(in_c.sum()),
                "households": float(hh.sum()),
                "elderly": float(elderly),
                "centres": n_centres,
                "has_centre": n_centres >= standards.centres_per_subdistrict,
                "covered_households_share": share(
                    (hh_ok * com["covered_share"].to_numpy()[ok]).sum(), hh_ok.sum()
                ),
                "day_care_share": share(com["day_care_covered"].to_numpy()[ok].sum(), ok.sum()),
                "beds": float(beds[in_f].sum()),
                "beds_per_1000_elderly": 1000 * share(beds[in_f].sum(), elderly),
                "centres_colocated": int((in_f & centre & colocated).sum()),
                "deficit_m2": float(com["deficit_m2"].to_numpy(dtype=float)[in_c & known].sum())
                if area_given
                else np.nan,
            }
        )
    return gpd.GeoDataFrame(
        pd.concat([subs.reset_index(drop=True), pd.DataFrame(rows)], axis=1),
        geometry="geometry",
        crs=subs.crs,
    ).assign(nursing_beds=[float(nursing[fsub == s].sum()) for s in range(len(subs))])
