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

from ._errors import Finding
from .engine import nearest_source_from_points, take
from .layers import Layers
from .network import WalkNetwork
from .reach import Origins, Reach, reach_city
from .standards import FACILITY_TYPES, Standards


def _minutes(distance_m: np.ndarray, speed_m_s: float) -> np.ndarray:
    return distance_m / speed_m_s / 60.0


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


def assess(
    network: WalkNetwork,
    layers: Layers,
    standards: Standards,
    *,
    reach: Reach | None = None,
    snap_limit_m: float = 300.0,
    far_points: str = "error",
    files: dict[str, str] | None = None,
) -> Assessment:
    """Run every check of the standards on a city.

    Every walk comes from ``reach`` (the reach stage); the assessment itself searches
    nothing. Without one, the reach stage runs here with ``snap_limit_m``,
    ``far_points`` and ``files``.

    Parameters
    ----------
    network
        The walking network.
    layers
        Input layers in the network CRS.
    standards
        Thresholds to apply.
    reach
        The walks of this city (``reach.reach_city`` with the same layers and standards).
    snap_limit_m
        Origins and facilities farther than this from a walkable street are "far".
    far_points
        "error": far points stop the run with a located error; "flag": far
        communities are reported as not assessed (own gap-list row, map colour and
        scorecard count) and far facilities serve no one, each with a warning.
    files
        Layer name -> file path, for error messages.

    Returns
    -------
    Assessment
        Per-community, per-facility and per-subdistrict results, scorecard and gap list.

    Raises
    ------
    LayerError
        Points lie beyond the snap limit.
    """
    if reach is None:
        reach = reach_city(
            network,
            layers,
            standards,
            snap_limit_m=snap_limit_m,
            far_points=far_points,
            files=files,
        )
    fac = layers.facilities.copy()
    com = layers.communities.copy()
    speed = standards.walking_speed_m_s
    circle_m = reach.circle_m
    origins = reach.origins
    origin_far = reach.origin_far
    fac["street_distance_m"] = reach.facility_offset_m.round(1)
    fac["far_from_street"] = reach.facility_far
    n = len(com)
    com["street_distance_m"] = _per_community(origins, n, reach.origin_offset_m, "max").round(1)
    com["assessed"] = _per_community(origins, n, origin_far.astype(float), "max") == 0

    care = reach.group(standards.care_circle_types)
    dist, nearest = care.origin_m, care.origin_nearest
    covered_share = _per_community(origins, n, dist <= circle_m, "share")
    best = pd.DataFrame({"c": origins.community, "d": dist, "f": nearest}).sort_values(["c", "d"])
    best = best.drop_duplicates("c").set_index("c").reindex(np.arange(n))
    com["walk_min"] = _minutes(best["d"].to_numpy(), speed).round(2)
    near = best["f"].fillna(-1).astype(int).to_numpy()
    com["nearest_id"] = np.where(near >= 0, fac["id"].to_numpy()[near], "")
    com["nearest_name"] = np.where(near >= 0, fac["name"].to_numpy()[near], "")
    com["nearest_type"] = np.where(near >= 0, fac["type"].to_numpy()[near], "")
    com["covered_share"] = covered_share.round(4)
    com["covered"] = covered_share >= 1.0 - 1e-9

    dc_dist = reach.group(standards.day_care_types).origin_m
    com["day_care_covered"] = _per_community(origins, n, dc_dist <= circle_m, "share") >= 1 - 1e-9
    type_share: dict[str, np.ndarray] = {}
    for ftype in FACILITY_TYPES:
        if (fac["type"] == ftype).any():
            d = reach.group(ftype).origin_m
            com[f"walk_min_{ftype}"] = _minutes(_per_community(origins, n, d, "min"), speed).round(
                2
            )
            type_share[ftype] = _per_community(origins, n, d <= circle_m, "share")

    not_assessed = ~com["assessed"].to_numpy()
    if not_assessed.any():  # neither covered nor uncovered: not assessed
        minutes_cols = [c for c in com.columns if c.startswith("walk_min")]
        com.loc[not_assessed, [*minutes_cols, "covered_share"]] = np.nan
        com.loc[not_assessed, ["covered", "day_care_covered"]] = False
        com.loc[not_assessed, ["nearest_id", "nearest_name", "nearest_type"]] = ""
        for ftype in type_share:
            type_share[ftype] = np.where(not_assessed, np.nan, type_share[ftype])
    com = _area_standard(com, fac, standards)
    com = _catchment_area(com, fac, reach.catchment, standards)
    fac = _facility_catchments(fac, com, reach.catchment)
    subs = None
    if layers.subdistricts is not None:
        subs = _subdistricts(network, layers.subdistricts, com, fac, reach, standards)
    com = _reasons(com, subs, standards)
    scorecard = build_scorecard(com, fac, subs, standards)
    gaps = com[com["reasons_zh"] != ""].sort_values(
        ["assessed", "priority", "id"], ascending=[True, False, True]
    )
    by_type = coverage_by_type(com, type_share)
    xy = shapely.get_coordinates(origins.points)
    origin_table = pd.DataFrame(
        {
            "community": origins.community,
            "weight": origins.weight,
            "x": xy[:, 0],
            "y": xy[:, 1],
            "walk_m": dist,
            "covered": dist <= circle_m,
            "assessed": ~origin_far,
        }
    )
    return Assessment(
        com,
        fac,
        subs,
        scorecard,
        by_type,
        gaps.reset_index(drop=True),
        standards,
        origin_table,
        reach,
        reach.findings,
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
    assessed = com["assessed"].to_numpy(dtype=bool)
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
                "communities_share": float((within >= 1 - 1e-9).mean()),
                "households_share": _safe_share((hh * within).sum(), hh.sum()),
                "elderly_share": _safe_share((elderly * within).sum(), elderly.sum()),
            }
        )
    return pd.DataFrame(rows)


