"""Size of map.html for a city of about 5,000 communities and 500 facilities (limit 20 MB).

Tiles the demo district's assessed layers 71 times (a 9 × 8 block of copies, 3 km
apart) so every feature is a real assessed one, builds the offline map, and prints
the size of the HTML and of each part.

Run:  python benchmarks/bench_map_size.py
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_coverage import settings
from geo_coverage.outputs.maps import build_map, map_html
from geo_coverage.pipeline import run

ROOT = Path(__file__).resolve().parents[1]
COPIES_X, COPIES_Y = 9, 8
SPACING_M = 3000.0


def tile(gdf: gpd.GeoDataFrame, *, dissolve_by: str | None = None) -> gpd.GeoDataFrame:
    parts = []
    for i in range(COPIES_X):
        for j in range(COPIES_Y):
            dx, dy = i * SPACING_M, j * SPACING_M
            moved = gdf.copy()
            moved["geometry"] = shapely.transform(
                gdf.geometry.to_numpy(), lambda xy, dx=dx, dy=dy: xy + np.array([dx, dy])
            )
            moved["id"] = moved["id"].astype(str) + f"-{i}-{j}" if "id" in moved else None
            parts.append(moved)
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=gdf.crs)
    if dissolve_by:
        out = out.dissolve(by=dissolve_by, as_index=False)
    return out


def main() -> None:
    settings.show_progress = False
    result = run(ROOT / "configs" / "demo.yaml", write=False)
    a = result.assessment
    com, fac = tile(a.communities), tile(a.facilities)
    iso = tile(result.isochrones.assign(id=range(len(result.isochrones))))
    iso = iso.dissolve(by=["group", "band_min"], as_index=False)[["group", "band_min", "geometry"]]
    subs = tile(a.subdistricts)
    big = dataclasses.replace(a, communities=com, facilities=fac, subdistricts=subs)
    html = map_html(build_map(big, iso, city="示范区 ×71", language="zh"))
    size = len(html.encode("utf-8"))
    print(
        f"communities {len(com):,}, facilities {len(fac):,}, subdistricts {len(subs):,}, "
        f"isochrone layers {len(iso)}"
    )
    print(
        f"map.html: {size / 1e6:.1f} MB (limit 20 MB); per community "
        f"{size / len(com) / 1000:.2f} kB all parts included"
    )
    demo = map_html(build_map(a, result.isochrones, city="示范区", language="zh"))
    print(f"demo map.html: {len(demo.encode('utf-8')) / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
