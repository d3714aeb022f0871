"""A whole run from the input files, at district and city scale, against the old isochrones.

Generates synthetic cities (a jittered street grid at 80 m spacing with diagonal
footways, missing links and a primary road every tenth line; compounds in blocks with
households; facilities of every type near corners), writes them as the files a
planner would have (.osm.pbf network, GeoJSON compounds, CSV facilities in WGS84),
and runs the real pipeline on each in a fresh process: cold (empty network cache) and
warm (cache hit). Prints per-stage seconds, peak RSS and output sizes, and — in the
same run — the care-circle isochrones drawn by the old per-group Voronoi path against
the new travel-time surface.

Run:  python benchmarks/bench_city.py [10k 100k 1m]   (default: 10k 100k)
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyproj

SIZES = {  # walk nodes, compounds, facilities
    "10k": (10_000, 200, 30),
    "100k": (100_000, 2_000, 300),
    "1m": (1_000_000, 20_000, 3_000),
}
SPACING_M = 80.0
ORIGIN = (400_000.0, 4_500_000.0)  # EPSG:4546 metres, near Hohhot
TYPES = [
    ("街道综合养老服务中心", 0.1),
    ("日间照料中心", 0.25),
    ("社区养老服务站", 0.35),
    ("养老院", 0.1),
    ("老年食堂", 0.1),
    ("社区卫生服务站", 0.1),
]


def make_city(folder: Path, nodes: int, compounds: int, facilities: int, seed: int = 0) -> Path:
    """Write a synthetic city's network, compounds, facilities and config; return the config."""
    import osmium

    rng = np.random.default_rng(seed)
    side = int(np.sqrt(nodes))
    to_wgs = pyproj.Transformer.from_crs("EPSG:4546", "EPSG:4326", always_xy=True)
    jj, ii = np.meshgrid(np.arange(side), np.arange(side))
    x = ORIGIN[0] + jj.ravel() * SPACING_M + rng.uniform(-8, 8, side * side)
    y = ORIGIN[1] + ii.ravel() * SPACING_M + rng.uniform(-8, 8, side * side)
    lon, lat = to_wgs.transform(x, y)
    node_id = np.arange(1, side * side + 1)

    def nid(i: int, j: int) -> int:
        return int(i * side + j + 1)

    ways: list[tuple[list[int], str]] = []
    for line in range(side):
        kind = "primary" if line % 10 == 0 else "residential"
        for along_rows in (True, False):
            run: list[int] = []
            for k in range(side):
                run.append(nid(line, k) if along_rows else nid(k, line))
                broken = rng.random() < 0.03  # a missing link ends the way here
                if (broken or len(run) == 12 or k == side - 1) and len(run) > 1:
                    ways.append((run, kind))
                    run = [] if broken else [run[-1]]
    for _ in range(int(0.05 * side * side)):  # diagonal footways across blocks
        i, j = rng.integers(0, side - 1, 2)
        ways.append(([nid(i, j), nid(i + 1, j + 1)], "footway"))
    pbf = folder / "city.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for k in range(len(node_id)):
            writer.add_node(osmium.osm.mutable.Node(id=int(node_id[k]), location=(lon[k], lat[k])))
        for w, (refs, kind) in enumerate(ways, start=1):
            writer.add_way(osmium.osm.mutable.Way(id=w, nodes=refs, tags={"highway": kind}))
    blocks = rng.choice((side - 1) * (side - 1), compounds, replace=False)
    features = []
    for c, b in enumerate(blocks):
        i, j = divmod(int(b), side - 1)
        x0 = ORIGIN[0] + j * SPACING_M + 14
        y0 = ORIGIN[1] + i * SPACING_M + 14
        ring = [(x0, y0), (x0 + 52, y0), (x0 + 52, y0 + 52), (x0, y0 + 52), (x0, y0)]
        rlon, rlat = to_wgs.transform(*np.array(ring).T)
        hh = int(rng.integers(150, 1500))
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "编号": f"C{c}",
                    "名称": f"小区{c}",
                    "户数": hh,
                    "常住人口": int(hh * 2.6),
                    "60岁以上人口": int(hh * 2.6 * 0.2),
                },
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [list(zip(rlon, rlat, strict=True))],
                },
            }
        )
    (folder / "communities.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    corner = rng.choice(side * side, facilities, replace=False)
    words = rng.choice([t for t, _ in TYPES], facilities, p=[p for _, p in TYPES])
    flon, flat = to_wgs.transform(x[corner] + 15, y[corner] + 15)
    rows = ["编号,名称,类型,建筑面积,床位数,经度,纬度"]
    rows += [
        f"F{k},设施{k},{words[k]},{int(rng.integers(100, 1500))},{int(rng.integers(0, 80))},"
        f"{flon[k]:.7f},{flat[k]:.7f}"
        for k in range(facilities)
    ]
    (folder / "facilities.csv").write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
    config = folder / "city.yaml"
    config.write_text(
        "city: 合成城市\nslug: city\n"
        "network: {path: city.osm.pbf}\n"
        "layers:\n  facilities: {path: facilities.csv}\n"
        "  communities: {path: communities.geojson}\n"
        f"outputs: {{folder: {folder / 'out'}}}\n",
        encoding="utf-8",
    )
    return config


CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[4])  # benchmarks/, for the old isochrone path
import numpy as np
from geo_coverage import settings
settings.show_progress = False
settings.cache_folder = Path(sys.argv[2])
from geo_coverage.pipeline import run
start = time.perf_counter()
result = run(sys.argv[1])
total = time.perf_counter() - start
out = {"total": total, "stages": result.timings,
       "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
       "nodes": result.network.n_nodes,
       "sizes_mb": {p.name: p.stat().st_size / 1e6 for p in result.outputs}}