def _area_standard(
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


def area_data_given(com: pd.DataFrame, fac: pd.DataFrame) -> bool:
    """True when the layers hold any elderly-service floor area (else: no data, not zero)."""
    return bool(com["facility_area_m2"].notna().any() or fac["floor_area_m2"].notna().any())


def _catchment_area(
    com: gpd.GeoDataFrame, fac: gpd.GeoDataFrame, reach: pd.DataFrame, standards: Standards
) -> gpd.GeoDataFrame:
    """Catchment scope (two-step floating catchment): reachable m² per 100 households.

    Each care facility's floor area is shared among the households within its care
    circle; each community adds up the shares of the facilities it reaches.
    """
    com = com.copy()
    care = fac["type"].isin(standards.care_circle_types).to_numpy()
    reach = reach[care[reach["source"].to_numpy()]].copy()
    hh = com["households"].to_numpy(dtype=float)
    reach["households"] = hh[reach["community"].to_numpy()] * reach["weight"].to_numpy()
    demand = reach.groupby("source")["households"].sum()
    area = pd.Series(fac["floor_area_m2"].fillna(0).to_numpy())
    ratio = area.reindex(demand.index) / demand
    reach["m2_per_household"] = ratio.reindex(reach["source"]).to_numpy() * reach["weight"]
    per_hh = reach.groupby("community")["m2_per_household"].sum().reindex(np.arange(len(com)))
    com["catchment_m2_per_100hh"] = np.round(per_hh.fillna(0).to_numpy() * 100.0, 2)
    com["meets_area_catchment"] = pd.array(
        com["catchment_m2_per_100hh"] >= standards.area_per_100_households_m2 - 1e-9,
        dtype="boolean",
    )
    if not fac.loc[care, "floor_area_m2"].notna().any():  # no floor areas: no data, not zero
        com["catchment_m2_per_100hh"] = np.nan
        com["meets_area_catchment"] = pd.array([pd.NA] * len(com), dtype="boolean")
    return com


def _facility_catchments(
    fac: gpd.GeoDataFrame, com: gpd.GeoDataFrame, reach: pd.DataFrame
) -> gpd.GeoDataFrame:
    """Households and elderly within the care circle of each facility."""
    fac = fac.copy()
    for col in ("households", "elderly"):
        values = com[col].fillna(0).to_numpy(dtype=float)[reach["community"].to_numpy()]
        total = pd.Series(values * reach["weight"].to_numpy()).groupby(reach["source"]).sum()
        fac[f"{col}_within"] = np.round(total.reindex(np.arange(len(fac))).fillna(0).to_numpy())
    return fac


def _subdistricts(
    network: WalkNetwork,
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
    centre = fac["type"].eq("centre").to_numpy()
    colocated = np.zeros(len(fac), dtype=bool)
    if centre.any() and fac["type"].eq("health").any():
        health = reach.group("health")
        d, _ = nearest_source_from_points(
            network,
            health.nodes,
            take(reach.facilities, np.flatnonzero(centre)),
            take(reach.facilities, health.members),
        )
        colocated[np.flatnonzero(centre)] = (
            d <= standards.health_colocation_min * 60 * standards.walking_speed_m_s
        )
    beds = fac["beds"].fillna(0).to_numpy()
    nursing = fac["nursing_beds"].fillna(0).to_numpy()
    assessed = com["assessed"].to_numpy(dtype=bool)
    for s in range(len(subs)):
        in_c = com_sub == s
        in_f = fsub == s
        hh = com["households"].to_numpy()[in_c]
        elderly = com["elderly"].fillna(0).to_numpy()[in_c].sum()
        n_centres = int((in_f & centre).sum())
        ok = in_c & assessed  # coverage shares count the communities that could be assessed
        hh_ok = com["households"].to_numpy()[ok]
        rows.append(
            {
                "communities": int(in_c.sum()),
                "households": float(hh.sum()),
                "elderly": float(elderly),
                "centres": n_centres,
                "has_centre": n_centres >= standards.centres_per_subdistrict,
                "covered_households_share": _safe_share(
                    (hh_ok * com["covered_share"].to_numpy()[ok]).sum(), hh_ok.sum()
                ),
                "day_care_share": _safe_share(
                    com["day_care_covered"].to_numpy()[ok].sum(), ok.sum()
                ),
                "beds": float(beds[in_f].sum()),
                "beds_per_1000_elderly": 1000 * _safe_share(beds[in_f].sum(), elderly),
                "centres_colocated": int((in_f & centre & colocated).sum()),
            }
        )
    return gpd.GeoDataFrame(
        pd.concat([subs.reset_index(drop=True), pd.DataFrame(rows)], axis=1),
        geometry="geometry",
        crs=subs.crs,
    ).assign(nursing_beds=[float(nursing[fsub == s].sum()) for s in range(len(subs))])


def _safe_share(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole else 0.0


def reason_texts(standards: Standards) -> dict[str, tuple[str, str]]:
    """Gap reasons in Chinese and English, stating the configured thresholds."""
    c = f"{standards.care_circle_min:g}"
    a = f"{standards.area_per_100_households_m2:g}"
    return {
        "unassessed": (
            "无法评估：距最近道路 {m} 米",
            "not assessed: {m} m from the nearest walkable street",
        ),
        "outside": (f"不在{c}分钟养老服务圈内", f"outside the {c}-minute care circle"),
        "partly": (
            f"部分住户不在{c}分钟养老服务圈内",
            f"some households outside the {c}-minute care circle",
        ),
        "area": (
            f"养老服务用房面积不足（每百户{a}㎡）",
            f"elderly-service floor area below {a} m² per 100 households",
        ),
        "land": (
            f"养老设施用地不足（人均{standards.land_per_resident_m2:g}㎡）",
            f"land for elderly facilities below {standards.land_per_resident_m2:g} m² per resident",
        ),
        "day_care": (
            f"{c}分钟内无日间照料设施",
            f"no day-care facility within {c} minutes",
        ),
        "no_centre": ("所在街道无综合养老服务中心", "subdistrict lacks a comprehensive centre"),
    }


def _reasons(
    com: gpd.GeoDataFrame, subs: gpd.GeoDataFrame | None, standards: Standards
) -> gpd.GeoDataFrame:
    """Reasons each community fails (Chinese and English) and its priority score.

    Priority = people × (1 − covered_share) + people × deficit_m2 / required_m2, where
    people are the elderly (the households when the layer has no elderly column):
    those outside the care circle plus those weighted by the share of floor area
    missing, so both kinds of gap count in the same unit. A check without data
    (no floor areas given) is never a reason.
    """
    com = com.copy()
    assessed = com["assessed"].to_numpy(dtype=bool)
    flags = {
        "unassessed": ~assessed,
        "outside": com["covered_share"].to_numpy() <= 0,
        "partly": (com["covered_share"].to_numpy() > 0) & ~com["covered"].to_numpy(),
        "area": (~com["meets_area"]).fillna(False).to_numpy(dtype=bool),
        "land": ~com["meets_land"].to_numpy(),
        "day_care": ~com["day_care_covered"].to_numpy() & assessed,
    }
    if subs is not None and "subdistrict" in com:
        lacking = set(subs.loc[~subs["has_centre"], "name"])
        flags["no_centre"] = com["subdistrict"].isin(lacking).to_numpy()
    texts = reason_texts(standards)
    far = com["street_distance_m"].to_numpy()
    for lang, pos in (("zh", 0), ("en", 1)):
        sep = "；" if lang == "zh" else "; "
        com[f"reasons_{lang}"] = [
            sep.join(texts[k][pos].format(m=f"{far[i]:,.0f}") for k, f in flags.items() if f[i])
            for i in range(len(com))
        ]
    people = com["elderly"] if com["elderly"].notna().any() else com["households"]
    people = people.fillna(0).to_numpy(dtype=float)
    required = com["required_m2"].to_numpy()
    deficit = com["deficit_m2"].fillna(0).to_numpy()
    deficit_share = np.divide(deficit, required, out=np.zeros(len(com)), where=required > 0)
    com["priority"] = np.round(
        people * (1 - com["covered_share"].to_numpy()) + people * deficit_share, 1
    )
    return com


NO_DATA = ("未提供数据", "no data")
"""How an indicator without its input data is reported (never as a failure)."""


def _row(
    indicator: str,
    labels: tuple[str, str],
    target: float,
    measured: float | None,
    unit: str,
    key: str,
    *,
    missing: str = "",
    lower_is_better: bool = False,
) -> dict[str, object]:
    """One scorecard row; ``measured`` None means no data, with ``missing`` saying what to add."""
    if measured is None:
        status = "no_data"
    else:
        good = measured <= target if lower_is_better else measured >= target - 1e-12
        status = "pass" if good else "fail"
    return {
        "indicator": indicator,
        "label_zh": labels[0],
        "label_en": labels[1],
        "target": float(target),
        "measured": np.nan if measured is None else float(measured),
        "unit": unit,
        "status": status,
        "missing_data": missing,
        "key": key,
    }


def build_scorecard(
    com: gpd.GeoDataFrame,
    fac: gpd.GeoDataFrame,
    subs: gpd.GeoDataFrame | None,
    standards: Standards,
) -> pd.DataFrame:
    """One row per indicator: label, target, measured value, status and source.

    Labels state the configured thresholds (a 10-minute care circle is labelled
    10分钟). An indicator whose input data are absent (no elderly, floor-area, bed or
    nursing-bed column) is reported with status ``no_data`` and a note naming the
    column that would enable it, never as a failure.

    Parameters
    ----------
    com, fac, subs
        Assessed communities, facilities and subdistricts.
    standards
        The thresholds applied.

    Returns
    -------
    pandas.DataFrame
        Columns ``indicator``, ``label_zh``, ``label_en``, ``target``, ``measured``
        (NaN for no data), ``unit``, ``status`` ("pass", "fail", "no_data"),
        ``missing_data`` and ``source``.
    """
    c = f"{standards.care_circle_min:g}"
    a = f"{standards.area_per_100_households_m2:g}"
    everyone = com
    com = com[com["assessed"].to_numpy(dtype=bool)]  # walking indicators: assessed only
    hh = com["households"].to_numpy(dtype=float)
    has_elderly = bool(everyone["elderly"].notna().any())
    elderly = com["elderly"].fillna(0).to_numpy(dtype=float)
    share = com["covered_share"].to_numpy()
    no_elderly = "communities: 60岁以上人口 (elderly) column"
    no_area = "communities: 养老用房面积 (facility_area_m2) or facilities: 建筑面积 (floor_area_m2)"
    has_area = bool(everyone["meets_area"].notna().any())
    has_catchment = bool(com["meets_area_catchment"].notna().any())
    target = standards.care_circle_target_share
    rows = [
        _row(
            "care_circle_households",
            (f"{c}分钟养老服务圈住户覆盖率", f"Households in the {c}-minute care circle"),
            target,
            _safe_share((hh * share).sum(), hh.sum()),
            "share",
            "care_circle_target_share",
        ),
        _row(
            "care_circle_elderly",
            (f"{c}分钟养老服务圈老年人覆盖率", f"Elderly in the {c}-minute care circle"),
            target,
            _safe_share((elderly * share).sum(), elderly.sum()) if has_elderly else None,
            "share",
            "care_circle_target_share",
            missing=no_elderly,
        ),
        _row(
            "care_circle_communities",
            (f"{c}分钟养老服务圈小区覆盖率", f"Communities in the {c}-minute care circle"),
            target,
            _safe_share(com["covered"].sum(), len(com)),
            "share",
            "care_circle_target_share",
        ),
        _row(
            "day_care_coverage",
            (f"社区日间照料机构覆盖率（{c}分钟）", f"Day-care coverage of communities ({c} min)"),
            standards.day_care_coverage_share,
            _safe_share(com["day_care_covered"].sum(), len(com)),
            "share",
            "day_care_coverage_share",
        ),
        _row(
            "area_standard",
            (
                f"小区养老用房达标率（每百户{a}㎡）",
                f"Communities meeting {a} m² per 100 households",
            ),
            standards.area_compliance_target_share,
            _safe_share(everyone["meets_area"].sum(), len(everyone)) if has_area else None,
            "share",
            "area_per_100_households_m2",
            missing=no_area,
        ),
        _row(
            "area_deficit",
            ("养老用房缺口面积", "Missing floor area (compound scope)"),
            0.0,
            float(everyone["deficit_m2"].sum()) if has_area else None,
            "m2",
            "area_per_100_households_m2",
            missing=no_area,
            lower_is_better=True,
        ),
        _row(
            "area_catchment",
            (
                f"{c}分钟可达养老用房达标率（每百户{a}㎡）",
                f"Communities reaching {a} m² per 100 households within {c} min",
            ),
            standards.area_compliance_target_share,
            _safe_share(com["meets_area_catchment"].sum(), len(com)) if has_catchment else None,
            "share",
            "area_per_100_households_m2",
            missing="facilities: 建筑面积 (floor_area_m2) of the community care facilities",
        ),
    ]
    land_given = everyone["land_deficit_m2"].notna()
    if land_given.any():
        rows.append(
            _row(
                "land_standard",
                (
                    f"养老设施用地达标率（人均{standards.land_per_resident_m2:g}㎡）",
                    f"Communities meeting {standards.land_per_resident_m2:g} m² land per resident",
                ),
                standards.area_compliance_target_share,
                _safe_share(everyone.loc[land_given, "meets_land"].sum(), land_given.sum()),
                "share",
                "land_per_resident_m2",
            )
        )
    if subs is not None and len(subs):
        rows.append(
            _row(
                "subdistrict_centres",
                ("街道综合养老服务中心覆盖率", "Subdistricts with a centre"),
                1.0,
                _safe_share(subs["has_centre"].sum(), len(subs)),
                "share",
                "centres_per_subdistrict",
            )
        )
    has_beds = bool(fac["beds"].notna().any())
    has_nursing = bool(fac["nursing_beds"].notna().any())
    beds_total = float(fac["beds"].fillna(0).sum())
    all_elderly = everyone["elderly"].fillna(0).to_numpy(dtype=float)
    rows += [
        _row(
            "beds_per_1000",
            ("每千名老年人养老床位数", "Beds per 1000 elderly"),
            standards.beds_per_1000_elderly,
            1000 * _safe_share(beds_total, all_elderly.sum()) if has_beds and has_elderly else None,
            "beds",
            "beds_per_1000_elderly",
            missing=("facilities: 床位数 (beds) column" if not has_beds else no_elderly),
        ),
        _row(
            "nursing_bed_share",
            ("养老机构护理型床位占比", "Nursing-type bed share"),
            standards.nursing_bed_share,
            _safe_share(float(fac["nursing_beds"].fillna(0).sum()), beds_total)
            if has_beds and has_nursing
            else None,
            "share",
            "nursing_bed_share",
            missing="facilities: 护理型床位数 (nursing_beds) and 床位数 (beds) columns",
        ),
    ]
    centres = fac["type"].eq("centre")
    if subs is not None and len(subs) and centres.any() and fac["type"].eq("health").any():
        h = f"{standards.health_colocation_min:g}"
        rows.append(
            _row(
                "health_colocation",
                (
                    f"养老服务中心与卫生服务站邻近设置率（步行{h}分钟内）",
                    f"Centres within {h} min of a health station",
                ),
                1.0,
                _safe_share(float(subs["centres_colocated"].sum()), float(centres.sum())),
                "share",
                "health_colocation_min",
            )
        )
    far = ~everyone["assessed"].to_numpy(dtype=bool)
    if far.any():
        rows.append(
            _row(
                "not_assessed",
                ("无法评估的小区（离步行道路过远）", "Communities not assessed (far from streets)"),
                0.0,
                float(far.sum()),
                "count",
                "",
                lower_is_better=True,
            )
        )
    frame = pd.DataFrame(rows)
    frame.loc[frame["status"] != "no_data", "missing_data"] = ""
    frame["source"] = [
        standards.source(k) if k else "network.snap_limit_m, network.far_points: flag"
        for k in frame["key"]
    ]
    return frame.drop(columns="key")
