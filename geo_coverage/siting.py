"""Where to build next: location-allocation on the walking network (MCLP, set covering).

Demand is the households (or elderly) whose origins lie outside the care circle;
candidate sites come from a layer or, by default, from the street-side points of
under-served communities and the street nodes near them. Coverage between every
candidate and every demand point comes from exact network walks
(``engine.pairs_within``) and stays sparse: only the pairs within the care circle exist.
The maximal covering problem (k sites) and set covering (fewest sites for a target)
are each one mixed-integer programme built directly on those pairs and solved exactly
by HiGHS (``scipy.optimize.milp``), or greedily for very large problems; the greedy
answer's optimality gap is reported where the exact one is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy import sparse

from .assess.verdicts import Assessment
from .config import SitingConfig
from .network.streets import WalkNetwork
from .reach.engine import Snapped, pairs_within, snap_points, take
from .reach.walks import Reach
from .utils import log

EXACT_LIMIT = 200_000
"""Up to this many covering pairs (a district), "auto" solves exactly and a greedy answer
is compared with the optimum; beyond it (a whole city's candidates) "auto" is greedy."""

TIME_LIMIT_S = 120.0
"""Longest an exact solve may run; past it the best answer found is reported with its gap."""


@dataclass(frozen=True)
class Solution:
    """Chosen candidates and what they cover.

    Attributes
    ----------
    selected
        Candidate indices in order of marginal gain (largest first).
    gains
        Demand newly covered by each selected candidate, given those before it.
    covered
        Total demand covered by the selection.
    method
        {"exact", "greedy"}
    gap
        Relative optimality gap: 0 for a proven optimum; for a greedy answer, or an
        exact solve stopped by the time limit, the gap to the optimum (or to HiGHS's
        bound on it) when that is known; None when unknown.
    served
        With a capacity (``capacitated_mclp``): the share of each demand point each
        candidate serves (demand × candidate); None when every covered point is served
        whole.
    """

    selected: NDArray[np.int64]
    gains: NDArray[np.float64]
    covered: float
    method: str
    gap: float | None
    served: sparse.csc_matrix | None = None


def _columns(cover: sparse.spmatrix) -> sparse.csc_matrix:
    """The coverage matrix as boolean CSC (demand × candidate)."""
    return sparse.csc_matrix(cover, dtype=bool)


def _greedy(
    cover: sparse.spmatrix,
    weights: NDArray[np.float64],
    *,
    k: int | None = None,
    target: float = np.inf,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Add the candidate covering the most uncovered demand until ``k`` or ``target``.

    Each step updates only the gains of candidates sharing demand with the one just
    chosen, so a step costs the pairs it touches, not the whole matrix.
    """
    by_site = _columns(cover)
    by_demand = by_site.tocsr()
    left = np.asarray(weights, dtype=float).copy()
    gain = by_site.T.astype(float) @ left
    selected: list[int] = []
    gains: list[float] = []
    covered = 0.0
    limit = by_site.shape[1] if k is None else min(k, by_site.shape[1])
    while len(selected) < limit and covered < target:
        j = int(np.argmax(gain)) if len(gain) else 0
        if not len(gain) or gain[j] <= 1e-9:
            break
        rows = by_site.indices[by_site.indptr[j] : by_site.indptr[j + 1]]
        rows = rows[left[rows] > 0]
        gained = float(left[rows].sum())
        gain -= by_demand[rows].T.astype(float) @ left[rows]
        gain[j] = 0.0
        left[rows] = 0.0
        selected.append(j)
        gains.append(gained)
        covered += gained
    return np.array(selected, dtype=np.int64), np.array(gains, dtype=float)


def greedy_mclp(cover: sparse.spmatrix, weights: NDArray[np.float64], k: int) -> Solution:
    """Pick ``k`` sites one at a time, each covering the most still-uncovered demand.

    Parameters
    ----------
    cover
        Demand × candidate boolean matrix: True where the candidate covers the demand.
    weights
        Demand weight of each demand point (households or elderly).
    k
        Number of sites.

    Returns
    -------
    Solution
        The greedy selection (``gap`` None: not compared with the optimum here).
    """
    selected, gains = _greedy(cover, weights, k=k)
    return Solution(selected, gains, float(gains.sum()), "greedy", None)


def _merged_demand(
    cover: sparse.spmatrix, weights: NDArray[np.float64]
) -> tuple[sparse.csr_matrix, NDArray[np.float64]]:
    """Drop demand no candidate reaches and merge demand reached by the same candidates.

    Origins of one compound are usually reached by the same sites; one variable each
    keeps the model small without changing its optimum.
    """
    rows = sparse.csr_matrix(cover, dtype=bool)
    rows.sort_indices()
    reached = np.flatnonzero(np.diff(rows.indptr) > 0)
    rows = rows[reached]
    keys = [
        rows.indices[a:b].tobytes() for a, b in zip(rows.indptr[:-1], rows.indptr[1:], strict=True)
    ]
    codes = pd.factorize(pd.Series(keys, dtype=object))[0]
    first = np.unique(codes, return_index=True)[1]
    merged = np.bincount(codes, weights=np.asarray(weights, dtype=float)[reached])
    return rows[first], merged.astype(float)


def _milp(
    cover: sparse.spmatrix,
    weights: NDArray[np.float64],
    *,
    k: int | None = None,
    target: float | None = None,
) -> tuple[NDArray[np.int64], float | None]:
    """Solve MCLP (``k`` sites) or set covering (reach ``target``) as one MILP with HiGHS.

    Variables are one 0/1 ``x`` per candidate and one ``y`` in [0, 1] per merged demand
    row; ``y_i ≤ Σ_j cover_ij x_j`` ties demand to the sites that reach it. MCLP
    maximises ``Σ w_i y_i`` with ``Σ x_j ≤ k`` (fewer than ``k`` sites when they
    already reach all the demand they can); set covering minimises ``Σ x_j`` with
    ``Σ w_i y_i ≥ target``. ``y`` need not be integer: at an optimum it is 1 wherever
    a chosen site reaches the demand. The constraint matrix is the sparse pairs.

    Returns
    -------
    chosen, gap
        Chosen candidate indices and the solver's relative gap (0 when proven optimal).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    rows, w = _merged_demand(cover, weights)
    n_d, n_c = rows.shape
    link = sparse.hstack([-rows.astype(float), sparse.identity(n_d)], format="csr")
    constraints = [LinearConstraint(link, -np.inf, 0.0)]
    if k is not None:
        # among equally good answers, the one with fewest sites: each site costs less
        # than a thousandth of the smallest demand weight, summed over all candidates
        per_site = 1e-3 * float(w.min(initial=1.0)) / max(n_c, 1)
        objective = np.concatenate([np.full(n_c, per_site), -w])
        budget = np.concatenate([np.ones(n_c), np.zeros(n_d)])
        constraints.append(LinearConstraint(budget[None, :], 0.0, float(k)))
    else:
        objective = np.concatenate([np.ones(n_c), np.zeros(n_d)])
        served = np.concatenate([np.zeros(n_c), w])
        constraints.append(LinearConstraint(served[None, :], float(target or 0.0), np.inf))
    result = milp(
        objective,
        constraints=constraints,
        integrality=np.concatenate([np.ones(n_c), np.zeros(n_d)]),
        bounds=Bounds(0.0, 1.0),
        options={"time_limit": TIME_LIMIT_S, "mip_rel_gap": 0.0},
    )
    if result.x is None:
        msg = f"the HiGHS MILP solver found no answer: {result.message}"
        raise RuntimeError(msg)
    chosen = np.flatnonzero(result.x[:n_c] > 0.5).astype(np.int64)
    gap = 0.0 if result.status == 0 else getattr(result, "mip_gap", None)
    return chosen, gap


def _ordered(
    cover: sparse.spmatrix,
    weights: NDArray[np.float64],
    chosen: NDArray[np.int64],
    gap: float | None,
) -> Solution:
    """An exact selection in order of marginal gain (sites adding nothing left out)."""
    order, gains = _greedy(_columns(cover)[:, chosen], weights)
    return Solution(chosen[order], gains, float(gains.sum()), "exact", gap)


def exact_mclp(cover: sparse.spmatrix, weights: NDArray[np.float64], k: int) -> Solution:
    """Solve the maximal covering location problem exactly (HiGHS MILP on the sparse pairs).

    Parameters
    ----------
    cover
        Demand × candidate boolean matrix.
    weights
        Demand weight of each demand point.
    k
        Number of sites.

    Returns
    -------
    Solution
        The optimal selection, ordered by marginal gain.
    """
    chosen, gap = _milp(cover, weights, k=min(k, cover.shape[1]))
    return _ordered(cover, weights, chosen, gap)


def _wants_exact(cover: sparse.spmatrix, method: str) -> bool:
    """Whether ``method`` asks for (or "auto" allows) an exact solve of ``cover``."""
    return method == "exact" or (method == "auto" and cover.nnz <= EXACT_LIMIT)


def solve_mclp(
    cover: sparse.spmatrix, weights: NDArray[np.float64], k: int, *, method: str = "auto"
) -> Solution:
    """Maximal covering: cover the most demand with ``k`` sites.

    Parameters
    ----------
    cover
        Demand × candidate boolean matrix (sparse).
    weights
        Demand weight of each demand point.
    k
        Number of sites.
    method
        {"auto", "exact", "greedy"}; "auto" is exact up to ``EXACT_LIMIT`` covering pairs.

    Returns
    -------
    Solution
        The selection; a greedy one on a problem small enough to solve exactly also
        reports its gap to the optimum.
    """
    if _wants_exact(cover, method):
        return exact_mclp(cover, weights, k)
    greedy = greedy_mclp(cover, weights, k)
    if cover.nnz <= EXACT_LIMIT:
        best = exact_mclp(cover, weights, k).covered
        gap = (best - greedy.covered) / best if best > 0 else 0.0
        return Solution(greedy.selected, greedy.gains, greedy.covered, "greedy", gap)
    return greedy


def capacitated_mclp(
    cover: sparse.spmatrix,
    weights: NDArray[np.float64],
    load: NDArray[np.float64],
    capacity: float,
    k: int,
    *,
    method: str = "auto",
) -> Solution:
    """Maximal covering where each new site serves at most ``capacity`` of ``load``.

    A site reaches the demand points of its column of ``cover``, but serves only as much
    of their load (households, or elderly) as its capacity allows — its floor area's
    households at the area standard, say. Exact: one MILP on the sparse pairs (HiGHS),
    binary ``x_j`` per candidate and a share ``y_ij`` in [0, 1] per pair, maximising
    ``Σ w_i y_ij`` with ``Σ_j x_j ≤ k``, ``Σ_j y_ij ≤ 1``, ``y_ij ≤ x_j`` and
    ``Σ_i load_i y_ij ≤ capacity · x_j``. Greedy (large problems): the site filling its
    capacity with the most weight, highest weight per load first, ``k`` times.

    Parameters
    ----------
    cover
        Demand × candidate boolean matrix.
    weights
        What is maximised per demand point (elderly or households).
    load
        What a site's capacity is counted in, per demand point.
    capacity
        Load one site can serve.
    k
        Number of sites.
    method
        {"auto", "exact", "greedy"}; "auto" is exact up to ``EXACT_LIMIT`` pairs.

    Returns
    -------
    Solution
        The sites in order of what they serve, with ``served`` shares.
    """
    pairs = sparse.coo_matrix(cover, dtype=bool)
    demand, site = pairs.row.astype(np.int64), pairs.col.astype(np.int64)
    n_d, n_c = pairs.shape
    w = np.asarray(weights, dtype=float)
    load = np.asarray(load, dtype=float)
    problem = _Capacitated(demand, site, n_d, n_c, w, load, float(capacity), k)
    gap: float | None
    if _wants_exact(cover, method):
        (shares, gap), how = problem.exact(), "exact"
    else:
        shares, gap, how = problem.greedy(), None, "greedy"
    served = sparse.csc_matrix((shares, (demand, site)), shape=(n_d, n_c))
    per_site = np.asarray(served.multiply(w[:, None]).sum(axis=0)).ravel()
    chosen = np.flatnonzero(per_site > 1e-9)
    order = chosen[np.argsort(-per_site[chosen], kind="stable")]
    return Solution(order, per_site[order], float(per_site.sum()), how, gap, served)


@dataclass(frozen=True)
class _Capacitated:
    """A capacitated MCLP on the sparse pairs (``capacitated_mclp``): one row per pair."""

    demand: NDArray[np.int64]
    site: NDArray[np.int64]
    n_d: int
    n_c: int
    w: NDArray[np.float64]
    load: NDArray[np.float64]
    capacity: float
    k: int

    def exact(self) -> tuple[NDArray[np.float64], float | None]:
        """Each pair's served share at the optimum (HiGHS), and the solver's gap."""
        return _capacitated_milp(self)

    def greedy(self) -> NDArray[np.float64]:
        """Each pair's served share, ``k`` sites chosen one at a time."""
        return _capacitated_greedy(self)


def _capacitated_milp(problem: _Capacitated) -> tuple[NDArray[np.float64], float | None]:
    """The exact capacitated MCLP (see ``capacitated_mclp``): each pair's served share."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    demand, site, n_d, n_c = problem.demand, problem.site, problem.n_d, problem.n_c
    w, load, capacity, k = problem.w, problem.load, problem.capacity, problem.k

    n_p = len(demand)
    per_site = 1e-3 * float(w[w > 0].min(initial=1.0)) / max(n_c, 1)  # fewest sites on ties
    objective = np.concatenate([np.full(n_c, per_site), -w[demand]])
    p = np.arange(n_p)
    budget = sparse.csr_matrix(
        (np.ones(n_c), (np.zeros(n_c), np.arange(n_c))), shape=(1, n_c + n_p)
    )
    once = sparse.csr_matrix((np.ones(n_p), (demand, n_c + p)), shape=(n_d, n_c + n_p))
    link = sparse.csr_matrix(
        (np.r_[np.ones(n_p), -np.ones(n_p)], (np.r_[p, p], np.r_[n_c + p, site])),
        shape=(n_p, n_c + n_p),
    )
    room = sparse.csr_matrix(
        (
            np.r_[load[demand], np.full(n_c, -capacity)],
            (np.r_[site, np.arange(n_c)], np.r_[n_c + p, np.arange(n_c)]),
        ),
        shape=(n_c, n_c + n_p),
    )
    result = milp(
        objective,
        constraints=[
            LinearConstraint(budget, 0.0, float(k)),
            LinearConstraint(once, -np.inf, 1.0),
            LinearConstraint(link, -np.inf, 0.0),
            LinearConstraint(room, -np.inf, 0.0),
        ],
        integrality=np.r_[np.ones(n_c), np.zeros(n_p)],
        bounds=Bounds(0.0, 1.0),
        options={"time_limit": TIME_LIMIT_S, "mip_rel_gap": 0.0},
    )
    if result.x is None:
        msg = f"the HiGHS MILP solver found no answer: {result.message}"
        raise RuntimeError(msg)
    gap = 0.0 if result.status == 0 else getattr(result, "mip_gap", None)
    return np.clip(result.x[n_c:], 0.0, 1.0), gap


def _capacitated_greedy(problem: _Capacitated) -> NDArray[np.float64]:
    """``k`` times the site that fills its capacity with the most weight (``capacitated_mclp``)."""
    demand, site, n_d, n_c = problem.demand, problem.site, problem.n_d, problem.n_c
    w, load, capacity, k = problem.w, problem.load, problem.capacity, problem.k
    left = np.ones(n_d)  # share of each demand point not yet served
    shares = np.zeros(len(demand))
    density = np.where(load[demand] > 0, w[demand] / np.maximum(load[demand], 1e-12), np.inf)
    order = np.lexsort((-density, site))  # by site, then weight per load, highest first
    bounds = np.searchsorted(site[order], np.arange(n_c + 1))
    chosen: set[int] = set()
    for _ in range(min(k, n_c)):
        best, best_gain, best_take = -1, 0.0, None
        for j in range(n_c):
            pos = order[bounds[j] : bounds[j + 1]]
            if not len(pos) or j in chosen:
                continue
            want = left[demand[pos]] * load[demand[pos]]
            filled = np.minimum(want, np.maximum(capacity - np.r_[0.0, np.cumsum(want)[:-1]], 0.0))
            share = np.divide(
                filled, load[demand[pos]], out=left[demand[pos]].copy(), where=load[demand[pos]] > 0
            )
            gain = float((share * w[demand[pos]]).sum())
            if gain > best_gain + 1e-12:
                best, best_gain, best_take = j, gain, (pos, share)
        if best < 0 or best_take is None:
            break
        pos, share = best_take
        chosen.add(best)
        shares[pos] = share
        left[demand[pos]] -= share
    return shares


def fewest_sites(
    cover: sparse.spmatrix,
    weights: NDArray[np.float64],
    *,
    target_share: float = 1.0,
    method: str = "auto",
) -> Solution:
    """Set covering: the fewest sites that cover ``target_share`` of the coverable demand.

    Demand no candidate can reach is left out (and reported by the caller). Exactly,
    this is one MILP; greedily, sites are added until the target is reached.

    Parameters
    ----------
    cover
        Demand × candidate boolean matrix (sparse).
    weights
        Demand weight of each demand point.
    target_share
        Share of the coverable demand to cover, 0–1.
    method
        {"auto", "exact", "greedy"}

    Returns
    -------
    Solution
        The smallest selection found.
    """
    weights = np.asarray(weights, dtype=float)
    coverable = np.diff(sparse.csr_matrix(cover).indptr) > 0
    target = target_share * weights[coverable].sum() - 1e-9
    if target <= 0:
        return Solution(np.empty(0, dtype=np.int64), np.empty(0), 0.0, "exact", 0.0)
    if _wants_exact(cover, method):
        chosen, gap = _milp(cover, weights, target=target)
        return _ordered(cover, weights, chosen, gap)
    selected, gains = _greedy(cover, weights, target=target)
    gap = None
    if cover.nnz <= EXACT_LIMIT:
        fewest = len(_milp(cover, weights, target=target)[0])
        gap = (len(selected) - fewest) / max(fewest, 1)
    return Solution(selected, gains, float(gains.sum()), "greedy", gap)


def default_candidates(
    network: WalkNetwork, assessment: Assessment, *, radius_m: float = 300.0
) -> gpd.GeoDataFrame:
    """Candidate sites: street-side points of under-served communities and nodes near them.

    Parameters
    ----------
    network
        The walking network.
    assessment
        The assessment (its uncovered origins are the demand).
    radius_m
        Street nodes within this distance of an uncovered origin are candidates too.

    Returns
    -------
    geopandas.GeoDataFrame
        Points in the network CRS with ``id``, ``name`` and ``source``.
    """
    o = assessment.origins[~assessment.origins["covered"] & assessment.origins["assessed"]]
    com = assessment.communities
    names = com["name"].to_numpy()[o["community"].to_numpy()]
    pts = shapely.points(o["x"].to_numpy(), o["y"].to_numpy())
    node_pts = shapely.points(network.node_x, network.node_y)
    near = shapely.STRtree(node_pts).query(pts, predicate="dwithin", distance=radius_m)[1]
    nodes = np.unique(near)
    frame = gpd.GeoDataFrame(
        {
            "id": [f"P{i + 1:03d}" for i in range(len(pts))]
            + [f"N{network.node_osmid[n]}" for n in nodes],
            "name": [f"{n} 旁" for n in names] + ["路口 / street node"] * len(nodes),
            "source": ["community"] * len(pts) + ["street node"] * len(nodes),
        },
        geometry=np.concatenate([pts, node_pts[nodes]]),
        crs=network.crs,
    )
    return frame.drop_duplicates("id").reset_index(drop=True)


@dataclass(frozen=True)
class SitingResult:
    """Proposed sites and the problem they solve.

    Attributes
    ----------
    sites
        One row per proposed site (network CRS): id, name, rank, households and elderly
        newly covered, recommended floor area, subdistrict, marginal gain.
    solution
        The solver's answer on the demand points.
    demand_total
        Demand outside the care circle before the new sites (in the objective's unit).
    demand_reachable
        The part of ``demand_total`` within the care circle of at least one candidate:
        the most any selection can cover.
    objective
        {"elderly", "households"}
    """

    sites: gpd.GeoDataFrame
    solution: Solution
    demand_total: float
    demand_reachable: float
    objective: str


def cover_matrix(
    network: WalkNetwork, candidates: Snapped, demand: Snapped, circle_m: float
) -> sparse.csc_matrix:
    """Which candidate reaches which demand point within the care circle (the array core).

    Parameters
    ----------
    network
        The walking network.
    candidates
        Candidate sites snapped to their streets.
    demand
        Demand points snapped to their streets.
    circle_m
        The care circle, metres of walking.

    Returns
    -------
    scipy.sparse.csc_matrix
        Boolean, demand points × candidates: the sparse pairs within ``circle_m``.
    """
    pairs = pairs_within(network, candidates, demand, limit_m=circle_m)
    return sparse.csc_matrix(
        (np.ones(len(pairs)), (pairs["point"].to_numpy(), pairs["source"].to_numpy())),
        shape=(len(demand), len(candidates)),
        dtype=bool,
    )


def choose_sites(
    cover: sparse.spmatrix,
    weights: NDArray[np.float64],
    *,
    k: int,
    method: str = "auto",
    target_share: float | None = None,
) -> Solution:
    """The sites to build: ``k`` covering the most weight, or the fewest reaching a share.

    Parameters
    ----------
    cover
        Demand points × candidates (``cover_matrix``).
    weights
        Each demand point's weight (elderly or households).
    k
        Number of sites (maximal covering).
    method
        {"auto", "exact", "greedy"}
    target_share
        When given, ignore ``k`` and find the fewest sites covering this share of the
        weight the candidates can reach (set covering).

    Returns
    -------
    Solution
        The selected candidates, in order of marginal gain.
    """
    if cover.shape[0] == 0:
        return Solution(np.empty(0, dtype=np.int64), np.empty(0), 0.0, "exact", 0.0)
    if target_share is not None:
        return fewest_sites(cover, weights, target_share=target_share, method=method)
    return solve_mclp(cover, weights, k, method=method)


def site_capacity(settings: SitingConfig, area_per_100_households_m2: float) -> float | None:
    """What one new site may serve (None: no limit).

    The households its floor area provides for at the area standard
    (``site_floor_area_m2`` / 20 × 100), or ``capacity_elderly``.
    """
    if settings.site_floor_area_m2 is not None:
        return settings.site_floor_area_m2 / area_per_100_households_m2 * 100.0
    return settings.capacity_elderly


def propose_sites(
    network: WalkNetwork,
    reach: Reach,
    assessment: Assessment,
    settings: SitingConfig | None = None,
    candidates: gpd.GeoDataFrame | None = None,
) -> SitingResult:
    """Propose new community care facilities covering the most unserved demand.

    The frame wrapper around ``cover_matrix`` and ``choose_sites``: the demand is every
    assessed origin outside the care circle, snapped as the reach stage snapped it.

    Parameters
    ----------
    network
        The walking network.
    reach
        The reach stage of the assessment (snapped origins, the care circle in metres).
    assessment
        The assessment of the existing facilities.
    settings
        How many sites (``k``) or what share to reach (``target_share``), what to cover
        (``objective``: elderly or households), the solver (``method``) and the default
        candidates' ``candidate_radius_m``; default ``SitingConfig()`` (3 sites).
    candidates
        Candidate sites in the network CRS with ``id`` (and optionally ``name``);
        default ``default_candidates``.

    Returns
    -------
    SitingResult
        The proposed sites with what each adds.
    """
    settings = settings or SitingConfig()
    k, objective, method = settings.k, settings.objective, settings.method
    origins = assessment.origins
    com = assessment.communities
    unserved = np.flatnonzero((~origins["covered"] & origins["assessed"]).to_numpy())
    demand = origins.iloc[unserved].reset_index(drop=True)
    rows = demand["community"].to_numpy()
    hh = com["households"].fillna(0).to_numpy(dtype=float)[rows] * demand["weight"].to_numpy()
    elderly = com["elderly"].fillna(0).to_numpy(dtype=float)[rows] * demand["weight"].to_numpy()
    weights = elderly if objective == "elderly" else hh
    if candidates is None:
        candidates = default_candidates(network, assessment, radius_m=settings.candidate_radius_m)
    candidates = candidates.to_crs(network.crs).reset_index(drop=True)
    cxy = shapely.get_coordinates(candidates.geometry.representative_point().to_numpy())
    cover = cover_matrix(
        network,
        snap_points(network, cxy[:, 0], cxy[:, 1]),
        take(reach.origins.snapped, unserved),
        reach.circle_m,
    )
    log(f"siting: {len(candidates):,} candidates × {len(demand):,} unserved origins, k={k}")
    capacity = site_capacity(settings, assessment.standards.area_per_100_households_m2)
    if capacity is not None:
        load = elderly if settings.capacity_elderly is not None else hh
        solution = capacitated_mclp(cover, weights, load, capacity, k, method=method)
    else:
        solution = choose_sites(
            cover, weights, k=k, method=method, target_share=settings.target_share
        )
    sites = _describe_sites(candidates, solution, cover, hh, elderly, assessment)
    reachable = float(weights[np.diff(cover.tocsr().indptr) > 0].sum())
    return SitingResult(sites, solution, float(weights.sum()), reachable, objective)


def _describe_sites(
    candidates: gpd.GeoDataFrame,
    solution: Solution,
    cover: sparse.csc_matrix,
    hh: NDArray[np.float64],
    elderly: NDArray[np.float64],
    assessment: Assessment,
) -> gpd.GeoDataFrame:
    """What each chosen site adds, in order of marginal gain."""
    s = assessment.standards
    by_site = sparse.csc_matrix(cover, dtype=bool)
    done = np.zeros(cover.shape[0], dtype=bool)
    rows = []
    for rank, j in enumerate(solution.selected, start=1):
        if solution.served is not None:  # with a capacity: the shares the site serves
            share = solution.served[:, j].toarray().ravel()
        else:
            new = np.zeros_like(done)
            new[by_site.indices[by_site.indptr[j] : by_site.indptr[j + 1]]] = True
            new &= ~done
            done |= new
            share = new.astype(float)
        households = float((hh * share).sum())
        rows.append(
            {
                "rank": rank,
                "households_new": round(households),
                "elderly_new": round(float((elderly * share).sum())),
                "recommended_m2": round(households / 100.0 * s.area_per_100_households_m2),
            }
        )
    sites = candidates.iloc[solution.selected].reset_index(drop=True)
    sites = gpd.GeoDataFrame(pd.concat([sites, pd.DataFrame(rows)], axis=1), crs=candidates.crs)
    sites["gain"] = np.round(solution.gains, 1)
    sites["subdistrict"] = ""
    if assessment.subdistricts is not None and len(sites):
        subs = assessment.subdistricts.to_crs(sites.crs)
        idx_site, idx_sub = shapely.STRtree(subs.geometry.to_numpy()).query(
            sites.geometry.representative_point().to_numpy(), predicate="within"
        )
        sites.loc[idx_site, "subdistrict"] = subs["name"].to_numpy()[idx_sub]
    return sites
