"""Benchmark: a whole city audit, stage by stage, against the plain way of each step (not a test).

The generated city (``audit_city.py``: ~25k estates with 1–3 gates, 2k facilities, 16 streets on
a ~500k-node street grid) is written as a planner's files (``inputs.gpkg``, ``roads.gpkg``);
then, in one process per city size and repeat, the stages are timed one by one:

- read: the input layers (``load_inputs``) and the walking network from the warm cache
  (``load_network``; the cold build is shown apart);
- the audit (``run_audit``), split at its progress messages: snap, circles, floor area, streets
  and rules, service areas (and the per-facility polygons, when asked for);
- each writer alone (GeoPackage with a cold and a warm network-layer cache, both CSVs, XLSX,
  JSON), then ``write_tables`` as the audit runs it;
- each map product alone (gap map, PNG, report, PDF), then ``draw_all`` as the audit runs it;
- end to end: ``eldercare audit`` on the files, maps included, warm network cache, in a fresh
  process (the figure the targets are about).

``--plain`` also times, in their own processes, networkx distances, shapely unions, geopandas
``to_file`` and openpyxl (``plain.py``). Memory: see ``measure.py`` (peak of the process tree,
workers included). Every stage is repeated ``--repeat`` times in fresh processes; the best time
and its memory are kept.

Usage: ``python benchmarks/bench_audit.py [--sizes 100000 500000] [--repeat 2] [--plain]
[--json out.json]``; ``PYTHONPATH=/path/to/other/checkout`` measures another version of the code.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from audit_city import cli_args, make_city, write_city
from measure import Stage, cpu_seconds, run_measured

__all__ = ["make_city"]

HERE = Path(__file__).resolve().parent
#: estates and facilities per node count (the issue's cities: 500k / 25k / 2k and 100k / 5k / 400)
CITY = {n: (n // 20, n // 250) for n in (2_000, 20_000, 100_000, 500_000)}
#: audit progress messages (their first words) that start each stage
MARKS = [
    ("Snapping", "snap"),
    ("Measuring service circles", "circles"),
    ("Checking floor area", "floor area"),
    ("Summarising by street", "streets and rules"),
    ("Tracing service areas", "service areas (merged tiers, as run)"),
]


def _layers() -> dict[str, Any]:
    return {"layers": {r: r for r in ("estates", "facilities", "gates", "streets")}}


def _audit_stages(inputs: Any, ruleset: Any, net: Any, out: dict[str, Any]) -> Any:
    from planning.audit import run_audit

    stamps: list[tuple[float, str, float]] = []

    def progress(message: str) -> None:
        stamps.append((time.perf_counter(), message, cpu_seconds()))

    with Stage(out, "audit (all of run_audit)"):
        result = run_audit(inputs, ruleset, net, progress=progress)
    end, end_cpu = time.perf_counter(), cpu_seconds()
    for i, (t, message, cpu) in enumerate(stamps):
        name = next((n for prefix, n in MARKS if message.startswith(prefix)), None)
        if name is not None:
            nxt, nxt_cpu = stamps[i + 1][::2] if i + 1 < len(stamps) else (end, end_cpu)
            peak = out["audit (all of run_audit)"]["peak_mb"]
            out[name] = {"s": nxt - t, "cpu_s": nxt_cpu - cpu, "peak_mb": peak}
    return result


def _per_facility(result: Any, net: Any, out: dict[str, Any]) -> None:
    from planning.audit import run as run_module

    fn = run_module._service_areas
    active = result.facilities["status"].eq("existing").to_numpy()
    from planning import network

    snaps = network.snap(net, result.facilities.geometry, result.options.max_snap_m)
    if "mode" in inspect.signature(fn).parameters:
        with Stage(out, "service areas, per facility (when asked)"):
            fn(net, result.facilities, snaps, active, result.tiers, mode="per-facility")


def _writers(result: Any, folder: Path, out: dict[str, Any]) -> None:
    from planning.audit import output

    folder.mkdir()
    with Stage(out, "write: results.gpkg (cold network-layer cache)"):
        output._write_gpkg(result, folder / "a.gpkg")
    with Stage(out, "write: results.gpkg"):
        output._write_gpkg(result, folder / "b.gpkg")
    with Stage(out, "write: estates.csv"):
        output._csv(output.estate_table(result), folder / "estates.csv")
    with Stage(out, "write: streets.csv"):
        output._csv(output.street_table(result), folder / "streets.csv")
    xlsx = getattr(output, "_write_xlsx", None)
    if xlsx is None:  # moved to its own module (issue 18)
        from planning.audit import workbook  # type: ignore[attr-defined]

        xlsx = workbook.write_workbook
    with Stage(out, "write: audit.xlsx"):
        xlsx(result, folder / "audit.xlsx")
    with Stage(out, "write: summary.json"):
        (folder / "summary.json").write_text(
            json.dumps(output.summary_dict(result), ensure_ascii=False, indent=2), encoding="utf-8"
        )
    tables = folder / "tables"
    tables.mkdir()
    with Stage(out, "write_tables (all tables, as run)"):
        output.write_tables(result, tables)


def _maps(result: Any, folder: Path, out: dict[str, Any]) -> None:
    import planning.maps as maps
    from planning.maps import results as mres

    from_audit = getattr(mres, "from_audit", None)
    with Stage(out, "maps: read results.gpkg back"):
        loaded = mres.load_results(folder)
    source: Any = from_audit(result, folder) if from_audit is not None else folder
    del loaded
    with Stage(out, "map: gap_map.html"):
        maps.render_gap_map(source, folder / "m.html", basemap="none")
    with Stage(out, "map: gap_map.png"):
        maps.render_png(source, folder / "gap_map.png")
    with Stage(out, "map: report.html"):
        maps.render_report(source, folder / "r.html")
    with Stage(out, "map: report.pdf"):
        maps.render_report_pdf(source, folder / "r.pdf")
    drawn = folder.parent / "drawn"
    drawn.mkdir()
    from planning.audit.output import write_tables

    write_tables(result, drawn)
    kwargs: dict[str, Any] = {}
    if from_audit is not None:  # from memory, in worker processes
        kwargs = {"results": from_audit(result, drawn), "workers": None}
    with Stage(out, "draw_all (all maps, as run)"):
        maps.draw_all(drawn, **kwargs)


def _warm_up(tmp: Path) -> None:
    """Run everything once on a tiny city so numba's compiled kernels are loaded."""
    from planning.audit import run_audit
    from planning.results import AuditResult
    from planning.rules import load_ruleset

    net, inputs, _ = make_city(2_000, 100, 8)
    result = AuditResult.from_audit(run_audit(inputs, load_ruleset("national"), net))
    result.write(tmp / "warm")


