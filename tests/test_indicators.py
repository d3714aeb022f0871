"""The indicator registry: one declaration per standard drives scorecard, reasons and gap list."""

from __future__ import annotations

import dataclasses

import pytest

from geo_coverage.assess.indicators import INDICATORS, reason_texts, reasons
from geo_coverage.outputs.tables import GAP_COLUMNS
from geo_coverage.standards import PROFILES, THRESHOLD_KEYS, standards_from_profile


def test_every_indicator_cites_a_threshold_of_the_standards():
    for indicator in INDICATORS:
        assert indicator.source in THRESHOLD_KEYS or indicator.source == "", indicator.key
    assert len({i.key for i in INDICATORS}) == len(INDICATORS)


@pytest.mark.parametrize("profile", PROFILES)
def test_every_threshold_an_indicator_cites_has_a_source_passage_in_every_profile(profile):
    s = standards_from_profile(profile)
    for indicator in INDICATORS:
        if indicator.source:
            assert s.source(indicator.source).strip(), (profile, indicator.key)


def test_labels_and_reasons_state_the_configured_thresholds():
    s = standards_from_profile(
        "inner-mongolia", overrides={"care_circle_min": 10, "area_per_100_households_m2": 30}
    )
    texts = reason_texts(s)
    assert texts["outside"] == ("不在10分钟养老服务圈内", "outside the 10-minute care circle")
    assert "每百户30㎡" in texts["area"][0]
    assert texts["unassessed"][0].format(m="420") == "无法评估：距最近道路 420 米"
    for zh, en in texts.values():  # every placeholder but the distance is filled
        assert "{" not in zh.replace("{m}", "") and "{" not in en.replace("{m}", "")


def test_reasons_keep_one_order_and_one_key_each():
    ranks = [r.rank for r in reasons()]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    assert [r.key for r in reasons()][:3] == ["unassessed", "outside", "partly"]


def test_gap_list_columns_come_from_the_indicators_between_the_fixed_ones():
    columns = list(GAP_COLUMNS)
    assert columns[:6] == ["id", "name", "subdistrict", "households", "estimated", "elderly"]
    assert columns[-5:] == ["reasons_zh", "reasons_en", "priority", "lon", "lat"]
    declared = [c for i in INDICATORS for c in i.columns]
    assert columns[6:-5] == declared


def test_the_demo_scorecard_lists_the_registry_in_order(demo_result):
    scorecard = demo_result.assessment.scorecard
    order = [i.key for i in INDICATORS]
    keys = list(scorecard["indicator"])
    assert keys == sorted(keys, key=order.index)
    assert {"care_circle_households", "area_standard", "beds_per_1000"} <= set(keys)


def _street_city(fac_spec, com_spec):
    """Facilities and communities on one straight 1 km street (see tests/test_assess.py)."""
    import numpy as np

    from geo_coverage.inputs.layers import Layers
    from geo_coverage.network.streets import network_from_arrays
    from tests.test_assess import CRS, communities, facilities

    x = np.arange(0.0, 1001.0, 100.0)
    u = np.arange(10)
    street = network_from_arrays(x, np.zeros_like(x), u, u + 1, crs=CRS)
    return street, Layers(facilities=facilities(fac_spec), communities=communities(com_spec))


def test_meal_coverage_counts_the_elderly_within_the_circle_of_a_meal_point():
    """Canteen at x = 0; A (20 elderly) walks 300 m, B (60 elderly) 1,000 m > 900 m."""
    from tests.conftest import assess_on

    street, layers = _street_city(
        [("M", "canteen", 50.0, 0.0), ("S", "station", 50.0, 1000.0)],
        [("A", 100.0, 300.0), ("B", 300.0, 1000.0)],
    )
    card = assess_on(street, layers, standards_from_profile("siping-tiexi")).scorecard
    row = card.set_index("indicator").loc["meal_coverage"]
    assert row["measured"] == pytest.approx(20 / 80)
    assert row["status"] == "fail" and row["label_zh"] == "老年助餐点覆盖率（15分钟内老年人）"
    assert "004" in row["source"] and "银发食堂" in row["source"] and "工具默认" in row["source"]


def test_without_any_meal_point_the_meal_row_says_no_data_and_what_to_add():
    from tests.conftest import assess_on

    street, layers = _street_city([("S", "station", 50.0, 0.0)], [("A", 100.0, 300.0)])
    row = assess_on(street, layers, standards_from_profile("inner-mongolia")).scorecard
    row = row.set_index("indicator").loc["meal_coverage"]
    assert row["status"] == "no_data" and "老年食堂" in row["missing_data"]


