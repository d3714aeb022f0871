"""Hostile and messy input: nothing executes, nothing is silently wrong, nothing half-written.

Each test runs the real pipeline (or the real CLI) on a scratch copy of the demo
city with one defect or payload planted the way a planner's file would carry it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from geo_coverage import load_config
from geo_coverage._errors import ConfigError
from geo_coverage.apps import cli
from geo_coverage.inputs.layers import coordinate_findings
from geo_coverage.outputs.export import recover_output_folder, save_csv, save_xlsx
from geo_coverage.pipeline import run

# -- helpers: edit the scratch demo the way a planner's file would be edited -------------


def layers_of(config: Path) -> Path:
    return config.parent.parent / "layers" / "demo"


def edit_facilities(config: Path, change) -> None:
    path = layers_of(config) / "facilities.csv"
    frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    changed = change(frame)
    frame = frame if changed is None else changed
    frame.to_csv(path, index=False, encoding="utf-8-sig")


def edit_communities(config: Path, change) -> None:
    path = layers_of(config) / "communities.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data["features"])
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def edit_config(config: Path, old: str, new: str) -> None:
    text = config.read_text(encoding="utf-8")
    assert old in text, old
    config.write_text(text.replace(old, new, 1), encoding="utf-8")


def validate(config: Path, capsys) -> tuple[int, str]:
    code = cli.main(["-q", "validate", str(config)])
    captured = capsys.readouterr()
    return code, captured.err + captured.out


def strict_json(path: Path) -> dict:
    def refuse(constant: str) -> None:
        pytest.fail(f"{path.name} holds {constant}, which is not JSON")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


# -- 1. no input text is ever rendered as a template --------------------------------------


def test_template_payloads_in_every_text_field_are_shown_not_run(demo_copy, tmp_path):
    marker = tmp_path / "PWNED"
    payload = f"照料{{{{ cycler.__init__.__globals__.os.system('touch {marker}') }}}}中心"

    def plant_facilities(frame):
        frame.loc[0, "名称"] = payload
        frame.loc[1, "名称"] = "{% if 1 %}x"
        frame.loc[2, "类型"] = "{{7*7}}驿站"

    def plant_communities(features):
        features[0]["properties"]["小区名称"] = "{{7*7}}"
        features[1]["properties"]["小区名称"] = "{# comment"
        for f in features:
            if f["properties"]["所属街道"] == "新华街道":
                f["properties"]["所属街道"] = "{{7*7}}街道"

    edit_facilities(demo_copy, plant_facilities)
    edit_communities(demo_copy, plant_communities)
    subs = layers_of(demo_copy) / "subdistricts.geojson"
    subs.write_text(subs.read_text(encoding="utf-8").replace("新华街道", "{{7*7}}街道"), "utf-8")
    edit_config(demo_copy, "city: 示范区", 'city: "{{7*7}}区"')
    edit_config(
        demo_copy,
        "居家养老服务驿站: station",
        '居家养老服务驿站: station\n      "{{7*7}}驿站": station',
    )

    result = run(demo_copy)

    assert not marker.exists()
    page = (demo_copy.parent.parent / "maps" / "demo" / "map.html").read_text(encoding="utf-8")
    assert "49区" not in page and "49街道" not in page
    assert "&#123;&#123;7*7&#125;&#125;区" in page  # the city, escaped, shown as {{7*7}}区
    assert "cycler" in page and "os.system" in page  # kept as text, inert
    names = set(result.assessment.communities["name"])
    assert {"{{7*7}}", "{# comment"} <= names  # the data themselves are untouched
    assert payload in set(result.assessment.facilities["name"])


def test_batch_index_map_shows_hostile_city_and_error_text(tmp_path):
    from geo_coverage.apps.batch import CityOutcome
    from geo_coverage.outputs.maps import index_map, map_html

    marker = tmp_path / "PWNED"
    evil = f"{{{{ cycler.__init__.__globals__.os.system('touch {marker}') }}}}"
    outline = {"type": "Polygon", "coordinates": [[[111, 40], [112, 40], [112, 41], [111, 40]]]}
    outcomes = (
        CityOutcome(
            config="a.yaml",
            status="done",
            city=evil,
            indicators={"care_circle_households": {"measured": 0.5}},
            outline=outline,
            map_path=str(tmp_path / "a" / "map.html"),
        ),
        CityOutcome(config="{{7*7}}.yaml", status="failed", error="{% broken " + evil),
    )
    page = map_html(index_map(outcomes, tmp_path))
    assert not marker.exists()
    assert "&#123;&#123;7*7&#125;&#125;.yaml" in page and "os.system" in page


# -- 2. no spreadsheet formulas from input text --------------------------------------------

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"]


def test_text_starting_like_a_formula_is_written_as_text(tmp_path):
    table = pd.DataFrame({"name": FORMULAS, "value": [-1.5, 2, 3, 4, 5, 6]})
    save_csv(table, tmp_path / "t.csv")
    save_xlsx({"s": table}, tmp_path / "t.xlsx")
    back = pd.read_csv(tmp_path / "t.csv", encoding="utf-8-sig", keep_default_na=False)
    assert list(back["name"]) == ["'" + f for f in FORMULAS]
    assert list(back["value"]) == [-1.5, 2, 3, 4, 5, 6]  # numbers stay numbers
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    # a CR is stored as OOXML's escape _x000D_ (Excel shows the character; openpyxl does not)
    assert [c.value.replace("_x000D_", "\r") for c in cells] == FORMULAS
    assert {c.data_type for c in cells} == {"s"}
    assert sheet.cell(2, 2).value == -1.5


def test_run_writes_formula_looking_names_inert(demo_copy):
    def plant(features):
        for f, text in zip(features, FORMULAS, strict=False):
            f["properties"]["小区名称"] = text

    def plant_facilities(frame):
        frame.loc[2, "名称"] = FORMULAS[0]  # F03, a day-care centre with a service area

    edit_communities(demo_copy, plant)
    edit_facilities(demo_copy, plant_facilities)
    result = run(demo_copy)
    folder = result.outputs[0].parent
    gaps = pd.read_csv(folder / "gaps.csv", encoding="utf-8-sig", keep_default_na=False)
    planted = [n for n in gaps["小区名称"] if n.lstrip("'") in FORMULAS]
    assert planted and all(n.startswith("'") for n in planted)
    book = openpyxl.load_workbook(folder / "gaps.xlsx")
    for sheet in book.worksheets:
        assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row), sheet.title
    names = [c.value for c in book["缺口清单"]["B"]]
    assert FORMULAS[0] in names or any(n in names for n in FORMULAS)
    assert FORMULAS[0] in [c.value for c in book["设施负荷（责任区）"]["B"]]  # text, as given


# -- 4. blank cells in required columns ---------------------------------------------------


def test_blank_required_cells_are_located_errors(demo_copy, capsys):
    def blank_facilities(frame):
        frame.loc[0, "类型"] = ""
        frame.loc[1, "编号"] = ""
        frame.loc[2, "经度"] = ""

    def typo_households(features):
        features[3]["properties"]["户数"] = "约300户"

    edit_facilities(demo_copy, blank_facilities)
    edit_communities(demo_copy, typo_households)
    code, text = validate(demo_copy, capsys)
    assert code == 2 and "Traceback" not in text
    assert "facilities.csv, row 2, column '类型': facility type is empty" in text
    assert "facilities.csv, row 3, column '编号': id is empty" in text
    assert "facilities.csv, row 4, column '经度/纬度': coordinates missing" in text
    assert "communities.geojson, row 4, column '户数': value '约300户' is not a number" in text


def test_households_empty_zero_or_unknown_make_that_compound_no_data(demo_copy):
    """A real crawl (安居客) has 总户数 0 where the count is unknown: no data, not 0 households."""
    from geo_coverage.assess.verdicts import community_status

    def unknown(features):
        features[0]["properties"]["户数"] = 0
        features[1]["properties"]["户数"] = None
        features[2]["properties"]["户数"] = "暂无"

    edit_communities(demo_copy, unknown)
    result = run(demo_copy)
    messages = [str(w) for w in result.warnings]
    for row in (1, 2, 3):
        assert any(
            f"communities.geojson, row {row}, column '户数': households empty, 0 or 暂无" in m
            for m in messages
        ), row
    com = result.assessment.communities
    unknown_rows = com["households"].isna().to_numpy()
    assert unknown_rows[:3].all() and not unknown_rows[3:].any()
    assert (community_status(com)[:3] == "no_households").all()  # drawn, in its own colour
    # left out of every share: the households share is over the others only
    known = com[~unknown_rows & com["assessed"].to_numpy()]
    sc = result.assessment.scorecard.set_index("indicator")
    expected = (known["households"] * known["covered_share"]).sum() / known["households"].sum()
    assert sc.loc["care_circle_households", "measured"] == pytest.approx(expected, abs=1e-9)
    assert sc.loc["care_circle_communities", "denominator"] == len(known)
    assert sc.loc["area_standard", "denominator"] == (~unknown_rows).sum()
    assert com.loc[unknown_rows, "meets_area"].isna().all()  # no floor-area verdict either
    gaps = result.assessment.gaps.set_index("id")
    assert gaps.loc[com["id"].iloc[0], "reasons_zh"].endswith("户数未提供数据（不计入各项比例）")
    folder = result.outputs[0].parent
    assert "户数未提供数据（不计入比例）" in (folder / "map.html").read_text(encoding="utf-8")


def test_a_list_without_an_id_column_is_numbered_by_row_and_says_so(demo_copy):
    def drop_ids(features):
        for f in features:
            f["properties"].pop("小区编号")

    edit_communities(demo_copy, drop_ids)
    edit_config(demo_copy, "      id: 小区编号\n", "")
    result = run(demo_copy)
    com = result.assessment.communities
    assert list(com["id"][:3]) == ["com-1", "com-2", "com-3"]  # feature numbers of a GIS file
    notes = [w for w in result.warnings if w.row is None and "no id column" in w.message]
    assert len(notes) == 1 and notes[0].file == "../layers/demo/communities.geojson"
    assert pd.__version__ >= "2"  # run under whatever pandas the install gives (3.x in CI)


# -- 5. swapped or projected coordinates in GIS files; projected CSV -----------------------


def test_swapped_and_projected_geojson_get_the_csv_findings(demo_copy, capsys):
    def swap(features):
        for f in features[:2]:
            f["geometry"]["coordinates"] = [
                [[y, x] for x, y in ring] for ring in f["geometry"]["coordinates"]
            ]

    edit_communities(demo_copy, swap)
    code, text = validate(demo_copy, capsys)
    assert code == 2 and "Traceback" not in text
    assert "communities.geojson, row 1, column 'geometry': longitude" in text
    assert "look swapped" in text


def test_projected_layers_load_with_an_epsg_declaration(demo_copy, capsys):
    import geopandas as gpd

    base = run(demo_copy, write=False).assessment.communities.set_index("id")
    folder = layers_of(demo_copy)
    com = gpd.read_file(folder / "communities.geojson").to_crs("EPSG:4546")
    com.to_file(folder / "communities_4546.gpkg", driver="GPKG")
    # a GeoJSON of metres without a CRS member: flagged, with the fix named
    raw = json.loads(com.to_json())
    raw.pop("crs", None)
    (folder / "communities_m.geojson").write_text(json.dumps(raw), encoding="utf-8")
    edit_config(demo_copy, "communities.geojson", "communities_m.geojson")
    code, text = validate(demo_copy, capsys)
    assert code == 2 and "is not a longitude/latitude in degrees" in text
    assert "coords: EPSG:<code>" in text
    edit_config(
        demo_copy,
        "communities_m.geojson\n    coords: wgs84",
        "communities_m.geojson\n    coords: EPSG:4546",
    )
    moved = run(demo_copy, write=False).assessment.communities.set_index("id")
    pd.testing.assert_series_equal(moved["walk_min"], base["walk_min"], atol=0.01)
    assert (moved["covered"] == base["covered"]).all()
    # the GeoPackage carries its own CRS: no declaration needed
    edit_config(
        demo_copy,
        "communities_m.geojson\n    coords: EPSG:4546",
        "communities_4546.gpkg\n    coords: wgs84",
    )
    again = run(demo_copy, write=False).assessment.communities.set_index("id")
    assert (again["covered"] == base["covered"]).all()


def test_csv_in_projected_metres_loads_with_coords_epsg(demo_copy, capsys):
    import pyproj

    from geo_coverage.coords import gcj02_to_wgs84

    base = run(demo_copy, write=False).assessment.communities.set_index("id")
    to_gk = pyproj.Transformer.from_crs(4326, 4546, always_xy=True)

    def project(frame):
        lon, lat = gcj02_to_wgs84(frame["经度"].astype(float), frame["纬度"].astype(float))
        x, y = to_gk.transform(lon, lat)
        frame["经度"], frame["纬度"] = np.round(x, 3), np.round(y, 3)

    edit_facilities(demo_copy, project)
    edit_config(demo_copy, "coords: gcj02", "coords: EPSG:4546")
    moved = run(demo_copy, write=False).assessment.communities.set_index("id")
    assert (moved["covered"] == base["covered"]).all()
    np.testing.assert_allclose(moved["walk_min"], base["walk_min"], atol=0.01)
    # the zone-prefixed code of the same zone (EPSG:4525 has 38 500 000 m eastings)
    edit_config(demo_copy, "coords: EPSG:4546", "coords: EPSG:4525")
    code, text = validate(demo_copy, capsys)
    assert code == 2 and "lies outside the area of" in text and "4513–4533" in text


def test_far_north_points_are_not_called_swapped():
    helsinki = coordinate_findings(
        np.array([24.94, 25.1]),
        np.array([60.17, 60.3]),
        np.array([2, 3]),
        file="f",
        column="c",
        coords="wgs84",
    )
    assert helsinki == []
    swapped = coordinate_findings(
        np.array([40.8]), np.array([111.7]), np.array([2]), file="f", column="c", coords="wgs84"
    )
    assert "look swapped" in swapped[0].message
    outside = coordinate_findings(
        np.array([24.94]), np.array([60.17]), np.array([2]), file="f", column="c", coords="gcj02"
    )
    assert "outside China" in outside[0].message


# -- 6. standards overrides are validated with the YAML line ------------------------------


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("walking_speed_m_s: 0", "walking_speed_m_s"),
        ("walking_speed_m_s: -1", "greater than 0"),
        ("walking_speed_m_s: 4", "less than or equal to 3"),
        ("care_circle_min: 0", "care_circle_min"),
        ("bands_min: []", "bands_min"),
        ("care_circle_types: [bogus]", "'centre'"),
        ("care_circle_target_share: 5", "less than or equal to 1"),
        ("nursing_bed_share: 55", "nursing_bed_share"),
    ],
)
def test_bad_overrides_name_key_line_and_allowed_values(demo_copy, override, expected):
    edit_config(demo_copy, "walking_speed_m_s: 1.0", override)
    with pytest.raises(ConfigError) as err:
        load_config(demo_copy)
    text = str(err.value)
    assert "standard.overrides" in text and "(line " in text and expected in text


# -- 7. environment: unreadable inputs, GBK config, unusable output folder ----------------


def test_gbk_config_is_read(demo_copy):
    text = demo_copy.read_text(encoding="utf-8").replace("²", "2")  # GBK has no superscript 2
    demo_copy.write_bytes(text.encode("gbk"))
    assert load_config(demo_copy).city == "示范区"


def test_config_that_is_a_folder_or_binary(tmp_path):
    with pytest.raises(ConfigError, match="is a folder"):
        load_config(tmp_path)
    binary = tmp_path / "x.yaml"
    binary.write_bytes(b"\xff\xfe\x00\x81\x00")
    with pytest.raises(ConfigError, match="neither UTF-8 nor GBK"):
        load_config(binary)


def test_output_folder_problems_are_found_before_any_work(demo_copy, tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("I am a file", encoding="utf-8")
    config = demo_copy.read_text(encoding="utf-8").replace(
        "outputs:\n", f"outputs:\n  folder: {blocker / 'out'}\n", 1
    )
    demo_copy.write_text(config, encoding="utf-8")
    started = time.perf_counter()
    code, text = validate(demo_copy, capsys)
    assert code == 2 and "is a file; set outputs.folder" in text
    assert len(text.strip().splitlines()) == 1 and time.perf_counter() - started < 5
    own = tmp_path / "mine"
    own.mkdir()
    (own / "报告.docx").write_text("not ours", encoding="utf-8")
    demo_copy.write_text(config.replace(str(blocker / "out"), str(own)), encoding="utf-8")
    code, text = validate(demo_copy, capsys)
    assert code == 2 and "报告.docx" in text and (own / "报告.docx").is_file()


def test_network_path_that_is_a_folder(demo_copy, tmp_path, capsys):
    edit_config(demo_copy, "../layers/demo/streets.osm", str(tmp_path / "dir.osm"))
    (tmp_path / "dir.osm").mkdir()
    code, text = validate(demo_copy, capsys)
    assert code == 2 and "is a folder, not a file; check network.path" in text


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_layer(demo_copy, capsys):
    path = layers_of(demo_copy) / "facilities.csv"
    path.chmod(0)
    code, text = validate(demo_copy, capsys)
    assert code == 2 and "cannot be read" in text


# -- 9. plausibility warnings reach every report --------------------------------------------


def test_implausible_values_are_warned_in_map_scorecard_and_xlsx(demo_copy):
    def plant(features):
        features[0]["properties"]["户数"] = 99_999
        features[1]["properties"]["60岁以上人口"] = features[1]["properties"]["常住人口"] + 50
        features[3]["geometry"] = features[2]["geometry"]

    edit_communities(demo_copy, plant)
    result = run(demo_copy)
    messages = [str(w) for w in result.warnings]
    assert any("row 1" in m and "99,999 households" in m for m in messages)
    assert any("row 2" in m and "exceeds population" in m for m in messages)
    assert any("row 4" in m and "same location as row 3" in m for m in messages)
    folder = result.outputs[0].parent
    data = strict_json(folder / "scorecard.json")
    assert len(data["warnings"]) == len(result.warnings) >= 3
    # the outputs speak the config's language (Chinese here); the console stays English
    assert "一个小区 99,999 户" in (folder / "scorecard.md").read_text(encoding="utf-8")
    sheet = pd.read_excel(folder / "gaps.xlsx", sheet_name="注意")
    assert sheet["提示"].str.contains("多于常住人口").any()
    assert "gc-warnings" in (folder / "map.html").read_text(encoding="utf-8")
    # every output names the file as the config does, never where it lies on this machine
    assert all(w.file == "../layers/demo/communities.geojson" for w in result.warnings[:3])
    for name in ("map.html", "scorecard.md", "scorecard.json"):
        text = (folder / name).read_text(encoding="utf-8")
        assert "../layers/demo/communities.geojson" in text, name
        assert str(demo_copy.parent.parent) not in text, name
    assert not sheet.astype(str).apply(lambda c: c.str.contains(str(demo_copy.parent))).any().any()


# -- 10. labels follow the configured thresholds -------------------------------------------


def test_a_ten_minute_circle_is_labelled_ten_minutes_everywhere(demo_copy):
    edit_config(
        demo_copy, "walking_speed_m_s: 1.0", "walking_speed_m_s: 1.0\n    care_circle_min: 10"
    )
    result = run(demo_copy)
    folder = result.outputs[0].parent
    sc = result.assessment.scorecard
    assert sc.loc[sc["indicator"] == "care_circle_households", "label_zh"].item() == (
        "10分钟养老服务圈住户覆盖率"
    )
    assert not sc["label_zh"].str.contains("15分钟").any()
    assert not sc["label_en"].str.contains("15").any()
    reasons = result.assessment.gaps["reasons_zh"]
    assert reasons.str.contains("不在10分钟养老服务圈内").any()
    assert not reasons.str.contains("15分钟").any()
    gaps = pd.read_csv(folder / "gaps.csv", encoding="utf-8-sig")
    assert "10分钟圈内住户比例" in gaps.columns
    assert not any("15分钟" in c for c in gaps.columns)
    assert sorted(result.isochrones["band_min"].unique()) == [3.3, 6.7, 10.0]
    page = (folder / "map.html").read_text(encoding="utf-8")
    assert "不在10分钟服务圈内" in page and "不在15分钟" not in page


# -- 11. missing data is "no data", never a failure --------------------------------------


def test_missing_columns_give_no_data_not_fail(demo_copy):
    def drop_facility_numbers(frame):
        return frame.drop(columns=["建筑面积（㎡）", "护理型床位数"])

    def drop_area(features):
        for f in features:
            f["properties"].pop("养老用房面积")

    edit_facilities(demo_copy, drop_facility_numbers)
    edit_communities(demo_copy, drop_area)
    edit_config(demo_copy, "      floor_area_m2: 建筑面积（㎡）\n", "")
    edit_config(demo_copy, "      facility_area_m2: 养老用房面积\n", "")
    result = run(demo_copy)
    sc = result.assessment.scorecard.set_index("indicator")
    for key in ("area_standard", "area_deficit", "area_catchment", "nursing_bed_share"):
        assert sc.loc[key, "status"] == "no_data", key
        assert np.isnan(sc.loc[key, "measured"]) and sc.loc[key, "missing_data"]
    assert sc.loc["beds_per_1000", "status"] == "no_target"  # beds given; 002/003 set no target
    assert sc.loc["beds_per_1000", "measured"] > 0
    assert not result.assessment.gaps["reasons_zh"].str.contains("面积不足").any()
    folder = result.outputs[0].parent
    data = strict_json(folder / "scorecard.json")
    no_data = [i for i in data["indicators"] if i["status"] == "no_data"]
    assert len(no_data) == 4 and all(i["measured"] is None for i in no_data)
    md = (folder / "scorecard.md").read_text(encoding="utf-8")
    assert md.count("未提供数据") >= 8  # status and measured value of each
    from geo_coverage.assess.verdicts import community_status

    status = community_status(result.assessment.communities)
    assert set(status) <= {"covered", "outside"}


# -- 12. beds per 1000 elderly counts every elderly resident --------------------------------


def test_beds_per_1000_divides_by_all_elderly_not_those_inside_subdistricts(demo_copy):
    subs = layers_of(demo_copy) / "subdistricts.geojson"
    data = json.loads(subs.read_text(encoding="utf-8"))
    data["features"] = data["features"][:1]  # most compounds now lie outside every polygon

    subs.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = run(demo_copy, write=False)
    facilities = pd.read_csv(layers_of(demo_copy) / "facilities.csv", encoding="utf-8-sig")
    communities = json.loads(
        (layers_of(demo_copy) / "communities.geojson").read_text(encoding="utf-8")
    )["features"]
    elderly = sum(f["properties"]["60岁以上人口"] for f in communities)
    expected = 1000 * facilities["床位数"].sum() / elderly
    sc = result.assessment.scorecard.set_index("indicator")
    assert sc.loc["beds_per_1000", "measured"] == pytest.approx(expected)
    inside = result.assessment.subdistricts["elderly"].sum()
    assert inside < elderly  # the old denominator would have been this


# -- 13. a run's outputs appear together or not at all -------------------------------------


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_late_crash_leaves_the_previous_set_whole(demo_copy, monkeypatch):
    import geo_coverage.outputs.export as export

    folder = run(demo_copy).outputs[0].parent
    before = _snapshot(folder)
    edit_config(demo_copy, "walking_speed_m_s: 1.0", "walking_speed_m_s: 0.8")

    def crash(*_args, **_kwargs):
        raise RuntimeError("disk full while drawing")

    monkeypatch.setattr(export, "map_html", crash)
    with pytest.raises(RuntimeError):
        run(demo_copy)
    assert _snapshot(folder) == before
    assert [p.name for p in folder.parent.iterdir()] == ["demo"]  # no staging left over


@pytest.mark.slow
def test_a_killed_run_leaves_the_previous_set_and_is_cleaned_up(demo_copy):
    folder = run(demo_copy).outputs[0].parent
    before = _snapshot(folder)
    edit_config(demo_copy, "walking_speed_m_s: 1.0", "walking_speed_m_s: 0.8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "geo_coverage", "-q", "run", str(demo_copy)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    staging: list[Path] = []
    while time.time() < deadline and proc.poll() is None:
        staging = list(folder.parent.glob(".demo.staging-*"))
        if staging and any(staging[0].iterdir()):
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait()
    assert staging, "the run finished before it could be killed while writing"
    assert _snapshot(folder) == before  # nothing of the killed run is in the folder
    recover_output_folder(folder)  # what the next run does first
    assert [p.name for p in folder.parent.iterdir()] == ["demo"]


def test_a_kill_between_the_two_renames_is_undone(demo_copy):
    folder = run(demo_copy).outputs[0].parent
    before = _snapshot(folder)
    folder.rename(folder.parent / ".demo.previous")  # the state after the first rename
    recover_output_folder(folder)
    assert _snapshot(folder) == before


def test_a_key_given_twice_is_an_error_not_a_silent_override(demo_copy):
    edit_config(demo_copy, "far_points: error", "far_points: flag\n  far_points: error")
    with pytest.raises(ConfigError, match=r"key 'far_points' is given twice \(first on line"):
        load_config(demo_copy)


def test_a_blank_name_in_any_layer_is_reported_with_its_row_and_the_run_goes_on(demo_copy):
    import json

    layers = demo_copy.parent.parent / "layers" / "demo"
    villages = layers / "villages.geojson"
    data = json.loads(villages.read_text(encoding="utf-8"))
    data["features"][1]["properties"]["嘎查村名称"] = "  "
    villages.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = run(demo_copy, write=False)
    (note,) = [w for w in result.warnings if w.file.endswith("villages.geojson")]
    assert (note.row, note.column) == (2, "嘎查村名称")
    assert "V2 is listed by its id" in note.message
    assert len(result.assessment.villages) == 5  # still assessed
