"""``geo-coverage compare``: last year's run against this year's, as 年度监测 needs it.

"This year" is the demo with one new station in 东风花园61号院, a compound outside the
care circle: the comparison must say exactly what the two scorecards say, list exactly
the compounds whose status differs between the two GeoPackages, and refuse runs of
different places or thresholds, naming the difference.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest

from geo_coverage import ConfigError
from geo_coverage.apps import cli
from geo_coverage.apps.compare import compare_runs, read_run
from geo_coverage.assess.indicators import format_value
from geo_coverage.coords import wgs84_to_gcj02
from geo_coverage.outputs.tables import on_track, progress_table
from geo_coverage.pipeline import run
from tests.test_trust import edit_config, edit_facilities


@pytest.fixture(scope="module")
def this_year(tmp_path_factory):
    """The demo with a new station where 东风花园61号院 stands; its output folder."""
    import shutil

    from tests.conftest import ROOT

    root = tmp_path_factory.mktemp("this_year")
    shutil.copytree(ROOT / "layers" / "demo", root / "layers" / "demo")
    (root / "configs").mkdir()
    config = root / "configs" / "demo.yaml"
    shutil.copy(ROOT / "configs" / "demo.yaml", config)
    compounds = gpd.read_file(root / "layers" / "demo" / "communities.geojson")
    spot = compounds[compounds["小区名称"] == "东风花园61号院"].geometry.iloc[0].centroid
    lon, lat = wgs84_to_gcj02(spot.x, spot.y)  # the facility list is an AMap export

    def add_station(frame):
        row = ["F12", "东风新建养老服务站", "社区养老服务站", "300", "0", "0", lon, lat]
        frame.loc[len(frame)] = [str(v) for v in row]

    edit_facilities(config, add_station)
    return run(config).outputs[0].parent


def test_the_progress_table_says_what_the_two_scorecards_say(demo_result, this_year, tmp_path):
    last_year = demo_result.outputs[0].parent
    compare_runs(last_year, this_year, tmp_path / "progress")
    table = pd.read_excel(tmp_path / "progress" / "progress.xlsx", sheet_name="进展")
    old = json.loads((last_year / "scorecard.json").read_text(encoding="utf-8"))["indicators"]
    new = json.loads((this_year / "scorecard.json").read_text(encoding="utf-8"))["indicators"]
    assert list(table["指标"]) == [row["label_zh"] for row in new]
    assert list(table["上期"]) == [format_value(r["measured"], r["unit"]) for r in old]
    assert list(table["本期"]) == [format_value(r["measured"], r["unit"]) for r in new]
    first = table.iloc[0]  # the households within the circle: the station added some
    delta = 100 * (new[0]["measured"] - old[0]["measured"])
    assert delta > 0 and first["变化"] == f"{delta:+.1f} 个百分点"
    text = (tmp_path / "progress" / "progress.md").read_text(encoding="utf-8")
    assert "| 15分钟养老服务圈住户覆盖率 |" in text


def test_the_changed_compounds_are_those_whose_status_differs(demo_result, this_year, tmp_path):
    last_year = demo_result.outputs[0].parent
    compare_runs(last_year, this_year, tmp_path / "progress")
    changes = pd.read_csv(tmp_path / "progress" / "progress_changes.csv", encoding="utf-8-sig")
    before = gpd.read_file(last_year / "gaps.gpkg", layer="communities").set_index("id")
    after = gpd.read_file(this_year / "gaps.gpkg", layer="communities").set_index("id")
    differ = sorted(after.index[after["status"] != before.loc[after.index, "status"]])
    assert sorted(changes["编号"]) == differ and len(differ) > 0
    row = changes.set_index("小区名称").loc["东风花园61号院"]
    assert (row["上期状态"], row["本期状态"]) == ("不在服务圈内", "服务圈内且面积达标")
    page = (tmp_path / "progress" / "progress_map.html").read_text(encoding="utf-8")
    assert "东风花园61号院" in page and f"{len(differ)} 个小区状态变化" in page


def test_runs_under_other_thresholds_are_refused_naming_the_difference(
    demo_result, demo_copy, tmp_path, capsys
):
    edit_config(demo_copy, "walking_speed_m_s: 1.0", "walking_speed_m_s: 0.8")
    slower = run(demo_copy).outputs[0].parent
    last_year = demo_result.outputs[0].parent
    with pytest.raises(ConfigError, match=r"walking_speed_m_s: 1\.0 -> 0\.8"):
        compare_runs(last_year, slower, tmp_path / "progress")
    assert not (tmp_path / "progress").exists()  # nothing half-written
    code = cli.main(["compare", str(last_year), str(slower), "--output", str(tmp_path / "p")])
    assert code != 0 and "walking_speed_m_s: 1.0 -> 0.8" in capsys.readouterr().err


def test_a_folder_that_is_not_a_run_is_refused_clearly(demo_result, tmp_path):
    with pytest.raises(ConfigError, match=r"no scorecard\.json here"):
        compare_runs(tmp_path, demo_result.outputs[0].parent, tmp_path / "progress")
    (tmp_path / "scorecard.json").write_text('{"city": "x", "profile": "y", "indicators": []}')
    with pytest.raises(ConfigError, match="did not record its thresholds"):
        read_run(tmp_path)
    card = '{"city": "x", "profile": "y", "thresholds": {}, "indicators": []}'
    (tmp_path / "scorecard.json").write_text(card)
    (tmp_path / "gaps.gpkg").write_bytes(b"not a geopackage")
    with pytest.raises(ConfigError, match="cannot read its communities layer"):
        read_run(tmp_path)
    (tmp_path / "scorecard.json").write_text("{broken")
    with pytest.raises(ConfigError, match="cannot be read"):
        read_run(tmp_path)


@pytest.mark.parametrize(
    ("old", "new", "lower", "expected"),
    [
        (0.5, 0.6, False, "improving"),
        (0.6, 0.5, False, "worsening"),
        (0.5, 0.5, False, "unchanged"),
        (400.0, 300.0, True, "improving"),  # a missing floor area that shrank
        (None, 0.5, False, "not_met"),
    ],
)
def test_a_target_not_met_is_improving_when_it_moved_towards_the_target(old, new, lower, expected):
    before = {"measured": old, "unit": "share"}
    after = {"measured": new, "unit": "share", "status": "fail", "lower_is_better": lower}
    assert on_track(before, after) == expected


def test_met_no_target_and_no_data_are_said_as_such():
    for status, word in (("pass", "met"), ("no_target", "no_target"), ("no_data", "no_data")):
        assert on_track({"measured": 0.1}, {"measured": 0.2, "status": status}) == word


def test_english_progress_table(demo_result):
    record = read_run(demo_result.outputs[0].parent)
    table = progress_table(record.indicators, record.indicators, language="en")
    assert list(table.columns) == [
        "indicator",
        "before",
        "now",
        "change",
        "target (year, level)",
        "verdict now",
        "progress",
    ]
    assert set(table["change"]) <= {"+0.0 pp", "+0 m²", "+0.0", "+0", "—", "+0 ㎡"}
