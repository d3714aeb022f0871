"""Region-wide batch on a real local Dask cluster: combined scorecard, failures, skip on rerun."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from geo_coverage.apps.batch import run_batch
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


@pytest.mark.slow
@pytest.mark.browser
def test_batch_on_a_local_dask_cluster(region, tmp_path):
    out = tmp_path / "batch"
    first = run_batch(region, output=out, n_workers=2)
    status = {o.slug or "broken": o.status for o in first.outcomes}
    assert status == {"demo": "done", "demo-slow": "done", "broken": "failed", "helsinki": "done"}
    broken = first.outcomes[2]
    assert "missing.csv" in broken.error and "file not found" in broken.error

    table = pd.read_csv(out / "combined_scorecard.csv", encoding="utf-8-sig")
    assert list(table["状态"].fillna("")) == ["done", "done", "failed", "done", ""]
    assert table["地区"].iloc[-1] == "合计"
    cover = table["15分钟养老服务圈住户覆盖率"]
    assert cover[1] < cover[0]  # slower walkers reach less
    assert pd.isna(cover[2])
    assert table["15分钟养老服务圈住户覆盖率是否达标"][0] == "无目标（文件未设定）"
    assert table["社区日间照料机构覆盖率（15分钟）是否达标"][0] == "按上级合计评判"  # 90 % 全区
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
    from geo_coverage.apps.batch import run_city

    monkeypatch.setattr(settings, "show_progress", True)
    outcome = run_city(str(demo_copy))
    assert outcome.status == "done"
    assert settings.show_progress is True


@pytest.mark.slow
def test_a_batch_totals_its_places_and_keys_columns_by_indicator(demo_copy, tmp_path):
    """Three copies of the demo with 10-, 15- and 20-minute circles: one column per indicator,
    and a total row of summed numerators and denominators (never the mean of the shares)."""
    from geo_coverage.apps.batch import run_city, write_batch_outputs
    from geo_coverage.pipeline import run

    text = demo_copy.read_text(encoding="utf-8")
    configs = []
    for minutes in (10, 15, 20):
        path = demo_copy.parent / f"demo-{minutes}.yaml"
        path.write_text(
            text.replace("slug: demo", f"slug: demo-{minutes}")
            .replace("city: 示范区", f"city: 示范区{minutes}")
            .replace(
                "walking_speed_m_s: 1.0", f"walking_speed_m_s: 1.0\n    care_circle_min: {minutes}"
            )
            .replace("profile: inner-mongolia", "profile: chifeng\n  level: county"),
            encoding="utf-8",
        )
        configs.append(path)
    outcomes = tuple(run_city(str(p)) for p in configs)
    assert [o.status for o in outcomes] == ["done"] * 3
    write_batch_outputs(outcomes, tmp_path / "batch")
    table = pd.read_csv(tmp_path / "batch" / "combined_scorecard.csv", encoding="utf-8-sig")

    header = "10/15/20分钟养老服务圈住户覆盖率"
    assert header in table.columns  # one column, not three
    assert not any(c.startswith("15分钟养老服务圈住户覆盖率") for c in table.columns)

    # by hand, from each run's compounds: households in the circle over all households
    inside = everyone = elderly = beds = 0.0
    for path in configs:
        a = run(path, write=False).assessment
        com = a.communities[a.communities["assessed"]]
        inside += float((com["households"] * com["covered_share"]).sum())
        everyone += float(com["households"].sum())
        elderly += float(a.communities["elderly"].sum())
        beds += float(a.facilities["beds"].sum())
    total = table.iloc[-1]
    assert total["地区"] == "合计"
    assert total[header] == pytest.approx(inside / everyone, abs=1e-4)
    assert total["每千名老年人养老床位数"] == pytest.approx(1000 * beds / elderly, abs=1e-3)
    # 001's city-wide targets are judged on the total, each district says so
    assert list(table[header + "是否达标"][:3]) == ["按上级合计评判"] * 3
    assert total[header + "是否达标"] == ("达标" if inside / everyone >= 1 else "未达标")

    index = (tmp_path / "batch" / "index.html").read_text(encoding="utf-8")
    for minutes in (10, 20):  # each city's legend follows its own circle
        assert f"{minutes}分钟养老服务圈住户覆盖率" in index


def test_the_total_sums_numerators_and_denominators_never_the_mean_of_shares():
    from geo_coverage.apps.batch import CityOutcome, total_row

    def place(covered, households):
        row = {
            "measured": covered / households,
            "numerator": covered,
            "denominator": households,
            "scale": 1.0,
            "target": 1.0,
            "lower_is_better": False,
            "status": "total",
        }
        return CityOutcome("x.yaml", "done", indicators={"care_circle_households": row})

    small, large = place(90, 100), place(1_000, 10_000)  # 90 % of 100, 10 % of 10,000
    total = total_row((small, large), "care_circle_households")
    assert total["measured"] == pytest.approx(1_090 / 10_100)  # not (0.9 + 0.1) / 2
    assert total["status"] == "fail" and total["places"] == 2
