"""`network.far_points: flag`: points far from every street are listed, never silently scored."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo_coverage.assess.verdicts import community_status
from geo_coverage.pipeline import run
from tests.test_trust import edit_communities, edit_config, edit_facilities, strict_json

SHIFT_DEG = 0.02  # about 1.7 km east: beyond the 300 m snap limit of the demo's streets


def move_east(features, index):
    geometry = features[index]["geometry"]
    geometry["coordinates"] = [
        [[x + SHIFT_DEG, y] for x, y in ring] for ring in geometry["coordinates"]
    ]


@pytest.fixture
def far_demo(demo_copy):
    """The demo with compound C71 and facility F01 moved off the street network."""
    edit_communities(demo_copy, lambda fs: move_east(fs, 70))

    def move_facility(frame):
        frame.loc[0, "经度"] = str(float(frame.loc[0, "经度"]) + 0.05)

    edit_facilities(demo_copy, move_facility)
    edit_config(demo_copy, "far_points: error", "far_points: flag")
    return demo_copy


def test_far_compound_is_not_assessed_and_listed_first(far_demo):
    result = run(far_demo)
    com = result.assessment.communities.set_index("id")
    far = com.loc["C71"]
    assert not far["assessed"] and np.isnan(far["walk_min"]) and np.isnan(far["covered_share"])
    assert far["street_distance_m"] > 300
    gaps = result.assessment.gaps
    assert gaps["id"].iloc[0] == "C71"
    assert gaps["reasons_zh"].iloc[0].startswith("无法评估：距最近道路 ")
    assert f"{far['street_distance_m']:,.0f} 米" in gaps["reasons_zh"].iloc[0]
    assert community_status(result.assessment.communities)[70] == "unassessed"
    sc = result.assessment.scorecard.set_index("indicator")
    assert sc.loc["not_assessed", "measured"] == 1 and sc.loc["not_assessed", "status"] == "fail"
    # coverage shares count only the 70 communities that could be assessed
    ok = com[com["assessed"]]
    expected = (ok["households"] * ok["covered_share"]).sum() / ok["households"].sum()
    assert sc.loc["care_circle_households", "measured"] == pytest.approx(expected)
    assert sc.loc["care_circle_communities", "measured"] == pytest.approx(ok["covered"].mean())
    # it is never demand for new sites: no walk can be priced from it
    origins = result.assessment.origins
    assert not origins.loc[origins["community"] == 70, "assessed"].any()
    folder = result.outputs[0].parent
    table = pd.read_csv(folder / "gaps.csv", encoding="utf-8-sig")
    assert table["编号"].iloc[0] == "C71" and table["问题"].iloc[0].startswith("无法评估")
    data = strict_json(folder / "scorecard.json")
    assert any("C71 lies" in w["message"] for w in data["warnings"])
    assert "无法评估（离步行道路过远）" in (folder / "map.html").read_text(encoding="utf-8")


def test_far_facility_serves_no_one(far_demo):
    result = run(far_demo, write=False)
    fac = result.assessment.facilities.set_index("id")
    assert fac.loc["F01", "far_from_street"] and fac.loc["F01", "households_within"] == 0
    assert "F01" not in set(result.assessment.communities["nearest_id"])
    assert any("F01 lies" in w.message and "serves no one" in w.message for w in result.warnings)


def test_error_stays_the_default(demo_copy):
    from geo_coverage._errors import LayerError

    edit_communities(demo_copy, lambda fs: move_east(fs, 70))
    with pytest.raises(LayerError, match="far_points: flag"):
        run(demo_copy, write=False)


def test_sparse_network_warning_reaches_every_report(demo_copy, capsys):
    """Main roads only, as OSM maps many smaller towns: the warning is in every output."""
    import re

    from geo_coverage.apps import cli

    streets = demo_copy.parent.parent / "layers" / "demo" / "streets.osm"
    text = streets.read_text(encoding="utf-8")
    ways = re.findall(r"<way .*?</way>", text, flags=re.S)
    for way in ways:
        if 'v="residential"' in way:
            text = text.replace(way, "")
    streets.write_text(text, encoding="utf-8")
    edit_config(demo_copy, "far_points: error", "far_points: flag")
    assert cli.main(["-q", "validate", str(demo_copy)]) == 0
    shown = capsys.readouterr().out
    assert "km of walkable street per km² in the study area" in shown
    result = run(demo_copy)
    sparse = [w for w in result.warnings if "walkable street per km²" in w.message]
    assert len(sparse) == 1 and result.network_quality["sparse"]
    folder = result.outputs[0].parent
    assert "walkable street per km²" in (folder / "scorecard.md").read_text(encoding="utf-8")
    assert any(
        "per km²" in w["message"] for w in strict_json(folder / "scorecard.json")["warnings"]
    )
    sheet = pd.read_excel(folder / "gaps.xlsx", sheet_name="注意")
    assert sheet["提示"].str.contains("per km²").any()
    assert "per km² in the study area" in (folder / "map.html").read_text(encoding="utf-8")


def test_validate_keeps_the_far_point_warnings_a_run_reports(far_demo, capsys):
    from geo_coverage.apps import cli

    code = cli.main(["-q", "validate", str(far_demo)])
    out = capsys.readouterr().out
    assert code == 0
    far = [line for line in out.splitlines() if "from the nearest walkable street" in line]
    assert far and all(line.startswith("warning: ../layers/demo/") for line in far)
