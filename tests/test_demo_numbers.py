"""Every number of the demo, re-derived independently: networkx walks, geopandas joins.

One module fixture computes the exact facility × compound walks with networkx on the
split graph (``tests/exact.py``) and the tool's assessment; each test then checks one
kind of number against a computation that shares no code with the tool.
"""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo_coverage import load_config
from geo_coverage.pipeline import prepare
from geo_coverage.reach.engine import snap_points, take
from geo_coverage.reach.walks import community_origins
from tests.conftest import assess_on
from tests.exact import nearest_exact, pair_matrix_exact


@pytest.fixture(scope="module")
def demo():
    """The demo assessed by the tool, and the exact walks of every facility × compound."""
    from tests.conftest import ROOT

    config = load_config(ROOT / "configs" / "demo.yaml")
    inputs = prepare(config)
    layers, network = inputs.layers, inputs.network
    s = config.standards
    fac = layers.facilities.reset_index(drop=True)
    raw = layers.communities.reset_index(drop=True)
    origins = community_origins(network, raw)
    assert (origins.community == np.arange(len(raw))).all()  # one origin per compound here
    xy = shapely.get_coordinates(fac.geometry.to_numpy())
    fac_snap = snap_points(network, xy[:, 0], xy[:, 1])
    pair = pair_matrix_exact(network, fac_snap, origins.snapped)  # facilities × compounds
    circle = s.care_circle_min * 60 * s.walking_speed_m_s
    care = fac["type"].isin(s.care_circle_types).to_numpy()
    result = assess_on(network, layers, s)
    return SimpleNamespace(
        s=s,
        layers=layers,
        network=network,
        fac=fac,
        fac_snap=fac_snap,
        raw=raw,
        ids=raw["id"].to_numpy(),
        hh=raw["households"].to_numpy(),
        elderly=raw["elderly"].to_numpy(),
        pair=pair,
        circle=circle,
        care=care,
        covered=pair[care].min(axis=0) <= circle,
        result=result,
        com=result.communities.set_index("id"),
    )


def _reaches(d, types) -> np.ndarray:
    """Whether each compound is within the care circle of a facility of ``types``."""
    mask = d.fac["type"].isin(types).to_numpy()
    return d.pair[mask].min(axis=0) <= d.circle


def _required_and_available(d):
    """Compound scope: 20 m² per 100 households (× 1.25 where aged) against own area plus
    the care facilities standing inside the compound."""
    s, raw, fac = d.s, d.raw, d.fac
    aged = raw["elderly"] / raw["population"] >= s.moderately_aged_share
    assert s.aged_area_uplift == 1.25 and aged.any() and not aged.all()
    required = raw["households"] / 100 * s.area_per_100_households_m2 * np.where(aged, 1.25, 1)
    inside = gpd.sjoin(fac[d.care], raw, predicate="within")
    own = raw["facility_area_m2"].fillna(0) + raw["id"].map(
        inside.groupby("id_right")["floor_area_m2"].sum()
    ).fillna(0)
    return required, own, np.maximum(required - own, 0)


def _land_short(d):
    given = d.raw["facility_land_m2"].notna()
    short = given & (
        d.raw["facility_land_m2"] < d.raw["population"] * d.s.land_per_resident_m2 - 0.05
    )
    return given, short


def _catchment_per_100(d):
    """2SFCA from the networkx walks; a facility reaching no compound shares nothing."""
    within = d.pair[d.care] <= d.circle
    load = (within * d.hh).sum(axis=1)
    area = d.fac[d.care]["floor_area_m2"].to_numpy()
    ratio = np.divide(area, load, out=np.zeros(len(load)), where=load > 0)
    return 100 * (within * ratio[:, None]).sum(axis=0)


def test_walk_times_nearest_facilities_and_care_circle_verdicts(demo):
    d = demo
    nearest_m = d.pair[d.care].min(axis=0)
    nearest_fac = d.fac[d.care]["id"].to_numpy()[d.pair[d.care].argmin(axis=0)]
    minutes = np.round(nearest_m / d.s.walking_speed_m_s / 60, 2)
    np.testing.assert_allclose(d.com.loc[d.ids, "walk_min"], minutes)
    assert (d.com.loc[d.ids, "nearest_id"].to_numpy() == nearest_fac).all()
    assert (d.com.loc[d.ids, "covered"].to_numpy() == d.covered).all()
    day_care = _reaches(d, d.s.day_care_types)
    assert (d.com.loc[d.ids, "day_care_covered"].to_numpy() == day_care).all()


def test_floor_area_in_the_compound(demo):
    required, own, deficit = _required_and_available(demo)
    com = demo.com.loc[demo.ids]
    np.testing.assert_allclose(com["required_m2"], required.round(1))
    np.testing.assert_allclose(com["available_m2"], own.round(1))
    np.testing.assert_allclose(com["deficit_m2"], deficit.round(1))


def test_land_standard_only_where_the_land_is_given(demo):
    given, short = _land_short(demo)
    assert 0 < given.sum() < len(demo.raw)
    assert (demo.com.loc[demo.ids, "meets_land"].to_numpy() == ~short.to_numpy()).all()


