"""Benchmark of siting at city scale, beside spopt on the same coverage matrices.

Not a test. ``python benchmarks/bench_siting.py [--repeat 2]`` runs every layout × case, each in
a fresh subprocess (so that peak memory is per case), keeps the fastest of ``--repeat`` runs and
prints a Markdown table; ``--layout clustered --case setcover spopt_mclp`` runs a selection.

Layouts (coverage = within 1,000 m):

* ``clustered`` / ``uniform``: synthetic 25 × 20 km, 25,000 demand points × 5,000 candidates,
  *Euclidean* distances (``scipy.spatial.cKDTree``); ``clustered``: demand around 300
  neighbourhood centres (σ 200–800 m), 70 % of candidates near them; no demand already covered.
  Households per point: rounded lognormal (median ≈ 150).
* ``city``: the generated city of ``bench_audit.py`` (≈500k-node street grid, 25,000 estates, 2,000
  facilities), audited with the national ruleset; candidates on the 250 m grid over the estates
  outside the 15-minute circle, coverage by *walking distance* — exactly what ``eldercare site``
  solves. Built once per run (``--city-cache``), also timed end to end (``site``: coverage matrix
  from the network plus the solve).

Cases: ``setcover`` (fewest sites for 95 %), ``mclp`` (N = 50), ``greedy`` (N = 50, with its LP
bound), ``lscp`` (fewest sites covering every coverable demand point, as spopt's LSCP),
``spopt_lscp`` and ``spopt_mclp`` (``spopt.locate`` ``from_cost_matrix`` on the same matrix: a
dense cost matrix with the stored distances, pulp + HiGHS, same time limit). spopt has no
coverage-target model, so set cover to 95 % has no spopt row; LSCP and MCLP compare like with
like (demand already covered, with zero weight or coverable by no candidate is left out of
spopt's models, whose LSCP must cover every row).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
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
N_SITES = 50
CASES = ("setcover", "mclp", "greedy", "lscp", "spopt_lscp", "spopt_mclp")
LAYOUTS = ("clustered", "uniform", "city")
CITY_CACHE = Path(tempfile.gettempdir()) / "bench_siting_city.npz"


def layout(kind: str, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Synthetic demand points, candidates and households."""
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


def prepare_city(cache: Path) -> dict[str, Any]:
    """Audit the generated city, store its siting problem and time ``site_centres`` end to end."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_audit import make_city

    from planning.audit import run_audit
    from planning.rules import load_ruleset
    from planning.siting import SitingOptions, site_centres, siting_problem

    net, inputs, _ = make_city(500_000, 25_000, 2_000)
    result = run_audit(inputs, load_ruleset("national"), net)
    options = SitingOptions(target_coverage=0.95, time_limit_s=TIME_LIMIT)
    t0 = time.perf_counter()
    prob = siting_problem(result, options)
    build_s = time.perf_counter() - t0
    coo = sp.coo_array(prob.coverage)
    np.savez(
        cache,
        row=coo.row,
        col=coo.col,
        shape=np.array(coo.shape),
        weights=prob.weights,
        covered=prob.covered_before,
        distance=np.array(prob.tier.distance_m),
    )
    t1 = time.perf_counter()
    outcome = site_centres(result, options)
    total_s = time.perf_counter() - t1
    sol = outcome.solution
    return {
        "layout": "city",
        "case": "site (end to end)",
        "solver": "planning",
        "demand": int(prob.coverage.shape[0]),
        "candidates": int(prob.coverage.shape[1]),
        "nnz": int(prob.coverage.nnz),
        "build_s": round(build_s, 2),
        "solve_s": round(total_s - build_s, 2),
        "status": sol.status,
        "objective": sol.objective,
        "bound": sol.bound,
        "gap": sol.gap,
        "sites": int(sol.selected.size),
        "coverage": round(sol.final_coverage, 4),
        "peak_rss_mb": peak_mb(),
    }


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def instance(kind: str, cache: Path) -> tuple[Any, np.ndarray, np.ndarray, Any, float, float]:
    """Coverage matrix, weights, already covered, distances (or None), radius, build time."""
    t0 = time.perf_counter()
    if kind == "city":
        data = np.load(cache)
        shape = tuple(int(x) for x in data["shape"])
        cov = sp.csr_array((np.ones(data["row"].size), (data["row"], data["col"])), shape=shape)
        return cov, data["weights"], data["covered"], None, float(data["distance"]), 0.0
    demand, cand, w = layout(kind)
    dist = cKDTree(demand).sparse_distance_matrix(cKDTree(cand), RADIUS, output_type="coo_matrix")
    cov = coverage_from_distances(dist, RADIUS)
    return cov, w, np.zeros(len(w), bool), dist, RADIUS, time.perf_counter() - t0


def run_case(kind: str, case: str, cache: Path) -> dict[str, Any]:
    cov, w, covered, dist, radius, build_s = instance(kind, cache)
    row: dict[str, Any] = {
        "layout": kind,
        "case": case,
        "solver": "spopt" if case.startswith("spopt") else "planning",
        "demand": int(cov.shape[0]),
        "candidates": int(cov.shape[1]),
        "nnz": int(cov.nnz),
    }
    if case.startswith("spopt"):
        row.update(run_spopt(case, cov, w, covered, dist, radius))
        row["peak_rss_mb"] = peak_mb()
        return row
    t1 = time.perf_counter()
    if case == "mclp":
        res = maximal_coverage(cov, w, N_SITES, already_covered=covered, time_limit_s=TIME_LIMIT)
    elif case == "greedy":
        res = greedy_maximal_coverage(
            cov, w, N_SITES, already_covered=covered, time_limit_s=TIME_LIMIT
        )
    else:
        target = 0.95 if case == "setcover" else reachable_share(cov, w, covered)
        res = set_cover(cov, w, target, already_covered=covered, time_limit_s=TIME_LIMIT)
    row.update(
        build_s=round(build_s, 2),
        solve_s=round(time.perf_counter() - t1, 2),
        status=res.status,
        objective=res.objective,
        bound=res.bound,
        gap=res.gap,
        sites=int(res.selected.size),
        coverage=round(res.final_coverage, 4),
        bound_source=res.details.get("bound_source"),
        peak_rss_mb=peak_mb(),
    )
    return row


def reachable_share(cov: Any, w: np.ndarray, covered: np.ndarray) -> float:
    """Share of the weight covered with every candidate open (an LSCP covers all of it)."""
    coverable = covered | (np.diff(sp.csr_array(cov).indptr) > 0)
    return float(w[coverable].sum() / w.sum())


def run_spopt(case: str, cov: Any, w: np.ndarray, covered: np.ndarray, dist: Any, radius: float):
    """spopt's LSCP or MCLP on the rows that matter, with the same time limit (pulp + HiGHS)."""
    import pulp
    from spopt.locate import LSCP, MCLP

    csr = sp.csr_array(cov)
    keep = ~covered & (w > 0) & (np.diff(csr.indptr) > 0)
    rows = np.flatnonzero(keep)
    t0 = time.perf_counter()
    # spopt takes a dense cost matrix: stored distances within reach, "far" elsewhere
    cost = np.full((rows.size, cov.shape[1]), 10.0 * radius)
    sub = sp.coo_array(csr[rows] if dist is None else sp.csr_array(dist)[rows])
    cost[sub.row, sub.col] = 0.0 if dist is None else sub.data
    if case == "spopt_lscp":
        model = LSCP.from_cost_matrix(cost, radius)
    else:
        model = MCLP.from_cost_matrix(cost, w[rows], radius, p_facilities=N_SITES)
    del cost
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    model.solve(pulp.HiGHS(msg=False, timeLimit=TIME_LIMIT))
    solve_s = time.perf_counter() - t1
    highs = model.problem.solverModel
    info = highs.getInfo()
    sign = -1.0 if case == "spopt_mclp" else 1.0  # pulp hands HiGHS -objective to maximise
    objective = sign * float(info.objective_function_value)
    bound = sign * float(info.mip_dual_bound)
    opened = np.array([j for j, v in enumerate(model.fac_vars) if (v.value() or 0) > 0.5])
    covered_after = covered.copy()
    if opened.size:
        covered_after |= np.asarray(csr[:, opened].sum(axis=1)).ravel() > 0
    gap = abs(objective - bound) / max(abs(objective), 1e-9) if math.isfinite(bound) else math.inf
    return {
        "build_s": round(build_s, 2),
        "solve_s": round(solve_s, 2),
        "status": highs.modelStatusToString(highs.getModelStatus()),
        "objective": objective,
        "bound": bound,
        "gap": gap,
        "sites": int(opened.size),
        "coverage": round(float(w[covered_after].sum() / w.sum()), 4),
        "bound_source": "HiGHS",
    }


