"""How fast a written map.html opens and zooms in headless Chromium, beside its size.

For each map given (or the demo's and the synthetic cities' of ``bench_city.py``), opens
the page offline in the system Chromium through Playwright and measures, in the same run:

- load: navigation start to the page's load event (the whole HTML parsed and every
  script run, so every layer is built);
- first paint: the first frame painted after the load event (the map is on screen);
- zoom step: ``map.zoomIn()`` until ``zoomend`` and the next two frames (every layer
  re-drawn at the new scale), the median of three steps;
- broken images: ``<img>`` elements whose ``naturalWidth`` is 0 (a missing marker icon).

Run:  python benchmarks/bench_map_open.py [map.html ...]
      python benchmarks/bench_map_open.py --cities 10k 100k 1m
      (builds each city and runs it twice: compounds as polygons, then as a point list)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

PROBE = """
async () => {
  const map = Object.values(window).find(v => v instanceof L.Map);
  const frame = () => new Promise(r => requestAnimationFrame(() => r()));
  const t0 = performance.now();
  await frame(); await frame();
  const paint = performance.now() - t0;
  const steps = [];
  for (let i = 0; i < 3; i++) {
    const s = performance.now();
    await new Promise(r => { map.once('zoomend', r); map.zoomIn(1, {animate: false}); });
    await frame(); await frame();
    steps.push(performance.now() - s);
  }
  const broken = [...document.images].filter(i => i.complete && i.naturalWidth === 0).length;
  const nav = performance.getEntriesByType('navigation')[0];
  return {load: nav.loadEventEnd, paint: nav.loadEventEnd + paint, steps, broken};
}
"""


def measure(page_path: Path) -> dict:
    """Open one map.html and measure it (milliseconds)."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            profile,
            executable_path="/usr/bin/chromium",
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--proxy-server=127.0.0.1:9",
            ],
            viewport={"width": 1400, "height": 900},
        )
        page = browser.new_page()
        page.goto(page_path.as_uri(), wait_until="load", timeout=300_000)
        out = page.evaluate(PROBE)
        browser.close()
    out["zoom"] = statistics.median(out.pop("steps"))
    out["size_mb"] = page_path.stat().st_size / 1e6
    return out


def point_variant(config: Path) -> Path:
    """The same city with its compounds as a point list (经度/纬度), as POI exports give."""
    import geopandas as gpd
    import pandas as pd

    folder = config.parent
    polygons = gpd.read_file(folder / "communities.geojson")
    points = polygons.geometry.representative_point()
    table = pd.DataFrame(polygons.drop(columns="geometry"))
    table["经度"], table["纬度"] = points.x.round(7), points.y.round(7)
    table.to_csv(folder / "communities_points.csv", index=False, encoding="utf-8-sig")
    text = config.read_text(encoding="utf-8").replace(
        "communities.geojson", "communities_points.csv"
    )
    variant = folder / "city_points.yaml"
    variant.write_text(text.replace(str(folder / "out"), str(folder / "out_points")), "utf-8")
    return variant


def city_maps(names: list[str]) -> list[tuple[str, Path]]:
    """Build the synthetic cities, run each with polygon and with point compounds."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_city import SIZES, make_city

    from geo_coverage import settings
    from geo_coverage.pipeline import run

    settings.show_progress = False
    maps = []
    root = Path(tempfile.mkdtemp())
    for name in names:
        folder = root / name
        folder.mkdir()
        config = make_city(folder, *SIZES[name])
        for label, variant in ((name, config), (f"{name} points", point_variant(config))):
            result = run(variant)
            maps.append((label, next(p for p in result.outputs if p.name == "map.html")))
    return maps


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] == "--cities":
        maps = city_maps(args[1:] or ["10k", "100k"])
    else:
        maps = [(Path(a).resolve().parent.name, Path(a).resolve()) for a in args]
    print(f"{'map':<14}{'size MB':>9}{'load s':>9}{'paint s':>9}{'zoom s':>9}{'broken':>8}")
    for name, path in maps:
        m = measure(path)
        print(
            f"{name:<14}{m['size_mb']:>9.1f}{m['load'] / 1e3:>9.2f}{m['paint'] / 1e3:>9.2f}"
            f"{m['zoom'] / 1e3:>9.2f}{m['broken']:>8}"
        )


if __name__ == "__main__":
    main()
