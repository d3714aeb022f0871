"""The demo city: regenerates byte for byte, runs end to end, and gives the same files twice."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from geo_coverage.apps.demo import write_demo_city
from geo_coverage.pipeline import run
from tests.conftest import ROOT


@pytest.mark.slow
def test_generator_reproduces_the_shipped_layers_byte_for_byte(tmp_path):
    for path in write_demo_city(tmp_path):
        shipped = ROOT / "layers" / "demo" / path.name
        assert path.read_bytes() == shipped.read_bytes(), path.name


@pytest.mark.slow
def test_demo_command_writes_map_gap_list_and_scorecard(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "geo_coverage", "-q", "demo", "--output", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    names = {p.name for p in out.iterdir()}
    assert {
        "map.html",
        "gaps.csv",
        "gaps.xlsx",
        "gaps.gpkg",
        "scorecard.json",
        "scorecard.md",
        "scorecard.csv",
    } <= names
    assert (out / "gaps.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel
    gaps = pd.read_csv(out / "gaps.csv", encoding="utf-8-sig")
    assert list(gaps.columns[:4]) == ["编号", "小区名称", "所属街道", "户数"]
    sheets = pd.read_excel(out / "gaps.xlsx", sheet_name=None)
    assert set(sheets) == {
        "缺口清单",
        "评分卡",
        "街道",
        "分类型覆盖",
        "设施负荷（责任区）",
        "嘎查村",
        "苏木乡镇",
    }
    load = sheets["设施负荷（责任区）"]
    assert load["负荷"].iloc[0] == "超负荷（每百户不足20㎡）"  # the heaviest first
    assert load["设施编号"].iloc[-1].startswith("责任区：")  # how they are drawn, said
    villages = sheets["嘎查村"].set_index("名称")
    assert list(villages["已覆盖"]) == ["是", "否", "是", "否", "否"]
    assert villages.loc["新胜村", "直线距离（米）"] == 1124.9
    assert "15分钟养老服务圈住户覆盖率" in (out / "scorecard.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_two_runs_give_byte_identical_text_outputs_map_included(demo_copy):
    first = run(demo_copy).outputs
    text = {".csv", ".json", ".md", ".html"}
    texts = {p.name: p.read_bytes() for p in first if p.suffix in text}
    assert "map.html" in texts
    second = run(demo_copy).outputs
    assert {p.name for p in second if p.suffix in text} == set(texts)
    for p in second:
        if p.name in texts:
            assert p.read_bytes() == texts[p.name], p.name


def test_english_outputs(demo_copy):
    text = demo_copy.read_text(encoding="utf-8").replace("language: zh", "language: en")
    demo_copy.write_text(text, encoding="utf-8")
    result = run(demo_copy)
    gaps = pd.read_csv(result.outputs[0], encoding="utf-8-sig")
    assert "households" in gaps.columns and "reasons" in gaps.columns


def test_packaged_demo_config_is_the_repo_one():
    """`geo-coverage demo` outside a clone regenerates the layers and uses this copy."""
    packaged = ROOT / "geo_coverage" / "apps" / "demo_config.yaml"
    assert packaged.read_bytes() == (ROOT / "configs" / "demo.yaml").read_bytes()


@pytest.mark.slow
def test_demo_outside_a_clone_regenerates_the_city(tmp_path, monkeypatch):
    from geo_coverage.apps import cli

    monkeypatch.setattr(cli, "_repo_demo_config", lambda: None)
    assert cli.main(["-q", "demo", "--output", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "map.html").is_file()