def subprocess_row(args: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| layout | case | solver | demand × candidates (nnz) | build s | solve s | status "
        "| objective | bound | gap | sites | coverage | bound from | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['layout']} | {r['case']} | {r['solver']} | {r['demand']:,} × "
            f"{r['candidates']:,} ({r['nnz']:,}) | {r['build_s']} | {r['solve_s']} "
            f"| {r['status']} | {r['objective']:.6g} | {r['bound']:.6g} | {r['gap']:.2%} "
            f"| {r['sites']} | {r['coverage']:.2%} | {r.get('bound_source') or ''} "
            f"| {r['peak_rss_mb']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layout", choices=LAYOUTS, nargs="*")
    parser.add_argument("--case", choices=CASES, nargs="*")
    parser.add_argument("--repeat", type=int, default=1, help="keep the fastest of N runs")
    parser.add_argument(
        "--spopt-layouts",
        choices=LAYOUTS,
        nargs="*",
        help="layouts with spopt rows (default all; each spopt model takes tens of minutes to "
        "build at 25k × 5k), run once",
    )
    parser.add_argument("--city-cache", type=Path, default=CITY_CACHE)
    parser.add_argument("--prepare-city", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare_city:
        print(json.dumps(prepare_city(args.city_cache)))
        return
    layouts, cases = args.layout or LAYOUTS, args.case or CASES
    if args.one:
        print(json.dumps(run_case(layouts[0], cases[0], args.city_cache)))
        return
    cache = ["--city-cache", str(args.city_cache)]
    rows = []
    for kind in layouts:
        if kind == "city":
            # the city is built and audited once; its end-to-end siting row is that one run
            rows.append(subprocess_row(["--prepare-city", *cache]))
            print(json.dumps(rows[-1]), file=sys.stderr)
        for case in cases:
            spopt = case.startswith("spopt")
            if spopt and args.spopt_layouts is not None and kind not in args.spopt_layouts:
                continue
            runs = [
                subprocess_row(["--one", "--layout", kind, "--case", case, *cache])
                for _ in range(1 if spopt else args.repeat)
            ]
            rows.append(min(runs, key=lambda r: r["build_s"] + r["solve_s"]))
            print(json.dumps(rows[-1]), file=sys.stderr)
    print(table(rows))


if __name__ == "__main__":
    main()
