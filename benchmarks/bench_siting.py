"""Siting at city scale: 10,000 candidate sites × 100,000 homes on a 1M-node street grid.

Builds a jittered street grid (80 m blocks, 1,000,000 nodes, 64 km across), scatters
100,000 homes (weights 20–400 elderly) and 10,000 candidate sites, and measures in
one run:

1. the coverage pairs (walks ≤ 15 min at 1.0 m/s) by the tiled search on cut-outs
   of the network, against the previous whole-network batches of 32 sources
   (timed on a sample of batches and scaled to all of them — it would take minutes);
2. greedy MCLP (k = 50, 200) and greedy set covering (90 % of what can be reached);
3. on a 1,000 × 5,000 problem that fits a dense model, the exact MCLP by HiGHS on
   the sparse pairs against PySAL spopt's MCLP with CBC on the dense cost matrix
   (the approach a user would otherwise take; skipped if spopt is not installed).

Prints seconds, pair counts, peak RSS and the ratios.

Run:  python benchmarks/bench_siting.py [side]   (default side 1000 → 1M nodes)
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from geo_coverage import settings
from geo_coverage.network.streets import network_from_arrays
from geo_coverage.reach.engine import _network_with_sources, pairs_within, snap_points, take
from geo_coverage.siting import exact_mclp, fewest_sites, greedy_mclp

SPACING = 80.0
LIMIT_M = 15 * 60 * 1.0
N_HOMES, N_SITES = 100_000, 10_000


def peak_gb() -> float:
    """Peak resident memory of this process so far, GB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def grid_network(side: int, rng: np.random.Generator):
    """A jittered side × side street grid with 80 m blocks and 3 % missing links."""
    idx = np.arange(side * side).reshape(side, side)
    ys, xs = np.divmod(np.arange(side * side), side)
    x = xs * SPACING + rng.uniform(-8, 8, side * side)
    y = ys * SPACING + rng.uniform(-8, 8, side * side)
    u, v = np.concatenate(
        [
            np.column_stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()]),
            np.column_stack([idx[:-1, :].ravel(), idx[1:, :].ravel()]),
        ]
    ).T
    keep = rng.random(len(u)) > 0.03
    return network_from_arrays(x, y, u[keep], v[keep], crs="EPSG:4546")


def old_pairs_seconds(net, cand, homes, batches: int = 3, batch_size: int = 32) -> float:
    """Seconds per 32-source batch of the previous approach (dense whole-network search)."""
    u, v = net.edge_u[homes.edge], net.edge_v[homes.edge]
    n = net.n_nodes
    t0 = time.perf_counter()
    for b in range(batches):
        batch = take(cand, np.arange(b * batch_size, (b + 1) * batch_size))
        graph = _network_with_sources(net, batch)
        dist = csgraph.dijkstra(
            graph, directed=True, indices=np.arange(n + 1, n + 1 + batch_size), limit=LIMIT_M
        )[:, :n]
        via = np.minimum(dist[:, u] + homes.to_u_m, dist[:, v] + homes.to_v_m)
        np.nonzero(via <= LIMIT_M)
    return (time.perf_counter() - t0) / batches


