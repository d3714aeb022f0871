"""The assessment: a hand-computed 2SFCA case, entrances, every demo number re-derived."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo_coverage import load_config
from geo_coverage.inputs.layers import ROW_COL, Layers
from geo_coverage.network.streets import network_from_arrays
from geo_coverage.pipeline import prepare
from geo_coverage.standards import standards_from_profile
from tests.conftest import assess_on

CRS = "EPSG:4546"


def points_frame(rows: list[dict], xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(rows, geometry=[shapely.Point(p) for p in xy], crs=CRS)
    frame[ROW_COL] = np.arange(len(frame)) + 2
    return frame


def facilities(spec: list[tuple[str, str, float, float]]) -> gpd.GeoDataFrame:
    rows = [
        {
            "id": i,
            "name": i,
            "type": t,
            "type_label": t,
            "floor_area_m2": a,
            "beds": 0.0,
            "nursing_beds": 0.0,
        }
        for i, t, a, _ in spec
    ]
    return points_frame(rows, [(x, 0.0) for *_, x in spec])


def communities(spec: list[tuple[str, float, float]]) -> gpd.GeoDataFrame:
    rows = [
        {
            "id": i,
            "name": i,
            "households": hh,
            "population": 2.5 * hh,
            "elderly": 0.2 * hh,
            "subdistrict": None,
            "facility_land_m2": np.nan,
            "facility_area_m2": 0.0,
        }
        for i, hh, _ in spec
    ]
    return points_frame(rows, [(x, 0.0) for *_, x in spec])


@pytest.fixture
def street():
    """One straight street from x = 0 to x = 1000 m, nodes every 100 m."""
    x = np.arange(0.0, 1001.0, 100.0)
    u = np.arange(10)
    return network_from_arrays(x, np.zeros_like(x), u, u + 1, crs=CRS)


def test_catchment_scope_matches_a_hand_computed_2sfca(street):
    """Three facilities, five communities on one street, 250 m catchments (250 s at 1 m/s).

    A (x=100, 100 m²) reaches c0, c1            -> 100 / (100+200)     = 1/3 m² per household
    B (x=500, 200 m²) reaches c2, c3            -> 200 / (300+400)     = 2/7
    C (x=900, 300 m²) reaches c3, c4            -> 300 / (400+500)     = 1/3
    per 100 households: c0 = c1 = 100/3, c2 = 200/7, c3 = 100 (2/7 + 1/3), c4 = 100/3
    """
    fac = facilities(
        [
            ("A", "station", 100.0, 100.0),
            ("B", "station", 200.0, 500.0),
            ("C", "day_care", 300.0, 900.0),
        ]
    )
    com = communities(
        [
            ("c0", 100, 0.0),
            ("c1", 200, 200.0),
            ("c2", 300, 450.0),
            ("c3", 400, 700.0),
            ("c4", 500, 1000.0),
        ]
    )
    standards = standards_from_profile("inner-mongolia", overrides={"care_circle_min": 250 / 60})
    result = assess_on(street, Layers(fac, com), standards)
    got = result.communities.set_index("id")["catchment_m2_per_100hh"]
    expected = {
        "c0": 100 / 3,
        "c1": 100 / 3,
        "c2": 200 / 7,
        "c3": 100 * (2 / 7 + 1 / 3),
        "c4": 100 / 3,
    }
    for cid, value in expected.items():
        assert got[cid] == pytest.approx(value, abs=0.01), cid
    meets = result.communities.set_index("id")["meets_area_catchment"]
    assert list(meets) == [True, True, True, True, True]
    within = result.facilities.set_index("id")["households_within"]
    assert within.to_dict() == {"A": 300.0, "B": 700.0, "C": 900.0}


def test_entrances_split_households_and_report_the_covered_share(street):
    fac = facilities([("A", "centre", 500.0, 0.0)])
    com = communities([("big", 1000, 600.0)])
    entrances = points_frame(
        [
            {"community_id": "big", "id": "e1", "households": 600.0},
            {"community_id": "big", "id": "e2", "households": 400.0},
        ],
        [(100.0, 5.0), (950.0, 5.0)],
    )
    standards = standards_from_profile("inner-mongolia", overrides={"care_circle_min": 5.0})
    result = assess_on(street, Layers(fac, com, entrances=entrances), standards)
    row = result.communities.iloc[0]
    assert row["covered_share"] == pytest.approx(0.6)  # e1 at 105 m; e2 at 955 m > 300 m
    assert not row["covered"]
    assert row["walk_min"] == pytest.approx(105 / 60, abs=0.01)
    assert "部分住户不在5分钟养老服务圈内" in row["reasons_zh"]


def test_demo_tells_the_story_it_was_built_for(demo_config_path):
    """East subdistrict 东风街道 has no centre; its nursing home does not make it covered."""
    config = load_config(demo_config_path)
    inputs = prepare(config)
    result = assess_on(inputs.network, inputs.layers, config.standards)
    subs = result.subdistricts.set_index("name")
    assert list(subs["has_centre"]) == [True, True, False]
    assert subs.loc["东风街道", "covered_households_share"] < 0.5
    assert subs.loc["新华街道", "covered_households_share"] == 1.0
    assert pd.Series(result.gaps["reasons_en"]).str.contains("outside").any()


def test_one_reach_prices_verdicts_and_isochrones_with_one_step_off_rule(street):
    """A compound 250 m beside the street: covered by the verdict, inside the polygon.

    The facility stands on the street at x = 100; the compound's point is 250 m off the
    street at x = 400: 300 m along + 250 m off = 550 m, within the 900 m circle. The step
    off the street (250 m) is within the snap limit (300 m), so the map's care circle
    must hold the compound too — before the reach stage, polygons allowed only 150 m.
    """
    from geo_coverage.assess.verdicts import assess
    from geo_coverage.reach.isochrones import travel_times
    from geo_coverage.reach.walks import reach_city

    fac = facilities([("F", "station", 100.0, 100.0)])
    com = communities([("C", 100.0, 400.0)])
    com["geometry"] = [shapely.Point(400.0, 250.0)]
    layers = Layers(facilities=fac, communities=com)
    s = standards_from_profile("inner-mongolia")
    reach = reach_city(street, layers, s, snap_limit_m=300.0)
    result = assess(reach, layers, s)
    assert result.reach is reach  # the assessment searched nothing itself
    assert result.communities["walk_min"].iloc[0] == pytest.approx(550 / 60, abs=0.01)
    assert bool(result.communities["covered"].iloc[0])
    times = travel_times(street, reach, dataclasses.replace(s, bands_min=(15.0,)), resolution_m=5.0)
    polygon = times.isochrones.set_index("group").loc["care_circle", "geometry"]
    assert polygon.contains(shapely.Point(400.0, 245.0))
    assert not polygon.contains(shapely.Point(400.0, 310.0))  # beyond the step-off cap
