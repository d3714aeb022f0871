"""Both languages in one place: every output reads its Chinese or English text through here.

Texts are pairs ``(zh, en)``; Chinese is the default language of every output. A label
table anywhere in the package is a mapping of key -> pair, read with ``pick``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeVar

Language = Literal["zh", "en"]
"""The output languages: Chinese (default) and English."""

LANGUAGES: tuple[Language, ...] = ("zh", "en")

T = TypeVar("T")


def position(language: str) -> int:
    """Where ``language``'s text sits in a ``(zh, en)`` pair: 0 for Chinese, 1 for English."""
    return 0 if language == "zh" else 1


def pick(language: str, zh: T, en: T) -> T:
    """The text (or any value) for ``language``: ``zh`` for Chinese, ``en`` otherwise."""
    return zh if language == "zh" else en


def of(pair: Sequence[T], language: str) -> T:
    """The ``language`` member of a ``(zh, en)`` pair."""
    return pair[position(language)]


def label_column(language: str) -> str:
    """The column holding labels in ``language``: ``label_zh`` or ``label_en``."""
    return pick(language, "label_zh", "label_en")


GAP_HEAD_COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("编号", "id"),
    "name": ("小区名称", "community"),
    "subdistrict": ("所属街道", "subdistrict"),
    "households": ("户数", "households"),
    "estimated": ("户数为估算（OSM建筑）", "households estimated from OSM buildings"),
    "elderly": ("60岁以上人口", "elderly (60+)"),
}
"""The gap list's first columns: the compound (the indicators' columns follow)."""

GAP_TAIL_COLUMNS: dict[str, tuple[str, str]] = {
    "reasons_zh": ("问题", "reasons (zh)"),
    "reasons_en": ("问题（英文）", "reasons"),
    "priority": ("优先级得分", "priority score"),
    "lon": ("经度（WGS84）", "longitude (WGS84)"),
    "lat": ("纬度（WGS84）", "latitude (WGS84)"),
}
"""The gap list's last columns: reasons, priority and where the compound is."""


SITE_COLUMNS: dict[str, tuple[str, str]] = {
    "rank": ("序号", "rank"),
    "id": ("候选点编号", "candidate id"),
    "name": ("位置", "location"),
    "subdistrict": ("所属街道", "subdistrict"),
    "households_new": ("新覆盖户数", "households newly covered"),
    "elderly_new": ("新覆盖老年人", "elderly newly covered"),
    "recommended_m2": ("建议建筑面积（㎡）", "recommended floor area (m²)"),
    "gain": ("边际增益", "marginal gain"),
    "lon": ("经度（WGS84）", "longitude (WGS84)"),
    "lat": ("纬度（WGS84）", "latitude (WGS84)"),
}


SCORECARD_COLUMNS: dict[str, tuple[str, str]] = {
    "indicator": ("指标代码", "indicator"),
    "label": ("指标", "indicator name"),
    "target": ("目标值", "target"),
    "year": ("目标年份", "target year"),
    "level": ("目标层级", "target level"),
    "measured": ("测算值", "measured"),
    "unit": ("单位", "unit"),
    "status": ("是否达标", "status"),
    "missing_data": ("缺少的数据", "data needed"),
    "source": ("依据", "source"),
    "note": ("说明", "note"),
}


WARNING_COLUMNS: dict[str, tuple[str, str]] = {
    "file": ("文件", "file"),
    "row": ("行", "row"),
    "column": ("列", "column"),
    "message": ("提示", "warning"),
}


RURAL_COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("编号", "id"),
    "name": ("名称", "name"),
    "population": ("常住人口", "population"),
    "elderly": ("60岁以上人口", "elderly (60+)"),
    "home_care_name": ("最近居家养老服务设施", "nearest home-care facility"),
    "home_care_m": ("直线距离（米）", "straight distance (m)"),
    "served": ("已覆盖", "served"),
    "centres": ("养老服务中心数", "elderly-service centres"),
    "has_centre": ("有养老服务中心", "has a centre"),
    "lon": ("经度（WGS84）", "longitude (WGS84)"),
    "lat": ("纬度（WGS84）", "latitude (WGS84)"),
}
"""Columns of the village (嘎查村) and township (苏木乡镇) sheets."""