def solver_comparison(rng: np.random.Generator) -> None:
    """Exact MCLP: HiGHS on the sparse pairs against spopt + CBC on a dense matrix."""
    n_d, n_c = 5_000, 1_000
    # each candidate reaches the demand points within 900 m on a 20 km square
    d_xy = rng.uniform(0, 20_000, (n_d, 2))
    c_xy = rng.uniform(0, 20_000, (n_c, 2))
    from scipy.spatial import cKDTree

    pairs = cKDTree(c_xy).query_ball_point(d_xy, 900.0)
    rows = np.repeat(np.arange(n_d), [len(p) for p in pairs])
    cols = np.concatenate([np.asarray(p, dtype=np.int64) for p in pairs])
    cover = sparse.csc_matrix((np.ones(len(rows), bool), (rows, cols)), shape=(n_d, n_c))
    weights = rng.integers(20, 400, n_d).astype(float)
    print(f"\nexact MCLP, {n_d:,} demand × {n_c:,} candidates ({cover.nnz:,} pairs)")
    print(f"{'k':>4s} {'HiGHS s':>8s} {'spopt+CBC s':>12s} {'ratio':>6s} {'same optimum':>13s}")
    try:
        import pulp
        from spopt import locate
    except ImportError:
        locate = None
    for k in (5, 20, 50):
        t0 = time.perf_counter()
        ours = exact_mclp(cover, weights, k)
        t_ours = time.perf_counter() - t0
        if locate is None:
            print(f"{k:>4d} {t_ours:>8.2f} {'(spopt not installed)':>12s}")
            continue
        t0 = time.perf_counter()
        cost = np.where(cover.toarray(), 0.0, 2.0)
        model = locate.MCLP.from_cost_matrix(cost, weights, service_radius=1.0, p_facilities=k)
        model = model.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
        chosen = [j for j, var in enumerate(model.fac_vars) if (var.value() or 0) > 0.5]
        t_spopt = time.perf_counter() - t0
        theirs = float(weights[np.asarray(cover[:, chosen].sum(axis=1)).ravel() > 0].sum())
        same = abs(theirs - ours.covered) < 1e-6
        print(f"{k:>4d} {t_ours:>8.2f} {t_spopt:>12.2f} {t_spopt / t_ours:>5.0f}× {same!s:>13s}")


def main() -> None:
    side = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    settings.show_progress = False
    rng = np.random.default_rng(3)
    t0 = time.perf_counter()
    net = grid_network(side, rng)
    extent = (side - 1) * SPACING
    print(
        f"street grid: {net.n_nodes:,} nodes, {net.n_edges:,} edges, {extent / 1000:.0f} km "
        f"across, built in {time.perf_counter() - t0:.1f} s; peak {peak_gb():.2f} GB"
    )
    homes = snap_points(net, rng.uniform(0, extent, N_HOMES), rng.uniform(0, extent, N_HOMES))
    cand = snap_points(net, rng.uniform(0, extent, N_SITES), rng.uniform(0, extent, N_SITES))
    weights = rng.integers(20, 400, N_HOMES).astype(float)

    t0 = time.perf_counter()
    pairs = pairs_within(net, cand, homes, limit_m=LIMIT_M)
    t_pairs = time.perf_counter() - t0
    cover = sparse.csc_matrix(
        (np.ones(len(pairs), bool), (pairs["point"], pairs["source"])), shape=(N_HOMES, N_SITES)
    )
    per_batch = old_pairs_seconds(net, cand, homes)
    t_old = per_batch * np.ceil(N_SITES / 32)
    print(
        f"coverage pairs, {N_SITES:,} candidates × {N_HOMES:,} homes: {cover.nnz:,} pairs in "
        f"{t_pairs:.1f} s (tiled cut-outs); previous whole-network batches of 32: "
        f"{per_batch:.2f} s per batch × {int(np.ceil(N_SITES / 32))} = {t_old:.0f} s "
        f"(scaled from 3 batches) → {t_old / t_pairs:.0f}× faster; peak {peak_gb():.2f} GB"
    )
    total = t_pairs
    for k in (50, 200):
        t0 = time.perf_counter()
        g = greedy_mclp(cover, weights, k)
        dt = time.perf_counter() - t0
        total += dt
        print(f"greedy MCLP k={k}: covers {g.covered / weights.sum():.1%} of demand in {dt:.2f} s")
    t0 = time.perf_counter()
    sc = fewest_sites(cover, weights, target_share=0.9, method="greedy")
    dt = time.perf_counter() - t0
    total += dt
    print(
        f"greedy set covering, 90 % of the reachable demand: {len(sc.selected):,} sites in "
        f"{dt:.2f} s"
    )
    print(
        f"pairs + greedy k=50, k=200 and set covering: {total:.1f} s (target ≤ 60 s); "
        f"peak RSS {peak_gb():.2f} GB (target ≤ 4 GB)"
    )
    solver_comparison(rng)


if __name__ == "__main__":
    main()
