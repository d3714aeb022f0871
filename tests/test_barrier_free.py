"""Walking as older people walk: flights of steps, and ways a wheelchair cannot take.

Two streets 100 m apart (EPSG:4548 metres from ORIGIN, written in WGS84), joined by a
flight of steps at x = 500 and by a footway at x = 1000, tagged wheelchair=no at x = 0:

          B  (0,100) ──────────────── (1000,100)
              │ wheelchair=no   steps │         │ footway
    A  (-100,0)─(0,0) ─────────── (500,0) ──── (1000,0)

The facility stands on A at x = 500, the point on B at x = 500: 100 m up the steps; the
long way round by the footway 500 + 100 + 500 = 1,100 m (the way at x = 0: 1,100 m too).
"""

from __future__ import annotations

import numpy as np
import pytest

from geo_coverage.network.streets import network_from_file
from geo_coverage.reach.engine import (
    nearest_source_distances,
    nearest_source_from_points,
    snap_points,
)
from tests.test_loops import CRS, ORIGIN, write_osm

A = [(-100, 0), (0, 0), (500, 0), (1000, 0)]  # a spur west: (0, 0) is a junction
B = [(0, 100), (500, 100), (1000, 100)]
STEPS = [(500, 0), (500, 100)]
FOOTWAY = [(1000, 0), (1000, 100)]
NO_WHEELCHAIR = [(0, 0), (0, 100)]


WAYS = [
    ("residential", A, {}),
    ("residential", B, {}),
    ("steps", STEPS, {}),
    ("footway", FOOTWAY, {}),
    ("footway", NO_WHEELCHAIR, {"wheelchair": "no"}),
]


@pytest.fixture(scope="module")
def osm(tmp_path_factory):
    path = tmp_path_factory.mktemp("steps") / "steps.osm"
    write_osm(path, WAYS)
    return path


def _walk(network) -> float:
    fac = snap_points(network, np.array([ORIGIN[0] + 500.0]), np.array([ORIGIN[1]]))
    point = snap_points(network, np.array([ORIGIN[0] + 500.0]), np.array([ORIGIN[1] + 100.0]))
    reach = nearest_source_distances(network, fac)
    return float(nearest_source_from_points(network, reach, point, fac)[0][0])


def test_steps_are_walked_by_default(osm):
    network = network_from_file(osm, crs=CRS)
    assert _walk(network) == pytest.approx(100.0, abs=0.01)
    assert not network.notes


def test_avoiding_steps_takes_the_long_way_and_says_how_much_was_left_out(osm):
    network = network_from_file(osm, crs=CRS, steps="avoid")
    assert _walk(network) == pytest.approx(1100.0, abs=0.01)
    (note,) = network.notes
    assert note.startswith("0.10 km of walkable way (1 OSM ways: steps)")
    assert "network.steps: avoid" in note


def test_a_wheelchair_takes_neither_the_steps_nor_the_way_tagged_wheelchair_no(osm):
    network = network_from_file(osm, crs=CRS, wheelchair=True)
    assert _walk(network) == pytest.approx(1100.0, abs=0.01)  # by the footway at x = 1000
    (note,) = network.notes
    assert "0.20 km" in note and "2 OSM ways: steps or wheelchair=no" in note
