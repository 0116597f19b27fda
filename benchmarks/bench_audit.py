"""Benchmark: the whole audit on a generated city (not a test).

~25k estates (polygons, 1–3 gates each), 2k facilities of every kind, 16 streets, on a ~500k-node
street grid (100 m spacing, jitter, 10 % of edges removed). Measures, in one process:

- ``audit``: :func:`planning.audit.run_audit` (snapping, three service-circle tiers, the speed
  sensitivity, floor area with sharing, land, streets, rules, service-area polygons);
- ``write``: :func:`planning.audit.output.write_results` (GeoPackage, CSV, XLSX, JSON);
- ``map``: :func:`planning.maps.write_all` (offline gap map, PNG, report) when ``--map``;

each with wall time, plus the process's peak resident memory (``ru_maxrss``). Building the
network is reported separately (a real run reads it from the cache).

Usage: ``python benchmarks/bench_audit.py [--nodes 500000] [--estates 25000] [--facilities 2000]``
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from planning.audit import run_audit
from planning.audit.output import write_results
from planning.io import Inputs
from planning.network.synthetic import random_points, street_grid
from planning.rules import load_ruleset


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def open_seconds(page_path: Path) -> float:
    """Seconds until headless Debian Chromium has loaded the map and drawn its estates."""
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        t0 = time.perf_counter()
        page.goto(page_path.as_uri(), wait_until="load")
        # The map draws on canvas renderers; wait until the estates' canvas exists.
        page.wait_for_function("document.querySelectorAll('.leaflet-pane canvas').length > 0")
        seconds = time.perf_counter() - t0
        browser.close()
    return seconds


def make_city(n_nodes: int, n_estates: int, n_facilities: int, seed: int = 7):
    t0 = time.perf_counter()
    net = street_grid(n_nodes, seed=seed)
    build_s = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    xy = random_points(net, n_estates, seed=seed + 1, margin_m=200)
    half = rng.uniform(30, 90, n_estates)
    estates = gpd.GeoDataFrame(
        {
            "estate_id": [f"E{i:05d}" for i in range(n_estates)],
            "name": [f"小区{i}" for i in range(n_estates)],
            "households": rng.integers(150, 4000, n_estates).astype(np.int64),
            "status": np.where(rng.random(n_estates) < 0.2, "new", "existing"),
            "built_year": pd.array([pd.NA] * n_estates, dtype="Int64"),
            "population": np.nan,
            "elderly": np.nan,
            "street": None,
        },
        geometry=shapely.box(xy[:, 0] - half, xy[:, 1] - half, xy[:, 0] + half, xy[:, 1] + half),
        crs=net.crs,
    )
    estates["elderly"] = estates["households"] * 0.6
    n_gates = rng.integers(1, 4, n_estates)
    owner = np.repeat(np.arange(n_estates), n_gates)
    angle = rng.uniform(0, 2 * np.pi, owner.size)
    gx = xy[owner, 0] + np.cos(angle) * half[owner]
    gy = xy[owner, 1] + np.sin(angle) * half[owner]
    gates = gpd.GeoDataFrame(
        {
            "gate_id": [f"G{i:06d}" for i in range(owner.size)],
            "estate_id": estates["estate_id"].to_numpy()[owner],
        },
        geometry=gpd.points_from_xy(gx, gy),
        crs=net.crs,
    )
    fxy = random_points(net, n_facilities, seed=seed + 2)
    kinds = rng.choice(
        ["community_station", "street_centre", "institution", "rural_point"],
        n_facilities,
        p=[0.7, 0.1, 0.15, 0.05],
    )
    linked = rng.random(n_facilities) < 0.3
    facilities = gpd.GeoDataFrame(
        {
            "facility_id": [f"F{i:05d}" for i in range(n_facilities)],
            "name": [f"设施{i}" for i in range(n_facilities)],
            "kind": kinds,
            "floor_m2": rng.uniform(150, 3000, n_facilities),
            "land_m2": rng.uniform(200, 4000, n_facilities),
            "beds": np.where(kinds == "institution", rng.integers(50, 400, n_facilities), np.nan),
            "nursing_beds": np.where(
                kinds == "institution", rng.integers(10, 200, n_facilities), np.nan
            ),
            "estate_id": np.where(
                linked,
                estates["estate_id"].to_numpy()[rng.integers(0, n_estates, n_facilities)],
                None,
            ),
            "status": "existing",
            "street": None,
            "county": None,
        },
        geometry=gpd.points_from_xy(fxy[:, 0], fxy[:, 1]),
        crs=net.crs,
    )
    x0, y0, x1, y1 = net.edges_gdf().total_bounds
    cells = []
    for i in range(4):
        for j in range(4):
            cells.append(
                shapely.box(
                    x0 + (x1 - x0) * i / 4,
                    y0 + (y1 - y0) * j / 4,
                    x0 + (x1 - x0) * (i + 1) / 4,
                    y0 + (y1 - y0) * (j + 1) / 4,
                )
            )
    streets = gpd.GeoDataFrame(
        {
            "street_id": [f"S{i:02d}" for i in range(16)],
            "name": [f"街道{i}" for i in range(16)],
            "county": ["示例区"] * 8 + ["示例县"] * 8,
        },
        geometry=cells,
        crs=net.crs,
    )
    inputs = Inputs(
        estates=estates, facilities=facilities, gates=gates, streets=streets, crs=CRS(net.crs)
    )
    return net, inputs, build_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=500_000)
    parser.add_argument("--estates", type=int, default=25_000)
    parser.add_argument("--facilities", type=int, default=2_000)
    parser.add_argument("--map", action="store_true", help="also draw the gap map, PNG and report")
    args = parser.parse_args()

    net, inputs, build_s = make_city(args.nodes, args.estates, args.facilities)
    print(
        f"city: {net.n_nodes} nodes, {net.n_edges} edges, {len(inputs.estates)} estates, {len(inputs.gates)} gates, {len(inputs.facilities)} facilities"
    )
    print(f"network generation: {build_s:.1f} s (not part of the audit)")
    ruleset = load_ruleset("national")
    t0 = time.perf_counter()
    result = run_audit(
        inputs, ruleset, net, progress=lambda m: print(f"  [{time.perf_counter() - t0:6.1f}s] {m}")
    )
    audit_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t1 = time.perf_counter()
        write_results(result, Path(tmp))
        write_s = time.perf_counter() - t1
        map_s = float("nan")
        if args.map:
            from planning.maps import write_all

            t2 = time.perf_counter()
            write_all(Path(tmp), lang="zh", basemap="none")
            map_s = time.perf_counter() - t2
            size = (Path(tmp) / "gap_map.html").stat().st_size / 1e6
            print(
                f"gap_map.html: {size:.1f} MB, opens in Chromium in {open_seconds(Path(tmp) / 'gap_map.html'):.1f} s"
            )
    total = audit_s + write_s + (0 if np.isnan(map_s) else map_s)
    print(
        f"audit {audit_s:.1f} s, write {write_s:.1f} s, map {map_s:.1f} s, total {total:.1f} s, peak RSS {peak_mb():.0f} MB"
    )
    print(
        f"15-min coverage {result.totals['coverage']['15min']:.3f}, estates short of floor area {result.totals['estates_area_failing']}"
    )


if __name__ == "__main__":
    main()
