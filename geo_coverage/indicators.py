"""The indicator registry: every standard the scorecard reports, one declaration each.

An ``Indicator`` says everything about one standard in one place: its key, its label
(a template filled from the configured thresholds, so a 10-minute circle reads
10分钟), its target, unit and direction, how it is measured from the assessed layers,
which column would enable it when its data are missing, the gap reasons it gives a
community (with their own templates) and the gap-list columns that explain it, and
the standards key whose source passage the scorecard cites.

Adding a standard is one ``Indicator`` in ``INDICATORS`` plus its test; the
scorecard, gap reasons, gap-list headers and exports all read this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .standards import Standards

STATUS_TEXT: dict[str, tuple[str, str]] = {
    "pass": ("达标", "pass"),
    "fail": ("未达标", "FAIL"),
    "no_data": ("未提供数据", "no data"),
}
"""Scorecard status as people read it; a missing input is "no data", never a failure."""

NO_ELDERLY = "communities: 60岁以上人口 (elderly) column"
NO_AREA = "communities: 养老用房面积 (facility_area_m2) or facilities: 建筑面积 (floor_area_m2)"


@dataclass(frozen=True)
class Assessed:
    """What every measurement reads: the assessed layers and the thresholds.

    Attributes
    ----------
    everyone
        Every community (assessed or not).
    communities
        The communities that could be assessed (walking indicators count these only).
    facilities
        Every facility.
    subdistricts
        Subdistricts with their checks, or None without a subdistrict layer.
    standards
        The thresholds applied.
    villages, townships
        Rural checks (``rural``), or None without those layers.
    """

    everyone: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    subdistricts: gpd.GeoDataFrame | None
    standards: Standards
    villages: gpd.GeoDataFrame | None = None
    townships: gpd.GeoDataFrame | None = None

    @property
    def households(self) -> NDArray[np.float64]:
        """Households of the assessed communities."""
        return self.communities["households"].to_numpy(dtype=float)

    @property
    def elderly(self) -> NDArray[np.float64]:
        """Elderly of the assessed communities (0 where not given)."""
        return self.communities["elderly"].fillna(0).to_numpy(dtype=float)

    @property
    def has_elderly(self) -> bool:
        """Whether the communities layer gives any elderly count."""
        return bool(self.everyone["elderly"].notna().any())


@dataclass(frozen=True)
class Reason:
    """A gap reason an indicator gives a community, in Chinese and English.

    Attributes
    ----------
    key
        Short name (``"outside"``, ``"area"`` …).
    rank
        Position in a community's list of reasons (the most basic first).
    zh, en
        Templates: ``{c}`` care-circle minutes, ``{a}`` m² per 100 households,
        ``{land}`` m² of land per resident, ``{m}`` the community's street distance.
    flags
        Which communities have this gap: (communities, subdistricts) -> booleans.
    """

    key: str
    rank: int
    zh: str
    en: str
    flags: Callable[[pd.DataFrame, pd.DataFrame | None], NDArray[np.bool_]]


@dataclass(frozen=True)
class Indicator:
    """One standard of the scorecard.

    Attributes
    ----------
    key
        Stable identifier (scorecard ``indicator`` column, JSON key).
    label_zh, label_en
        Label templates (placeholders as in ``Reason`` plus ``{h}`` health-station
        minutes, ``{inst}`` the institutional-care share, ``{vr}`` the village reach).
    target
        The target from the standards.
    unit
        {"share", "m2", "beds", "count"}
    measure
        The measured value, or None when the input data are missing.
    source
        The standards key whose source passage the row cites ("" for tool rules).
    missing
        What to add when the data are missing (a file and its column).
    shown
        Whether the row appears at all (e.g. only with a subdistrict layer).
    lower_is_better
        Pass when measured ≤ target (else measured ≥ target).
    reasons
        Gap reasons this standard gives a community.
    columns
        Gap-list columns explaining it: column -> (Chinese header, English header).
    """

    key: str
    label_zh: str
    label_en: str
    target: Callable[[Standards], float]
    unit: str
    measure: Callable[[Assessed], float | None]
    source: str
    missing: Callable[[Assessed], str] | str = ""
    shown: Callable[[Assessed], bool] = lambda _: True
    lower_is_better: bool = False
    reasons: tuple[Reason, ...] = ()
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)


def share(part: float, whole: float) -> float:
    """``part / whole``, 0 when ``whole`` is 0."""
    return float(part) / float(whole) if whole else 0.0


def placeholders(standards: Standards) -> dict[str, str]:
    """The values label and reason templates are filled with."""
    return {
        "c": f"{standards.care_circle_min:g}",
        "a": f"{standards.area_per_100_households_m2:g}",
        "land": f"{standards.land_per_resident_m2:g}",
        "h": f"{standards.health_colocation_min:g}",
        "inst": f"{100 * standards.institutional_care_share:g}%",
        "vr": f"{standards.village_reach_m:,.0f}",
    }


# ---- measurements ---------------------------------------------------------------


def _households_covered(m: Assessed) -> float:
    return share(
        (m.households * m.communities["covered_share"].to_numpy()).sum(), m.households.sum()
    )


def _elderly_covered(m: Assessed) -> float | None:
    if not m.has_elderly:
        return None
    return share((m.elderly * m.communities["covered_share"].to_numpy()).sum(), m.elderly.sum())


def _communities_covered(m: Assessed) -> float:
    return share(m.communities["covered"].sum(), len(m.communities))


def _day_care(m: Assessed) -> float:
    return share(m.communities["day_care_covered"].sum(), len(m.communities))


def _has_meal_points(m: Assessed) -> bool:
    return bool(m.facilities["type"].isin(m.standards.meal_types).any())


def _meal_coverage(m: Assessed) -> float | None:
    if not (m.has_elderly and _has_meal_points(m)):
        return None
    within = m.communities["meal_covered_share"].to_numpy()
    return share((m.elderly * within).sum(), m.elderly.sum())


def _meal_missing(m: Assessed) -> str:
    if not _has_meal_points(m):
        return "facilities: rows of a meal type (老年食堂 / 助餐点), if the city has any"
    return NO_ELDERLY


def _has_area(m: Assessed) -> bool:
    return bool(m.everyone["meets_area"].notna().any())


def _area_standard(m: Assessed) -> float | None:
    return share(m.everyone["meets_area"].sum(), len(m.everyone)) if _has_area(m) else None


def _area_deficit(m: Assessed) -> float | None:
    return float(m.everyone["deficit_m2"].sum()) if _has_area(m) else None


def _area_catchment(m: Assessed) -> float | None:
    reached = m.communities["meets_area_catchment"]
    return share(reached.sum(), len(m.communities)) if reached.notna().any() else None


def _land_given(m: Assessed) -> pd.Series:
    return m.everyone["land_deficit_m2"].notna()


def _land_standard(m: Assessed) -> float:
    given = _land_given(m)
    return share(m.everyone.loc[given, "meets_land"].sum(), given.sum())


def _has_subdistricts(m: Assessed) -> bool:
    return m.subdistricts is not None and len(m.subdistricts) > 0


def _centres(m: Assessed) -> float:
    return share(m.subdistricts["has_centre"].sum(), len(m.subdistricts))


def _beds_per_1000(m: Assessed) -> float | None:
    if not (m.facilities["beds"].notna().any() and m.has_elderly):
        return None
    elderly = m.everyone["elderly"].fillna(0).to_numpy(dtype=float).sum()
    return 1000 * share(float(m.facilities["beds"].fillna(0).sum()), elderly)


def _beds_missing(m: Assessed) -> str:
    return (
        "facilities: 床位数 (beds) column" if not m.facilities["beds"].notna().any() else NO_ELDERLY
    )


def _bed_demand_met(m: Assessed) -> float | None:
    if not (m.facilities["beds"].notna().any() and m.has_elderly):
        return None
    elderly = m.everyone["elderly"].fillna(0).to_numpy(dtype=float).sum()
    demand = m.standards.institutional_care_share * elderly
    return share(float(m.facilities["beds"].fillna(0).sum()), demand)


def _nursing_share(m: Assessed) -> float | None:
    fac = m.facilities
    if not (fac["beds"].notna().any() and fac["nursing_beds"].notna().any()):
        return None
    return share(float(fac["nursing_beds"].fillna(0).sum()), float(fac["beds"].fillna(0).sum()))


def _colocation_shown(m: Assessed) -> bool:
    types = m.facilities["type"]
    return _has_subdistricts(m) and types.eq("centre").any() and types.eq("health").any()


def _colocation(m: Assessed) -> float:
    centres = float(m.facilities["type"].eq("centre").sum())
    return share(float(m.subdistricts["centres_colocated"].sum()), centres)


def _villages_served(m: Assessed) -> float:
    return share(m.villages["served"].sum(), len(m.villages))


def _townships_covered(m: Assessed) -> float:
    return share(m.townships["has_centre"].sum(), len(m.townships))


def _not_assessed(m: Assessed) -> float:
    return float((~m.everyone["assessed"].to_numpy(dtype=bool)).sum())


# ---- gap flags ------------------------------------------------------------------


def _flag_unassessed(com: pd.DataFrame, _: pd.DataFrame | None) -> NDArray[np.bool_]:
    return ~com["assessed"].to_numpy(dtype=bool)


def _flag_outside(com: pd.DataFrame, _: pd.DataFrame | None) -> NDArray[np.bool_]:
    return com["covered_share"].to_numpy() <= 0


def _flag_partly(com: pd.DataFrame, _: pd.DataFrame | None) -> NDArray[np.bool_]:
    return (com["covered_share"].to_numpy() > 0) & ~com["covered"].to_numpy()


def _flag_area(com: pd.DataFrame, _: pd.DataFrame | None) -> NDArray[np.bool_]:
    return (~com["meets_area"]).fillna(False).to_numpy(dtype=bool)


def _flag_land(com: pd.DataFrame, _: pd.DataFrame | None) -> NDArray[np.bool_]:
    return ~com["meets_land"].to_numpy()


def _flag_day_care(com: pd.DataFrame, _: pd.DataFrame | None) -> NDArray[np.bool_]:
    return ~com["day_care_covered"].to_numpy() & com["assessed"].to_numpy(dtype=bool)


def _flag_no_centre(com: pd.DataFrame, subs: pd.DataFrame | None) -> NDArray[np.bool_]:
    if subs is None or "subdistrict" not in com:
        return np.zeros(len(com), dtype=bool)
    lacking = set(subs.loc[~subs["has_centre"], "name"])
    return com["subdistrict"].isin(lacking).to_numpy()


# ---- the registry ---------------------------------------------------------------

_CARE_CIRCLE_COLUMNS = {
    "walk_min": ("最近设施步行时间（分钟）", "walk to nearest facility (min)"),
    "nearest_name": ("最近养老服务设施", "nearest facility"),
    "nearest_type_label": ("最近设施类型", "nearest facility type"),
    "covered_share": ("{c}分钟圈内住户比例", "share of households within {c} min"),
}


def _circle_target(s: Standards) -> float:
    return s.care_circle_target_share


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "care_circle_households",
        "{c}分钟养老服务圈住户覆盖率",
        "Households in the {c}-minute care circle",
        _circle_target,
        "share",
        _households_covered,
        "care_circle_target_share",
        reasons=(
            Reason(
                "outside",
                1,
                "不在{c}分钟养老服务圈内",
                "outside the {c}-minute care circle",
                _flag_outside,
            ),
            Reason(
                "partly",
                2,
                "部分住户不在{c}分钟养老服务圈内",
                "some households outside the {c}-minute care circle",
                _flag_partly,
            ),
        ),
        columns=_CARE_CIRCLE_COLUMNS,
    ),
    Indicator(
        "care_circle_elderly",
        "{c}分钟养老服务圈老年人覆盖率",
        "Elderly in the {c}-minute care circle",
        _circle_target,
        "share",
        _elderly_covered,
        "care_circle_target_share",
        missing=NO_ELDERLY,
    ),
    Indicator(
        "care_circle_communities",
        "{c}分钟养老服务圈小区覆盖率",
        "Communities in the {c}-minute care circle",
        _circle_target,
        "share",
        _communities_covered,
        "care_circle_target_share",
    ),
    Indicator(
        "day_care_coverage",
        "社区日间照料机构覆盖率（{c}分钟）",
        "Day-care coverage of communities ({c} min)",
        lambda s: s.day_care_coverage_share,
        "share",
        _day_care,
        "day_care_coverage_share",
        reasons=(
            Reason(
                "day_care",
                5,
                "{c}分钟内无日间照料设施",
                "no day-care facility within {c} minutes",
                _flag_day_care,
            ),
        ),
    ),
    Indicator(
        "meal_coverage",
        "老年助餐点覆盖率（{c}分钟内老年人）",
        "Elderly within {c} min of a meal point",
        lambda s: s.meal_coverage_target_share,
        "share",
        _meal_coverage,
        "meal_coverage_target_share",
        missing=_meal_missing,
    ),
    Indicator(
        "area_standard",
        "小区养老用房达标率（每百户{a}㎡）",
        "Communities meeting {a} m² per 100 households",
        lambda s: s.area_compliance_target_share,
        "share",
        _area_standard,
        "area_per_100_households_m2",
        missing=NO_AREA,
        reasons=(
            Reason(
                "area",
                3,
                "养老服务用房面积不足（每百户{a}㎡）",
                "elderly-service floor area below {a} m² per 100 households",
                _flag_area,
            ),
        ),
        columns={
            "required_m2": ("应配养老用房（㎡）", "required floor area (m²)"),
            "available_m2": ("现有养老用房（㎡）", "available floor area (m²)"),
        },
    ),
    Indicator(
        "area_deficit",
        "养老用房缺口面积",
        "Missing floor area (compound scope)",
        lambda _: 0.0,
        "m2",
        _area_deficit,
        "area_per_100_households_m2",
        missing=NO_AREA,
        lower_is_better=True,
        columns={"deficit_m2": ("缺口面积（㎡）", "missing floor area (m²)")},
    ),
    Indicator(
        "area_catchment",
        "{c}分钟可达养老用房达标率（每百户{a}㎡）",
        "Communities reaching {a} m² per 100 households within {c} min",
        lambda s: s.area_compliance_target_share,
        "share",
        _area_catchment,
        "area_per_100_households_m2",
        missing="facilities: 建筑面积 (floor_area_m2) of the community care facilities",
        columns={
            "catchment_m2_per_100hh": (
                "{c}分钟可达每百户面积（㎡）",
                "m² per 100 households reachable within {c} min",
            )
        },
    ),
    Indicator(
        "land_standard",
        "养老设施用地达标率（人均{land}㎡）",
        "Communities meeting {land} m² land per resident",
        lambda s: s.area_compliance_target_share,
        "share",
        _land_standard,
        "land_per_resident_m2",
        shown=lambda m: bool(_land_given(m).any()),
        reasons=(
            Reason(
                "land",
                4,
                "养老设施用地不足（人均{land}㎡）",
                "land for elderly facilities below {land} m² per resident",
                _flag_land,
            ),
        ),
    ),
    Indicator(
        "subdistrict_centres",
        "街道综合养老服务中心覆盖率",
        "Subdistricts with a centre",
        lambda _: 1.0,
        "share",
        _centres,
        "centres_per_subdistrict",
        shown=_has_subdistricts,
        reasons=(
            Reason(
                "no_centre",
                6,
                "所在街道无综合养老服务中心",
                "subdistrict lacks a comprehensive centre",
                _flag_no_centre,
            ),
        ),
    ),
    Indicator(
        "beds_per_1000",
        "每千名老年人养老床位数",
        "Beds per 1000 elderly",
        lambda s: s.beds_per_1000_elderly,
        "beds",
        _beds_per_1000,
        "beds_per_1000_elderly",
        missing=_beds_missing,
    ),
    Indicator(
        "bed_demand",
        "养老床位满足机构养老需求比例（按老年人口{inst}测算）",
        "Beds against institutional demand ({inst} of the elderly)",
        lambda _: 1.0,
        "share",
        _bed_demand_met,
        "institutional_care_share",
        missing=_beds_missing,
    ),
    Indicator(
        "nursing_bed_share",
        "养老机构护理型床位占比",
        "Nursing-type bed share",
        lambda s: s.nursing_bed_share,
        "share",
        _nursing_share,
        "nursing_bed_share",
        missing="facilities: 护理型床位数 (nursing_beds) and 床位数 (beds) columns",
    ),
    Indicator(
        "health_colocation",
        "养老服务中心与卫生服务站邻近设置率（步行{h}分钟内）",
        "Centres within {h} min of a health station",
        lambda _: 1.0,
        "share",
        _colocation,
        "health_colocation_min",
        shown=_colocation_shown,
    ),
    Indicator(
        "rural_home_care",
        "农村牧区居家养老服务设施覆盖率（嘎查村，{vr}米内）",
        "Villages with a home-care facility within {vr} m",
        lambda s: s.rural_home_care_target_share,
        "share",
        _villages_served,
        "rural_home_care_target_share",
        shown=lambda m: m.villages is not None and len(m.villages) > 0,
    ),
    Indicator(
        "township_centres",
        "农村养老服务中心覆盖率（苏木乡镇）",
        "Townships with an elderly-service centre",
        lambda s: s.township_centre_target_share,
        "share",
        _townships_covered,
        "township_centre_target_share",
        shown=lambda m: m.townships is not None and len(m.townships) > 0,
    ),
    Indicator(
        "not_assessed",
        "无法评估的小区（离步行道路过远）",
        "Communities not assessed (far from streets)",
        lambda _: 0.0,
        "count",
        _not_assessed,
        "",
        shown=lambda m: _not_assessed(m) > 0,
        lower_is_better=True,
        reasons=(
            Reason(
                "unassessed",
                0,
                "无法评估：距最近道路 {m} 米",
                "not assessed: {m} m from the nearest walkable street",
                _flag_unassessed,
            ),
        ),
    ),
)
"""Every indicator of the scorecard, in the order the scorecard lists them."""

TOOL_RULE_SOURCE = "network.snap_limit_m, network.far_points: flag"
"""What an indicator without a standards key cites: the tool's own settings."""