def one(n_nodes: int, n_estates: int, n_facilities: int, e2e: int) -> dict[str, Any]:
    """Every stage on one city, in this process; the end-to-end runs in fresh processes."""
    from planning import settings
    from planning.api import load_inputs, load_network
    from planning.rules import load_ruleset

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as name:
        tmp = Path(name)
        _warm_up(tmp)
        net0, mem_inputs, _ = make_city(n_nodes, n_estates, n_facilities)
        gpkg, roads = write_city(net0, mem_inputs, tmp / "city")
        del net0, mem_inputs
        cache = tmp / "cache"
        with settings.override(cache_folder=cache):
            with Stage(out, "read: input layers"):
                inputs = load_inputs(str(gpkg), str(gpkg), str(gpkg), str(gpkg), **_layers())
            with Stage(out, "network build (cold, once per network)"):
                load_network(roads, crs=inputs)
            with Stage(out, "read: network (warm cache)"):
                net = load_network(roads, crs=inputs)
            out["city"] = {"nodes": net.n_nodes, "edges": net.n_edges,
                           "estates": len(inputs.estates), "gates": len(inputs.gates),
                           "facilities": len(inputs.facilities)}  # fmt: skip
            result = _audit_stages(inputs, load_ruleset("national"), net, out)
            _per_facility(result, net, out)
            _writers(result, tmp / "w", out)
            _maps(result, tmp / "w" / "tables", out)
            from planning.results import AuditResult

            with Stage(out, "write tables and maps (AuditResult.write, as run)"):
                AuditResult.from_audit(result).write(tmp / "written")
        env = {**os.environ, "ELDERCARE_CACHE": str(cache)}
        argv = [sys.executable, "-m", "planning.cli", *cli_args(gpkg, roads, tmp / "out")]
        runs = [run_measured(argv, env, 1800) for _ in range(e2e)]
        if any(r["rc"] != 0 for r in runs):
            raise SystemExit(f"eldercare audit failed: {runs[-1].get('stderr')}")
        out["end to end: eldercare audit with maps (warm cache)"] = min(runs, key=lambda r: r["s"])
    return out


