"""Assess coverage against the standards: care circle, area standard, subdistrict checks.

Reads the walks of the reach stage (every community origin's walk to the nearest
facility of each group, and the care-circle catchment pairs) and turns them into
per-community verdicts, a scorecard and a gap list. Coverage always comes from
network travel times, never from drawn polygons.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from .._errors import Finding
from ..inputs.layers import Layers
from ..reach.walks import Origins, Reach
from ..standards import FACILITY_TYPES, Standards
from .floor_area import catchment_area, compound_area, facility_catchments
from .indicators import WHOLE, build_scorecard, gap_reasons, share
from .rural import township_checks, village_checks
from .service_areas import facility_loads, served_by_ids, service_area_outlines
from .subdistricts import subdistrict_checks


def _per_community(origins: Origins, n: int, values: np.ndarray, how: str) -> np.ndarray:
    """Aggregate per-origin values per community: weighted 'share' of True, 'min' or 'max'."""
    frame = pd.DataFrame({"c": origins.community, "w": origins.weight, "x": values})
    if how == "share":
        out = (frame["w"] * frame["x"].astype(float)).groupby(frame["c"]).sum()
    else:
        out = frame.groupby("c")["x"].agg(how)
    return out.reindex(np.arange(n)).to_numpy()


@dataclass(frozen=True)
class Assessment:
    """Everything the assessment computed, ready for maps and exports (network CRS).

    Attributes
    ----------
    communities
        One row per community with times, verdicts, area figures and gap reasons.
    facilities
        One row per facility with households and elderly within the care circle.
    subdistricts
        One row per subdistrict with its checks (None when no subdistrict layer).
    scorecard
        One row per indicator: target, measured value, pass/fail and source.
    coverage_by_type
        Per facility type: shares of communities, households and elderly within the
        care-circle walk of the nearest facility of that type.
    origins
        One row per walk origin: ``community`` (row in ``communities``), ``weight``
        (its share of the households), ``x``, ``y`` (network CRS), ``walk_m`` to the
        nearest care-circle facility, ``covered`` and ``assessed``.
    reach
        The walks the assessment read (snapped points, group searches, catchment pairs).
    warnings
        Points left out with ``far_points: flag``, each located.
    villages
        One row per village (嘎查村) with its nearest home-care facility and ``served``
        (None when no village layer).
    townships
        One row per township (苏木乡镇) with its centres (None when no township layer).
    service_areas
        One row per care facility serving anyone: its load and the outline of the
        compounds it serves (责任区, ``service_areas.service_area_outlines``).
    gaps
        The communities failing any check, with reasons and priority; those not
        assessed (far from any street) first.
    standards
        The thresholds applied.
    """

    communities: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    subdistricts: gpd.GeoDataFrame | None
    scorecard: pd.DataFrame
    coverage_by_type: pd.DataFrame
    gaps: gpd.GeoDataFrame
    standards: Standards
    origins: pd.DataFrame
    reach: Reach
    warnings: tuple[Finding, ...] = ()
    villages: gpd.GeoDataFrame | None = None
    townships: gpd.GeoDataFrame | None = None
    service_areas: gpd.GeoDataFrame | None = None


def assess(reach: Reach, layers: Layers, standards: Standards) -> Assessment:
    """Run every check of the standards on a city, from the walks of its reach stage.

    Every walk comes from ``reach``; the assessment itself searches nothing.

    Parameters
    ----------
    reach
        The walks of this city (``reach.reach_city`` with the same layers and standards).
    layers
        Input layers in the network CRS.
    standards
        Thresholds to apply.

    Returns
    -------
    Assessment
        Per-community, per-facility and per-subdistrict results, scorecard and gap list.
    """
    fac = layers.facilities.copy()
    fac["street_distance_m"] = reach.facility_offset_m.round(1)
    fac["far_from_street"] = reach.facility_far
    com = _walk_columns(layers.communities.copy(), fac, reach, standards)
    type_share = _type_shares(com, fac, reach, standards)
    com = compound_area(com, fac, standards)
    com = catchment_area(com, fac, reach.catchment, standards)
    fac = facility_catchments(fac, com, reach.catchment)
    fac = facility_loads(fac, com, reach, standards)
    com["served_by_id"] = served_by_ids(com, fac, reach).to_numpy()
    service_areas = service_area_outlines(fac, com)
    subs = None
    if layers.subdistricts is not None:
        subs = subdistrict_checks(layers.subdistricts, com, fac, reach, standards)
    villages = None if layers.villages is None else village_checks(layers.villages, fac, standards)
    townships = (
        None if layers.townships is None else township_checks(layers.townships, fac, standards)
    )
    com["reasons_zh"], com["reasons_en"] = gap_reasons(com, subs, standards)
    com["priority"] = priority(com)
    scorecard = build_scorecard(com, fac, subs, standards, villages=villages, townships=townships)
    gaps = com[com["reasons_zh"] != ""].sort_values(
        ["assessed", "priority", "id"], ascending=[True, False, True]
    )
    return Assessment(
        com,
        fac,
        subs,
        scorecard,
        coverage_by_type(com, type_share),
        gaps.reset_index(drop=True),
        standards,
        _origin_table(reach, standards),
        reach,
        reach.findings,
        villages,
        townships,
        service_areas,
    )


def _walk_columns(
    com: gpd.GeoDataFrame, fac: gpd.GeoDataFrame, reach: Reach, standards: Standards
) -> gpd.GeoDataFrame:
    """The care-circle columns of each community: walks, nearest facility, share covered.

    Its step to the street, its walk to the nearest care-circle facility and the share
    of its households within the circle (``covered`` when all are).
    """
    origins, n = reach.origins, len(com)
    com["street_distance_m"] = _per_community(origins, n, reach.origin_offset_m, "max").round(1)
    com["assessed"] = _per_community(origins, n, reach.origin_far.astype(float), "max") == 0
    care = reach.group(standards.care_circle_types)
    dist, nearest = care.origin_m, care.origin_nearest
    covered_share = _per_community(origins, n, dist <= reach.circle_m, "share")
    best = pd.DataFrame({"c": origins.community, "d": dist, "f": nearest}).sort_values(["c", "d"])
    best = best.drop_duplicates("c").set_index("c").reindex(np.arange(n))
    com["walk_min"] = standards.walk_min(best["d"].to_numpy()).round(2)
    near = best["f"].fillna(-1).astype(int).to_numpy()
    com["nearest_id"] = np.where(near >= 0, fac["id"].to_numpy()[near], "")
    com["nearest_name"] = np.where(near >= 0, fac["name"].to_numpy()[near], "")
    com["nearest_type"] = np.where(near >= 0, fac["type"].to_numpy()[near], "")
    com["covered_share"] = covered_share.round(4)
    com["covered"] = covered_share >= WHOLE
    return com


def _type_shares(
    com: gpd.GeoDataFrame, fac: gpd.GeoDataFrame, reach: Reach, standards: Standards
) -> dict[str, NDArray[np.float64]]:
    """Day-care, meal and per-type columns of ``com``; each type's share within the circle.

    Returns the share of each community's households within the circle of each facility
    type present. Communities not assessed (far from every street) are neither covered
    nor uncovered: their minutes and shares are blank.
    """
    origins, n, circle_m = reach.origins, len(com), reach.circle_m
    dc_dist = reach.group(standards.day_care_types).origin_m
    com["day_care_covered"] = _per_community(origins, n, dc_dist <= circle_m, "share") >= WHOLE
    meal_dist = reach.group(standards.meal_types).origin_m
    com["meal_covered_share"] = _per_community(origins, n, meal_dist <= circle_m, "share").round(4)
    type_share: dict[str, NDArray[np.float64]] = {}
    for ftype in FACILITY_TYPES:
        if (fac["type"] == ftype).any():
            d = reach.group(ftype).origin_m
            walk_m = _per_community(origins, n, d, "min")
            com[f"walk_min_{ftype}"] = standards.walk_min(walk_m).round(2)
            type_share[ftype] = _per_community(origins, n, d <= circle_m, "share")
    not_assessed = ~com["assessed"].to_numpy()
    if not_assessed.any():
        minutes_cols = [c for c in com.columns if c.startswith("walk_min")]
        com.loc[not_assessed, [*minutes_cols, "covered_share", "meal_covered_share"]] = np.nan
        com.loc[not_assessed, ["covered", "day_care_covered"]] = False
        com.loc[not_assessed, ["nearest_id", "nearest_name", "nearest_type"]] = ""
        for ftype in type_share:
            type_share[ftype] = np.where(not_assessed, np.nan, type_share[ftype])
    return type_share


def _origin_table(reach: Reach, standards: Standards) -> pd.DataFrame:
    """One row per walk origin: its community, weight, place and care-circle walk."""
    origins = reach.origins
    dist = reach.group(standards.care_circle_types).origin_m
    xy = shapely.get_coordinates(origins.points)
    return pd.DataFrame(
        {
            "community": origins.community,
            "weight": origins.weight,
            "x": xy[:, 0],
            "y": xy[:, 1],
            "walk_m": dist,
            "covered": dist <= reach.circle_m,
            "assessed": ~reach.origin_far,
        }
    )


def coverage_by_type(com: pd.DataFrame, covered_share: dict[str, np.ndarray]) -> pd.DataFrame:
    """Shares of communities, households and elderly within the care circle of each type.

    Parameters
    ----------
    com
        Assessed communities.
    covered_share
        Facility type -> share of each community's households within the care circle
        of a facility of that type.

    Returns
    -------
    pandas.DataFrame
        One row per facility type present: ``type``, ``label_zh``, ``label_en`` and the
        three shares.
    """
    assessed = com["assessed"].to_numpy(dtype=bool) & com["households"].notna().to_numpy()
    hh = com["households"].to_numpy(dtype=float)[assessed]
    elderly = com["elderly"].fillna(0).to_numpy(dtype=float)[assessed]
    rows = []
    for key, ftype in FACILITY_TYPES.items():
        if key not in covered_share:
            continue
        within = covered_share[key][assessed]
        rows.append(
            {
                "type": key,
                "label_zh": ftype.label_zh,
                "label_en": ftype.label_en,
                "communities_share": float((within >= WHOLE).mean()),
                "households_share": share((hh * within).sum(), hh.sum()),
                "elderly_share": share((elderly * within).sum(), elderly.sum()),
            }
        )
    return pd.DataFrame(rows)


def priority(com: pd.DataFrame) -> NDArray[np.float64]:
    """Priority of each community's gaps, in people.

    Priority = people × (1 − covered_share) + people × deficit_m2 / required_m2, where
    people are the elderly (the households when the layer has no elderly column):
    those outside the care circle plus those weighted by the share of floor area
    missing, so both kinds of gap count in the same unit. A check without data
    (no floor areas given) adds nothing.
    """
    people = com["elderly"] if com["elderly"].notna().any() else com["households"]
    people = people.fillna(0).to_numpy(dtype=float)
    required = com["required_m2"].to_numpy()
    deficit = com["deficit_m2"].fillna(0).to_numpy()
    deficit_share = np.divide(deficit, required, out=np.zeros(len(com)), where=required > 0)
    return np.round(people * (1 - com["covered_share"].to_numpy()) + people * deficit_share, 1)


def community_status(communities: pd.DataFrame) -> np.ndarray:
    """Status of each community for the map's colours.

    One of 'ok', 'covered' (in the circle, no floor-area data), 'short_area',
    'outside', 'unassessed' (too far from any walkable street to be assessed) or
    'no_households' (households empty, 0 or 暂无 in the list: in no share).
    """
    covered = communities["covered"].to_numpy(dtype=bool)
    meets = communities["meets_area"]
    known = meets.notna().to_numpy()
    short = known & ~meets.fillna(True).to_numpy(dtype=bool)
    inside = np.where(short, "short_area", np.where(known, "ok", "covered"))
    status = np.where(~covered, "outside", inside)
    if "assessed" in communities:
        status = np.where(communities["assessed"].to_numpy(dtype=bool), status, "unassessed")
    no_households = communities["households"].isna().to_numpy()
    return np.where(no_households, "no_households", status)
