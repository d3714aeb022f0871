"""The workbench with a big list: a 200,000-row compound CSV through upload, check and run.

Builds the 100k-node synthetic city of ``bench_city.py``, writes 200,000 compounds as a
point CSV (经度/纬度, as a crawled list), and drives the real app over HTTP
(``fastapi.testclient``): upload the three files, 检查数据 (validate), 开始评估 (run),
poll until done. Prints the seconds of each step and the size of every answer the page
receives (a poll must stay ≤ 100 KB whatever the city's size).

Run:  python benchmarks/bench_workbench.py [rows]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyproj

sys.path.insert(0, str(Path(__file__).parent))
from bench_city import ORIGIN, SIZES, SPACING_M, make_city
from fastapi.testclient import TestClient

from geo_coverage import settings
from geo_coverage.apps.workbench import create_app


def compounds_csv(path: Path, rows: int, side: int, seed: int = 1) -> None:
    """``rows`` compound points scattered over the city's blocks, as a crawled list."""
    rng = np.random.default_rng(seed)
    x = ORIGIN[0] + rng.uniform(10, (side - 1) * SPACING_M - 10, rows)
    y = ORIGIN[1] + rng.uniform(10, (side - 1) * SPACING_M - 10, rows)
    lon, lat = pyproj.Transformer.from_crs("EPSG:4546", "EPSG:4326", always_xy=True).transform(x, y)
    hh = rng.integers(50, 800, rows)
    lines = ["小区名称,户数,60岁以上人口,经度,纬度"]
    lines += [f"小区{k},{hh[k]},{int(hh[k] * 0.5)},{lon[k]:.7f},{lat[k]:.7f}" for k in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    settings.show_progress = False
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_city(folder, *SIZES["100k"])
        compounds_csv(folder / "compounds.csv", rows, int(np.sqrt(SIZES["100k"][0])))
        client = TestClient(create_app(folder / "work"), base_url="http://127.0.0.1:8501")
        sizes: dict[str, int] = {}
        start = time.perf_counter()
        sid = client.post("/api/session").json()["session"]
        for kind, name in (
            ("facilities", "facilities.csv"),
            ("communities", "compounds.csv"),
            ("network", "city.osm.pbf"),
        ):
            t = time.perf_counter()
            answer = client.post(
                f"/api/{sid}/upload",
                data={"kind": kind},
                files={"file": (name, (folder / name).read_bytes())},
            )
            assert answer.status_code == 200, answer.text
            sizes[f"upload {kind}"] = len(answer.content)
            took = time.perf_counter() - t
            print(f"upload {kind:<12} {took:6.1f} s  {len(answer.content):>9,} B")
        form = {"coords": {"facilities": "wgs84", "communities": "wgs84"}}
        t = time.perf_counter()
        checked = client.post(f"/api/{sid}/validate", json=form)
        print(f"validate            {time.perf_counter() - t:6.1f} s  {len(checked.content):>9,} B")
        t = time.perf_counter()
        assert client.post(f"/api/{sid}/run", json=form).status_code == 200
        biggest_poll = 0
        while True:
            state = client.get(f"/api/{sid}/status")
            body = state.json()
            if body["status"] in {"done", "failed"}:
                break
            biggest_poll = max(biggest_poll, len(state.content))
            time.sleep(0.5)
        print(f"run                 {time.perf_counter() - t:6.1f} s  (status {body['status']})")
        print(f"largest poll while running: {biggest_poll:,} B")
        total = body["gaps"]["total"]
        print(f"poll when done: {len(state.content):,} B (gap list: {total:,} rows)")
        page = client.get(f"/api/{sid}/gaps", params={"offset": 100_000, "sort": 3, "desc": "true"})
        print(f"a sorted gap page deep in the list: {len(page.content):,} B")
        print(f"whole: {time.perf_counter() - start:.1f} s; outputs: {json.dumps(body['outputs'])}")
        page_map = folder / "work" / sid / "outputs" / "map.html"
        print(f"map.html {page_map.stat().st_size / 1e6:.1f} MB", end="")
        try:
            from bench_map_open import measure

            opened = measure(page_map)
            print(f", first paint {opened['paint'] / 1e3:.2f} s, zoom {opened['zoom'] / 1e3:.2f} s")
        except Exception as exc:  # no Chromium here
            print(f" (not opened: {exc})")


if __name__ == "__main__":
    main()
