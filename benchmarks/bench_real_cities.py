"""Run time and counts of the whole pipeline on each real OSM city config.

Prints, per config: network nodes and edges, nodes dropped as disconnected, walkable km
per km² around the communities, facilities and communities found, households
(estimated), care-circle coverage and the wall time of ``geo_coverage.run`` (outputs
written to a temporary folder; the network cache is off so the OSM parse is timed too).

Run:  python benchmarks/bench_real_cities.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from geo_coverage import ConfigError, NetworkError, load_config, settings
from geo_coverage.pipeline import run

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ["helsinki", "beijing-haidian", "beijing-wudaokou", "nanjing-xuanwu"]


def main() -> None:
    settings.show_progress = False
    settings.use_cache = False
    print(
        f"{'config':<18s} {'nodes':>7s} {'edges':>7s} {'dropped':>8s} {'km/km²':>7s} "
        f"{'facil.':>6s} {'comm.':>6s} {'households':>10s} {'covered':>8s} {'run s':>6s}"
    )
    for name in CONFIGS:
        try:
            config = load_config(ROOT / "configs" / f"{name}.yaml")
        except ConfigError as exc:
            print(f"{name:<18s} skipped: {exc}")
            continue
        with tempfile.TemporaryDirectory() as out:
            config = config.model_copy(
                update={"outputs": config.outputs.model_copy(update={"folder": Path(out)})}
            )
            t0 = time.perf_counter()
            try:
                result = run(config)
            except NetworkError as exc:
                print(f"{name:<18s} skipped: {exc}")
                continue
            wall = time.perf_counter() - t0
        net, a = result.network, result.assessment
        density = result.network_quality["km_per_km2"]
        covered = a.scorecard.set_index("indicator").loc["care_circle_households", "measured"]
        print(
            f"{name:<18s} {net.n_nodes:>7,d} {net.n_edges:>7,d} {net.dropped_nodes:>8,d} "
            f"{density:>7.1f} {len(a.facilities):>6d} {len(a.communities):>6d} "
            f"{a.communities['households'].sum():>10,.0f} {100 * covered:>7.1f}% "
            f"{wall:>6.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
