"""Placing one facility on a district: the incremental re-score against walking it again.

A planner clicks a spot in the workbench; the scorecard must follow within a second
(#23: ≤ 1 s on a 100k-node district). For each of N placements at random compounds this
times ``reach.placement.with_facility`` + ``assess`` (only the new facility's bounded
searches, merged) against what a user would otherwise do — the full reach stage
(``reach_city``) + ``assess`` on the layers with the facility added — and checks that both
give the same verdicts and scorecard, in the same run.

Run:  python benchmarks/bench_placement.py [100k] [--placements 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).parent))

from bench_city import SIZES, make_city

from geo_coverage import load_config, settings
from geo_coverage.assess.verdicts import assess
from geo_coverage.pipeline import prepare, reach_of
from geo_coverage.reach.placement import with_facility
from geo_coverage.reach.walks import reach_city


def facility_at(point: shapely.Point, crs: object, k: int) -> gpd.GeoDataFrame:
    """A planned station at ``point``."""
    return gpd.GeoDataFrame(
        {
            "id": [f"NEW{k}"],
            "name": ["规划服务站"],
            "type": ["station"],
            "type_label": ["station"],
            "floor_area_m2": [300.0],
            "beds": [0.0],
            "nursing_beds": [0.0],
            "source_row": [0],
        },
        geometry=[point],
        crs=crs,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("size", nargs="?", default="100k", choices=sorted(SIZES))
    parser.add_argument("--placements", type=int, default=10)
    args = parser.parse_args()
    settings.show_progress = False
    with tempfile.TemporaryDirectory() as tmp:
        settings.cache_folder = Path(tmp) / "cache"
        folder = Path(tmp) / args.size
        folder.mkdir()
        config = load_config(make_city(folder, *SIZES[args.size]))
        t0 = time.perf_counter()
        inputs = prepare(config)
        reach = reach_of(config, inputs)
        base = assess(reach, inputs.layers, config.standards)
        setup = time.perf_counter() - t0
        net = inputs.network
        print(
            f"{args.size}: {net.n_nodes:,} nodes, {len(inputs.layers.communities):,} compounds, "
            f"{len(inputs.layers.facilities):,} facilities; inputs + reach + assessment "
            f"{setup:.1f} s"
        )
        rng = np.random.default_rng(0)
        com = inputs.layers.communities
        picks = rng.choice(len(com), size=args.placements, replace=False)
        quick_s, full_s, agree = [], [], 0
        for k, pick in enumerate(picks):
            facility = facility_at(com.geometry.iloc[pick].representative_point(), com.crs, k)
            t0 = time.perf_counter()
            quick, layers = with_facility(net, reach, inputs.layers, config.standards, facility)
            after = assess(quick, layers, config.standards)
            quick_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            full = reach_city(net, layers, config.standards, snap_limit_m=reach.step_off_m)
            again = assess(full, layers, config.standards)
            full_s.append(time.perf_counter() - t0)
            same = (
                after.communities["covered_share"].equals(again.communities["covered_share"])
                and after.communities["walk_min"].equals(again.communities["walk_min"])
                and after.scorecard["measured"].equals(again.scorecard["measured"])
            )
            agree += bool(same)
            gained = int(after.communities["covered"].sum() - base.communities["covered"].sum())
            print(
                f"  placement {k + 1}: {quick_s[-1]:.3f} s incremental, {full_s[-1]:.3f} s full "
                f"reach; +{gained} compounds covered; verdicts and scorecard equal: {same}"
            )
        print(
            f"incremental re-score: median {statistics.median(quick_s):.3f} s, max "
            f"{max(quick_s):.3f} s (target ≤ 1 s); full reach + assessment: median "
            f"{statistics.median(full_s):.3f} s; ratio "
            f"{statistics.median(full_s) / statistics.median(quick_s):.1f}x; "
            f"agreement {agree}/{len(picks)}"
        )


if __name__ == "__main__":
    main()
