"""Region-wide batch on a real local Dask cluster: combined scorecard, failures, skip on rerun."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from geo_coverage.batch import run_batch
from tests.conftest import ROOT
from tests.test_map_browser import CHROMIUM, chromium


@pytest.fixture
def region(demo_copy):
    """Four configs: the demo, a slower-walking variant, a broken one and Helsinki (OSM)."""
    configs = demo_copy.parent
    text = demo_copy.read_text(encoding="utf-8")
    (configs / "demo-slow.yaml").write_text(
        text.replace("slug: demo", "slug: demo-slow")
        .replace("walking_speed_m_s: 1.0 ", "walking_speed_m_s: 0.8 ")
        .replace("city: 示范区", "city: 示范区（步速0.8）"),
        encoding="utf-8",
    )
    (configs / "broken.yaml").write_text(
        text.replace("slug: demo", "slug: broken").replace(
            "../layers/demo/facilities.csv", "../layers/demo/missing.csv"
        ),
        encoding="utf-8",
    )
    shutil.copy(ROOT / "configs" / "helsinki.yaml", configs / "helsinki.yaml")
    return [configs / n for n in ("demo.yaml", "demo-slow.yaml", "broken.yaml", "helsinki.yaml")]


def test_batch_on_a_local_dask_cluster(region, tmp_path):
    out = tmp_path / "batch"
    first = run_batch(region, output=out, n_workers=2)
    status = {o.slug or "broken": o.status for o in first.outcomes}
    assert status == {"demo": "done", "demo-slow": "done", "broken": "failed", "helsinki": "done"}
    broken = first.outcomes[2]
    assert "missing.csv" in broken.error and "file not found" in broken.error

    table = pd.read_csv(out / "combined_scorecard.csv", encoding="utf-8-sig")
    assert list(table["状态"]) == ["done", "done", "failed", "done"]
    cover = table["15分钟养老服务圈住户覆盖率"]
    assert cover[1] < cover[0]  # slower walkers reach less
    assert pd.isna(cover[2])
    assert table["15分钟养老服务圈住户覆盖率是否达标"][0] == "未达标"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "demo/map.html" in index and "missing.csv" in index
    if CHROMIUM:  # the index map draws one outline per finished place, offline
        dom = chromium(
            "--dump-dom", (out / "index.html").as_uri(), user_data=tmp_path / "profile"
        ).stdout
        assert dom.count('<path class="leaflet-interactive"') == 3

    # finished cities keep their outputs; unchanged cities are skipped on a rerun
    second = run_batch(region, output=out, n_workers=2)
    assert [o.status for o in second.outcomes] == ["skipped", "skipped", "failed", "skipped"]
    assert second.outcomes[0].indicators == first.outcomes[0].indicators

    # a changed input file makes that city (and its variant, same layers) run again
    facilities = region[0].parent.parent / "layers" / "demo" / "facilities.csv"
    facilities.write_bytes(facilities.read_bytes() + b"\n")
    third = run_batch(region, output=out, n_workers=2)
    assert [o.status for o in third.outcomes] == ["done", "done", "failed", "skipped"]


def test_running_one_city_leaves_the_callers_progress_setting_alone(demo_copy, monkeypatch):
    from geo_coverage import settings
    from geo_coverage.batch import run_city

    monkeypatch.setattr(settings, "show_progress", True)
    outcome = run_city(str(demo_copy))
    assert outcome.status == "done"
    assert settings.show_progress is True
