"""The floor-area standard (每百户不少于20平方米), in the compound and within reach.

Two scopes: the compound scope compares the elderly-service floor area inside (or
assigned to) each compound with households / 100 × the standard (raised for aged
compounds); the catchment scope is a two-step floating catchment (2SFCA) over the
care-circle pairs of the reach stage — each care facility's floor area is shared
among the households within its care circle, and each community adds up the shares
of the facilities it reaches. Without any floor-area data both report "no data".
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from ..standards import Standards


def area_data_given(com: pd.DataFrame, fac: pd.DataFrame) -> bool:
    """True when the layers hold any elderly-service floor area (else: no data, not zero)."""
    return bool(com["facility_area_m2"].notna().any() or fac["floor_area_m2"].notna().any())


def compound_area(
    com: gpd.GeoDataFrame, fac: gpd.GeoDataFrame, standards: Standards
) -> gpd.GeoDataFrame:
    """Compound scope: floor area inside (or assigned to) the compound vs households/100 × 20 m²."""
    com = com.copy()
    aged = (com["elderly"] / com["population"]).to_numpy(dtype=float)
    com["elderly_share"] = np.round(aged, 4)
    uplift = np.where(aged >= standards.moderately_aged_share, standards.aged_area_uplift, 1.0)
    com["required_m2"] = np.round(
        com["households"] / 100.0 * standards.area_per_100_households_m2 * uplift, 1
    )
    inside = np.zeros(len(com))
    care = fac[fac["type"].isin(standards.care_circle_types)]
    polys = com.geometry.to_numpy()
    if len(care):
        tree = shapely.STRtree(care.geometry.to_numpy())
        c_idx, f_idx = tree.query(polys, predicate="contains")
        np.add.at(inside, c_idx, care["floor_area_m2"].fillna(0).to_numpy()[f_idx])
    known = area_data_given(com, fac)
    available = com["facility_area_m2"].fillna(0).to_numpy() + inside
    com["available_m2"] = np.round(available, 1) if known else np.nan
    com["deficit_m2"] = np.round(np.maximum(com["required_m2"] - com["available_m2"], 0.0), 1)
    com["meets_area"] = pd.array(com["deficit_m2"] <= 0, dtype="boolean")
    com.loc[com["households"].isna().to_numpy(), "meets_area"] = pd.NA  # households no data
    if not known:
        com["meets_area"] = pd.array([pd.NA] * len(com), dtype="boolean")
    # land standard (人均用地): only where the data gives the land for elderly facilities
    land_given = com["facility_land_m2"].notna() & com["population"].notna()
    com["required_land_m2"] = np.round(com["population"] * standards.land_per_resident_m2, 1)
    com["land_deficit_m2"] = np.round(
        np.maximum(com["required_land_m2"] - com["facility_land_m2"], 0.0), 1
    ).where(land_given)
    com["meets_land"] = ~land_given | (com["land_deficit_m2"].fillna(0) <= 0)
    return com


def two_step_catchment(
    supply: NDArray[np.float64],
    demand: NDArray[np.float64],
    source: NDArray[np.int64],
    target: NDArray[np.int64],
    weight: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Two-step floating catchment on sparse pairs: supply per unit of demand reachable.

    Step 1: each source's supply is divided by the demand within its reach,
    ``ratio_j = supply_j / Σ_i demand_i w_ij``. Step 2: each target adds up the ratios
    of the sources it reaches, ``access_i = Σ_j ratio_j w_ij``. Pairs are given as
    arrays (``source[k]`` reaches ``target[k]`` for the share ``weight[k]`` of the
    target's demand); a source reaching no demand shares nothing.

    Parameters
    ----------
    supply
        Per source (e.g. floor area, m²).
    demand
        Per target (e.g. households).
    source, target, weight
        The pairs within reach.

    Returns
    -------
    numpy.ndarray
        Per target: supply per unit of demand (e.g. m² per household).
    """
    load = np.bincount(source, weights=demand[target] * weight, minlength=len(supply))
    ratio = np.divide(supply, load, out=np.zeros(len(supply)), where=load > 0)
    return np.bincount(target, weights=ratio[source] * weight, minlength=len(demand)).astype(float)


def catchment_area(
    com: gpd.GeoDataFrame, fac: gpd.GeoDataFrame, pairs: pd.DataFrame, standards: Standards
) -> gpd.GeoDataFrame:
    """Catchment scope (2SFCA): floor area reachable within the care circle per 100 households.

    Parameters
    ----------
    com, fac
        Communities and facilities.
    pairs
        The reach stage's care-circle pairs (``source``, ``community``, ``weight``).
    standards
        The floor-area standard and the care-circle facility types.

    Returns
    -------
    geopandas.GeoDataFrame
        ``com`` with ``catchment_m2_per_100hh`` and ``meets_area_catchment`` (no data
        when no care facility gives its floor area).
    """
    com = com.copy()
    care = fac["type"].isin(standards.care_circle_types).to_numpy()
    pairs = pairs[care[pairs["source"].to_numpy()]]
    per_household = two_step_catchment(
        fac["floor_area_m2"].fillna(0).to_numpy(dtype=float),
        com["households"].fillna(0).to_numpy(dtype=float),  # no data: no demand
        pairs["source"].to_numpy(),
        pairs["community"].to_numpy(),
        pairs["weight"].to_numpy(dtype=float),
    )
    com["catchment_m2_per_100hh"] = np.round(per_household * 100.0, 2)
    com["meets_area_catchment"] = pd.array(
        com["catchment_m2_per_100hh"] >= standards.area_per_100_households_m2 - 1e-9,
        dtype="boolean",
    )
    com.loc[com["households"].isna().to_numpy(), "meets_area_catchment"] = pd.NA
    if not fac.loc[care, "floor_area_m2"].notna().any():  # no floor areas: no data, not zero
        com["catchment_m2_per_100hh"] = np.nan
        com["meets_area_catchment"] = pd.array([pd.NA] * len(com), dtype="boolean")
    return com


def facility_catchments(
    fac: gpd.GeoDataFrame, com: gpd.GeoDataFrame, pairs: pd.DataFrame
) -> gpd.GeoDataFrame:
    """Households and elderly within the care circle of each facility."""
    fac = fac.copy()
    source, community = pairs["source"].to_numpy(), pairs["community"].to_numpy()
    for col in ("households", "elderly"):
        values = com[col].fillna(0).to_numpy(dtype=float)[community]
        total = np.bincount(source, weights=values * pairs["weight"].to_numpy(), minlength=len(fac))
        fac[f"{col}_within"] = np.round(total)
    return fac
