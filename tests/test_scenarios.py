"""Plans tested against today: the demo's two 东风街道 plans, and plans that go wrong.

The demo config tests two plans (configs/demo.yaml, ``scenarios``): two new stations
(P01, P02, 300 m² each) or one comprehensive centre (P03, 900 m²) in 东风街道, the
subdistrict most of whose compounds are outside the care circle today.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from geo_coverage import LayerError
from geo_coverage.pipeline import run
from tests.test_trust import edit_config

TWO_STATIONS = "东风街道新建两个服务站"
CENTRE = "东风街道建一处综合养老服务中心"


def _share(assessment) -> float:
    return float(
        assessment.scorecard.set_index("indicator").loc["care_circle_households", "measured"]
    )


def test_each_plan_is_assessed_with_what_it_builds(demo_result):
    plans = {p.name: p for p in demo_result.scenarios}
    assert list(plans) == [TWO_STATIONS, CENTRE]
    assert list(plans[TWO_STATIONS].planned["id"]) == ["P01", "P02"]
    assert plans[TWO_STATIONS].area_added_m2 == 600
    assert plans[CENTRE].area_added_m2 == 900
    assert plans[TWO_STATIONS].closed == ()


def test_new_stations_move_the_share_by_exactly_the_households_they_bring_in(demo_result):
    """Every compound is one walk origin: a compound the plan brings into the circle adds
    all its households to the share's numerator, and nothing else moves."""
    plan = next(p for p in demo_result.scenarios if p.name == TWO_STATIONS)
    today = demo_result.assessment.communities.set_index("id")
    brought_in = plan.changed[plan.changed["old_status"] == "outside"]
    assert len(brought_in) > 0 and set(brought_in["new_status"]) <= {"ok", "short_area", "covered"}
    assert "东风街道" in set(today.loc[brought_in["id"], "subdistrict"])
    households = today["households"].sum()
    gained = today.loc[brought_in["id"], "households"].sum()
    assert _share(plan.assessment) - _share(demo_result.assessment) == pytest.approx(
        gained / households
    )


def test_the_plans_are_ranked_by_targets_met_then_coverage(demo_result):
    folder = demo_result.outputs[0].parent
    sheets = pd.read_excel(folder / "scenarios.xlsx", sheet_name=None)
    ranking = sheets["方案排序"]
    assert list(ranking["方案"][:3]) == ["现状", CENTRE, TWO_STATIONS]  # the centre meets 1 more
    assert ranking["排序"].iloc[-1].startswith("排序规则")  # the rule, said in the sheet
    indicators = sheets["方案1 指标"].set_index("指标")
    row = indicators.loc["15分钟养老服务圈住户覆盖率"]
    assert (row["现状"], row["方案"]) == ("72.8%", "98.9%")
    changed = sheets["方案1 变化小区"]
    assert set(changed["现状"]) == {"不在服务圈内"}
    text = (folder / "scenarios.md").read_text(encoding="utf-8")
    assert f"## 方案1：{TWO_STATIONS}" in text
    page = (folder / "map.html").read_text(encoding="utf-8")
    layer_name = json.dumps(f"方案1：{TWO_STATIONS}")[1:-1]  # as the layer list holds it
    assert layer_name in page and "东风北居家养老服务站" in page


def test_closing_a_facility_takes_its_compounds_out_of_the_circle(demo_copy):
    edit_config(
        demo_copy,
        "  - name: 东风街道新建两个服务站",
        "  - name: 关闭人民路服务站\n    closed: [F04]\n  - name: 东风街道新建两个服务站",
    )
    result = run(demo_copy, write=False)
    closed = result.scenarios[0]
    assert closed.closed == ("F04",) and closed.area_added_m2 == -150
    assert set(closed.changed["new_status"]) == {"outside"}
    served_by_f04 = result.assessment.communities["served_by_id"] == "F04"
    lost = set(result.assessment.communities.loc[served_by_f04, "id"])
    assert set(closed.changed["id"]) <= lost  # only F04's own compounds can lose cover


def test_a_plan_closing_an_unknown_facility_is_a_located_error(demo_copy):
    edit_config(
        demo_copy,
        "  - name: 东风街道新建两个服务站",
        "  - name: 笔误\n    closed: [F99]\n  - name: 东风街道新建两个服务站",
    )
    with pytest.raises(LayerError, match=r"scenarios\[0\] \(笔误\)\.closed.*F99"):
        run(demo_copy, write=False)


def test_a_planned_facility_may_not_take_an_existing_id(demo_copy):
    planned = demo_copy.parent.parent / "layers" / "demo" / "planned_stations.csv"
    planned.write_text(
        planned.read_text(encoding="utf-8-sig").replace("P01,", "F01,"), encoding="utf-8-sig"
    )
    with pytest.raises(LayerError, match=r"planned_stations\.csv, row 2, column 'id': id F01"):
        run(demo_copy, write=False)


def test_changed_households_are_applied_and_checked(demo_copy):
    edit_config(
        demo_copy,
        "  - name: 东风街道新建两个服务站",
        "  - name: 新华里加建\n    households: {C01: 900}\n  - name: 东风街道新建两个服务站",
    )
    result = run(demo_copy, write=False)
    grown = result.scenarios[0].assessment.communities.set_index("id")
    assert grown.loc["C01", "households"] == 900
    edit_config(demo_copy, "households: {C01: 900}", "households: {C999: 900}")
    with pytest.raises(LayerError, match="C999"):
        run(demo_copy, write=False)


def test_a_plan_name_is_shown_never_run(demo_copy):
    """A plan's name reaches the map's layer list (HTML), the sheets and the report."""
    hostile = "<img src=x onerror=alert(1)>{{7*7}}=1+2"
    edit_config(demo_copy, "  - name: 东风街道新建两个服务站", f"  - name: '{hostile}'")
    folder = run(demo_copy).outputs[0].parent
    page = (folder / "map.html").read_text(encoding="utf-8")
    assert "<img src=x" not in page and "onerror=alert(1)>" not in page
    assert "{{7*7}}" not in page  # braces as entities: no template pass can run it
    ranking = pd.read_excel(folder / "scenarios.xlsx", sheet_name="方案排序")
    assert hostile in set(ranking["方案"])  # as given, text (not a formula)
    import openpyxl

    book = openpyxl.load_workbook(folder / "scenarios.xlsx")
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    markdown = (folder / "scenarios.md").read_text(encoding="utf-8")
    assert "<img" not in markdown and "&lt;img" in markdown
