"""Benchmark of the walking-network engine against networkx, the ego_graph way and pandana.

Not a test. Run from the repository root::

    python benchmarks/bench_engine.py --sizes 10000 100000 500000

Every step runs in its own subprocess. Memory is the peak resident set size (Linux ``VmHWM``)
of that subprocess during the step: the peak is reset (``/proc/self/clear_refs``) after the
set-up (loading the network, making the points) and read after the step, so it includes the
network already in memory but not the set-up's transient peaks. Wall times are
``time.perf_counter`` around the step only.

The networkx and ego_graph ways attach points to their nearest *node* (what
``osmnx.distance.nearest_nodes`` does), the engine to the nearest point of the nearest edge.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "benchmarks" / "README.md"
CUTOFF = 1000.0
BUFFER = 50.0


# ----------------------------------------------------------------------------- measurement
def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def _reset_peak() -> float:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _rss_mb("VmRSS")


class Step:
    """Time a step and record the process's peak RSS during it."""

    def __init__(self, out: dict[str, Any], name: str) -> None:
        self.out, self.name = out, name

    def __enter__(self) -> Step:
        self.base = _reset_peak()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.out[self.name] = {
            "s": time.perf_counter() - self.t0,
            "peak_mb": _rss_mb("VmHWM"),
            "base_mb": self.base,
        }


# ----------------------------------------------------------------------------- set-up
def _net_path(workdir: Path, n: int) -> Path:
    return workdir / f"grid-{n}.npz"


def _warm() -> None:
    """Load the compiled kernels from numba's cache (JIT time is reported separately)."""
    from planning.network import nearest, od_sparse, service_areas, snap
    from planning.network.synthetic import random_points, street_grid

    net = street_grid(100, seed=1)
    p = snap(net, random_points(net, 5, seed=2))
    nearest(net, p, p, 300)
    od_sparse(net, p, p, 300)
    service_areas(net, p, [200.0], method="raster", workers=1)


def _setup(workdir: Path, n: int) -> tuple[Any, np.ndarray, np.ndarray]:
    from planning.network.cache import read_network
    from planning.network.synthetic import random_points

    _warm()
    net = read_network(_net_path(workdir, n))
    n_fac = max(1, round(0.004 * n))
    n_org = max(1, round(0.05 * n))
    fac = random_points(net, n_fac, seed=11)
    org = random_points(net, n_org, seed=12)
    return net, fac, org


def _nearest_nodes(net: Any, xy: np.ndarray) -> np.ndarray:
    from scipy.spatial import cKDTree

    tree = cKDTree(np.column_stack([net.node_x, net.node_y]))
    return tree.query(xy)[1]


# ----------------------------------------------------------------------------- steps
def step_warmup(workdir: Path, n: int, out: dict[str, Any]) -> None:
    from planning.network import nearest, od_sparse, service_areas, snap
    from planning.network.synthetic import random_points, street_grid

    net = street_grid(400, seed=1)
    p = snap(net, random_points(net, 20, seed=2))
    with Step(out, "first_calls"):
        nearest(net, p, p, 500)
        od_sparse(net, p, p, 500)
        service_areas(net, p, [300.0], method="raster", workers=1)
        service_areas(net, p, [300.0], method="exact", workers=1)


def step_build(workdir: Path, n: int, out: dict[str, Any]) -> None:
    from planning.network.cache import read_network, save_network
    from planning.network.synthetic import street_grid

    with Step(out, "build"):
        net = street_grid(n, seed=0)
    save_network(net, _net_path(workdir, n))
    with Step(out, "cache_read"):
        read_network(_net_path(workdir, n))
    out["nodes"], out["edges"] = net.n_nodes, net.n_edges


