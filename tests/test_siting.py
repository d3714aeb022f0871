"""New-build siting: known optima, the greedy gap, and coverage re-computed after building."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import sparse

from geo_coverage import load_config
from geo_coverage.config import SitingConfig
from geo_coverage.inputs.layers import ROW_COL
from geo_coverage.pipeline import prepare
from geo_coverage.siting import fewest_sites, propose_sites, solve_mclp
from tests import test_assess
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


street = test_assess.street  # the one-street fixture


# ---- capacity: each new site serves at most what its floor area provides for ----------


def _assignment_lp(cover, weights, load, capacity, sites) -> float:
    """Best weight the given open sites can serve: a plain LP over the pairs (linprog)."""
    from scipy.optimize import linprog

    pairs = [(i, j) for j in sites for i in np.flatnonzero(cover[:, j])]
    if not pairs:
        return 0.0
    n_d = cover.shape[0]
    a_ub, b_ub = [], []
    for i in range(n_d):  # each demand point served at most once
        a_ub.append([1.0 if p[0] == i else 0.0 for p in pairs])
        b_ub.append(1.0)
    for j in sites:  # each site within its capacity
        a_ub.append([load[p[0]] if p[1] == j else 0.0 for p in pairs])
        b_ub.append(capacity)
    result = linprog(
        [-weights[p[0]] for p in pairs], A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs"
    )
    return -result.fun


def test_capacitated_mclp_equals_brute_force_on_small_instances():
    import itertools

    from geo_coverage.siting import capacitated_mclp

    rng = np.random.default_rng(7)
    for trial in range(12):
        n_d, n_c, k = 9, 5, 2
        cover = rng.random((n_d, n_c)) < 0.45
        weights = rng.integers(1, 40, n_d).astype(float)
        load = rng.integers(10, 300, n_d).astype(float)
        capacity = float(rng.integers(100, 600))
        best = max(
            _assignment_lp(cover, weights, load, capacity, list(c))
            for c in itertools.combinations(range(n_c), k)
        )
        got = capacitated_mclp(sparse.csc_matrix(cover), weights, load, capacity, k, method="exact")
        assert got.covered == pytest.approx(best, rel=1e-6, abs=1e-6), trial
        assert len(got.selected) <= k
        served = got.served.toarray()
        assert (served.sum(axis=1) <= 1 + 1e-9).all()
        assert ((served * load[:, None]).sum(axis=0) <= capacity + 1e-6).all()
        assert (served[~cover] == 0).all()  # only what a site reaches
        greedy = capacitated_mclp(
            sparse.csc_matrix(cover), weights, load, capacity, k, method="greedy"
        )
        assert greedy.covered <= got.covered + 1e-9


def test_a_site_serves_only_the_households_its_floor_area_provides_for(street):
    """One candidate at x = 500 reaches both compounds (100 and 200 households); 30 m² at
    20 m² per 100 households provides for 150 households: it serves 150, not 300."""
    from geo_coverage.inputs.layers import Layers
    from geo_coverage.standards import standards_from_profile
    from tests.test_assess import communities, facilities

    s = standards_from_profile("inner-mongolia", overrides={"care_circle_min": 300 / 60})
    fac = facilities([("A", "station", 100.0, 0.0)])
    com = communities([("c1", 100, 400.0), ("c2", 200, 600.0)])
    before = assess_on(street, Layers(fac, com), s)
    spot = gpd.GeoDataFrame(
        {"id": ["S1"], "name": ["S1"]}, geometry=[shapely.Point(500, 0)], crs=com.crs
    )
    free = propose_sites(street, before.reach, before, SitingConfig(k=1), spot)
    capped = propose_sites(
        street, before.reach, before, SitingConfig(k=1, site_floor_area_m2=30.0), spot
    )
    assert free.sites["households_new"].tolist() == [300]
    assert capped.sites["households_new"].tolist() == [150]
    assert capped.sites["recommended_m2"].tolist() == [30]


def test_one_capacity_at_a_time_and_not_with_a_target_share():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="not both"):
        SitingConfig(site_floor_area_m2=300, capacity_elderly=500)
    with pytest.raises(ValidationError, match="target_share"):
        SitingConfig(site_floor_area_m2=300, target_share=0.9)