# ---- the map ------------------------------------------------------------
MAP_TEXT = {
    "villages": ("嘎查村（居家养老服务设施）", "Villages (home-care facility)"),
    "village_served": ("有居家养老服务设施", "served"),
    "village_unserved": ("附近无居家养老服务设施", "no home-care facility nearby"),
    "townships": ("苏木乡镇", "Townships"),
    "no_township_centre": ("无养老服务中心", "no elderly-service centre"),
    "facilities": ("养老服务设施", "Facilities"),
    "communities": ("小区（按状态着色）", "Communities by status"),
    "subdistricts": ("街道", "Subdistricts"),
    "no_centre": ("缺综合养老服务中心的街道", "Subdistrict lacking a centre"),
    "isochrone": ("分钟步行圈", "-min walk"),
    "care_circle": ("社区养老服务设施", "Community care facilities"),
    "households": ("户数", "households"),
    "elderly": ("60岁以上", "elderly 60+"),
    "walk": ("最近设施步行", "walk to nearest"),
    "minutes": ("分钟", "min"),
    "required": ("应配面积", "required"),
    "available": ("现有面积", "available"),
    "floor_area": ("建筑面积", "floor area"),
    "beds": ("床位", "beds"),
    "type": ("类型", "type"),
    "reasons": ("缺口原因", "gaps"),
    "within": ("{c}分钟内住户", "households within {c} min"),
    "served_households": ("责任区户数", "households served"),
    "served_m2": ("每百户用房（责任区）", "m² per 100 households served"),
    "load": ("负荷", "load"),
    "service_areas": ("设施责任区（按负荷着色）", "Service areas by load"),
    "service_area": ("责任区", "service area"),
    "routes": ("缺口小区到最近设施的步行路线", "Walks from gap compounds to the nearest facility"),
    "route_to": ("最近设施", "nearest facility"),
    "sites": ("建议新建养老服务设施", "Proposed new facilities"),
    "households_new": ("新覆盖户数", "households newly covered"),
    "elderly_new": ("新覆盖老年人", "elderly newly covered"),
    "recommended_m2": ("建议建筑面积", "recommended floor area"),
    "summary": ("评估摘要", "Summary"),
    "warnings": ("注意", "Warnings"),
    "no_data": ("未提供数据", "no data"),
}