def step_engine(workdir: Path, n: int, out: dict[str, Any]) -> None:
    from planning.network import nearest, od_sparse, snap

    net, fac, org = _setup(workdir, n)
    _ = net.tree  # the STRtree is part of loading a network for snapping
    t0 = time.perf_counter()
    base = _reset_peak()
    with Step(out, "snap"):
        sf, so = snap(net, fac), snap(net, org)
    with Step(out, "nearest"):
        d, _ = nearest(net, so, sf, CUTOFF)
    with Step(out, "catchments"):
        od = od_sparse(net, sf, so, CUTOFF)
    out["total"] = {"s": time.perf_counter() - t0, "peak_mb": _rss_mb("VmHWM"), "base_mb": base}
    out["facilities"], out["origins"] = len(fac), len(org)
    out["reached"] = int(np.isfinite(d).sum())
    out["pairs"] = len(od)


def step_areas(workdir: Path, n: int, out: dict[str, Any]) -> None:
    from planning.network import service_areas, snap

    net, fac, _ = _setup(workdir, n)
    sf = snap(net, fac)
    with Step(out, "areas"):
        gdf = service_areas(net, sf, [CUTOFF], BUFFER, merge=False)
    out["method"] = str(gdf["method"].iloc[0])
    with Step(out, "areas_merged"):
        service_areas(net, sf, [CUTOFF], BUFFER, merge=True)
    if n <= 100_000:
        with Step(out, "areas_exact"):
            service_areas(net, sf, [CUTOFF], BUFFER, merge=False, method="exact")


def _nx_graph(net: Any) -> Any:
    import networkx as nx

    g = nx.Graph()
    g.add_weighted_edges_from(
        zip(net.u.tolist(), net.v.tolist(), net.length.tolist(), strict=True), weight="length"
    )
    return g


def step_networkx(workdir: Path, n: int, out: dict[str, Any]) -> None:
    import networkx as nx

    net, fac, org = _setup(workdir, n)
    with Step(out, "nx_graph"):
        g = _nx_graph(net)
    t0 = time.perf_counter()
    base = _reset_peak()
    with Step(out, "snap"):
        fn, on = _nearest_nodes(net, fac), _nearest_nodes(net, org)
    with Step(out, "nearest"):
        dist = nx.multi_source_dijkstra_path_length(
            g, set(fn.tolist()), cutoff=CUTOFF, weight="length"
        )
        d = np.array([dist.get(int(o), np.inf) for o in on])
    with Step(out, "catchments"):
        pairs = 0
        for f in fn.tolist():
            reach = nx.single_source_dijkstra_path_length(g, f, cutoff=CUTOFF, weight="length")
            pairs += sum(1 for o in on.tolist() if o in reach)
    out["total"] = {"s": time.perf_counter() - t0, "peak_mb": _rss_mb("VmHWM"), "base_mb": base}
    out["reached"], out["pairs"] = int(np.isfinite(d).sum()), pairs


def step_ego(workdir: Path, n: int, out: dict[str, Any]) -> None:
    import networkx as nx

    net, fac, org = _setup(workdir, n)
    g = _nx_graph(net)
    t0 = time.perf_counter()
    base = _reset_peak()
    with Step(out, "snap"):
        fn, on = _nearest_nodes(net, fac), _nearest_nodes(net, org)
    with Step(out, "catchments"):
        pairs = 0
        for f in fn.tolist():
            sub = nx.ego_graph(g, f, radius=CUTOFF, distance="length")
            pairs += sum(1 for o in on.tolist() if o in sub)
    out["total"] = {"s": time.perf_counter() - t0, "peak_mb": _rss_mb("VmHWM"), "base_mb": base}
    out["pairs"] = pairs


