"""The 评估报告: an editable Word report and its PDF, written from the run's numbers."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest

from geo_coverage.outputs.qgis_styles import fields_in
from geo_coverage.pipeline import run
from tests.test_trust import edit_communities, edit_config, edit_facilities

OFFICE = shutil.which("soffice") or shutil.which("libreoffice")
if OFFICE is None and os.environ.get("GEO_COVERAGE_REQUIRE_OFFICE"):
    msg = "GEO_COVERAGE_REQUIRE_OFFICE is set but LibreOffice (soffice) was not found"
    raise RuntimeError(msg)
requires_office = pytest.mark.skipif(
    OFFICE is None or shutil.which("pdftoppm") is None,
    reason="LibreOffice or pdftoppm not installed (Debian: apt-get install "
    "libreoffice-writer-nogui poppler-utils)",
)


def docx_only(config: Path) -> None:
    """Write the report as DOCX only (no LibreOffice needed, faster)."""
    edit_config(config, "formats: [csv, xlsx, gpkg, docx, pdf]", "formats: [gpkg, docx]")


def report_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def demo_report(demo_result):
    """The shared demo run (every output, the report as PDF too) and its folder."""
    return demo_result, demo_result.outputs[0].parent


def test_the_report_holds_every_indicator_the_figures_and_the_subdistrict_chart(demo_report):
    import docx

    result, folder = demo_report
    document = docx.Document(str(folder / "report.docx"))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for title in (
        "一、总体结论",
        "二、指标评估",
        "三、分街道评估",
        "四、现状图",
        "五、缺口清单（前20个）",
        "六、新建选址建议",
        "七、数据与方法",
    ):
        assert title in headings, title
    indicators = document.tables[0]
    assert [c.text for c in indicators.rows[0].cells][:4] == [
        "指标",
        "目标（年份、层级）",
        "测算值",
        "结论",
    ]
    labels = [row.cells[0].text for row in indicators.rows[1:]]
    assert labels == list(result.assessment.scorecard["label_zh"])  # every indicator, in order
    day_care = next(r for r in indicators.rows if r.cells[0].text.startswith("社区日间照料"))
    assert day_care.cells[1].text == "≥ 90.0%（到2022年，全区）"
    assert day_care.cells[3].text == "按上级合计评判"
    assert len(document.inline_shapes) == 3  # chart, overview map, sites map
    captions = [p.text for p in document.paragraphs]
    assert any(c.startswith("图2 分街道：15分钟圈内住户比例与养老用房缺口") for c in captions)
    assert any(c.startswith("图1 现状图") for c in captions)
    text = report_text(folder / "report.docx")
    assert "道路数据 © OpenStreetMap 贡献者（ODbL）" not in text  # the credit is in the figure
    summary = next(p.text for p in document.paragraphs if p.text.startswith("示范区共有小区71个"))
    com = result.assessment.communities
    assert f"住户{com['households'].sum():,.0f}户" in summary
    assert "缺口最大的小区为" in summary and "建议新建养老服务设施2处" in summary
    for gap in result.assessment.gaps["name"].head(20):
        assert gap in text


@requires_office
def test_the_pdf_shows_chinese_text_with_embedded_cjk_fonts(demo_report, tmp_path):
    _, folder = demo_report
    pdf = folder / "report.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "示范区养老服务设施覆盖评估报告" in text and "二、指标评估" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert re.search(r"CJK|Han|Hei|Song|Ming", fonts), fonts  # a font with Chinese glyphs
    # page 2 rendered: its heading area holds ink (glyphs drawn, not an empty page)
    subprocess.run(
        ["pdftoppm", "-gray", "-r", "40", "-f", "2", "-l", "2", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    raw = next(tmp_path.glob("p*.pgm")).read_bytes()
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+\d+\s", raw)
    width, height = int(header.group(1)), int(header.group(2))
    page = np.frombuffer(raw[header.end() :], dtype=np.uint8).reshape(height, width)
    top = page[: height // 4]
    assert (top < 128).mean() > 0.01  # Chinese headings and the summary paragraph


def test_two_runs_give_the_same_report_text(demo_copy, tmp_path):
    docx_only(demo_copy)
    first = run(demo_copy).outputs[0].parent / "report.docx"
    saved = tmp_path / "first.docx"
    shutil.copy(first, saved)
    second = run(demo_copy).outputs[0].parent / "report.docx"
    with zipfile.ZipFile(saved) as a, zipfile.ZipFile(second) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), name
    core = zipfile.ZipFile(second).read("docProps/core.xml").decode()
    assert "T00:00:00Z" in core  # the date of the data, not the clock


def test_names_from_the_lists_stay_literal_text_in_the_report(demo_copy):
    hostile = "{{7*7}}<b>=1+2 @SUM(A1)"

    def rename(features):
        for k, f in enumerate(features):
            f["properties"]["小区名称"] = f"{hostile} {k}"

    def rename_facility(frame):
        frame.loc[0, "名称"] = '=HYPERLINK("http://x")'

    docx_only(demo_copy)
    edit_communities(demo_copy, rename)
    edit_facilities(demo_copy, rename_facility)
    folder = run(demo_copy).outputs[0].parent
    body = zipfile.ZipFile(folder / "report.docx").read("word/document.xml").decode()
    assert "fldSimple" not in body and "instrText" not in body  # no Word fields at all
    assert "{{7*7}}&lt;b&gt;=1+2 @SUM(A1) " in body  # escaped XML text, shown literally
    assert hostile in report_text(folder / "report.docx")


def test_the_report_follows_the_configured_circle_and_language(demo_copy):
    docx_only(demo_copy)
    edit_config(
        demo_copy, "walking_speed_m_s: 1.0", "walking_speed_m_s: 1.0\n    care_circle_min: 10"
    )
    edit_config(demo_copy, "language: zh ", "language: en ")
    folder = run(demo_copy).outputs[0].parent
    text = report_text(folder / "report.docx")
    assert "1. Conclusions" in text and "Households in the 10-minute care circle" in text
    assert "15-minute" not in text and "15 min" not in text


def test_without_floor_areas_the_report_says_so_instead_of_zeros(demo_copy):
    def drop_area(features):
        for f in features:
            f["properties"].pop("养老用房面积")

    docx_only(demo_copy)
    edit_facilities(demo_copy, lambda frame: frame.drop(columns=["建筑面积（㎡）"]))
    edit_communities(demo_copy, drop_area)
    edit_config(demo_copy, "      floor_area_m2: 建筑面积（㎡）\n", "")
    edit_config(demo_copy, "      facility_area_m2: 养老用房面积\n", "")
    text = report_text(run(demo_copy).outputs[0].parent / "report.docx")
    assert "未提供养老用房面积，面积指标未评估" in text
    assert "养老用房缺口合计" not in text and "未提供数据" in text


def test_every_gpkg_layer_opens_styled_in_qgis(demo_report):
    import pyogrio

    _, folder = demo_report
    gpkg = folder / "gaps.gpkg"
    with sqlite3.connect(gpkg) as db:
        rows = db.execute(
            "SELECT f_table_name, f_geometry_column, styleQML, useAsDefault FROM layer_styles"
        ).fetchall()
        registered = db.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
        ).fetchone()
    assert registered == ("attributes",)
    layers = {name for name, _ in pyogrio.list_layers(gpkg)} - {"layer_styles"}
    styled = {name for name, *_ in rows}
    assert styled == layers  # every layer, each once
    for name, geometry, qml, default in rows:
        assert default == 1
        root = ET.fromstring(qml.split("\n", 1)[1])  # well-formed (after the DOCTYPE)
        assert root.tag == "qgis"
        info = pyogrio.read_info(gpkg, layer=name)
        assert geometry == info["geometry_name"]
        assert fields_in(qml) <= set(info["fields"]), (name, fields_in(qml))
    comp = next(q for n, _, q, _ in rows if n == "communities")
    assert 'value="outside"' in comp and "#d73027" not in comp and "215,48,39" in comp
    for tif in folder.glob("travel_time_*.tif"):
        qml = tif.with_suffix(".qml").read_text(encoding="utf-8")
        root = ET.fromstring(qml.split("\n", 1)[1])
        items = root.findall(".//colorrampshader/item")
        assert [i.get("value") for i in items] == ["5", "10", "15"]