def reasons() -> list[Reason]:
    """Every gap reason of the registry, in the order a community's list shows them."""
    return sorted((r for ind in INDICATORS for r in ind.reasons), key=lambda r: r.rank)


def reason_texts(standards: Standards) -> dict[str, tuple[str, str]]:
    """Gap reasons in Chinese and English, stating the configured thresholds.

    ``{m}`` (a community's distance to its street) is left for the caller to fill.
    """
    values = placeholders(standards) | {"m": "{m}"}
    return {r.key: (r.zh.format(**values), r.en.format(**values)) for r in reasons()}


def gap_columns() -> dict[str, tuple[str, str]]:
    """The gap-list columns the indicators add, in registry order (headers as templates)."""
    return {col: heads for ind in INDICATORS for col, heads in ind.columns.items()}


def _row(indicator: Indicator, m: Assessed) -> dict[str, object]:
    """One scorecard row; a measurement of None is reported as no data."""
    s = m.standards
    values = placeholders(s)
    target = float(indicator.target(s))
    measured = indicator.measure(m)
    if measured is None:
        status = "no_data"
    else:
        good = measured <= target if indicator.lower_is_better else measured >= target - 1e-12
        status = "pass" if good else "fail"
    missing = indicator.missing(m) if callable(indicator.missing) else indicator.missing
    return {
        "indicator": indicator.key,
        "label_zh": indicator.label_zh.format(**values),
        "label_en": indicator.label_en.format(**values),
        "target": target,
        "measured": np.nan if measured is None else float(measured),
        "unit": indicator.unit,
        "status": status,
        "missing_data": missing if status == "no_data" else "",
        "source": s.source(indicator.source) if indicator.source else TOOL_RULE_SOURCE,
    }