# ---- the report ------------------------------------------------------------
REPORT_TEXT: dict[str, tuple[str, str]] = {
    "title": ("{city}养老服务设施覆盖评估报告", "{city}: elderly-care service coverage report"),
    "data_date": ("数据日期：{date}", "Date of the data: {date}"),
    "profile": (
        "评估依据：{place}（标准配置 {profile}）",
        "Standards: {place} (profile {profile})",
    ),
    "tool": (
        "由 geo_coverage {version} 生成，可在 Word 中编辑",
        "Made with geo_coverage {version}; edit it in Word",
    ),
    "s1": ("一、总体结论", "1. Conclusions"),
    "s2": ("二、指标评估", "2. Indicators"),
    "s3": ("三、分街道评估", "3. By subdistrict"),
    "s3_townships": ("苏木乡镇", "Townships"),
    "s3_villages": ("嘎查村", "Villages"),
    "s3_loads": ("设施服务负荷（责任区）", "Facility load (service areas)"),
    "loads_overloaded": (
        "{n} 处居家养老服务设施超负荷（责任区每百户用房不足{a}㎡），按负荷由重到轻列出：",
        "{n} home-care facilities are overloaded (under {a} m² per 100 households of their "
        "service area), heaviest first:",
    ),
    "loads_none": (
        "没有超负荷的居家养老服务设施（责任区每百户用房均不低于{a}㎡，或未提供建筑面积）。",
        "No home-care facility is overloaded (each has at least {a} m² per 100 households of "
        "its service area, or gives no floor area).",
    ),
    "s4": ("四、现状图", "4. Map of the present state"),
    "s5": ("五、缺口清单（前20个）", "5. Gap list (first 20)"),
    "s6": ("六、新建选址建议", "6. Proposed new sites"),
    "s7": ("七、数据与方法", "7. Data and method"),
    "indicator": ("指标", "indicator"),
    "target": ("目标（年份、层级）", "target (year, level)"),
    "measured": ("测算值", "measured"),
    "status": ("结论", "status"),
    "document": ("依据", "source"),
    "subdistrict": ("街道", "subdistrict"),
    "compounds": ("小区数", "compounds"),
    "households": ("住户", "households"),
    "elderly": ("60岁以上", "elderly (60+)"),
    "circle_share": ("{c}分钟圈内住户", "households within {c} min"),
    "centres": ("综合养老服务中心", "centres"),
    "deficit": ("养老用房缺口（㎡）", "missing floor area (m²)"),
    "walk": ("最近设施步行（分钟）", "walk to nearest (min)"),
    "reasons": ("缺口原因", "reasons"),
    "name": ("名称", "name"),
    "rank": ("序号", "no."),
    "new_households": ("新覆盖住户", "households added"),
    "new_elderly": ("新覆盖老年人", "elderly added"),
    "recommended": ("建议建筑面积（㎡）", "recommended floor area (m²)"),
    "township": ("苏木乡镇", "township"),
    "has_centre": ("养老服务中心", "centre"),
    "welfare_homes": ("敬老院", "welfare homes"),
    "village": ("嘎查村", "village"),
    "home_care": ("最近居家养老服务设施", "nearest home-care facility"),
    "distance": ("直线距离（米）", "distance (m)"),
    "served": ("已覆盖", "served"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "no_data": ("未提供数据", "no data"),
    "fig_overview": (
        "图1 现状图：小区按评估结论着色，{c}分钟养老服务圈与各类设施",
        "Figure 1. Compounds by status, the {c}-minute care circle and facilities",
    ),
    "fig_sites": ("图3 建议新建养老服务设施位置", "Figure 3. Proposed new facilities"),
    "fig_chart": (
        "图2 分街道：{c}分钟圈内住户比例与养老用房缺口",
        "Figure 2. By subdistrict: households within {c} min and missing floor area",
    ),
    "fig_chart_townships": (
        "图 苏木乡镇：{c}分钟圈内住户比例",
        "Figure. Townships: households within {c} min",
    ),
    "chart_share": ("{c}分钟圈内住户比例（%）", "households within {c} min (%)"),
    "chart_deficit": ("养老用房缺口（㎡）", "missing floor area (m²)"),
    "bands": ("{b}分钟步行圈", "{b}-minute walk"),
    "no_centre": ("缺综合养老服务中心的街道", "subdistrict without a centre"),
    "outside": ("不在{c}分钟服务圈内的小区", "compounds outside the {c}-minute circle"),
    "inside": ("其他小区", "other compounds"),
    "site": ("建议新建设施", "proposed site"),
    "credit_osm": (
        "道路数据 © OpenStreetMap 贡献者（ODbL）；图件由 geo_coverage 绘制",
        "Streets © OpenStreetMap contributors (ODbL); drawn by geo_coverage",
    ),
    "credit_own": (
        "道路数据：{file}；图件由 geo_coverage 绘制",
        "Streets: {file}; drawn by geo_coverage",
    ),
    "no_subdistricts": (
        "未提供街道图层（layers.subdistricts），无分街道评估。",
        "No subdistrict layer (layers.subdistricts) was given.",
    ),
    "no_siting": (
        "本次评估未要求选址（配置中无 siting）。",
        "No siting was asked for (no siting in the config).",
    ),
    "no_gaps": ("没有未达标的小区。", "No compound falls short."),
    "inputs": ("输入数据", "Inputs"),
    "method": ("方法", "Method"),
    "passages": ("各项目标的文件依据", "The documents behind each target"),
    "warnings": ("注意（影响结果解读）", "Warnings (change how the numbers read)"),
    "missing": (
        "未提供数据的指标及所需字段",
        "No-data indicators and the column that would enable them",
    ),
    "none": ("无。", "None."),
}
"""Every text of the report, Chinese and English; ``{…}`` are filled from the run."""


# ---- statuses ------------------------------------------------------------
STATUS_TEXT: dict[str, tuple[str, str]] = {
    "pass": ("达标", "pass"),
    "fail": ("未达标", "FAIL"),
    "no_data": ("未提供数据", "no data"),
    "no_target": ("无目标（文件未设定）", "no target set"),
    "total": ("按上级合计评判", "judged on the total"),
}
"""Scorecard status as people read it: a missing input is "no data", never a failure; a
target no governing document sets is "no target"; a target set for a level above the place
(a city-wide or region-wide share) is judged on the batch's total ("total")."""


# ---- service areas and load (责任区) ---------------------------------------------------
LOAD_TEXT: dict[str, tuple[str, str]] = {
    "ok": ("用房达标", "within the standard"),
    "overloaded": ("超负荷（每百户不足{a}㎡）", "overloaded (below {a} m² per 100 households)"),
    "unused": ("圈内无服务住户", "serves no household"),
    "no_data": ("未提供数据", "no data"),
}
"""A care facility's load (``assess.service_areas.LOAD_STATUSES``); ``{a}``: the standard."""

LOAD_COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("设施编号", "id"),
    "name": ("设施名称", "facility"),
    "type_label": ("类型", "type"),
    "floor_area_m2": ("建筑面积（㎡）", "floor area (m²)"),
    "served_communities": ("责任区小区数", "compounds served"),
    "served_households": ("责任区户数", "households served"),
    "served_elderly": ("责任区60岁以上人口", "elderly served"),
    "served_m2_per_100hh": ("每百户用房（㎡，责任区）", "m² per 100 households served"),
    "served_beds_per_1000_elderly": ("每千名老人床位（责任区）", "beds per 1,000 elderly served"),
    "load": ("负荷", "load"),
}
"""The facility-load sheet: each care facility's 责任区 and what it holds per household."""

