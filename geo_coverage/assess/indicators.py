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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..standards import INSTITUTION_TYPES, LEVELS, Source, Standards
from ..text import STATUS_TEXT, of, pick

NO_ELDERLY = "communities: 60岁以上人口 (elderly) column"
NO_AREA = "communities: 养老用房面积 (facility_area_m2) or facilities: 建筑面积 (floor_area_m2)"


@dataclass(frozen=True)
class Assessed:
    """What every measurement reads: the assessed layers and the thresholds.

    Attributes
    ----------
    everyone
        Every community whose households are given (assessed or not); one with its
        households empty, 0 or 暂无 is no data and in no share.
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

    @property
    def elderly_total(self) -> float:
        """The elderly the bed targets measure against: the target year's, where configured.

        The configured year's 60+ total of the place, else the compounds' elderly times the
        configured growth factor, else the compounds' elderly as listed.
        """
        s = self.standards
        if s.population_elderly is not None:
            return float(s.population_elderly)
        listed = float(self.everyone["elderly"].fillna(0).to_numpy(dtype=float).sum())
        return listed * (s.population_growth or 1.0)


@dataclass(frozen=True)
class Ratio:
    """A measured value as numerator and denominator, so places can be totalled.

    ``value`` is ``scale * numerator / denominator`` (0 when the denominator is 0), or the
    numerator itself when ``denominator`` is None (a sum or a count). A batch's total
    sums numerators and denominators over its places: never the mean of shares.
    """

    numerator: float
    denominator: float | None = None
    scale: float = 1.0

    @property
    def value(self) -> float:
        """The measured value."""
        if self.denominator is None:
            return float(self.numerator)
        return self.scale * share(self.numerator, self.denominator)


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
        The standards key of the target (its value, year, level and source), or a fixed
        number for the tool's own rules (no missing floor area: 0).
    unit
        {"share", "m2", "beds", "count"}
    measure
        The measured value as a ``Ratio``, or None when the input data are missing.
    source
        The standards key of the parameter the measurement rests on ("" for tool rules).
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
    follows
        For a fixed target: the standards target it belongs to (no missing floor area
        applies only where the documents set the area standard's target), or "".
    """

    key: str
    label_zh: str
    label_en: str
    target: str | float
    unit: str
    measure: Callable[[Assessed], Ratio | None]
    source: str
    missing: Callable[[Assessed], str] | str = ""
    shown: Callable[[Assessed], bool] = lambda _: True
    lower_is_better: bool = False
    reasons: tuple[Reason, ...] = ()
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)
    follows: str = ""


WHOLE = 1.0 - 1e-9
"""A share at least this large counts as whole (a community covered in full)."""


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


def _households_covered(m: Assessed) -> Ratio:
    hh = m.households
    return Ratio((hh * m.communities["covered_share"].to_numpy()).sum(), hh.sum())


def _elderly_covered(m: Assessed) -> Ratio | None:
    if not m.has_elderly:
        return None
    return Ratio((m.elderly * m.communities["covered_share"].to_numpy()).sum(), m.elderly.sum())


def _communities_covered(m: Assessed) -> Ratio:
    return Ratio(m.communities["covered"].sum(), len(m.communities))


def _day_care(m: Assessed) -> Ratio:
    return Ratio(m.communities["day_care_covered"].sum(), len(m.communities))


def _has_meal_points(m: Assessed) -> bool:
    return bool(m.facilities["type"].isin(m.standards.meal_types).any())


def _meal_coverage(m: Assessed) -> Ratio | None:
    if not (m.has_elderly and _has_meal_points(m)):
        return None
    within = m.communities["meal_covered_share"].to_numpy()
    return Ratio((m.elderly * within).sum(), m.elderly.sum())


def _meal_missing(m: Assessed) -> str:
    if not _has_meal_points(m):
        return "facilities: rows of a meal type (老年食堂 / 助餐点), if the city has any"
    return NO_ELDERLY


