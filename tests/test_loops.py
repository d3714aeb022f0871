"""Closed and looped streets are kept: roundabouts, closed residential loops, P-shaped cul-de-sacs.

After simplification each of these is an edge from a node back to itself. The OSM
file below is laid out in metres of CGCS2000 / 3° Gauss-Krüger CM 117°E (EPSG:4548)
and written in WGS84, so every answer can be worked out by hand (coordinates in
metres from ORIGIN):

- STREET from (0, 0) to (600, 0); the facility stands 5 m south of (100, 0);
- a P-shaped cul-de-sac: STEM 100 m north from (200, 0), then the closed P_LOOP,
  a 100 m square of 400 m starting and ending at (200, 100);
- a ROUNDABOUT (junction=roundabout, oneway, closed): a diamond of four 28.28 m
  sides hanging south of (400, 0);
- a closed residential LOOP, a 100 m square hanging off the street's end (600, 0).
"""

from __future__ import annotations

import numpy as np
import pyproj
import pytest

from geo_coverage.network.streets import network_from_file
from geo_coverage.reach.engine import (
    nearest_source_distances,
    nearest_source_from_points,
    snap_points,
)

CRS = "EPSG:4548"
ORIGIN = (500_000.0, 4_430_000.0)  # about 117°E 40°N, in EPSG:4548 metres

STREET = [(0, 0), (100, 0), (200, 0), (300, 0), (400, 0), (500, 0), (600, 0)]
STEM = [(200, 0), (200, 100)]
P_LOOP = [(200, 100), (250, 100), (250, 200), (150, 200), (150, 100), (200, 100)]
ROUNDABOUT = [(400, 0), (420, -20), (400, -40), (380, -20), (400, 0)]  # 4 × 28.28 m
LOOP = [(600, 0), (700, 0), (700, 100), (600, 100), (600, 0)]  # closed, 400 m round
FACILITY = (100.0, -5.0)


WAYS = [
    ("residential", STREET, {}),
    ("service", STEM, {}),
    ("service", P_LOOP, {}),
    ("tertiary", ROUNDABOUT, {"junction": "roundabout", "oneway": "yes"}),
    ("residential", LOOP, {"name": "环路"}),
]


def write_osm(path, ways=WAYS) -> None:
    """An OSM XML file of ``ways`` (highway, metres from ORIGIN, other tags), in WGS84."""
    to_wgs = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    ids: dict[tuple[float, float], int] = {}
    for _, coords, _ in ways:
        for xy in coords:
            ids.setdefault(xy, len(ids) + 1)
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", "<osm version='0.6'>"]
    for (x, y), i in ids.items():
        lon, lat = to_wgs.transform(ORIGIN[0] + x, ORIGIN[1] + y)
        lines.append(f"<node id='{i}' version='1' lat='{lat:.9f}' lon='{lon:.9f}'/>")
    for w, (highway, coords, tags) in enumerate(ways, start=100):
        lines.append(f"<way id='{w}' version='1'>")
        lines += [f"<nd ref='{ids[xy]}'/>" for xy in coords]
        lines.append(f"<tag k='highway' v='{highway}'/>")
        lines += [f"<tag k='{k}' v='{v}'/>" for k, v in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture(scope="module")
def loops_network(tmp_path_factory):
    path = tmp_path_factory.mktemp("loops") / "loops.osm"
    write_osm(path)
    return network_from_file(path, crs=CRS)


def walk_m(network, points):
    pts = np.asarray(points, dtype=float) + np.asarray(ORIGIN)
    fac = snap_points(
        network, np.array([ORIGIN[0] + FACILITY[0]]), np.array([ORIGIN[1] + FACILITY[1]])
    )
    reach = nearest_source_distances(network, fac)
    origins = snap_points(network, pts[:, 0], pts[:, 1])
    distance, _ = nearest_source_from_points(network, reach, origins, fac)
    return distance


def test_every_loop_is_kept_as_two_halves(loops_network):
    total = loops_network.edge_length_m.sum()
    expected = 600 + 100 + 400 + 4 * np.hypot(20, 20) + 400
    assert total == pytest.approx(expected, abs=0.05)


def test_points_beside_each_loop_get_the_exact_walk(loops_network):
    side = np.hypot(20, 20)  # a roundabout side
    cases = {
        # 10 m north of the P loop's far side, halfway round: 200 m either way
        (200, 210): 5 + 100 + 100 + 200 + 10,
        # on the P loop's east side, 100 m round from the stem
        (250, 150): 5 + 100 + 100 + 100,
        # 5 m east of the closed loop's far side: 150 m round from (600, 0)
        (705, 50): 5 + 500 + 150 + 5,
        # 7.07 m off the roundabout's south-west side, at (395, -35): the west way
        # round is 28.28 + 21.21 m, the east way 63.64 m
        (390, -40): 5 + 300 + side + 15 * np.sqrt(2) + 10 / np.sqrt(2),
    }
    got = walk_m(loops_network, list(cases))
    np.testing.assert_allclose(got, list(cases.values()), atol=0.1)