def step_pandana(workdir: Path, n: int, out: dict[str, Any]) -> None:
    try:
        import pandana
    except ImportError:
        out["skipped"] = "pandana not installed"
        return
    import pandas as pd

    net, fac, org = _setup(workdir, n)
    nodes = pd.DataFrame({"x": net.node_x, "y": net.node_y})
    edges = pd.DataFrame({"from": net.u, "to": net.v, "length": net.length})
    with Step(out, "precompute"):
        pnet = pandana.Network(
            nodes["x"], nodes["y"], edges["from"], edges["to"], edges[["length"]], twoway=True
        )
        pnet.precompute(CUTOFF)
    t0 = time.perf_counter()
    base = _reset_peak()
    with Step(out, "snap"):
        fn = pnet.get_node_ids(pd.Series(fac[:, 0]), pd.Series(fac[:, 1]))
        on = pnet.get_node_ids(pd.Series(org[:, 0]), pd.Series(org[:, 1]))
    with Step(out, "nearest"):
        pnet.set_pois("fac", CUTOFF, 1, pd.Series(fac[:, 0]), pd.Series(fac[:, 1]))
        near = pnet.nearest_pois(CUTOFF, "fac", num_pois=1)
        d = near[1].reindex(on.to_numpy()).to_numpy()
    with Step(out, "catchments"):
        rng = pnet.nodes_in_range(fn.to_numpy().tolist(), CUTOFF)
        pairs = int(rng["destination"].isin(set(on.tolist())).sum())
    out["total"] = {"s": time.perf_counter() - t0, "peak_mb": _rss_mb("VmHWM"), "base_mb": base}
    out["reached"], out["pairs"] = int((d < CUTOFF).sum()), pairs


STEPS = {
    "warmup": step_warmup,
    "build": step_build,
    "engine": step_engine,
    "areas": step_areas,
    "networkx": step_networkx,
    "ego": step_ego,
    "pandana": step_pandana,
}


