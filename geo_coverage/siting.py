"""Where to build next: location-allocation on the walking network (MCLP, set covering).

Demand is the households (or elderly) whose origins lie outside the care circle;
candidate sites come from a layer or, by default, from the street-side points of
under-served communities and the street nodes near them. Coverage between every
candidate and every demand point comes from exact network walks
(``reach.pairs_within``); the maximal covering problem is solved exactly with PySAL
``spopt`` and the CBC solver (through PuLP), or greedily for very large candidate
sets, and the greedy answer's optimality gap is reported where the exact one is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy import sparse

from .assess import Assessment
from .network import WalkNetwork
from .reach import pairs_within, snap_points
from .utils import log

EXACT_LIMIT = 2_000_000
"""Above this many candidate × demand pairs, "auto" uses the greedy heuristic."""


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
        Relative optimality gap of a greedy answer against the exact optimum when
        that is known (0 for exact answers; None when unknown).
    """

    selected: NDArray[np.int64]
    gains: NDArray[np.float64]
    covered: float
    method: str
    gap: float | None


def _order_by_gain(
    cover: sparse.csc_matrix, weights: NDArray[np.float64], chosen: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Order a selection by marginal gain and return each site's marginal gain."""
    remaining = list(chosen)
    done = np.zeros(cover.shape[0], dtype=bool)
    order, gains = [], []
    while remaining:
        values = [
            float(weights[(cover[:, j].toarray().ravel() > 0) & ~done].sum()) for j in remaining
        ]
        best = int(np.argmax(values))
        j = remaining.pop(best)
        order.append(j)
        gains.append(values[best])
        done |= cover[:, j].toarray().ravel() > 0
    return np.array(order, dtype=np.int64), np.array(gains)


def greedy_mclp(cover: sparse.csc_matrix, weights: NDArray[np.float64], k: int) -> Solution:
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
    cover = sparse.csc_matrix(cover, dtype=np.float64)
    left = np.asarray(weights, dtype=float).copy()
    selected, gains = [], []
    for _ in range(min(k, cover.shape[1])):
        gain = cover.T @ left
        if selected:
            gain[selected] = -1.0
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        selected.append(j)
        gains.append(float(gain[j]))
        left[cover[:, j].toarray().ravel() > 0] = 0.0
    return Solution(
        np.array(selected, dtype=np.int64), np.array(gains), float(sum(gains)), "greedy", None
    )


def exact_mclp(cover: sparse.csc_matrix, weights: NDArray[np.float64], k: int) -> Solution:
    """Solve the maximal covering location problem exactly (spopt MCLP, CBC via PuLP).

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
    import pulp
    from spopt.locate import MCLP

    k = min(k, cover.shape[1])
    dense = sparse.csc_matrix(cover).toarray()
    cost = np.where(dense, 0.0, 2.0)  # spopt wants distances: covered pairs at 0, others at 2
    model = MCLP.from_cost_matrix(
        cost, np.asarray(weights, dtype=float), service_radius=1.0, p_facilities=k
    )
    model = model.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
    if pulp.LpStatus[model.problem.status] != "Optimal":
        msg = f"the MCLP solver ended with status {pulp.LpStatus[model.problem.status]}"
        raise RuntimeError(msg)
    chosen = np.array([j for j, v in enumerate(model.fac_vars) if (v.value() or 0) > 0.5])
    order, gains = _order_by_gain(sparse.csc_matrix(dense), np.asarray(weights, float), chosen)
    keep = gains > 0
    return Solution(order[keep], gains[keep], float(gains.sum()), "exact", 0.0)


def solve_mclp(
    cover: sparse.csc_matrix, weights: NDArray[np.float64], k: int, *, method: str = "auto"
) -> Solution:
    """Maximal covering: cover the most demand with ``k`` sites.

    Parameters
    ----------
    cover
        Demand × candidate boolean matrix.
    weights
        Demand weight of each demand point.
    k
        Number of sites.
    method
        {"auto", "exact", "greedy"}; "auto" is exact up to ``EXACT_LIMIT`` pairs.

    Returns
    -------
    Solution
        The selection; a greedy one on a problem small enough to solve exactly also
        reports its gap to the optimum.
    """
    size = cover.shape[0] * cover.shape[1]
    if method == "exact" or (method == "auto" and size <= EXACT_LIMIT):
        return exact_mclp(cover, weights, k)
    greedy = greedy_mclp(cover, weights, k)
    if size <= EXACT_LIMIT:
        best = exact_mclp(cover, weights, k).covered
        gap = (best - greedy.covered) / best if best > 0 else 0.0
        return Solution(greedy.selected, greedy.gains, greedy.covered, "greedy", gap)
    return greedy


def fewest_sites(
    cover: sparse.csc_matrix,
    weights: NDArray[np.float64],
    *,
    target_share: float = 1.0,
    method: str = "auto",
) -> Solution:
    """Set covering: the fewest sites that cover ``target_share`` of the coverable demand.

    Demand no candidate can reach is left out (and reported by the caller). Exactly,
    this is the smallest k whose MCLP optimum reaches the target.

    Parameters
    ----------
    cover
        Demand × candidate boolean matrix.
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
    coverable = np.asarray(sparse.csc_matrix(cover).sum(axis=1)).ravel() > 0
    target = target_share * weights[coverable].sum() - 1e-9
    k = 0
    while True:
        k += 1
        solution = solve_mclp(cover, weights, k, method=method)
        if solution.covered >= target or k >= cover.shape[1]:
            return solution


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
    objective
        {"elderly", "households"}
    """

    sites: gpd.GeoDataFrame
    solution: Solution
    demand_total: float
    objective: str


def propose_sites(
    network: WalkNetwork,
    assessment: Assessment,
    *,
    k: int = 3,
    objective: str = "elderly",
    candidates: gpd.GeoDataFrame | None = None,
    method: str = "auto",
    target_share: float | None = None,
) -> SitingResult:
    """Propose ``k`` new community care facilities covering the most unserved demand.

    Parameters
    ----------
    network
        The walking network.
    assessment
        The assessment of the existing facilities.
    k
        Number of new sites.
    objective
        {"elderly", "households"}: what to cover.
    candidates
        Candidate sites in the network CRS with ``id`` (and optionally ``name``);
        default ``default_candidates``.
    method
        {"auto", "exact", "greedy"}
    target_share
        When given, ignore ``k`` and find the fewest sites that cover this share of
        the unserved demand the candidates can reach (set covering).

    Returns
    -------
    SitingResult
        The proposed sites with what each adds.
    """
    s = assessment.standards
    circle_m = s.care_circle_min * 60.0 * s.walking_speed_m_s
    origins = assessment.origins
    com = assessment.communities
    demand = origins[~origins["covered"] & origins["assessed"]].reset_index(drop=True)
    rows = demand["community"].to_numpy()
    hh = com["households"].to_numpy(dtype=float)[rows] * demand["weight"].to_numpy()
    elderly = com["elderly"].fillna(0).to_numpy(dtype=float)[rows] * demand["weight"].to_numpy()
    weights = elderly if objective == "elderly" else hh
    if candidates is None:
        candidates = default_candidates(network, assessment)
    candidates = candidates.to_crs(network.crs).reset_index(drop=True)
    cxy = shapely.get_coordinates(candidates.geometry.representative_point().to_numpy())
    cand_snap = snap_points(network, cxy[:, 0], cxy[:, 1])
    dem_snap = snap_points(network, demand["x"].to_numpy(), demand["y"].to_numpy())
    pairs = pairs_within(network, cand_snap, dem_snap, limit_m=circle_m)
    cover = sparse.csc_matrix(
        (np.ones(len(pairs)), (pairs["point"].to_numpy(), pairs["source"].to_numpy())),
        shape=(len(demand), len(candidates)),
        dtype=bool,
    )
    log(f"siting: {len(candidates):,} candidates × {len(demand):,} unserved origins, k={k}")
    if len(demand) == 0:
        solution = Solution(np.empty(0, dtype=np.int64), np.empty(0), 0.0, "exact", 0.0)
    elif target_share is not None:
        solution = fewest_sites(cover, weights, target_share=target_share, method=method)
    else:
        solution = solve_mclp(cover, weights, k, method=method)
    sites = _describe_sites(candidates, solution, cover, hh, elderly, assessment)
    return SitingResult(sites, solution, float(weights.sum()), objective)


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
    done = np.zeros(cover.shape[0], dtype=bool)
    rows = []
    for rank, j in enumerate(solution.selected, start=1):
        new = (cover[:, j].toarray().ravel() > 0) & ~done
        done |= new
        households = float(hh[new].sum())
        rows.append(
            {
                "rank": rank,
                "households_new": round(households),
                "elderly_new": round(float(elderly[new].sum())),
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
