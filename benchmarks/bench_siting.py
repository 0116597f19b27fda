"""Benchmark of the siting core: 25k demand points × 5k candidates at 1 000 m.

Not a test. Run ``/work/venv/bin/python benchmarks/bench_siting.py`` (all scenarios, each in a
fresh subprocess so that peak memory is per scenario) or ``--layout clustered --case mclp`` for
one. The coverage matrix is built from *Euclidean* distances with ``scipy.spatial.cKDTree`` (the
real tool uses walking-network distances; only the matrix's size and structure matter here).

Synthetic city: 25 × 20 km. ``uniform``: demand and candidates uniform. ``clustered``: demand
around 300 neighbourhood centres (σ 200–800 m), 70 % of candidates near them and 30 % uniform.
Households per demand point: rounded lognormal (median ≈ 150).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
from scipy.spatial import cKDTree

from planning.siting import (
    coverage_from_distances,
    greedy_maximal_coverage,
    maximal_coverage,
    set_cover,
)

N_DEMAND, N_CAND, RADIUS = 25_000, 5_000, 1_000.0
WIDTH, HEIGHT = 25_000.0, 20_000.0
TIME_LIMIT = 110.0
CASES = ("mclp", "setcover", "greedy")
LAYOUTS = ("clustered", "uniform")


def layout(kind: str, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    size = np.array([WIDTH, HEIGHT])
    if kind == "uniform":
        demand = rng.random((N_DEMAND, 2)) * size
        cand = rng.random((N_CAND, 2)) * size
    else:
        centres = rng.random((300, 2)) * size
        sigma = rng.uniform(200, 800, 300)
        k = rng.integers(0, 300, N_DEMAND)
        demand = centres[k] + rng.normal(size=(N_DEMAND, 2)) * sigma[k, None]
        n_near = int(0.7 * N_CAND)
        k2 = rng.integers(0, 300, n_near)
        near = centres[k2] + rng.normal(size=(n_near, 2)) * sigma[k2, None] * 1.5
        cand = np.vstack([near, rng.random((N_CAND - n_near, 2)) * size])
    weights = np.round(rng.lognormal(5.0, 0.8, N_DEMAND))
    return demand, cand, weights


def run_case(kind: str, case: str) -> dict[str, object]:
    demand, cand, w = layout(kind)
    t0 = time.perf_counter()
    dist = cKDTree(demand).sparse_distance_matrix(cKDTree(cand), RADIUS, output_type="coo_matrix")
    cov = coverage_from_distances(dist, RADIUS)
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    if case == "mclp":
        res = maximal_coverage(cov, w, 50, time_limit_s=TIME_LIMIT)
    elif case == "setcover":
        res = set_cover(cov, w, 0.95, time_limit_s=TIME_LIMIT)
    else:
        res = greedy_maximal_coverage(cov, w, 50, time_limit_s=TIME_LIMIT)
    solve_s = time.perf_counter() - t1
    return {
        "layout": kind,
        "case": case,
        "nnz": int(cov.nnz),
        "build_s": round(build_s, 2),
        "solve_s": round(solve_s, 2),
        "total_s": round(build_s + solve_s, 2),
        "status": res.status,
        "objective": res.objective,
        "bound": res.bound,
        "gap": res.gap,
        "sites": int(res.selected.size),
        "coverage": round(res.final_coverage, 4),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--layout", choices=LAYOUTS)
    parser.add_argument("--case", choices=CASES)
    args = parser.parse_args()
    if args.layout and args.case:
        print(json.dumps(run_case(args.layout, args.case)))
        return
    rows = []
    for kind in LAYOUTS:
        for case in CASES:
            out = subprocess.run(
                [sys.executable, __file__, "--layout", kind, "--case", case],
                capture_output=True,
                text=True,
                check=True,
            )
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(json.dumps(rows[-1]), file=sys.stderr)
    print(
        "| layout | case | nnz | build s | solve s | status | objective | bound | gap | sites "
        "| coverage | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['layout']} | {r['case']} | {r['nnz']:,} | {r['build_s']} | {r['solve_s']} "
            f"| {r['status']} | {r['objective']:.6g} | {r['bound']:.6g} | {r['gap']:.2%} "
            f"| {r['sites']} | {r['coverage']:.2%} | {r['peak_rss_mb']} |"
        )


if __name__ == "__main__":
    main()
