"""New-build siting: known optima, the greedy gap, and coverage re-computed after building."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from geo_coverage import load_config
from geo_coverage.config import SitingConfig
from geo_coverage.inputs.layers import ROW_COL
from geo_coverage.pipeline import prepare
from geo_coverage.siting import fewest_sites, propose_sites, solve_mclp
from tests.conftest import assess_on

# six demand points; A covers 1-4, B covers 1, 2, 5 and C covers 3, 4, 6
COVER = sparse.csc_matrix(
    np.array(
        [
            [1, 1, 0],
            [1, 1, 0],
            [1, 0, 1],
            [1, 0, 1],
            [0, 1, 0],
            [0, 0, 1],
        ],
        dtype=bool,
    )
)
WEIGHTS = np.array([1, 1, 1, 1, 1.5, 1.5])


def test_exact_solver_finds_the_known_optimum():
    solution = solve_mclp(COVER, WEIGHTS, 2, method="exact")
    assert sorted(solution.selected) == [1, 2]  # B + C cover everything: 7
    assert solution.covered == pytest.approx(7.0)
    assert solution.gains == pytest.approx([3.5, 3.5])


def test_greedy_falls_into_the_trap_and_reports_its_gap():
    solution = solve_mclp(COVER, WEIGHTS, 2, method="greedy")
    assert list(solution.selected) == [0, 1]  # A first (4), then B adds 1.5
    assert solution.covered == pytest.approx(5.5)
    assert solution.gap == pytest.approx((7 - 5.5) / 7)


def test_fewest_sites_to_cover_everyone():
    solution = fewest_sites(COVER, WEIGHTS, target_share=1.0, method="exact")
    assert sorted(solution.selected) == [1, 2]
    half = fewest_sites(COVER, WEIGHTS, target_share=0.5, method="exact")
    assert len(half.selected) == 1


@pytest.mark.parametrize("seed", range(6))
def test_exact_answers_equal_trying_every_combination(seed):
    """MCLP and set covering on random sparse instances, checked by brute force."""
    import itertools

    rng = np.random.default_rng(seed)
    n_demand, n_sites = 40, 9
    cover = sparse.random(n_demand, n_sites, density=0.2, random_state=seed, format="csc") > 0
    weights = rng.integers(1, 50, n_demand).astype(float)

    def covered(sites) -> float:
        hit = np.asarray(cover[:, list(sites)].sum(axis=1)).ravel() > 0
        return float(weights[hit].sum())

    for k in (1, 2, 3):
        best = max(covered(c) for c in itertools.combinations(range(n_sites), k))
        solution = solve_mclp(cover, weights, k, method="exact")
        assert solution.covered == pytest.approx(best)
        assert covered(solution.selected) == pytest.approx(best)
        assert len(solution.selected) <= k
    coverable = covered(range(n_sites))
    fewest = next(
        k
        for k in range(1, n_sites + 1)
        if any(covered(c) >= 0.8 * coverable for c in itertools.combinations(range(n_sites), k))
    )
    solution = fewest_sites(cover, weights, target_share=0.8, method="exact")
    assert len(solution.selected) == fewest
    assert covered(solution.selected) >= 0.8 * coverable - 1e-9


@pytest.fixture(scope="module")
def demo():
    from tests.conftest import ROOT

    config = load_config(ROOT / "configs" / "demo.yaml")
    inputs = prepare(config)
    layers, network = inputs.layers, inputs.network
    return config, layers, network, assess_on(network, layers, config.standards)


def test_building_the_proposed_sites_raises_coverage_by_what_the_solver_reported(demo):
    config, layers, network, before = demo
    result = propose_sites(network, before.reach, before, SitingConfig(k=2, objective="elderly"))
    assert len(result.sites) == 2
    assert result.solution.covered > 0
    new = gpd.GeoDataFrame(
        {
            "id": result.sites["id"],
            "name": result.sites["name"],
            "type": "station",
            "type_label": "社区养老服务站",
            "floor_area_m2": result.sites["recommended_m2"].astype(float),
            "beds": 0.0,
            "nursing_beds": 0.0,
            ROW_COL: 0,
        },
        geometry=result.sites.geometry.to_numpy(),
        crs=network.crs,
    )
    facilities = gpd.GeoDataFrame(
        pd.concat([layers.facilities, new], ignore_index=True), crs=network.crs
    )
    after = assess_on(network, dataclasses.replace(layers, facilities=facilities), config.standards)

    def covered_elderly(a):
        e = a.communities["elderly"].to_numpy()
        return float((e * a.communities["covered_share"].to_numpy()).sum())

    gain = covered_elderly(after) - covered_elderly(before)
    assert gain >= result.solution.covered - 1e-6
    # each site's numbers add up to the solver's total
    assert result.sites["elderly_new"].sum() == pytest.approx(result.solution.covered, abs=1)
    # floor area follows the 20 m² per 100 households rule
    np.testing.assert_allclose(
        result.sites["recommended_m2"],
        (result.sites["households_new"] / 100 * 20).round(),
        atol=1,
    )


def test_demo_run_writes_sites_and_draws_them(demo_result):
    result = demo_result
    names = {p.name for p in result.outputs}
    assert {"sites.csv", "sites.xlsx", "sites.gpkg"} <= names
    sites = pd.read_csv(
        next(p for p in result.outputs if p.name == "sites.csv"), encoding="utf-8-sig"
    )
    # k is 3, but two sites already reach every unserved elder the candidates can reach:
    # a third would add no one, so it is not proposed
    assert list(sites["序号"]) == [1, 2]
    assert result.siting.solution.covered == pytest.approx(result.siting.demand_reachable)
    html = next(p for p in result.outputs if p.name == "map.html").read_text(encoding="utf-8")
    assert html.count("建议新建养老服务设施 #") == 2  # one popup per proposed site


def test_set_covering_on_the_demo_finds_the_fewest_sites_for_everyone(demo):
    _, _, network, before = demo
    everyone = propose_sites(
        network, before.reach, before, SitingConfig(target_share=1.0, method="exact")
    )
    reachable = everyone.solution.covered
    fewer = propose_sites(
        network, before.reach, before, SitingConfig(k=len(everyone.sites) - 1, method="exact")
    )
    assert fewer.solution.covered < reachable  # one site fewer cannot cover them all
