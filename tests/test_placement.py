"""Placing one facility updates the reach in place, and agrees with walking the city again.

``reach.placement.with_facility`` searches only from the new facility and merges; the
check is the full ``reach_city`` on the layers with the facility added — a different
code path (one multi-source search per group, all pairs anew) — and every verdict,
walk, service area and scorecard value must be the same.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo_coverage import LayerError, load_config
from geo_coverage.assess.verdicts import assess
from geo_coverage.pipeline import prepare, reach_of
from geo_coverage.reach.placement import with_facility
from geo_coverage.reach.walks import reach_city
from tests.conftest import ROOT, requires_shared

COLUMNS = [
    "walk_min",
    "covered_share",
    "covered",
    "day_care_covered",
    "meal_covered_share",
    "served_by_id",
    "catchment_m2_per_100hh",
    "reasons_zh",
    "priority",
]


def _facility(x: float, y: float, ftype: str, crs, area: float = 300.0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["NEW"],
            "name": ["新设施"],
            "type": [ftype],
            "type_label": [ftype],
            "floor_area_m2": [area],
            "beds": [0.0],
            "nursing_beds": [0.0],
            "source_row": [0],
        },
        geometry=[shapely.Point(x, y)],
        crs=crs,
    )


def _both(config_path, facility_at):
    config = load_config(config_path)
    inputs = prepare(config)
    reach = reach_of(config, inputs)
    facility = facility_at(inputs)
    quick, layers = with_facility(inputs.network, reach, inputs.layers, config.standards, facility)
    full = reach_city(
        inputs.network,
        layers,
        config.standards,
        snap_limit_m=config.network.snap_limit_m,
        far_points=config.network.far_points,
    )
    return (
        assess(quick, layers, config.standards),
        assess(full, layers, config.standards),
        quick,
        full,
    )


def _same(quick_a, full_a, quick, full):
    for key, group in full.groups.items():
        np.testing.assert_array_equal(quick.groups[key].origin_m, group.origin_m, err_msg=str(key))
        np.testing.assert_array_equal(
            quick.groups[key].nodes.distance_m, group.nodes.distance_m, err_msg=str(key)
        )
    np.testing.assert_array_equal(quick.served_by, full.served_by)
    np.testing.assert_array_equal(quick.centre_health_m, full.centre_health_m)
    pd.testing.assert_frame_equal(
        quick_a.communities[COLUMNS].reset_index(drop=True),
        full_a.communities[COLUMNS].reset_index(drop=True),
    )
    pd.testing.assert_frame_equal(
        quick_a.scorecard[["indicator", "measured", "status"]],
        full_a.scorecard[["indicator", "measured", "status"]],
    )


@pytest.mark.parametrize(
    ("ftype", "where"),
    [
        ("station", "outside"),  # a station where compounds are outside the circle
        ("centre", "outside"),  # a centre: subdistrict checks and the health walk
        ("health", "covered"),  # a health station: the centres' health walk changes
        ("canteen", "outside"),  # a type of its own: meals only
    ],
)
def test_a_placement_on_the_demo_equals_a_full_reach(ftype, where):
    picked = []

    def at_a_compound(inputs):
        com = inputs.layers.communities
        config = load_config(ROOT / "configs" / "demo.yaml")
        status = assess(reach_of(config, inputs), inputs.layers, config.standards).communities
        pick = status.index[status["covered"] == (where == "covered")][0]
        picked.append(pick)
        point = com.geometry.iloc[pick].representative_point()
        return _facility(point.x, point.y, ftype, com.crs)

    quick_a, full_a, quick, full = _both(ROOT / "configs" / "demo.yaml", at_a_compound)
    _same(quick_a, full_a, quick, full)
    if ftype in ("station", "centre"):  # not vacuous: the compound it stands on is covered now
        assert bool(quick_a.communities["covered"].iloc[picked[0]])


def test_a_placement_far_from_every_street_is_refused():
    config = load_config(ROOT / "configs" / "demo.yaml")
    inputs = prepare(config)
    reach = reach_of(config, inputs)
    x0, y0, _, _ = inputs.network.bounds
    far = _facility(x0 - 5_000.0, y0 - 5_000.0, "station", inputs.network.crs)
    with pytest.raises(LayerError, match="place it next to a street"):
        with_facility(inputs.network, reach, inputs.layers, config.standards, far)


@requires_shared
def test_a_placement_on_a_real_district_equals_a_full_reach():
    """Nanjing Xuanwu: real streets with roundabouts, closed ways, footways."""

    def at_the_least_served(inputs):
        com = inputs.layers.communities
        point = com.geometry.iloc[len(com) // 3].representative_point()
        return _facility(point.x, point.y, "station", com.crs)

    _same(*_both(ROOT / "configs" / "nanjing-xuanwu.yaml", at_the_least_served))
