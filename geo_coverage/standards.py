"""Named standard profiles: every threshold the tool applies, with the document it comes from.

One profile per governing document, holding exactly what that document sets:

- ``horqin-left-middle``: 000, the banner's own plan, under ``inner-mongolia``;
- ``chifeng``: 001, the city's plan, under ``inner-mongolia``;
- ``inner-mongolia``: 002 and 003, the region's documents;
- ``siping-tiexi``: 004, the district's plan (Jilin: under no Inner Mongolian document);
- ``gb50180``: the national residential-area standard (life-circle distances only).

A profile inherits from another only where the place lies under it. Each threshold is
either a **parameter** (how a quantity is measured: the circle's minutes, the walking
speed, which types count) or a **target** (the value an indicator must reach). A target a
place's documents do not set is ``None``: the indicator is still measured and shown as
无目标（文件未设定）, never judged against another place's document. Every value carries
a ``Source``: the document, its verbatim passage, the target's year and level, or the
plain statement that the value is the tool's own default (工具默认).
Source documents are cited by their number in ``shared/seeds``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

DOCS = MappingProxyType(
    {
        "000": "《科左中旗“十四五”老龄事业发展规划》",
        "001": "《赤峰市积极应对人口老龄化重点联系城市建设工作方案》(赤政办发〔2023〕42号)",
        "002": "《内蒙古自治区关于贯彻落实〈国务院办公厅关于发展银发经济增进老年人福祉的意见〉"
        "重点任务分工方案》",
        "003": "《内蒙古自治区“十四五”养老服务体系发展规划》",
        "004": "《四平市铁西区关于加强新时代老龄工作的实施方案》",
        "GB50180": "GB 50180-2018《城市居住区规划设计标准》",
    }
)
"""Every document a threshold may cite, by its number in ``shared/seeds`` (not GB 50180)."""

DOC_SHORT = MappingProxyType(
    {
        "000": "科左中旗老龄事业规划",
        "001": "赤峰市工作方案",
        "002": "自治区银发经济分工方案",
        "003": "自治区养老服务体系规划",
        "004": "铁西区老龄工作方案",
        "GB50180": "城市居住区规划设计标准",
    }
)
"""A short name of each document, for narrow table cells."""

LEVELS = MappingProxyType(
    {
        "compound": ("小区/社区", "compound or community"),
        "subdistrict": ("街道", "subdistrict"),
        "township": ("苏木乡镇", "township"),
        "county": ("旗县区", "county, banner or district"),
        "city": ("全市/全盟", "city or league"),
        "region": ("全区", "region"),
    }
)
"""Levels a target is set at, lowest first; one above the place run is judged on a total."""

TOOL = "tool"
"""``Source.doc`` of a value the tool chose because no document sets it."""
NONE = "none"
"""``Source.doc`` of a target no document of the profile sets."""
CONFIG = "config"
"""``Source.doc`` of a value the city config set."""


@dataclass(frozen=True)
class Source:
    """Where a threshold comes from.

    Attributes
    ----------
    doc
        A key of ``DOCS``, or ``TOOL``, ``NONE`` or ``CONFIG``.
    passage
        The document's words, verbatim (a test checks them against ``shared/seeds``).
    note
        The tool's own words: how a passage is read, or why a default was chosen.
    year
        The year a target is due (2022, 2023, 2025), or None.
    level
        A key of ``LEVELS``: where the target is met (each compound, each subdistrict,
        the whole city …), or "" for a parameter.
    """

    doc: str
    passage: str = ""
    note: str = ""
    year: int | None = None
    level: str = ""

    @property
    def is_tool_default(self) -> bool:
        """Whether the tool, not a document, chose the value."""
        return self.doc == TOOL

    def text(self) -> str:
        """The citation as the scorecard prints it."""
        if self.doc == NONE:
            return "无目标（文件未设定） no target set" + (f"：{self.note}" if self.note else "")
        if self.doc == TOOL:
            return f"工具默认 tool default：{self.note}"
        if self.doc == CONFIG:
            return self.note
        cited = f"{self.doc} {DOCS[self.doc]}"
        if self.passage:
            cited += f"：“{self.passage}”"
        return cited + (f"；{self.note}" if self.note else "")


def _doc(
    doc: str, passage: str, *, year: int | None = None, level: str = "", note: str = ""
) -> Source:
    return Source(doc, passage, note, year, level)


def _tool(note: str) -> Source:
    return Source(TOOL, note=note)


def _unset(note: str = "") -> Source:
    return Source(NONE, note=note)


@dataclass(frozen=True)
class FacilityType:
    """A facility type the tool knows, with its labels and the words cities use for it."""

    key: str
    label_zh: str
    label_en: str
    aliases: tuple[str, ...]


FACILITY_TYPES: MappingProxyType[str, FacilityType] = MappingProxyType(
    {
        t.key: t
        for t in (
            FacilityType(
                "centre",
                "综合养老服务中心",
                "Comprehensive elderly-service centre",
                (
                    "街道综合养老服务中心",
                    "综合养老服务中心",
                    "养老服务中心",
                    "区域养老服务中心",
                    "区域性养老服务中心",
                    "社区居家养老综合服务中心",
                    "社区居家养老服务中心",
                    "居家养老服务中心",
                    "街道养老服务中心",
                    "社区综合养老服务中心",
                    "乡镇养老服务中心",
                    "苏木乡镇养老服务中心",
                    "农村养老服务中心",
                    "乡镇区域养老服务中心",
                ),
            ),
            FacilityType(
                "day_care",
                "日间照料中心",
                "Day-care centre",
                (
                    "日间照料中心",
                    "社区日间照料中心",
                    "老年人日间照料中心",
                    "社区老年人日间照料中心",
                    "日间照料站",
                    "日间照料机构",
                    "社区日间照料机构",
                    "托老所",
                ),
            ),
            FacilityType(
                "station",
                "社区养老服务站",
                "Community elderly-service station",
                (
                    "社区养老服务站",
                    "养老服务站",
                    "居家养老服务站",
                    "社区居家养老服务站",
                    "社区养老服务驿站",
                    "养老服务驿站",
                    "社区级养老服务站",
                ),
            ),
            FacilityType(
                "rural_station",
                "农村牧区养老服务站",
                "Village elderly-service station",
                (
                    "嘎查村级养老服务站",
                    "嘎查村养老服务站",
                    "村级养老服务站",
                    "牧区养老服务站",
                    "农村养老服务站",
                    "农村养老大院",
                    "农村养老服务大院",
                    "养老大院",
                ),
            ),
            FacilityType(
                "mutual_aid",
                "互助幸福院",
                "Mutual-aid happiness home",
                (
                    "互助幸福院",
                    "农村互助幸福院",
                    "幸福院",
                    "农村牧区互助养老幸福院",
                    "互助养老幸福院",
                ),
            ),
            FacilityType(
                "nursing_home",
                "养老院",
                "Nursing home",
                (
                    "养老院",
                    "养老机构",
                    "老年公寓",
                    "社会福利院",
                    "福利院",
                    "颐养院",
                    "养护院",
                    "老年养护院",
                    "光荣院",
                ),
            ),
            FacilityType(
                "welfare_home",
                "敬老院",
                "Welfare home (特困供养)",
                (
                    "敬老院",
                    "乡镇敬老院",
                    "苏木乡镇敬老院",
                    "特困人员供养服务设施",
                    "特困供养服务中心",
                ),
            ),
            FacilityType(
                "support",
                "特困人员供养服务机构",
                "Support institution (county-level, 兜底保障)",
                (
                    "特困人员供养服务机构",
                    "特困供养服务机构",
                    "兜底保障养老机构",
                    "旗县级特困人员供养服务机构",
                    "区级养老机构",
                ),
            ),
            FacilityType(
                "medical_care",
                "医养结合机构",
                "Medical-care institution (医养结合)",
                ("医养结合机构", "医养结合养老机构", "护理院", "医养结合服务中心"),
            ),
            FacilityType(
                "canteen",
                "老年食堂",
                "Elderly canteen / meal point",
                (
                    "老年食堂",
                    "长者食堂",
                    "长者爱心食堂",
                    "银发食堂",
                    "老年助餐点",
                    "助餐点",
                    "助餐服务点",
                    "老年餐桌",
                ),
            ),
            FacilityType(
                "health",
                "社区卫生服务站",
                "Community health station",
                (
                    "社区卫生服务站",
                    "社区卫生服务中心",
                    "卫生服务站",
                    "护理站",
                    "卫生室",
                    "乡镇卫生院",
                    "苏木乡镇卫生院",
                    "卫生院",
                    "村卫生室",
                ),
            ),
        )
    }
)
"""Every facility type, in the order maps and legends list them."""

INSTITUTION_TYPES = ("nursing_home", "welfare_home", "support", "medical_care")
"""Types that are institutions (养老机构) with beds."""


def closest_type_word(word: str) -> str | None:
    """The known type word most like ``word`` (a suggestion for an unknown word), or None."""
    known = [alias for t in FACILITY_TYPES.values() for alias in t.aliases]
    found = difflib.get_close_matches(word, known, n=1, cutoff=0.4)
    if found:
        return found[0]
    shared = [(sum(c in word for c in set(alias)), alias) for alias in known]
    best = max(shared)
    return best[1] if best[0] >= 2 else None


def walk_metres(minutes: float, speed_m_s: float) -> float:
    """Metres walked in ``minutes`` at ``speed_m_s``: the one minutes → metres rule."""
    return minutes * 60.0 * speed_m_s


Metres = TypeVar("Metres", float, "NDArray[np.float64]")


def walk_minutes(metres: Metres, speed_m_s: float) -> Metres:
    """Minutes it takes to walk ``metres`` at ``speed_m_s``: the one metres → minutes rule."""
    return metres / speed_m_s / 60.0


@dataclass(frozen=True)
class Standards:
    """Every threshold applied in an assessment, with the source of each.

    Targets (``*_target*``, ``*_share`` of coverage, ``beds_per_1000_elderly``,
    ``nursing_bed_share``) are None where the profile's documents set none.

    Attributes
    ----------
    care_circle_min
        Walking-time limit of the home-care circle, minutes.
    care_circle_target_share
        Target share of households inside the care circle.
    walking_speed_m_s
        Walking speed used to turn network metres into minutes, m/s.
    bands_min
        Isochrone bands drawn on the map, minutes.
    care_circle_types
        Facility types that count as a community elderly-service facility.
    area_per_100_households_m2
        Elderly-service floor area per 100 households the area indicators measure, m².
    area_compliance_target_share
        Target share of compounds meeting the area standard.
    land_per_resident_m2
        Elderly-facility land per resident the land indicator measures, m².
    land_compliance_target_share
        Target share of compounds (with a land figure) meeting the land standard.
    moderately_aged_share
        Share of residents aged 60+ at which a place counts as moderately aged.
    aged_area_uplift
        Factor applied to the area standard where the 60+ share reaches
        ``moderately_aged_share``.
    centres_per_subdistrict
        Comprehensive centres each subdistrict (街道) must have.
    subdistrict_centre_types
        Facility types that count as a subdistrict's comprehensive centre.
    subdistrict_centre_target_share
        Target share of subdistricts holding ``centres_per_subdistrict`` centres.
    day_care_types
        Facility types that count for day-care (日间照料) coverage.
    day_care_coverage_share
        Target share of communities within the care circle of a day-care facility.
    beds_per_1000_elderly
        Target elderly-care beds per 1000 residents aged 60+.
    institutional_care_share
        Share of the elderly expected to need a bed in an institution (beds demand).
    bed_demand_target_share
        Target ratio of beds to that demand.
    nursing_bed_share
        Target share of nursing-type beds among institutional beds.
    beds_total_target
        Target number of institutional beds in the place.
    institutions_target
        Target number of institutions (养老机构: ``INSTITUTION_TYPES``) in the place.
    health_colocation_min
        A centre counts as co-located with health care when a health station is
        within this walk, minutes.
    health_types
        Facility types that provide health care (卫生服务站) for the co-location check.
    health_colocation_target_share
        Target share of centres so co-located.
    meal_types
        Facility types that serve meals to the elderly (老年食堂, 助餐点).
    meal_coverage_target_share
        Target share of the elderly within the care circle of a meal point.
    rural_home_care_types
        Facility types that count as home-care facilities of a village (嘎查村).
    village_reach_m
        A village counts as served when such a facility stands in it or within this
        straight-line distance, metres.
    rural_home_care_target_share
        Target share of villages served.
    township_centre_types
        Facility types that count as a township's (苏木乡镇) elderly-service centre.
    township_centre_target_share
        Target share of townships holding such a centre.
    welfare_home_types
        Facility types that count as a township's welfare home (敬老院).
    township_welfare_home_target_share
        Target share of townships holding a welfare home.
    support_types
        Facility types that count as a county's support institution (兜底保障养老机构).
    county_support_target_share
        Target share of counties (each place of a batch) holding one.
    sources
        Source of each threshold, keyed by field name.
    place_level
        The level (``LEVELS``) of the place assessed: targets set above it are shown with
        their value but judged only on a batch's total.
    population_year, population_elderly, population_growth
        The year whose elderly the bed targets measure against, with that year's 60+
        total of the whole place or a growth factor on the compounds' elderly (None:
        the compounds' elderly as listed).
    """

    care_circle_min: float
    care_circle_target_share: float | None
    walking_speed_m_s: float
    bands_min: tuple[float, ...]
    care_circle_types: tuple[str, ...]
    area_per_100_households_m2: float
    area_compliance_target_share: float | None
    land_per_resident_m2: float
    land_compliance_target_share: float | None
    moderately_aged_share: float
    aged_area_uplift: float
    centres_per_subdistrict: int
    subdistrict_centre_types: tuple[str, ...]
    subdistrict_centre_target_share: float | None
    day_care_types: tuple[str, ...]
    day_care_coverage_share: float | None
    beds_per_1000_elderly: float | None
    institutional_care_share: float
    bed_demand_target_share: float | None
    nursing_bed_share: float | None
    beds_total_target: float | None
    institutions_target: float | None
    health_colocation_min: float
    health_types: tuple[str, ...]
    health_colocation_target_share: float | None
    meal_types: tuple[str, ...]
    meal_coverage_target_share: float | None
    rural_home_care_types: tuple[str, ...]
    village_reach_m: float
    rural_home_care_target_share: float | None
    township_centre_types: tuple[str, ...]
    township_centre_target_share: float | None
    welfare_home_types: tuple[str, ...]
    township_welfare_home_target_share: float | None
    support_types: tuple[str, ...]
    county_support_target_share: float | None
    sources: MappingProxyType[str, Source] = field(default_factory=lambda: MappingProxyType({}))
    place_level: str = "county"
    population_year: int | None = None
    population_elderly: float | None = None
    population_growth: float | None = None

    def walk_m(self, minutes: float) -> float:
        """Metres walked in ``minutes`` at the walking speed."""
        return walk_metres(minutes, self.walking_speed_m_s)

    def walk_min(self, metres: Metres) -> Metres:
        """Minutes it takes to walk ``metres`` at the walking speed."""
        return walk_minutes(metres, self.walking_speed_m_s)

    def cite(self, key: str) -> Source:
        """The source of threshold ``key``."""
        return self.sources.get(key, Source(TOOL))

    def source(self, key: str) -> str:
        """The source of threshold ``key`` as text."""
        return self.cite(key).text()


_SETTINGS = {"sources", "place_level", "population_year", "population_elderly", "population_growth"}

THRESHOLD_KEYS: tuple[str, ...] = tuple(
    f.name for f in fields(Standards) if f.name not in _SETTINGS
)

TARGET_KEYS: tuple[str, ...] = tuple(
    f.name for f in fields(Standards) if f.name not in _SETTINGS and "None" in str(f.type)
)
"""The thresholds that are targets (may be None: no target set)."""

THRESHOLD_LABELS: MappingProxyType[str, tuple[str, str]] = MappingProxyType(
    {
        "care_circle_min": ("养老服务圈（分钟）", "care circle (minutes)"),
        "care_circle_target_share": ("服务圈覆盖率目标", "care-circle coverage target"),
        "walking_speed_m_s": ("步行速度（米/秒）", "walking speed (m/s)"),
        "bands_min": ("地图步行圈（分钟）", "map bands (minutes)"),
        "care_circle_types": ("计入服务圈的设施类型", "types in the care circle"),
        "area_per_100_households_m2": (
            "每百户养老用房（㎡）",
            "floor area per 100 households (m²)",
        ),
        "area_compliance_target_share": ("用房达标率目标", "floor-area compliance target"),
        "land_per_resident_m2": ("人均养老设施用地（㎡）", "land per resident (m²)"),
        "land_compliance_target_share": ("用地达标率目标", "land compliance target"),
        "moderately_aged_share": ("中度老龄化（60岁以上占比）", "moderately aged (60+ share)"),
        "aged_area_uplift": ("中度老龄化小区用房上调系数", "floor-area uplift where aged"),
        "centres_per_subdistrict": ("每个街道综合中心数", "centres per subdistrict"),
        "subdistrict_centre_types": ("街道综合中心类型", "subdistrict centre types"),
        "subdistrict_centre_target_share": ("街道综合中心覆盖率目标", "subdistrict centre target"),
        "day_care_types": ("计入日间照料的设施类型", "day-care types"),
        "day_care_coverage_share": ("日间照料覆盖率目标", "day-care coverage target"),
        "beds_per_1000_elderly": ("每千名老人床位数目标", "beds per 1,000 elderly target"),
        "institutional_care_share": ("机构养老需求（老年人口占比）", "institutional care share"),
        "bed_demand_target_share": ("床位满足需求目标", "bed demand target"),
        "nursing_bed_share": ("护理型床位占比目标", "nursing-bed share target"),
        "beds_total_target": ("养老机构床位总数目标", "institutional beds target"),
        "institutions_target": ("养老机构数量目标", "institutions target"),
        "health_colocation_min": ("与卫生服务站邻近（步行分钟）", "next to health care (minutes)"),
        "health_types": ("卫生服务设施类型", "health-care types"),
        "health_colocation_target_share": ("邻近设置率目标", "co-location target"),
        "meal_types": ("助餐设施类型", "meal-point types"),
        "meal_coverage_target_share": ("助餐覆盖率目标", "meal coverage target"),
        "rural_home_care_types": ("村级居家养老设施类型", "village home-care types"),
        "village_reach_m": ("嘎查村服务距离（米）", "village reach (m)"),
        "rural_home_care_target_share": ("农村牧区设施覆盖率目标", "village coverage target"),
        "township_centre_types": ("苏木乡镇中心类型", "township centre types"),
        "township_centre_target_share": ("农村养老服务中心覆盖率目标", "township centre target"),
        "welfare_home_types": ("敬老院类型", "welfare-home types"),
        "township_welfare_home_target_share": ("敬老院建有率目标", "welfare-home target"),
        "support_types": ("兜底保障机构类型", "support institution types"),
        "county_support_target_share": ("旗县区兜底保障机构目标", "county support target"),
    }
)
"""What each threshold is called in the page and the printed profile, Chinese and English."""


_SPEED_NOTE = "GB 50180-2018 以步行800～1000 m为15分钟生活圈，约合1.0 m/s，亦为老年人常用设计步速"

# ---- the tool's own defaults: what no document sets, for every profile ------------

_BASE: dict[str, tuple[Any, Source]] = {
    "care_circle_min": (15.0, _tool("15分钟生活圈（GB 50180-2018）")),
    "care_circle_target_share": (None, _unset()),
    "walking_speed_m_s": (1.0, _tool(_SPEED_NOTE)),
    "bands_min": ((5.0, 10.0, 15.0), _tool("5、10、15分钟生活圈（GB 50180-2018）")),
    "care_circle_types": (
        ("centre", "day_care", "station", "rural_station", "mutual_aid"),
        _tool("社区层面的养老服务设施：综合养老服务中心、日间照料、养老服务站、互助幸福院"),
    ),
    "area_per_100_households_m2": (
        20.0,
        _tool("每百户20㎡，仅用于测算（文件未设定此标准时不评判）"),
    ),
    "area_compliance_target_share": (None, _unset()),
    "land_per_resident_m2": (0.1, _tool("人均0.1㎡用地，仅用于测算")),
    "land_compliance_target_share": (None, _unset()),
    "moderately_aged_share": (
        0.20,
        _tool("中度老龄化 = 60岁以上人口占比≥20%（常用口径，文件未定义）"),
    ),
    "aged_area_uplift": (1.0, _tool("1.0 = 不上调；文件未规定上调幅度，由城市配置设定")),
    "centres_per_subdistrict": (1, _tool("每个街道1所")),
    "subdistrict_centre_target_share": (None, _unset()),
    "day_care_types": (
        ("centre", "day_care", "station"),
        _tool("日间照料：综合养老服务中心、日间照料中心、社区养老服务站"),
    ),
    "day_care_coverage_share": (None, _unset()),
    "beds_per_1000_elderly": (None, _unset()),
    "institutional_care_share": (
        0.03,
        _tool("3%的老年人入住机构，仅用于测算（赤峰市001的测算口径）"),
    ),
    "bed_demand_target_share": (None, _unset()),
    "nursing_bed_share": (None, _unset()),
    "beds_total_target": (None, _unset()),
    "institutions_target": (None, _unset()),
    "health_colocation_min": (5.0, _tool("邻近 = 步行5分钟内")),
    "health_types": (("health",), _tool("社区卫生服务中心（站）、乡镇卫生院")),
    "subdistrict_centre_types": (("centre",), _tool("街道综合养老服务中心")),
    "health_colocation_target_share": (None, _unset()),
    "meal_types": (("canteen",), _tool("老年食堂、长者食堂、银发食堂、助餐点")),
    "meal_coverage_target_share": (None, _unset()),
    "rural_home_care_types": (
        ("mutual_aid", "rural_station", "station", "day_care", "centre"),
        _tool("村级居家养老服务设施：互助幸福院、嘎查村级养老服务站及以上"),
    ),
    "village_reach_m": (
        1000.0,
        _tool("设施在嘎查村内或1 km内（文件未规定距离；可用 village_reach_m 设定）"),
    ),
    "rural_home_care_target_share": (None, _unset()),
    "township_centre_types": (("centre",), _tool("苏木乡镇养老服务中心")),
    "township_centre_target_share": (None, _unset()),
    "welfare_home_types": (("welfare_home", "support"), _tool("敬老院、特困人员供养服务机构")),
    "township_welfare_home_target_share": (None, _unset()),
    "support_types": (("support",), _tool("旗县区级特困人员供养服务机构（兜底保障养老机构）")),
    "county_support_target_share": (None, _unset()),
}

_MEAL_DEFAULT = "文件要求建设助餐点但未设定覆盖比例；工具默认100%老年人在服务圈内有助餐点"

# ---- 002 + 003: Inner Mongolia Autonomous Region ----------------------------------

_INNER_MONGOLIA: dict[str, tuple[Any, Source]] = {
    **_BASE,
    "care_circle_min": (15.0, _doc("003", "加快建设“一刻钟”居家养老服务圈")),
    "care_circle_types": (
        ("centre", "day_care", "station", "rural_station", "mutual_aid"),
        _doc(
            "003",
            "形成街道层面综合养老服务中心和社区层面社区日间照料机构(社区养老服务站)衔接有序",
        ),
    ),
    "area_per_100_households_m2": (
        20.0,
        _tool(
            "《内蒙古自治区养老服务条例》：新建和已建成住宅小区每百户不少于20㎡（002、003未载明，"
            "条例原文不在所附文件中；001引述了此条例）"
        ),
    ),
    "area_compliance_target_share": (
        1.0,
        _doc(
            "003",
            "到十四五末,老旧城区、已建成居住(小)区按照标准逐步补齐社区养老服务设施",
            year=2025,
            level="compound",
        ),
    ),
    "land_per_resident_m2": (
        0.1,
        _doc("002", "新建居住区按照人均用地不少于0.1平方米的标准分区分级规划设置社区养老服务设施"),
    ),
    "land_compliance_target_share": (
        1.0,
        _doc(
            "002",
            "新建居住区按照人均用地不少于0.1平方米的标准分区分级规划设置社区养老服务设施",
            level="compound",
        ),
    ),
    "aged_area_uplift": (
        1.0,
        _tool(
            "002要求“常住人口达到中度以上老龄化的旗县（市、区）应结合实际上调新建居住区配建标准”，"
            "未规定幅度；1.0 = 不上调，由城市配置设定"
        ),
    ),
    "centres_per_subdistrict": (
        1,
        _doc("003", "到2022年,每个街道至少建成一所具备综合功能的养老服务中心"),
    ),
    "subdistrict_centre_target_share": (
        1.0,
        _doc(
            "003",
            "到2022年,每个街道至少建成一所具备综合功能的养老服务中心",
            year=2022,
            level="subdistrict",
        ),
    ),
    "day_care_coverage_share": (
        0.90,
        _doc(
            "003",
            "到2022年,每个街道至少建成一所具备综合功能的养老服务中心,"
            "社区日间照料机构(社区养老服务站)覆盖率达到90%以上",
            year=2022,
            level="region",
            note="覆盖 = 小区在日间照料设施的服务圈内",
        ),
    ),
    "nursing_bed_share": (
        0.55,
        _doc("003", "到2025年,全区养老机构护理型床位占比不低于55%", year=2025, level="region"),
    ),
    "health_colocation_target_share": (
        1.0,
        _doc(
            "003",
            "推动社区综合养老服务中心与社区卫生服务站、护理站或其他医疗设施邻近设置",
            level="subdistrict",
            note="文件未设定比例；工具默认每个综合养老服务中心都邻近",
        ),
    ),
    "meal_types": (
        ("canteen",),
        _doc(
            "002",
            "依托有条件的苏木乡镇养老服务中心、村级养老服务站等载体开办老年食堂、设置老年助餐点",
        ),
    ),
    "meal_coverage_target_share": (
        1.0,
        _doc(
            "002",
            "依托有条件的苏木乡镇养老服务中心、村级养老服务站等载体开办老年食堂、设置老年助餐点",
            note=_MEAL_DEFAULT,
            level="compound",
        ),
    ),
    "rural_home_care_types": (
        ("mutual_aid", "rural_station", "station", "day_care", "centre"),
        _doc("003", "发挥村级互助养老服务设施前沿阵地作用,提升农村互助养老服务覆盖面"),
    ),
    "township_centre_types": (
        ("centre",),
        _doc("003", "推动在苏木乡镇建设具备全托、日托、上门服务等综合功能的养老服务中心"),
    ),
    "township_centre_target_share": (
        0.50,
        _doc("003", "到2025年底,农村养老服务中心覆盖率总体达到50%", year=2025, level="region"),
    ),
    "support_types": (
        ("support",),
        _doc("003", "每个旗县建有一所兜底保障养老机构"),
    ),
    "county_support_target_share": (
        1.0,
        _doc("003", "每个旗县建有一所兜底保障养老机构", year=2025, level="county"),
    ),
}

# ---- 001: Chifeng city, under the region --------------------------------------------

_CHIFENG: dict[str, tuple[Any, Source]] = {
    **_INNER_MONGOLIA,
    "care_circle_min": (15.0, _doc("001", "打造15分钟养老服务圈")),
    "care_circle_target_share": (
        1.0,
        _doc("001", "城市居家社区养老服务覆盖率达100%", year=2025, level="city"),
    ),
    "area_compliance_target_share": (
        1.0,
        _doc(
            "001",
            "新建城区、新建居住（小）区配建养老服务设施达标率达到100％",
            year=2025,
            level="compound",
            note="001另要求已建成住宅区未达标的“通过购买、置换、租赁、调剂等方式配置”",
        ),
    ),
    "land_per_resident_m2": (0.1, _doc("001", "应按照人均0.1平方米预留配置社会福利用地")),
    "land_compliance_target_share": (
        1.0,
        _doc("001", "应按照人均0.1平方米预留配置社会福利用地", level="compound"),
    ),
    "centres_per_subdistrict": (
        1,
        _doc("001", "所有街道至少建有一个具备综合功能的社区养老服务机构"),
    ),
    "subdistrict_centre_target_share": (
        1.0,
        _doc(
            "001",
            "所有街道至少建有一个具备综合功能的社区养老服务机构",
            year=2025,
            level="subdistrict",
        ),
    ),
    "day_care_coverage_share": (
        1.0,
        _doc("001", "到2025年，社区级养老服务站服务覆盖率达到100％", year=2025, level="city"),
    ),
    "beds_per_1000_elderly": (
        50.0,
        _doc("001", "到2025年全市每千名老人养老床位数达50张", year=2025, level="city"),
    ),
    "institutional_care_share": (
        0.03,
        _doc("001", "按照全市3%的老年人口入住机构养老的需求测算"),
    ),
    "bed_demand_target_share": (
        1.0,
        _doc(
            "001",
            "按照全市3%的老年人口入住机构养老的需求测算，到2025年全市普惠型养老床位需要3.15万张",
            year=2025,
            level="city",
        ),
    ),
    "nursing_bed_share": (
        0.55,
        _doc("001", "养老机构护理型床位占比达到55%", year=2025, level="city"),
    ),
    "rural_home_care_target_share": (
        0.60,
        _doc("001", "农村牧区居家养老服务设施覆盖率达60%", year=2025, level="city"),
    ),
}

# ---- 000: Horqin Left Middle Banner (Tongliao), under the region ---------------------

_HORQIN: dict[str, tuple[Any, Source]] = {
    **_INNER_MONGOLIA,
    "care_circle_min": (15.0, _doc("000", "积极推进“一刻钟”居家养老服务圈建设")),
    "nursing_bed_share": (
        0.55,
        _doc(
            "000",
            "到2025年,全旗养老机构达到15家,养老机构养老床位达到1000张,护理型床位占比不低于55%",
            year=2025,
            level="county",
        ),
    ),
    "beds_total_target": (
        1000.0,
        _doc(
            "000",
            "到2025年,全旗养老机构达到15家,养老机构养老床位达到1000张",
            year=2025,
            level="county",
        ),
    ),
    "institutions_target": (
        15.0,
        _doc("000", "到2025年,全旗养老机构达到15家", year=2025, level="county"),
    ),
    "welfare_home_types": (
        ("welfare_home", "support"),
        _doc("000", "到2025年,全旗特困人员供养服务设施(敬老院)建有率达到100%"),
    ),
    "township_welfare_home_target_share": (
        1.0,
        _doc(
            "000",
            "到2025年,全旗特困人员供养服务设施(敬老院)建有率达到100%",
            year=2025,
            level="township",
            note="建有率 = 建有敬老院的苏木乡镇占比",
        ),
    ),
    "meal_coverage_target_share": (
        1.0,
        _doc("000", "鼓励社区、农村、物业开设“长者爱心食堂”", note=_MEAL_DEFAULT, level="compound"),
    ),
}

# ---- 004: Siping Tiexi district (Jilin): its own plan only --------------------------

_SIPING: dict[str, tuple[Any, Source]] = {
    **_BASE,
    "care_circle_min": (15.0, _doc("004", "推进“15分钟”居家养老服务圈建设")),
    "land_per_resident_m2": (0.12, _doc("004", "按人均用地不少于0.12平方米标准落实")),
    "land_compliance_target_share": (
        1.0,
        _doc(
            "004",
            "新建城区、新建居住区按标准要求配套建设养老服务设施实现全覆盖",
            level="compound",
        ),
    ),
    "centres_per_subdistrict": (
        1,
        _doc("004", "加快推进街道（乡）范围内建设具备综合功能的区域养老服务中心"),
    ),
    "subdistrict_centre_target_share": (
        1.0,
        _doc(
            "004",
            "加快推进街道（乡）范围内建设具备综合功能的区域养老服务中心",
            level="subdistrict",
            note="读作每个街道（乡）一所",
        ),
    ),
    "meal_coverage_target_share": (
        1.0,
        _doc(
            "004",
            "推进银发食堂建设工作，作为惠普性供餐机构，为周边老年人提供助餐服务",
            note=_MEAL_DEFAULT,
            level="compound",
        ),
    ),
    "rural_home_care_types": (
        ("rural_station", "mutual_aid", "station", "day_care", "centre"),
        _doc("004", "依托农村养老大院发展互助式养老服务"),
    ),
    "support_types": (
        ("support",),
        _doc("004", "于2022年年底至少建有1所以收住城乡困难失能、残疾老年人为主的区级层面养老机构"),
    ),
    "county_support_target_share": (
        1.0,
        _doc(
            "004",
            "于2022年年底至少建有1所以收住城乡困难失能、残疾老年人为主的区级层面养老机构",
            year=2022,
            level="county",
        ),
    ),
}

# ---- GB 50180-2018: the national residential-area standard ---------------------------

_GB_TABLE = (
    "表3.0.4（条文摘要，非原文）：15、10、5分钟生活圈居住区步行距离800～1000 m、500 m、300 m"
)

_GB50180: dict[str, tuple[Any, Source]] = {
    **_BASE,
    "care_circle_min": (15.0, _doc("GB50180", "", note=_GB_TABLE)),
    "bands_min": ((5.0, 10.0, 15.0), _doc("GB50180", "", note=_GB_TABLE)),
    "walking_speed_m_s": (
        1.0,
        _doc("GB50180", "", note=_GB_TABLE + "；15分钟800～1000 m ⇒ 0.89–1.11 m/s，取1.0 m/s"),
    ),
}

_PROFILE_TABLES: dict[str, dict[str, tuple[Any, Source]]] = {
    "inner-mongolia": _INNER_MONGOLIA,
    "chifeng": _CHIFENG,
    "horqin-left-middle": _HORQIN,
    "siping-tiexi": _SIPING,
    "gb50180": _GB50180,
}

PROFILES: tuple[str, ...] = tuple(_PROFILE_TABLES)

PROFILE_INFO = MappingProxyType(
    {
        "inner-mongolia": ("内蒙古自治区", ("002", "003"), None, "county"),
        "chifeng": ("赤峰市", ("001",), "inner-mongolia", "city"),
        "horqin-left-middle": ("科尔沁左翼中旗（通辽市）", ("000",), "inner-mongolia", "county"),
        "siping-tiexi": ("四平市铁西区（吉林省）", ("004",), None, "county"),
        "gb50180": ("全国（居住区规划设计标准）", ("GB50180",), None, "county"),
    }
)
"""Per profile: the place it governs, its own documents, the profile it lies under, and the
level of the place a config of it usually covers (a district of Chifeng sets ``county``)."""


def profile_documents(name: str) -> tuple[str, ...]:
    """The documents a profile applies: its own, then those of the profiles it lies under."""
    docs: list[str] = []
    while name:
        _, own, parent, _ = PROFILE_INFO[name]
        docs += own
        name = parent or ""
    return tuple(docs)


def circle_bands(care_circle_min: float) -> tuple[float, ...]:
    """The map's walking bands for a care circle: its thirds (15 → 5, 10, 15 minutes).

    Used when a city changes the care circle but not the bands, so the outermost band
    is always the circle the verdicts use.
    """
    return tuple(round(care_circle_min * k / 3, 1) for k in (1, 2, 3))


def standards_from_profile(
    name: str, *, overrides: dict[str, Any] | None = None, override_source: str = "city config"
) -> Standards:
    """Build the thresholds of a named profile, with per-city overrides applied.

    Parameters
    ----------
    name
        {"inner-mongolia", "chifeng", "horqin-left-middle", "siping-tiexi", "gb50180"}
    overrides
        Threshold values replacing the profile's, keyed by ``Standards`` field name; a
        new ``care_circle_min`` without ``bands_min`` brings its ``circle_bands``.
    override_source
        Text recorded as the source of each overridden value (e.g. the config path).

    Returns
    -------
    Standards
        The resolved thresholds with their sources.
    """
    if name not in _PROFILE_TABLES:
        msg = f"unknown standards profile {name!r}; choose one of {', '.join(PROFILES)}"
        raise ValueError(msg)
    table = _PROFILE_TABLES[name]
    values = {key: value for key, (value, _) in table.items()}
    sources = {key: source for key, (_, source) in table.items()}
    standards = Standards(
        **values, sources=MappingProxyType(sources), place_level=PROFILE_INFO[name][3]
    )
    overrides = dict(overrides or {})
    if "care_circle_min" in overrides and "bands_min" not in overrides:
        overrides["bands_min"] = circle_bands(float(overrides["care_circle_min"]))
    if overrides:
        unknown = sorted(set(overrides) - set(THRESHOLD_KEYS))
        if unknown:
            msg = f"unknown threshold(s) {unknown}; known: {', '.join(THRESHOLD_KEYS)}"
            raise ValueError(msg)
        for key in overrides:
            old = sources[key]
            sources[key] = Source(
                CONFIG,
                note=f"{override_source}（覆盖 {name} 的 {key}）",
                year=old.year,
                level=old.level or ("compound" if key in TARGET_KEYS else ""),
            )
        standards = replace(standards, **overrides, sources=MappingProxyType(sources))
    return standards


def profile_table(name: str) -> list[dict[str, Any]]:
    """Every threshold of a profile: key, value, kind, year, level, document and passage."""
    s = standards_from_profile(name)
    rows = []
    for key in THRESHOLD_KEYS:
        cite = s.cite(key)
        value = getattr(s, key)
        rows.append(
            {
                "key": key,
                "value": list(value) if isinstance(value, tuple) else value,
                "kind": "target" if key in TARGET_KEYS else "parameter",
                "year": cite.year,
                "level": cite.level,
                "document": cite.doc,
                "passage": cite.passage,
                "note": cite.note,
                "source": cite.text(),
            }
        )
    return rows