def test_floor_area_within_reach_two_step_floating_catchment(demo):
    got = demo.com.loc[demo.ids, "catchment_m2_per_100hh"]
    np.testing.assert_allclose(got, _catchment_per_100(demo).round(2))


def test_priority_counts_people_outside_and_people_short_of_area(demo):
    required, _, deficit = _required_and_available(demo)
    e = demo.elderly
    priority = e * (1 - demo.covered) + e * deficit / required
    np.testing.assert_allclose(demo.com.loc[demo.ids, "priority"], np.round(priority, 1))


def test_subdistrict_centres_and_shares(demo):
    subs = demo.layers.subdistricts
    fac_sub = gpd.sjoin(demo.fac, subs[["name", "geometry"]], predicate="within")
    centres = fac_sub[fac_sub["type"] == "centre"].groupby("name_right").size()
    got = demo.result.subdistricts.set_index("name")
    for name in subs["name"]:
        assert got.loc[name, "centres"] == centres.get(name, 0)
        in_sub = (demo.raw["subdistrict"] == name).to_numpy()
        hh = demo.hh[in_sub]
        share = (hh * demo.covered[in_sub]).sum() / hh.sum()
        assert got.loc[name, "covered_households_share"] == pytest.approx(share, abs=1e-4)


def test_villages_are_served_within_one_kilometre_in_a_straight_line(demo):
    home = demo.fac[demo.fac["type"].isin(demo.s.rural_home_care_types)]
    villages = demo.layers.villages
    served = [home.distance(v).min() <= demo.s.village_reach_m for v in villages.geometry]
    assert list(villages["name"][served]) == ["红旗嘎查", "东郊苏木所在地"]
    assert list(demo.result.villages["served"]) == served


def test_the_scorecard_indicator_by_indicator(demo):
    d, s, fac = demo, demo.s, demo.fac
    hh, e, covered = d.hh, d.elderly, d.covered
    _, _, deficit = _required_and_available(d)
    land_given, land_short = _land_short(d)
    subs = d.layers.subdistricts
    fac_sub = gpd.sjoin(fac, subs[["name", "geometry"]], predicate="within")
    centres = fac_sub[fac_sub["type"] == "centre"].groupby("name_right").size()
    health = fac["type"].eq("health").to_numpy()
    centre = fac["type"].eq("centre").to_numpy()
    _, centre_d = nearest_exact(
        d.network,
        take(d.fac_snap, np.flatnonzero(health)),
        take(d.fac_snap, np.flatnonzero(centre)),
    )
    colocated = (centre_d <= s.health_colocation_min * 60 * s.walking_speed_m_s).sum()
    home = fac[fac["type"].isin(s.rural_home_care_types)]
    served = [home.distance(v).min() <= s.village_reach_m for v in d.layers.villages.geometry]
    expected = {
        "care_circle_households": (hh * covered).sum() / hh.sum(),
        "care_circle_elderly": (e * covered).sum() / e.sum(),
        "care_circle_communities": covered.mean(),
        "day_care_coverage": _reaches(d, s.day_care_types).mean(),
        "meal_coverage": (e * _reaches(d, s.meal_types)).sum() / e.sum(),
        "area_standard": (deficit <= 0).mean(),
        "area_deficit": deficit.round(1).sum(),
        "area_catchment": (_catchment_per_100(d) >= s.area_per_100_households_m2 - 1e-9).mean(),
        "land_standard": 1 - land_short.sum() / land_given.sum(),
        "subdistrict_centres": (subs["name"].map(centres).fillna(0) >= 1).mean(),
        "beds_per_1000": 1000 * fac["beds"].sum() / e.sum(),
        "bed_demand": fac["beds"].sum() / (0.03 * e.sum()),
        "nursing_bed_share": fac["nursing_beds"].sum() / fac["beds"].sum(),
        "health_colocation": colocated / centre.sum(),
        "rural_home_care": np.mean(served),
        "township_centres": 1.0,  # 东郊苏木 holds 东郊苏木养老服务中心
        "county_support": float(fac["type"].isin(s.support_types).any()),  # none in the demo
    }
    card = d.result.scorecard.set_index("indicator")["measured"]
    assert set(card.index) == set(expected)
    for key, value in expected.items():
        assert card[key] == pytest.approx(value, abs=1e-3), key


def test_coverage_by_facility_type(demo):
    by_type = demo.result.coverage_by_type.set_index("type")
    for ftype in by_type.index:
        within = _reaches(demo, (ftype,))
        expected = (demo.hh * within).sum() / demo.hh.sum()
        assert by_type.loc[ftype, "households_share"] == pytest.approx(expected, abs=1e-9)


def test_the_gap_list_is_exactly_the_failing_compounds_highest_priority_first(demo):
    d = demo
    _, _, deficit = _required_and_available(d)
    _, land_short = _land_short(d)
    subs = d.result.subdistricts.set_index("name")
    failing = ~d.covered | (deficit > 0) | ~_reaches(d, d.s.day_care_types) | land_short
    failing |= d.raw["subdistrict"].isin(subs.index[~subs["has_centre"]]).to_numpy()
    assert set(d.result.gaps["id"]) == set(d.ids[failing])
    assert d.result.gaps["priority"].is_monotonic_decreasing
