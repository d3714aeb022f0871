"""Service areas (责任区) and load: whom each care facility serves, derived by hand.

One straight street, x = 0 … 1000 m, walking 1 m/s, a 500 m (500 s) care circle.
Stations A (x = 100) and B (x = 900); every compound sits on the street, so its walk is
the distance along it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo_coverage.inputs.layers import Layers
from geo_coverage.reach.walks import reach_city, serving_facility
from geo_coverage.standards import standards_from_profile
from tests import test_assess
from tests.conftest import assess_on
from tests.test_assess import communities, facilities

street = test_assess.street  # the one-street fixture

STANDARDS = standards_from_profile("inner-mongolia", overrides={"care_circle_min": 500 / 60})


@pytest.fixture
def two_stations(street):
    fac = facilities([("A", "station", 40.0, 100.0), ("B", "station", 20.0, 900.0)])
    com = communities(
        [
            ("c1", 100, 300.0),  # A 200 m, B 600 m (outside B's circle): A
            ("c2", 200, 700.0),  # A 600 m (outside), B 200 m: B
            ("c3", 50, 500.0),  # A 400 m, B 400 m: a tie, A is listed first
            ("c4", 120, 1000.0),  # B 100 m: B
        ]
    )
    return assess_on(street, Layers(fac, com), STANDARDS)


def test_each_compound_lies_in_the_service_area_of_its_nearest_station(two_stations):
    com = two_stations.communities.set_index("id")
    assert com["served_by_id"].to_dict() == {"c1": "A", "c2": "B", "c3": "A", "c4": "B"}


def test_load_is_floor_area_per_100_households_of_the_service_area(two_stations):
    """A: 40 m² for c1 + c3 = 150 households -> 26.7 m² per 100 households: within 20.
    B: 20 m² for c2 + c4 = 320 households -> 6.25 per 100: overloaded."""
    fac = two_stations.facilities.set_index("id")
    assert fac.loc["A", "served_households"] == 150
    assert fac.loc["B", "served_households"] == 320
    assert fac.loc["A", "served_communities"] == 2
    assert fac.loc["A", "served_elderly"] == pytest.approx(0.2 * 150)
    assert fac.loc["A", "served_m2_per_100hh"] == pytest.approx(26.7)
    assert fac.loc["B", "served_m2_per_100hh"] == pytest.approx(6.2, abs=0.06)
    assert fac["load_status"].to_dict() == {"A": "ok", "B": "overloaded"}
    areas = two_stations.service_areas.set_index("id")
    assert list(areas.index) == ["A", "B"]
    assert areas.loc["B", "load_status"] == "overloaded"
    assert areas.loc["B"].geometry.contains(two_stations.communities.geometry.iloc[3])


def test_a_station_whose_circle_holds_no_household_is_unused(street):
    fac = facilities([("A", "station", 40.0, 0.0), ("Z", "station", 30.0, 1000.0)])
    com = communities([("c1", 100, 100.0)])
    fac_out = assess_on(street, Layers(fac, com), STANDARDS).facilities.set_index("id")
    assert fac_out.loc["Z", "load_status"] == "unused"
    assert fac_out.loc["Z", "served_households"] == 0


def test_without_a_floor_area_the_load_is_no_data_not_overloaded(street):
    fac = facilities([("A", "station", float("nan"), 100.0)])
    com = communities([("c1", 100, 300.0)])
    fac_out = assess_on(street, Layers(fac, com), STANDARDS).facilities
    assert fac_out["load_status"].tolist() == ["no_data"]
    assert fac_out["served_households"].tolist() == [100]


def test_other_types_do_not_serve_and_carry_no_load(street):
    fac = facilities([("N", "nursing_home", 900.0, 300.0), ("A", "station", 40.0, 100.0)])
    com = communities([("c1", 100, 300.0)])  # the nursing home stands on it: still A's
    result = assess_on(street, Layers(fac, com), STANDARDS)
    assert result.communities["served_by_id"].tolist() == ["A"]
    assert result.facilities.set_index("id").loc["N", "load_status"] == ""


def test_ties_go_to_the_facility_listed_first_equal_to_a_tenth_of_a_metre():
    types = pd.Series(["station"] * 3).to_numpy(dtype=object)
    pairs = pd.DataFrame(
        {
            "source": [2, 1, 0, 2, 1],
            "point": [0, 0, 0, 1, 1],
            "distance_m": [100.0, 100.04, 100.06, 50.0, 49.0],
        }
    )
    # origin 0: 100.0, 100.0 (to 0.1 m) and 100.1 -> rows 1 and 2 tie, row 1 is first
    # origin 1: row 1 walks 49 m, less than row 2's 50 m; origin 2 has no pair
    got, walk_dm = serving_facility(pairs, types, ("station",), 3)
    assert got.tolist() == [1, 1, -1]
    assert walk_dm.tolist() == [1000.0, 490.0, np.inf]


def test_the_reach_stage_serves_only_origins_within_the_circle(street):
    fac = facilities([("A", "station", 40.0, 0.0)])
    com = communities([("near", 10, 400.0), ("far", 10, 800.0)])
    reach = reach_city(street, Layers(fac, com), STANDARDS)
    assert reach.served_by.tolist() == [0, -1]
