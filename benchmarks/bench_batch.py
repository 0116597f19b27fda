"""Benchmark: ``eldercare batch`` on a generated province, with 1 and 2 Dask workers (not a test).

A province of ``--counties`` square counties (4 × 4 by default), each a ~``--nodes`` node street
grid (100 m blocks: 50k nodes ≈ 22 km across), one network for the whole province; estates and
facilities at random (polygons with 1–3 gates, every facility kind), the streets layer = the
counties. For each worker count the batch runs into a fresh folder (no resume) on a new
LocalCluster; phases are timed from the batch's own progress events:

- ``plan``: loading nothing (inputs are in memory), cutting the jobs: each county plus its halo
  (longest walk 3,000 m + 300 m snapping) and its network clip;
- ``measure``: the Dask tasks (one per county: the audit of its estates on its clip);
- ``gather``: sharing floor area once over all counties, streets, rules, totals;
- ``write``: the province folder (client) and one folder per county (Dask tasks), tables only.

Per-county task times (the worker's wall time) and clip sizes come from ``units.csv``. Run on a
quiet machine and repeat (``--repeat``): the best run of each worker count is reported.

Usage: ``python benchmarks/bench_batch.py [--counties 16] [--nodes 50000] [--workers 1 2]``
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_audit import make_city

from planning.batch import BatchEvent, run_batch
from planning.io import Inputs


def province(counties: int, nodes: int, estates: int, facilities: int):
    if counties != 16:
        raise SystemExit("--counties must be 16: the generated area is cut 4 × 4")
    net, city, build_s = make_city(counties * nodes, counties * estates, counties * facilities)
    streets = city.streets.copy()
    streets["name"] = [f"县{i + 1:02d}" for i in range(counties)]
    streets["county"] = streets["name"]
    inputs = Inputs(city.estates, city.facilities, city.gates, streets, city.crs)
    return inputs, net, build_s


def run_once(inputs, net, workers: int) -> dict:
    marks: dict[str, float] = {}
    t0 = time.perf_counter()

    def progress(event: BatchEvent) -> None:
        now = time.perf_counter() - t0
        if event.kind == "cluster":
            marks.setdefault("cluster", now)
        elif event.kind == "started":
            marks.setdefault("first_start", now)
        elif event.kind == "done":
            marks["last_done"] = now
        elif event.kind == "province" and "Sharing" in event.message:
            marks["gather"] = now
        elif event.kind == "province" and "Writing" in event.message:
            marks["write"] = now

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        result = run_batch(
            inputs, net, split="streets", out=Path(tmp) / "province", workers=workers,
            maps=False, resume=False, progress=progress,
        )  # fmt: skip
        total = time.perf_counter() - t0
        assert result.ok, result.failed
        units = result.units
    return {
        "workers": workers,
        "total_s": round(total, 1),
        "plan_s": round(marks["cluster"], 1),
        "measure_s": round(marks["last_done"] - marks["cluster"], 1),
        "gather_s": round(marks["write"] - marks["gather"], 1),
        "write_s": round(total - marks["write"], 1),
        "task_s_sum": round(float(units["seconds"].sum()), 1),
        "task_s_max": round(float(units["seconds"].max()), 1),
        "task_s_median": round(float(units["seconds"].median()), 1),
        "clip_nodes_median": int(units["network_nodes"].median()),
        "clip_edges_median": int(units["network_edges"].median()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=16)
    parser.add_argument("--nodes", type=int, default=50_000, help="street-grid nodes per county")
    parser.add_argument("--estates", type=int, default=1_500, help="estates per county")
    parser.add_argument("--facilities", type=int, default=120, help="facilities per county")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    t0 = time.perf_counter()
    inputs, net, _ = province(args.counties, args.nodes, args.estates, args.facilities)
    print(
        f"province: {args.counties} counties, {net.n_nodes:,} nodes / {net.n_edges:,} edges, "
        f"{len(inputs.estates):,} estates, {len(inputs.facilities):,} facilities "
        f"(generated in {time.perf_counter() - t0:.1f} s)",
        flush=True,
    )
    best: dict[int, dict] = {}
    for _ in range(args.repeat):
        for workers in args.workers:
            run = run_once(inputs, net, workers)
            print(json.dumps(run), flush=True)
            if workers not in best or run["total_s"] < best[workers]["total_s"]:
                best[workers] = run
    base = best[min(best)]
    print("\n| workers | total | plan | measure | gather | write | tasks Σ | task max | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|")
    for workers, run in sorted(best.items()):
        print(
            f"| {workers} | {run['total_s']} s | {run['plan_s']} s | {run['measure_s']} s | "
            f"{run['gather_s']} s | {run['write_s']} s | {run['task_s_sum']} s | "
            f"{run['task_s_max']} s | {base['total_s'] / run['total_s']:.2f}× "
            f"(measure {base['measure_s'] / run['measure_s']:.2f}×) |"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"\nclient peak RSS {peak:.0f} MB; machine {platform.machine()}, "
          f"{len(__import__('os').sched_getaffinity(0))} CPUs")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({"best": best, "args": vars(args)}, default=str, indent=2))


if __name__ == "__main__":
    main()