def _has_area(m: Assessed) -> bool:
    return bool(m.everyone["meets_area"].notna().any())


def _area_standard(m: Assessed) -> Ratio | None:
    meets = m.everyone["meets_area"]
    return Ratio(meets.sum(), meets.notna().sum()) if _has_area(m) else None


def _area_deficit(m: Assessed) -> Ratio | None:
    return Ratio(float(m.everyone["deficit_m2"].sum())) if _has_area(m) else None


def _area_catchment(m: Assessed) -> Ratio | None:
    reached = m.communities["meets_area_catchment"]
    return Ratio(reached.sum(), reached.notna().sum()) if reached.notna().any() else None


def _land_given(m: Assessed) -> pd.Series:
    return m.everyone["land_deficit_m2"].notna()


def _land_standard(m: Assessed) -> Ratio:
    given = _land_given(m)
    return Ratio(m.everyone.loc[given, "meets_land"].sum(), given.sum())


def _present(layer: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """A layer a shown row measures (rows on an absent layer are not shown)."""
    if layer is None:
        msg = "a scorecard row measured a layer the city does not have"
        raise AssertionError(msg)
    return layer


def _has_subdistricts(m: Assessed) -> bool:
    return m.subdistricts is not None and len(m.subdistricts) > 0


def _centres(m: Assessed) -> Ratio:
    return Ratio(_present(m.subdistricts)["has_centre"].sum(), len(_present(m.subdistricts)))


def _beds(m: Assessed) -> float:
    return float(m.facilities["beds"].fillna(0).sum())


def _has_beds(m: Assessed) -> bool:
    return bool(m.facilities["beds"].notna().any())


def _beds_per_1000(m: Assessed) -> Ratio | None:
    if not (_has_beds(m) and (m.has_elderly or m.standards.population_elderly)):
        return None
    return Ratio(_beds(m), m.elderly_total, scale=1000.0)


def _beds_missing(m: Assessed) -> str:
    return "facilities: 床位数 (beds) column" if not _has_beds(m) else NO_ELDERLY


def _bed_demand_met(m: Assessed) -> Ratio | None:
    if not (_has_beds(m) and (m.has_elderly or m.standards.population_elderly)):
        return None
    return Ratio(_beds(m), m.standards.institutional_care_share * m.elderly_total)


def _nursing_share(m: Assessed) -> Ratio | None:
    fac = m.facilities
    if not (_has_beds(m) and fac["nursing_beds"].notna().any()):
        return None
    return Ratio(float(fac["nursing_beds"].fillna(0).sum()), _beds(m))


def _beds_total(m: Assessed) -> Ratio | None:
    return Ratio(_beds(m)) if _has_beds(m) else None


def _institutions(m: Assessed) -> Ratio:
    return Ratio(float(m.facilities["type"].isin(INSTITUTION_TYPES).sum()))


def _colocation_shown(m: Assessed) -> bool:
    types, s = m.facilities["type"], m.standards
    centres, health = types.isin(s.subdistrict_centre_types), types.isin(s.health_types)
    return _has_subdistricts(m) and centres.any() and health.any()


def _colocation(m: Assessed) -> Ratio:
    centres = float(m.facilities["type"].isin(m.standards.subdistrict_centre_types).sum())
    return Ratio(float(_present(m.subdistricts)["centres_colocated"].sum()), centres)


def _villages_served(m: Assessed) -> Ratio:
    return Ratio(_present(m.villages)["served"].sum(), len(_present(m.villages)))


def _has_townships(m: Assessed) -> bool:
    return m.townships is not None and len(m.townships) > 0


def _townships_covered(m: Assessed) -> Ratio:
    return Ratio(_present(m.townships)["has_centre"].sum(), len(_present(m.townships)))


def _townships_welfare_home(m: Assessed) -> Ratio:
    return Ratio(_present(m.townships)["has_welfare_home"].sum(), len(_present(m.townships)))


def _county_support(m: Assessed) -> Ratio:
    held = bool(m.facilities["type"].isin(m.standards.support_types).any())
    return Ratio(float(held), 1.0)


def _not_assessed(m: Assessed) -> Ratio:
    return Ratio(float((~m.everyone["assessed"].to_numpy(dtype=bool)).sum()))


def _target_set(key: str) -> Callable[[Assessed], bool]:
    """Shown only where the profile sets this target (an indicator no document asks for)."""
    return lambda m: getattr(m.standards, key) is not None


# ---- gap flags ------------------------------------------------------------------


def _flag_unassessed(com: pd.DataFrame, _: pd.DataFrame | None) -> NDArray[np.bool_]:
    return ~com["assessed"].to_numpy(dtype=bool)


def _flag_no_households(com: pd.DataFrame, _: pd.DataFrame | None) -> NDArray[np.bool_]:
    return com["households"].isna().to_numpy()


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


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "care_circle_households",
        "{c}分钟养老服务圈住户覆盖率",
        "Households in the {c}-minute care circle",
        "care_circle_target_share",
        "share",
        _households_covered,
        "care_circle_min",
        reasons=(
            Reason(
                "outside",
                1,
                "不在{c}分钟养老服务圈内",
                "outside the {c}-minute care circle",
                _flag_outside,
            ),
            Reason(
                "no_households",
                7,
                "户数未提供数据（不计入各项比例）",
                "households not given (left out of every share)",
                _flag_no_households,
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
        "care_circle_target_share",
        "share",
        _elderly_covered,
        "care_circle_min",
        missing=NO_ELDERLY,
    ),
    Indicator(
        "care_circle_communities",
        "{c}分钟养老服务圈小区覆盖率",
        "Communities in the {c}-minute care circle",
        "care_circle_target_share",
        "share",
        _communities_covered,
        "care_circle_min",
    ),
    Indicator(
        "day_care_coverage",
        "社区日间照料机构覆盖率（{c}分钟）",
        "Day-care coverage of communities ({c} min)",
        "day_care_coverage_share",
        "share",
        _day_care,
        "day_care_types",
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
        "meal_coverage_target_share",
        "share",
        _meal_coverage,
        "meal_types",
        missing=_meal_missing,
    ),
    Indicator(
        "area_standard",
        "小区养老用房达标率（每百户{a}㎡）",
        "Communities meeting {a} m² per 100 households",
        "area_compliance_target_share",
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
        0.0,
        "m2",
        _area_deficit,
        "area_per_100_households_m2",
        missing=NO_AREA,
        lower_is_better=True,
        columns={"deficit_m2": ("缺口面积（㎡）", "missing floor area (m²)")},
        follows="area_compliance_target_share",
    ),
    Indicator(
        "area_catchment",
        "{c}分钟可达养老用房达标率（每百户{a}㎡）",
        "Communities reaching {a} m² per 100 households within {c} min",
        "area_compliance_target_share",
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
        "land_compliance_target_share",
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
        "subdistrict_centre_target_share",
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
        "beds_per_1000_elderly",
        "beds",
        _beds_per_1000,
        "beds_per_1000_elderly",
        missing=_beds_missing,
    ),
    Indicator(
        "bed_demand",
        "养老床位满足机构养老需求比例（按老年人口{inst}测算）",
        "Beds against institutional demand ({inst} of the elderly)",
        "bed_demand_target_share",
        "share",
        _bed_demand_met,
        "institutional_care_share",
        missing=_beds_missing,
    ),
    Indicator(
        "nursing_bed_share",
        "养老机构护理型床位占比",
        "Nursing-type bed share",
        "nursing_bed_share",
        "share",
        _nursing_share,
        "nursing_bed_share",
        missing="facilities: 护理型床位数 (nursing_beds) and 床位数 (beds) columns",
    ),
    Indicator(
        "health_colocation",
        "养老服务中心与卫生服务站邻近设置率（步行{h}分钟内）",
        "Centres within {h} min of a health station",
        "health_colocation_target_share",
        "share",
        _colocation,
        "health_colocation_min",
        shown=_colocation_shown,
    ),
    Indicator(
        "rural_home_care",
        "农村牧区居家养老服务设施覆盖率（嘎查村，{vr}米内）",
        "Villages with a home-care facility within {vr} m",
        "rural_home_care_target_share",
        "share",
        _villages_served,
        "village_reach_m",
        shown=lambda m: m.villages is not None and len(m.villages) > 0,
    ),
    Indicator(
        "township_centres",
        "农村养老服务中心覆盖率（苏木乡镇）",
        "Townships with an elderly-service centre",
        "township_centre_target_share",
        "share",
        _townships_covered,
        "township_centre_types",
        shown=_has_townships,
    ),
    Indicator(
        "township_welfare_homes",
        "特困人员供养服务设施（敬老院）建有率（苏木乡镇）",
        "Townships with a welfare home (敬老院)",
        "township_welfare_home_target_share",
        "share",
        _townships_welfare_home,
        "welfare_home_types",
        shown=lambda m: (
            _has_townships(m) and m.standards.township_welfare_home_target_share is not None
        ),
    ),
    Indicator(
        "beds_total",
        "养老机构床位总数",
        "Institutional beds",
        "beds_total_target",
        "beds",
        _beds_total,
        "beds_total_target",
        missing="facilities: 床位数 (beds) column",
        shown=_target_set("beds_total_target"),
    ),
    Indicator(
        "institutions",
        "养老机构数量",
        "Elderly-care institutions",
        "institutions_target",
        "count",
        _institutions,
        "institutions_target",
        shown=_target_set("institutions_target"),
    ),
    Indicator(
        "county_support",
        "旗县区兜底保障养老机构（特困人员供养服务机构）",
        "County support institution (兜底保障)",
        "county_support_target_share",
        "share",
        _county_support,
        "support_types",
        shown=_target_set("county_support_target_share"),
    ),
    Indicator(
        "not_assessed",
        "无法评估的小区（离步行道路过远）",
        "Communities not assessed (far from streets)",
        0.0,
        "count",
        _not_assessed,
        "",
        shown=lambda m: _not_assessed(m).value > 0,
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


def judge(value: float, target: float, *, lower_is_better: bool = False) -> str:
    """Judge a measured value against its target: "pass" or "fail"."""
    good = value <= target + 1e-12 if lower_is_better else value >= target - 1e-12
    return "pass" if good else "fail"


def above(level: str, place_level: str) -> bool:
    """Whether a target's level lies above the level of the place assessed."""
    order = list(LEVELS)
    return bool(level) and order.index(level) > order.index(place_level)


def target_of(indicator: Indicator, standards: Standards) -> tuple[float | None, Source | None]:
    """An indicator's target value (None: no target set) and its source (None: a tool rule)."""
    if isinstance(indicator.target, str):
        return getattr(standards, indicator.target), standards.cite(indicator.target)
    if indicator.follows:  # the fixed target stands or falls with the target it follows
        cite = standards.cite(indicator.follows)
        value = None if getattr(standards, indicator.follows) is None else float(indicator.target)
        return value, cite
    return float(indicator.target), None


def _population_note(m: Assessed) -> str:
    s = m.standards
    if s.population_year is not None:
        return (
            f"按{s.population_year}年老年人口 {m.elderly_total:,.0f} 人测算 "
            f"(elderly of {s.population_year}: {m.elderly_total:,.0f})"
        )
    return (
        f"按名单现有老年人口 {m.elderly_total:,.0f} 人测算；目标年份人口见 population "
        f"(the listed elderly: {m.elderly_total:,.0f})"
    )


BED_INDICATORS = ("beds_per_1000", "bed_demand")
"""Indicators measured against the elderly of the target year (``population``)."""


def _row(indicator: Indicator, m: Assessed) -> dict[str, object]:
    """One scorecard row: a measurement of None is "no data", a target of None "no target"."""
    s = m.standards
    values = placeholders(s)
    target, cite = target_of(indicator, s)
    level = cite.level if cite else ""
    measured = indicator.measure(m)
    if measured is None:
        status = "no_data"
    elif target is None:
        status = "no_target"
    elif above(level, s.place_level):
        status = "total"
    else:
        status = judge(measured.value, target, lower_is_better=indicator.lower_is_better)
    missing = indicator.missing(m) if callable(indicator.missing) else indicator.missing
    basis = s.source(indicator.source) if indicator.source else TOOL_RULE_SOURCE
    if cite is None:
        source = TOOL_RULE_SOURCE
    elif target is None:
        source = f"{cite.text()}；测算依据 basis：{basis}"
    else:
        source = cite.text()
    return {
        "indicator": indicator.key,
        "label_zh": indicator.label_zh.format(**values),
        "label_en": indicator.label_en.format(**values),
        "target": np.nan if target is None else float(target),
        "year": cite.year if cite else None,
        "level": level,
        "measured": np.nan if measured is None else float(measured.value),
        "numerator": np.nan if measured is None else float(measured.numerator),
        "denominator": np.nan
        if measured is None or measured.denominator is None
        else float(measured.denominator),
        "scale": 1.0 if measured is None else float(measured.scale),
        "unit": indicator.unit,
        "lower_is_better": indicator.lower_is_better,
        "status": status,
        "missing_data": missing if status == "no_data" else "",
        "source": source,
        "basis": basis,
        "note": _population_note(m) if indicator.key in BED_INDICATORS and measured else "",
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
        Columns ``indicator``, ``label_zh``, ``label_en``, ``target`` (NaN: no target
        set), ``year`` and ``level`` of the target, ``measured`` (NaN for no data) with
        its ``numerator``, ``denominator`` (NaN for a sum) and ``scale``, ``unit``,
        ``lower_is_better``, ``status`` (``STATUS_TEXT``), ``missing_data``, ``source``
        (the target's document and passage), ``basis`` (the parameter's) and ``note``.
    """
    known = com[com["households"].notna().to_numpy()]  # households no data: in no share
    assessed = known[known["assessed"].to_numpy(dtype=bool)]
    m = Assessed(known, assessed, fac, subs, standards, villages, townships)
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
        return of(STATUS_TEXT["no_data"], language)
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit == "m2":
        return f"{value:,.0f} ㎡"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def level_text(level: str, *, language: str = "zh") -> str:
    """A target level as people read it (全市/全盟, 街道 …); "" for none."""
    return of(LEVELS[level], language) if level else ""


def format_target(row: Mapping[str, Any], *, language: str = "zh") -> str:
    """A scorecard row's target as people read it: '≥ 90.0%（到2022年，全区）' or '无目标'.

    Parameters
    ----------
    row
        A scorecard row (``target``, ``unit``, ``lower_is_better``, ``year``, ``level``).
    language
        {"zh", "en"}
    """
    target = row["target"]
    if target is None or not np.isfinite(target):
        return of(STATUS_TEXT["no_target"], language)
    sign = "≤" if row.get("lower_is_better") else "≥"
    text = f"{sign} {format_value(float(target), str(row['unit']), language=language)}"
    year = row.get("year")
    parts = []
    if year is not None and not (isinstance(year, float) and np.isnan(year)):
        parts.append(pick(language, f"到{int(year)}年", f"by {int(year)}"))
    if row.get("level"):
        parts.append(level_text(str(row["level"]), language=language))
    if parts:
        text += pick(language, f"（{'，'.join(parts)}）", f" ({', '.join(parts)})")
    return text
