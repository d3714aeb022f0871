"""The route behind a verdict: each gap compound's walk, drawn, is the walk it was priced on."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo_coverage.inputs.layers import Layers
from geo_coverage.outputs.export import gap_routes
from geo_coverage.reach.routes import walk_routes
from geo_coverage.reach.walks import reach_city
from geo_coverage.standards import standards_from_profile
from tests import test_assess
from tests.test_assess import communities, facilities

street = test_assess.street  # one street, x = 0 … 1000 m, nodes every 100 m


def _route(street, fac_x, com_xy):
    fac = facilities([("F", "station", 100.0, fac_x)])
    com = communities([("C", 100, com_xy[0])])
    com["geometry"] = [shapely.Point(*com_xy)]
    s = standards_from_profile("inner-mongolia")
    reach = reach_city(street, Layers(fac, com), s, snap_limit_m=300.0)
    group = reach.group(s.care_circle_types)
    return walk_routes(street, reach, group, np.array([0]), fac.geometry.to_numpy()).iloc[0]


def test_a_walk_off_the_street_along_it_and_to_the_facility(street):
    """Compound at (400, 250), facility at x = 150: 250 m to the street, 250 m along it."""
    route = _route(street, 150.0, (400.0, 250.0))
    assert route["walk_m"] == pytest.approx(500.0)
    assert route.geometry.length == pytest.approx(500.0)
    coords = shapely.get_coordinates(route.geometry)
    assert tuple(coords[0]) == (400.0, 250.0) and tuple(coords[-1]) == (150.0, 0.0)
    assert (coords[1:, 1] == 0).all()  # on the street after the first step


def test_on_one_street_between_junctions_the_walk_goes_straight(street):
    """Compound at x = 120 and facility at x = 180 share the edge 100–200: 60 m."""
    route = _route(street, 180.0, (120.0, 0.0))
    assert route["walk_m"] == pytest.approx(60.0)
    assert route.geometry.length == pytest.approx(60.0)


def test_every_gap_of_the_demo_gets_its_walk_and_the_line_is_that_walk(demo_result):
    routes = gap_routes(demo_result)
    gaps = demo_result.assessment.gaps
    assert set(routes["id"]) <= set(gaps["id"]) and len(routes) == len(gaps)
    walks = demo_result.assessment.communities.set_index("id").loc[routes["id"], "walk_min"]
    assert np.allclose(routes["walk_min"].to_numpy(), walks.to_numpy(), atol=0.06)
    assert np.allclose(routes.geometry.length, routes["walk_m"], atol=0.05)
    folder = demo_result.outputs[0].parent
    saved = gpd.read_file(folder / "gaps.gpkg", layer="routes")
    assert len(saved) == len(routes) and {"facility_name", "walk_min"} <= set(saved.columns)
    page = (folder / "map.html").read_text(encoding="utf-8")
    assert routes["name"].iloc[0] in page


def test_a_city_without_care_facilities_has_no_routes_and_no_error(street):
    fac = facilities([("N", "nursing_home", 100.0, 100.0)])  # not a care-circle type
    com = communities([("C", 100, 400.0)])
    s = standards_from_profile("inner-mongolia")
    reach = reach_city(street, Layers(fac, com), s)
    group = reach.group(s.care_circle_types)
    routes = walk_routes(street, reach, group, np.array([0]), fac.geometry.to_numpy())
    assert len(routes) == 0