# ----------------------------------------------------------------------------- driver
def _run_step(step: str, n: int, workdir: Path, env: dict[str, str] | None = None) -> Any:
    cmd = [sys.executable, __file__, "--step", step, "--size", str(n), "--workdir", str(workdir)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt(r: dict[str, Any], key: str) -> str:
    v = r.get(key)
    return f"{v['s']:.2f} s / {v['peak_mb']:.0f} MB" if isinstance(v, dict) else "–"


def _ratio(a: dict[str, Any], b: dict[str, Any]) -> str:
    try:
        return f"{b['total']['s'] / a['total']['s']:.1f}×"
    except (KeyError, TypeError, ZeroDivisionError):
        return "–"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--step", choices=sorted(STEPS))
    ap.add_argument("--size", type=int)
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--skip", nargs="*", default=[], help="steps to skip, e.g. ego pandana")
    ap.add_argument(
        "--pandana-max-nodes",
        type=int,
        default=200_000,
        help="skip pandana above this size (its precompute takes minutes: 118 s at 100k nodes)",
    )
    ap.add_argument("--no-readme", action="store_true", help="do not rewrite benchmarks/README.md")
    args = ap.parse_args()
    if args.step:  # worker mode
        out: dict[str, Any] = {}
        STEPS[args.step](args.workdir, args.size, out)
        print(json.dumps(out))
        return
    results: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        cold_env = dict(os.environ, NUMBA_CACHE_DIR=str(workdir / "numba-cold"))
        warm = {
            "cold": _run_step("warmup", 0, workdir, cold_env),
            "cached": _run_step("warmup", 0, workdir),
        }
        print("JIT", json.dumps(warm), flush=True)
        for n in args.sizes:
            res: dict[str, Any] = {}
            for step in ["build", "engine", "areas", "networkx", "ego", "pandana"]:
                if step in args.skip:
                    continue
                if step == "pandana" and n > args.pandana_max_nodes:
                    res[step] = {"skipped": f"skipped above {args.pandana_max_nodes:,} nodes"}
                    continue
                res[step] = _run_step(step, n, workdir)
                print(n, step, json.dumps(res[step]), flush=True)
            results[n] = res
    table = render(results, warm)
    print(table)
    if not args.no_readme:
        write_readme(table)


def render(results: dict[int, dict[str, Any]], warm: dict[str, Any]) -> str:
    lines = [
        "## Engine",
        "",
        "Generated by `python benchmarks/bench_engine.py --sizes "
        + " ".join(str(n) for n in results)
        + f"` on {os.cpu_count()} CPUs ({time.strftime('%Y-%m-%d')}). Synthetic street grids "
        "(`planning.network.synthetic.street_grid`: 100 m blocks, ±15 m jitter, 10 % of streets "
        "removed, largest component), facilities = 0.4 % and origins = 5 % of the nodes at "
        f"random, cutoff {CUTOFF:.0f} m, service-area buffer {BUFFER:.0f} m. Each cell: wall "
        "time / peak RSS of the step's subprocess (Linux VmHWM, reset after set-up, so it "
        "includes the network held in memory). The networkx and ego_graph ways snap to the "
        "nearest node; the engine attaches to the nearest point on the nearest edge and counts "
        "the connector, so it reaches somewhat fewer origins within the cutoff. Engine total = "
        "snap + nearest + catchments. pandana's one-off `precompute` is shown in brackets. "
        "Service areas: one 1000 m tier; `method=auto` picks exact GEOS unions up to 100,000 "
        "street pieces and the distance-field raster (5 m cells; the merged tier 10 m or "
        "coarser) beyond.",
        "",
        "| nodes / edges | facilities / origins | build | cache read | snap | nearest "
        "| catchments (od_sparse) | **engine total** | networkx total | ego_graph total "
        "| pandana total (+ precompute) | ×networkx | ×ego_graph | service areas per facility "
        "[method] (with the merged tier) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results.values():
        b, e, a = r.get("build", {}), r.get("engine", {}), r.get("areas", {})
        nx_, eg, pd_ = r.get("networkx", {}), r.get("ego", {}), r.get("pandana", {})
        pan = _fmt(pd_, "total")
        if "precompute" in pd_:
            pan += f" (+{pd_['precompute']['s']:.1f} s)"
        elif "skipped" in pd_ or "error" in pd_:
            pan = pd_.get("skipped") or pd_.get("error", "–")
        areas = _fmt(a, "areas") + (f" [{a['method']}]" if "method" in a else "")
        areas += f" (with merged: {_fmt(a, 'areas_merged')})"
        if "areas_exact" in a:
            areas += f"; exact: {_fmt(a, 'areas_exact')}"
        lines.append(
            f"| {b.get('nodes', '?'):,} / {b.get('edges', '?'):,} "
            f"| {e.get('facilities', '?')} / {e.get('origins', '?')} "
            f"| {_fmt(b, 'build')} | {_fmt(b, 'cache_read')} | {_fmt(e, 'snap')} "
            f"| {_fmt(e, 'nearest')} | {_fmt(e, 'catchments')} | **{_fmt(e, 'total')}** "
            f"| {_fmt(nx_, 'total')} | {_fmt(eg, 'total')} | {pan} "
            f"| {_ratio(e, nx_)} | {_ratio(e, eg)} | {areas} |"
        )
    cold = warm.get("cold", {}).get("first_calls", {}).get("s")
    cached = warm.get("cached", {}).get("first_calls", {}).get("s")
    lines += [
        "",
        f"numba JIT (first calls of nearest, od_sparse and both service-area methods on a tiny "
        f"grid, in a fresh process): {cold:.1f} s when compiling (empty `NUMBA_CACHE_DIR`), "
        f"{cached:.1f} s with the on-disk cache (`cache=True`). Not included above: every step "
        "above ran after the cache was warm."
        if cold is not None and cached is not None
        else "numba JIT: not measured.",
        "",
    ]
    return "\n".join(lines)


def write_readme(section: str) -> None:
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n\n"
    start = text.find("## Engine")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        nxt = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[nxt + 1 :] if nxt >= 0 else "")
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
