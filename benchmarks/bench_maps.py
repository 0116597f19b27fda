"""Benchmark: the folium gap map of a city (not a test).

Builds ``gap_map.html`` for a results folder of ~25k estates and ~2k facilities and measures:

- ``build``: :func:`planning.maps.render_gap_map` (folium map, inlined assets, written);
- ``size``: the file in MB (target < 15 MB);
- ``opens``: seconds until headless Debian Chromium has loaded the page from disk and the map
  says it is ready (every layer drawn), the median of ``--opens`` fresh pages (target < 5 s),
  with the page's own clock (``performance.now()`` at ready) beside it;
- what the opening view shows: gap hexagons drawn, estates drawn, marker icons in the page.

Sources: ``--source fixture`` (default) the synthetic results of ``tests/results_fixture.py``
(estates on a grid, facilities at random); ``--source audit`` a real audit of the generated
city of ``benchmarks/bench_audit.py`` (slower: builds a 500k-node network first).

Usage: ``python benchmarks/bench_maps.py [--estates 25000] [--source fixture|audit]
[--opens 3] [--shot city.png]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def fixture_results(folder: Path, n_estates: int) -> Path:
    sys.path.insert(0, str(ROOT / "tests"))
    from results_fixture import write_results

    return write_results(folder, n_estates)


def audit_results(folder: Path, n_nodes: int, n_estates: int, n_facilities: int) -> Path:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_audit import make_city

    from planning.audit import run_audit
    from planning.audit.output import write_tables
    from planning.rules import load_ruleset

    made = make_city(n_nodes, n_estates, n_facilities)
    net, inputs = made[0], made[1]
    result = run_audit(inputs, load_ruleset("national"), net)
    folder.mkdir(parents=True, exist_ok=True)
    write_tables(result, folder)
    return folder


def open_page(browser: Any, page_path: Path, shot: Path | None) -> dict[str, Any]:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    blocked: list[str] = []
    page.route("http://**/*", lambda r: (blocked.append(r.request.url), r.abort()))
    page.route("https://**/*", lambda r: (blocked.append(r.request.url), r.abort()))
    t0 = time.perf_counter()
    page.goto(page_path.as_uri(), wait_until="load")
    page.wait_for_function("window.gapMap && window.gapMap.ready === true", timeout=120_000)
    seconds = time.perf_counter() - t0
    view = page.evaluate(
        """() => {
          const g = window.gapMap, m = g.map;
          const gap = Object.values(g.layers).find(l => l.options && l.options.pane === 'gmGap');
          return {
            clock_s: g.readyAt / 1000,
            zoom: m.getZoom(),
            hexagons: gap ? gap.getLayers().length : 0,
            estates: g.estates.filter(l => l && m.hasLayer(l)).length,
            icons: document.querySelectorAll('.leaflet-marker-icon').length,
          };
        }"""
    )
    if shot is not None:
        page.wait_for_timeout(500)
        page.screenshot(path=str(shot))
    page.close()
    return {"s": seconds, "blocked": len(blocked), **view}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estates", type=int, default=25_000)
    parser.add_argument("--facilities", type=int, default=2_000)
    parser.add_argument("--nodes", type=int, default=500_000)
    parser.add_argument("--source", choices=["fixture", "audit"], default="fixture")
    parser.add_argument("--opens", type=int, default=3)
    parser.add_argument("--shot", type=Path, help="screenshot of the opening view")
    parser.add_argument("--keep", type=Path, help="keep the results folder and map here")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from planning.maps import render_gap_map

    with tempfile.TemporaryDirectory(prefix="bench-maps-") as name:
        folder = args.keep or Path(name) / "results"
        if args.source == "fixture":
            fixture_results(folder, args.estates)
        else:
            audit_results(folder, args.nodes, args.estates, args.facilities)
        t0 = time.perf_counter()
        page_path = render_gap_map(folder)
        build = time.perf_counter() - t0
        size_mb = page_path.stat().st_size / 1e6
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            runs = [
                open_page(browser, page_path, args.shot if k == 0 else None)
                for k in range(args.opens)
            ]
            browser.close()
    opens = statistics.median(r["s"] for r in runs)
    clock = statistics.median(r["clock_s"] for r in runs)
    first = runs[0]
    print("| source | estates | build | gap_map.html | opens (median) | page clock at ready | "
          "opening zoom | hexagons | estates drawn | marker icons | requests |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.source} | {args.estates:,} | {build:.1f} s | {size_mb:.1f} MB | {opens:.2f} s | "
        f"{clock:.2f} s | {first['zoom']} | {first['hexagons']:,} | {first['estates']:,} | "
        f"{first['icons']} | {first['blocked']} |"
    )


if __name__ == "__main__":
    main()