def build_scorecard(
    com: gpd.GeoDataFrame,
    fac: gpd.GeoDataFrame,
    subs: gpd.GeoDataFrame | None,
    standards: Standards,
    *,
    villages: gpd.GeoDataFrame | None = None,
    townships: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """One row per indicator shown: label, target, measured value, status and source.

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
    villages, townships
        Rural checks, or None.

    Returns
    -------
    pandas.DataFrame
        Columns ``indicator``, ``label_zh``, ``label_en``, ``target``, ``measured``
        (NaN for no data), ``unit``, ``status`` ("pass", "fail", "no_data"),
        ``missing_data`` and ``source``.
    """
    assessed = com[com["assessed"].to_numpy(dtype=bool)]
    m = Assessed(com, assessed, fac, subs, standards, villages, townships)
    return pd.DataFrame([_row(ind, m) for ind in INDICATORS if ind.shown(m)])


def gap_reasons(
    com: gpd.GeoDataFrame, subs: gpd.GeoDataFrame | None, standards: Standards
) -> tuple[list[str], list[str]]:
    """Each community's gap reasons joined, in Chinese and in English."""
    texts = reason_texts(standards)
    flags = {r.key: r.flags(com, subs) for r in reasons()}
    far = com["street_distance_m"].to_numpy()
    out = []
    for pos, sep in ((0, "；"), (1, "; ")):
        out.append(
            [
                sep.join(texts[k][pos].format(m=f"{far[i]:,.0f}") for k, f in flags.items() if f[i])
                for i in range(len(com))
            ]
        )
    return out[0], out[1]


def format_value(value: float, unit: str, *, language: str = "zh") -> str:
    """Format an indicator value for people: 0.694 share -> '69.4%', 2456 m2 -> '2,456 ㎡'.

    A missing value (NaN) reads "未提供数据" / "no data".
    """
    if value is None or not np.isfinite(value):
        return STATUS_TEXT["no_data"][0 if language == "zh" else 1]
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit == "m2":
        return f"{value:,.0f} ㎡"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.1f}"