if sys.argv[3] == "compare":
    from geo_coverage.outputs.maps import build_map, map_html
    from geo_coverage.reach.engine import snap_points
    from old_isochrones import isochrones_by_group
    from geo_coverage.reach.isochrones import for_display, group_travel_times
    import shapely
    t = time.perf_counter()  # the map step of a run: smooth the bands, build, render
    tolerance = max(10.0, result.travel_times.grid.resolution_m)
    iso = result.isochrones
    iso = iso.assign(geometry=for_display(iso.geometry.to_numpy(), tolerance))
    map_html(build_map(result.assessment, iso, city="x"))
    out["map_build"] = time.perf_counter() - t
    fac = result.assessment.facilities
    xy = shapely.get_coordinates(fac.geometry.to_numpy())
    snapped = snap_points(result.network, xy[:, 0], xy[:, 1])
    kinds = result.assessment.standards.care_circle_types
    care = {"care_circle": fac["type"].isin(kinds).to_numpy()}
    t = time.perf_counter()
    isochrones_by_group(result.network, care, snapped, bands_min=(5.0, 10.0, 15.0), speed_m_s=1.0)
    out["old_care_circle"] = time.perf_counter() - t
    t = time.perf_counter()
    group_travel_times(result.network, care, snapped, bands_min=(5.0, 10.0, 15.0), speed_m_s=1.0,
                 max_offset_m=150.0)
    out["new_care_circle"] = time.perf_counter() - t
print("RESULT " + json.dumps(out))
"""


def run_child(config: Path, cache: Path, mode: str) -> dict:
    """Run the pipeline in a fresh process and return its measurements."""
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(config), str(cache), mode, str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def main() -> None:
    names = sys.argv[1:] or ["10k", "100k"]
    for name in names:
        nodes, compounds, facilities = SIZES[name]
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            t = time.perf_counter()
            config = make_city(folder, nodes, compounds, facilities)
            made = time.perf_counter() - t
            cold = run_child(config, folder / "cache", "compare" if name != "1m" else "plain")
            warm = run_child(config, folder / "cache", "plain")
        print(
            f"\n{name}: {cold['nodes']:,} walk nodes, {compounds:,} compounds, "
            f"{facilities:,} facilities (generated in {made:.1f} s)"
        )
        for label, r in (("cold", cold), ("warm", warm)):
            stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items())
            print(
                f"  {label}: whole run {r['total']:.1f} s ({stages}); "
                f"peak RSS {r['rss_mb']:,.0f} MB"
            )
        sizes = cold["sizes_mb"]
        print(
            f"  map.html {sizes.get('map.html', 0):.1f} MB, "
            f"gaps.gpkg {sizes.get('gaps.gpkg', 0):.1f} MB, "
            f"travel_time_care_circle.tif {sizes.get('travel_time_care_circle.tif', 0):.1f} MB"
        )
        if "old_care_circle" in cold:
            share = cold["map_build"] / cold["total"]
            print(
                f"  map build {cold['map_build']:.1f} s = {100 * share:.0f} % of the cold run; "
                f"care-circle isochrones: old Voronoi {cold['old_care_circle']:.1f} s, "
                f"surface {cold['new_care_circle']:.1f} s "
                f"({cold['old_care_circle'] / cold['new_care_circle']:.0f}×)"
            )
    print(
        "\nbenchmark process peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"
    )


if __name__ == "__main__":
    main()
