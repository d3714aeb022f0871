"""The assessment: a hand-computed 2SFCA case, entrances, every demo number re-derived."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo_coverage import load_config
from geo_coverage.assess import assess
from geo_coverage.engine import snap_points
from geo_coverage.layers import ROW_COL, Layers
from geo_coverage.network import network_from_arrays
from geo_coverage.pipeline import prepare
from geo_coverage.reach import community_origins
from geo_coverage.standards import standards_from_profile
from tests.exact import nearest_exact, pair_matrix_exact

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
    result = assess(street, Layers(fac, com), standards)
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
    result = assess(street, Layers(fac, com, entrances=entrances), standards)
    row = result.communities.iloc[0]
    assert row["covered_share"] == pytest.approx(0.6)  # e1 at 105 m; e2 at 955 m > 300 m
    assert not row["covered"]
    assert row["walk_min"] == pytest.approx(105 / 60, abs=0.01)
    assert "部分住户不在5分钟养老服务圈内" in row["reasons_zh"]


def test_every_demo_number_agrees_with_an_independent_computation(demo_config_path):
    config = load_config(demo_config_path)
    layers, network, _ = prepare(config)
    s = config.standards
    result = assess(network, layers, s)
    com = result.communities.set_index("id")
    fac = layers.facilities.reset_index(drop=True)
    raw = layers.communities.reset_index(drop=True)
    speed, circle = s.walking_speed_m_s, s.care_circle_min * 60 * s.walking_speed_m_s

    # distances by networkx on the split graph, from the same origins and snapped facilities
    origins = community_origins(network, raw)
    assert (origins.community == np.arange(len(raw))).all()  # one origin per compound here
    xy = shapely.get_coordinates(fac.geometry.to_numpy())
    fac_snap = snap_points(network, xy[:, 0], xy[:, 1])
    pair = pair_matrix_exact(network, fac_snap, origins.snapped)  # facilities × communities
    care = fac["type"].isin(s.care_circle_types).to_numpy()
    nearest_m = pair[care].min(axis=0)
    nearest_fac = fac[care]["id"].to_numpy()[pair[care].argmin(axis=0)]
    ids = raw["id"].to_numpy()
    np.testing.assert_allclose(com.loc[ids, "walk_min"], np.round(nearest_m / speed / 60, 2))
    assert (com.loc[ids, "nearest_id"].to_numpy() == nearest_fac).all()
    covered = nearest_m <= circle
    assert (com.loc[ids, "covered"].to_numpy() == covered).all()
    day_care = fac["type"].isin(s.day_care_types).to_numpy()
    assert (com.loc[ids, "day_care_covered"].to_numpy() == (pair[day_care].min(0) <= circle)).all()

    # area standard, compound scope: 20 m² per 100 households against the compound's own area
    # plus care facilities standing inside it
    aged = raw["elderly"] / raw["population"] >= s.moderately_aged_share
    assert s.aged_area_uplift == 1.25 and aged.any() and not aged.all()
    required = raw["households"] / 100 * s.area_per_100_households_m2 * np.where(aged, 1.25, 1)
    inside = gpd.sjoin(fac[care], raw, predicate="within")
    own = raw["facility_area_m2"].fillna(0) + raw["id"].map(
        inside.groupby("id_right")["floor_area_m2"].sum()
    ).fillna(0)
    deficit = np.maximum(required - own, 0)
    np.testing.assert_allclose(com.loc[ids, "required_m2"], required.round(1))
    np.testing.assert_allclose(com.loc[ids, "available_m2"], own.round(1))
    np.testing.assert_allclose(com.loc[ids, "deficit_m2"], deficit.round(1))

    # land standard, only where the land for elderly facilities is given
    land_given = raw["facility_land_m2"].notna()
    assert 0 < land_given.sum() < len(raw)
    land_short = land_given & (
        raw["facility_land_m2"] < raw["population"] * s.land_per_resident_m2 - 0.05
    )
    assert (com.loc[ids, "meets_land"].to_numpy() == ~land_short.to_numpy()).all()

    # catchment scope: 2SFCA from the networkx pair distances
    hh = raw["households"].to_numpy()
    within = pair[care] <= circle
    load = (within * hh).sum(axis=1)  # the rural centres reach no compound: they share nothing
    ratio = np.divide(
        fac[care]["floor_area_m2"].to_numpy(), load, out=np.zeros(len(load)), where=load > 0
    )
    per_100 = 100 * (within * ratio[:, None]).sum(axis=0)
    np.testing.assert_allclose(com.loc[ids, "catchment_m2_per_100hh"], per_100.round(2))

    # priority: elderly outside the circle + elderly × missing share of the required area
    elderly = raw["elderly"].to_numpy()
    priority = elderly * (1 - covered) + elderly * deficit / required
    np.testing.assert_allclose(com.loc[ids, "priority"], np.round(priority, 1))

    # subdistricts: centres inside each polygon, beds per 1000 elderly, nursing share
    subs = layers.subdistricts
    fac_sub = gpd.sjoin(fac, subs[["name", "geometry"]], predicate="within")
    centres = fac_sub[fac_sub["type"] == "centre"].groupby("name_right").size()
    got_subs = result.subdistricts.set_index("name")
    for name in subs["name"]:
        assert got_subs.loc[name, "centres"] == centres.get(name, 0)
        in_sub = raw["subdistrict"] == name
        share = (hh[in_sub] * covered[in_sub]).sum() / hh[in_sub].sum()
        assert got_subs.loc[name, "covered_households_share"] == pytest.approx(share, abs=1e-4)

    # health co-location: each centre's exact walk to the nearest health station
    health = fac["type"].eq("health").to_numpy()
    centre = fac["type"].eq("centre").to_numpy()
    _, centre_d = nearest_exact(network, _subset(fac_snap, health), _subset(fac_snap, centre))
    colocated = (centre_d <= s.health_colocation_min * 60 * speed).sum()

    # villages: a home-care facility within 1 km in a straight line (geopandas distances)
    home = fac[fac["type"].isin(s.rural_home_care_types)]
    villages = layers.villages
    served = np.array([home.distance(v).min() <= s.village_reach_m for v in villages.geometry])
    assert list(villages["name"][served]) == ["红旗嘎查", "东郊苏木所在地"]

    # meal points: elderly within the care circle of a canteen
    meal = fac["type"].isin(s.meal_types).to_numpy()
    assert meal.any()

    # the scorecard, indicator by indicator
    card = result.scorecard.set_index("indicator")["measured"]
    expected = {
        "care_circle_households": (hh * covered).sum() / hh.sum(),
        "care_circle_elderly": (elderly * covered).sum() / elderly.sum(),
        "care_circle_communities": covered.mean(),
        "day_care_coverage": (pair[day_care].min(0) <= circle).mean(),
        "area_standard": (deficit <= 0).mean(),
        "area_deficit": deficit.round(1).sum(),
        "area_catchment": (per_100 >= s.area_per_100_households_m2 - 1e-9).mean(),
        "land_standard": 1 - land_short.sum() / land_given.sum(),
        "subdistrict_centres": (subs["name"].map(centres).fillna(0) >= 1).mean(),
        "meal_coverage": (elderly * (pair[meal].min(0) <= circle)).sum() / elderly.sum(),
        "beds_per_1000": 1000 * fac["beds"].sum() / elderly.sum(),
        "bed_demand": fac["beds"].sum() / (0.03 * elderly.sum()),
        "nursing_bed_share": fac["nursing_beds"].sum() / fac["beds"].sum(),
        "health_colocation": colocated / centre.sum(),
        "rural_home_care": served.mean(),
        "township_centres": 1.0,  # 东郊苏木 holds 东郊苏木养老服务中心
    }
    assert set(card.index) == set(expected)
    for key, value in expected.items():
        assert card[key] == pytest.approx(value, abs=1e-3), key

    # coverage by facility type, from the same exact distances
    by_type = result.coverage_by_type.set_index("type")
    for ftype in by_type.index:
        mask = fac["type"].eq(ftype).to_numpy()
        within = pair[mask].min(axis=0) <= circle
        assert by_type.loc[ftype, "households_share"] == pytest.approx(
            (hh * within).sum() / hh.sum(), abs=1e-9
        ), ftype

    # the gap list is exactly the failing compounds, highest priority first
    failing = ~covered | (deficit > 0) | ~(pair[day_care].min(0) <= circle) | land_short
    failing |= raw["subdistrict"].isin(got_subs.index[~got_subs["has_centre"]]).to_numpy()
    assert set(result.gaps["id"]) == set(ids[failing])
    assert result.gaps["priority"].is_monotonic_decreasing


def _subset(snapped, mask):
    from geo_coverage.engine import take

    return take(snapped, np.flatnonzero(mask))


def test_demo_tells_the_story_it_was_built_for(demo_config_path):
    """East subdistrict 东风街道 has no centre; its nursing home does not make it covered."""
    result = assess(
        *reversed(prepare(load_config(demo_config_path))[:2]),
        load_config(demo_config_path).standards,
    )
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
    from geo_coverage.isochrones import travel_times
    from geo_coverage.reach import reach_city

    fac = facilities([("F", "station", 100.0, 100.0)])
    com = communities([("C", 100.0, 400.0)])
    com["geometry"] = [shapely.Point(400.0, 250.0)]
    layers = Layers(facilities=fac, communities=com)
    s = standards_from_profile("inner-mongolia")
    reach = reach_city(street, layers, s, snap_limit_m=300.0)
    result = assess(street, layers, s, reach=reach)
    assert result.reach is reach  # the assessment searched nothing itself
    assert result.communities["walk_min"].iloc[0] == pytest.approx(550 / 60, abs=0.01)
    assert bool(result.communities["covered"].iloc[0])
    group = reach.group(s.care_circle_types)
    times = travel_times(
        street,
        {"care_circle": np.ones(1, bool)},
        reach.facilities,
        bands_min=(15.0,),
        speed_m_s=s.walking_speed_m_s,
        max_offset_m=reach.step_off_m,
        resolution_m=5.0,
        node_distances={"care_circle": group.nodes.distance_m},
    )
    polygon = times.isochrones["geometry"].iloc[0]
    assert polygon.contains(shapely.Point(400.0, 245.0))
    assert not polygon.contains(shapely.Point(400.0, 310.0))  # beyond the step-off cap
