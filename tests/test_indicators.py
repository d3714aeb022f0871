"""The indicator registry: one declaration per standard drives scorecard, reasons and gap list."""

from __future__ import annotations

import pytest

from geo_coverage.export import GAP_COLUMNS
from geo_coverage.indicators import INDICATORS, reason_texts, reasons
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


def test_the_demo_scorecard_lists_the_registry_in_order(demo_config_path):
    from geo_coverage.pipeline import run

    scorecard = run(demo_config_path, write=False).assessment.scorecard
    order = [i.key for i in INDICATORS]
    keys = list(scorecard["indicator"])
    assert keys == sorted(keys, key=order.index)
    assert {"care_circle_households", "area_standard", "beds_per_1000"} <= set(keys)
