"""Benchmark: live what-if updates of ``eldercare serve`` on a generated city (not a test).

The city of ``bench_audit.py`` (~500k-node street grid, 25k estates with 1–3 gates, 2k
facilities). Measures:

- ``audit``: the full audit the server starts from (:func:`planning.audit.run_audit`);
- ``live``: building :class:`planning.scenario.live.LiveAudit` (one bounded Dijkstra per facility
  up to the longest distance any figure needs, kept in memory);
- ``add`` / ``move`` / ``remove``: one change each, at uncovered estates picked at random — what
  the page waits for (nearest facilities of the touched estates, floor area, verdicts, street
  table, totals and the changed-estate list); median and worst of ``--repeats`` changes.

Usage: ``python benchmarks/bench_serve.py [--nodes 500000] [--estates 25000] [--repeats 20]``
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
try:
    from audit_city import make_city  # the generated city of the audit benchmark
except ImportError:
    from bench_audit import make_city

from planning.audit import run_audit
from planning.rules import load_ruleset
from planning.scenario.live import LiveAudit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=500_000)
    parser.add_argument("--estates", type=int, default=25_000)
    parser.add_argument("--facilities", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    net, inputs, _ = make_city(args.nodes, args.estates, args.facilities)
    print(f"city: {net.n_nodes} nodes, {net.n_edges} edges, {len(inputs.estates)} estates, "
          f"{len(inputs.gates)} gates, {len(inputs.facilities)} facilities")  # fmt: skip
    t0 = time.perf_counter()
    audit = run_audit(inputs, load_ruleset("national"), net)
    audit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    live = LiveAudit(audit)
    live_s = time.perf_counter() - t0
    pairs = len(live.base_pairs[0])
    rng = np.random.default_rng(11)
    uncovered = np.flatnonzero(~audit.estates["covered_15min"].to_numpy(bool))
    picks = rng.choice(uncovered, size=min(args.repeats, uncovered.size), replace=False)
    points = gpd.GeoSeries(audit.estates.geometry.iloc[picks].representative_point()).to_crs(4326)
    adds, moves, removes, covered = [], [], [], 0
    for point in points:
        t = time.perf_counter()
        answer = live.add("bench", point.x + 0.0004, point.y, "community_station", 300)
        adds.append(time.perf_counter() - t)
        covered += len(answer["changed"])
        t = time.perf_counter()
        live.move("bench", answer["facility_id"], point.x - 0.0004, point.y)
        moves.append(time.perf_counter() - t)
        t = time.perf_counter()
        live.remove("bench", answer["facility_id"])
        removes.append(time.perf_counter() - t)
    base = live.scenarios["base"].totals
    restored = live.scenarios["bench"].totals == base

    def show(name: str, values: list[float]) -> str:
        return f"{name} median {statistics.median(values):.2f} s, worst {max(values):.2f} s"

    print(f"audit {audit_s:.1f} s; live engine built in {live_s:.1f} s ({pairs:,} estate × "
          f"facility pairs); peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")  # fmt: skip
    print(f"{len(adds)} changes each: " + "; ".join(
        [show("add", adds), show("move", moves), show("remove", removes)]))  # fmt: skip
    print(
        f"estates whose verdict changed per added station: {covered / max(len(adds), 1):.1f}; "
        f"base restored after removing: {restored}"
    )


if __name__ == "__main__":
    main()