LOAD_NOTE: tuple[str, str] = (
    "责任区：每个小区出入口归属于{c}分钟内步行最近的居家养老服务设施（步行距离相差不足0.1米时，"
    "归设施名单中靠前者）；负荷按建筑面积除以责任区户数计，低于每百户{a}㎡为超负荷。",
    "Service areas (责任区): each compound entrance belongs to the home-care facility it walks "
    "to soonest within {c} minutes (walks equal to 0.1 m go to the facility listed first); a "
    "facility with less than {a} m² per 100 households of its area is overloaded.",
)
"""How service areas and load are drawn, for the sheet, the report and the map."""


# ---- geo-coverage compare: progress between two runs ------------------------------------
PROGRESS_COLUMNS: dict[str, tuple[str, str]] = {
    "label": ("指标", "indicator"),
    "old": ("上期", "before"),
    "new": ("本期", "now"),
    "change": ("变化", "change"),
    "target": ("目标（年份、层级）", "target (year, level)"),
    "status": ("本期评判", "verdict now"),
    "progress": ("进展", "progress"),
}
"""The progress table of ``geo-coverage compare``."""

PROGRESS_TEXT: dict[str, tuple[str, str]] = {
    "met": ("已达标", "met"),
    "improving": ("未达标，向目标推进", "not met, improving"),
    "unchanged": ("未达标，无变化", "not met, unchanged"),
    "worsening": ("未达标，偏离目标", "not met, worsening"),
    "not_met": ("未达标（上期无数值）", "not met (no earlier value)"),
    "no_target": ("无目标（文件未设定）", "no target set"),
    "no_data": ("未提供数据", "no data"),
    "total": ("按上级合计评判", "judged on the total"),
}
"""Where an indicator stands between two runs (``apps.compare.on_track``)."""


# ---- scenarios: plans tested against today ----------------------------------------------
RANKING_COLUMNS: dict[str, tuple[str, str]] = {
    "rank": ("排序", "rank"),
    "name": ("方案", "plan"),
    "targets_met": ("达标指标数", "targets met"),
    "households_share": ("服务圈住户覆盖率", "households in the care circle"),
    "households_change": ("覆盖率变化", "change"),
    "area_added_m2": ("新增建筑面积（㎡）", "floor area added (m²)"),
    "compounds_changed": ("状态变化小区数", "compounds changed"),
}
"""The ranking of plans (``scenarios.ranking``)."""

SCENARIO_TEXT: dict[str, tuple[str, str]] = {
    "today": ("现状", "today"),
    "ranking": ("方案排序", "ranking"),
    "rule": (
        "排序规则：达标指标多者在前；其次服务圈住户覆盖率高者在前；再次新增建筑面积少者在前。",
        "Ranked by targets met, then households in the care circle, then less floor area added.",
    ),
    "plan": ("方案", "plan"),
    "planned": ("规划设施", "planned facility"),
    "changes": ("变化小区", "changes"),
    "title": ("方案对比", "Plans compared"),
}
"""Words of the scenario outputs (``scenarios.xlsx``, the map's plan layers, the report)."""