def plain(kind: str, n_nodes: int, n_estates: int, n_facilities: int) -> dict[str, Any]:
    import plain as ways

    from planning import settings
    from planning.audit import run_audit
    from planning.rules import load_ruleset

    net, inputs, _ = make_city(n_nodes, n_estates, n_facilities)
    ruleset = load_ruleset("national")
    if kind == "networkx":
        return ways.run_networkx(net, inputs, ruleset)
    if kind == "shapely":
        return ways.run_shapely(net, inputs, ruleset, settings.service_area_buffer_m)
    result = run_audit(inputs, ruleset, net)
    with tempfile.TemporaryDirectory(prefix="bench-plain-") as name:
        return ways.run_writers(result, Path(name))


def _child(args: list[str], timeout_s: float) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__)), *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{args}: {proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _cell(entry: dict[str, Any] | None) -> str:
    if not entry:
        return "–"
    if entry["s"] == float("inf"):
        return "timed out"
    cpu = f" (CPU {entry['cpu_s']:.1f} s)" if "cpu_s" in entry else ""
    return f"{entry['s']:.2f} s{cpu} / {entry['peak_mb'] / 1024:.2f} GB"


def table(results: dict[int, dict[str, Any]]) -> str:
    """Markdown table: one row per stage, one column per city size."""
    sizes = sorted(results)
    names: list[str] = []
    for size in sizes:
        names += [k for k in results[size] if k != "city" and k not in names]
    head = "| stage | " + " | ".join(
        "{nodes:,} nodes / {estates:,} estates / {facilities:,} facilities".format(
            **results[s]["city"]
        )
        for s in sizes
    )
    rows = [head + " |", "|---" * (len(sizes) + 1) + "|"]
    for name in names:
        rows.append(f"| {name} | " + " | ".join(_cell(results[s].get(name)) for s in sizes) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 500_000])
    parser.add_argument("--repeat", type=int, default=1, help="fresh processes per size")
    parser.add_argument("--e2e", type=int, default=2, help="end-to-end runs per process")
    parser.add_argument("--plain", action="store_true", help="also time the plain ways")
    parser.add_argument("--json", type=Path, help="save the figures")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--plain-kind", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        estates, facilities = CITY.get(args.one, (args.one // 20, args.one // 250))
        if args.plain_kind:
            print(json.dumps(plain(args.plain_kind, args.one, estates, facilities)))
        else:
            print(json.dumps(one(args.one, estates, facilities, args.e2e)))
        return
    results: dict[int, dict[str, Any]] = {}
    for size in args.sizes:
        best: dict[str, Any] = {}
        for r in range(args.repeat):
            print(f"{size:,} nodes, run {r + 1}/{args.repeat} …", file=sys.stderr, flush=True)
            found = _child(["--one", str(size), "--e2e", str(args.e2e)], 3600)
            for name, entry in found.items():
                if name == "city" or name not in best or entry["s"] < best[name]["s"]:
                    best[name] = entry
        if args.plain:
            for kind in ("networkx", "shapely", "writers"):
                print(f"{size:,} nodes, plain {kind} …", file=sys.stderr, flush=True)
                try:
                    best.update(_child(["--one", str(size), "--plain-kind", kind], 1200))
                except subprocess.TimeoutExpired:
                    best[f"plain {kind}"] = {"s": float("inf"), "peak_mb": float("nan")}
        results[size] = best
    print(f"{time.strftime('%Y-%m-%d')}, {len(os.sched_getaffinity(0))} CPUs")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