def test_bed_demand_compares_beds_with_three_percent_of_the_elderly():
    """80 elderly × 3 % = 2.4 beds needed; 3 beds meet 125 % of it."""
    from tests.conftest import assess_on

    street, layers = _street_city(
        [("N", "nursing_home", 0.0, 0.0)], [("A", 100.0, 300.0), ("B", 300.0, 1000.0)]
    )
    layers.facilities["beds"] = 3.0
    chifeng = standards_from_profile("chifeng", overrides={})
    card = assess_on(street, layers, dataclasses.replace(chifeng, place_level="city")).scorecard
    row = card.set_index("indicator").loc["bed_demand"]
    assert row["measured"] == pytest.approx(3 / 2.4)
    assert row["status"] == "pass" and "按老年人口3%测算" in row["label_zh"]
    assert "3%的老年人口入住机构养老" in row["source"] and row["year"] == 2025
    assert row["note"].startswith("按名单现有老年人口 80 人测算")
    # a district of Chifeng: the city-wide target is judged on the city's total only
    district = assess_on(street, layers, dataclasses.replace(chifeng, place_level="county"))
    assert district.scorecard.set_index("indicator").loc["bed_demand", "status"] == "total"
    # Inner Mongolia's documents set no bed target: measured, never judged
    region = assess_on(street, layers, standards_from_profile("inner-mongolia")).scorecard
    assert region.set_index("indicator").loc["bed_demand", "status"] == "no_target"


def test_a_village_is_served_by_a_facility_inside_it_or_within_the_configured_reach():
    import geopandas as gpd
    import shapely

    from geo_coverage.assess.rural import township_checks, village_checks

    fac = gpd.GeoDataFrame(
        {"name": ["幸福院", "养老院"], "type": ["mutual_aid", "nursing_home"]},
        geometry=[shapely.Point(500, 500), shapely.Point(5000, 0)],
        crs="EPSG:4546",
    )
    villages = gpd.GeoDataFrame(
        {"id": ["A", "B", "C"], "name": ["甲", "乙", "丙"]},
        geometry=[
            shapely.box(0, 0, 1000, 1000),  # holds the home: 0 m
            shapely.Point(500, 1499),  # 999 m north of it
            shapely.Point(5000, 10),  # next to a nursing home only: not home care
        ],
        crs="EPSG:4546",
    )
    s = standards_from_profile("inner-mongolia")
    got = village_checks(villages, fac, s)
    assert list(got["home_care_m"]) == [0.0, 999.0, pytest.approx(4500.0, abs=30)]
    assert list(got["served"]) == [True, True, False]
    strict = standards_from_profile("inner-mongolia", overrides={"village_reach_m": 500})
    assert list(village_checks(villages, fac, strict)["served"]) == [True, False, False]

    townships = gpd.GeoDataFrame(
        {"name": ["东", "西"]},
        geometry=[shapely.box(0, 0, 2000, 2000), shapely.box(4000, -1000, 6000, 1000)],
        crs="EPSG:4546",
    )
    centre = fac.assign(type=["centre", "nursing_home"])
    assert list(township_checks(townships, centre, s)["has_centre"]) == [True, False]


def test_bed_targets_measure_against_the_target_years_elderly():
    """001 counts demand as 3 % of the 2025 elderly (105万), not of today's list."""
    from tests.conftest import assess_on

    street, layers = _street_city(
        [("N", "nursing_home", 0.0, 0.0)], [("A", 100.0, 300.0), ("B", 300.0, 1000.0)]
    )
    layers.facilities["beds"] = 60.0
    chifeng = dataclasses.replace(standards_from_profile("chifeng"), place_level="city")
    given = dataclasses.replace(chifeng, population_year=2025, population_elderly=1_200.0)
    grown = dataclasses.replace(chifeng, population_year=2025, population_growth=1.5)
    for s, elderly in ((chifeng, 80.0), (given, 1_200.0), (grown, 120.0)):
        card = assess_on(street, layers, s).scorecard.set_index("indicator")
        assert card.loc["beds_per_1000", "measured"] == pytest.approx(1000 * 60 / elderly)
        assert card.loc["bed_demand", "measured"] == pytest.approx(60 / (0.03 * elderly))
    card = assess_on(street, layers, given).scorecard.set_index("indicator")
    note = card.loc["bed_demand", "note"]
    assert note.startswith("按2025年老年人口 1,200 人测算")


@pytest.mark.parametrize(
    ("word", "tool_type"),
    [
        ("社区养老服务驿站", "station"),
        ("长者食堂", "canteen"),
        ("长者爱心食堂", "canteen"),
        ("银发食堂", "canteen"),
        ("区域性养老服务中心", "centre"),
        ("乡镇卫生院", "health"),
        ("社区卫生服务中心", "health"),
        ("特困人员供养服务机构", "support"),
        ("光荣院", "nursing_home"),
        ("农村养老大院", "rural_station"),
        ("嘎查村级养老服务站", "rural_station"),
        ("牧区养老服务站", "rural_station"),
        ("养护院", "nursing_home"),
        ("护理院", "medical_care"),
        ("医养结合机构", "medical_care"),
    ],
)
def test_the_words_real_lists_use_map_to_a_type(word, tool_type):
    from geo_coverage.inputs.layers import type_words

    assert type_words()[word] == tool_type


def test_an_unknown_type_word_is_listed_with_the_closest_known_word(tmp_path):
    from geo_coverage._errors import LayerError
    from geo_coverage.config import FacilityLayerConfig
    from geo_coverage.inputs.layers import read_layer

    csv = tmp_path / "f.csv"
    csv.write_text("编号,名称,类型,经度,纬度\nF1,甲,社区养老驿站,111.7,40.8\n", encoding="utf-8")
    with pytest.raises(LayerError) as err:
        read_layer("facilities", FacilityLayerConfig(path=csv))
    message = str(err.value)
    assert "row 2" in message and "'社区养老驿站'" in message
    assert "did you mean '社区养老服务驿站' (station)?" in message
