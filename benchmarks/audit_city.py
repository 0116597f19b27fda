"""The generated city of the audit benchmarks, in memory and as the files a planner would give.

~25k estates (polygons, 1–3 gates each), 2k facilities of every kind, 16 streets, on a street
grid (100 m spacing, jitter, 10 % of edges removed). :func:`make_city` returns it in memory;
:func:`write_city` writes ``inputs.gpkg`` (layers estates, facilities, gates, streets) and
``roads.gpkg`` (the street centre-lines) for runs that read files like ``eldercare audit``.
"""

from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from planning.io import Inputs
from planning.network.synthetic import random_points, street_grid


def make_city(n_nodes: int, n_estates: int, n_facilities: int, seed: int = 7):
    """Return ``(network, inputs, seconds to build the network)`` of a generated city."""
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
    cells = [
        shapely.box(
            x0 + (x1 - x0) * i / 4,
            y0 + (y1 - y0) * j / 4,
            x0 + (x1 - x0) * (i + 1) / 4,
            y0 + (y1 - y0) * (j + 1) / 4,
        )
        for i in range(4)
        for j in range(4)
    ]
    streets = gpd.GeoDataFrame(
        {
            "street_id": [f"S{i:02d}" for i in range(16)],
            "name": [f"第{i}街道" for i in range(16)],
            "county": ["示例区"] * 8 + ["示例县"] * 8,
        },
        geometry=cells,
        crs=net.crs,
    )
    inputs = Inputs(
        estates=estates, facilities=facilities, gates=gates, streets=streets, crs=CRS(net.crs)
    )
    return net, inputs, build_s


def write_city(net, inputs: Inputs, folder: Path) -> tuple[Path, Path]:
    """Write the city as a planner's files: ``(inputs.gpkg, roads.gpkg)``."""
    folder.mkdir(parents=True, exist_ok=True)
    gpkg = folder / "inputs.gpkg"
    for name in ("estates", "facilities", "gates", "streets"):
        frame = getattr(inputs, name).copy()
        if "built_year" in frame:
            frame["built_year"] = frame["built_year"].astype("float64")
        pyogrio.write_dataframe(frame, gpkg, layer=name, driver="GPKG", append=gpkg.exists())
    roads = folder / "roads.gpkg"
    lines = gpd.GeoDataFrame(geometry=net.edges_gdf().geometry.to_numpy(), crs=net.crs)
    pyogrio.write_dataframe(lines, roads, layer="roads", driver="GPKG")
    return gpkg, roads


def cli_args(gpkg: Path, roads: Path, out: Path) -> list[str]:
    """``eldercare audit`` arguments for the written city."""
    args = ["--quiet", "audit"]
    for role in ("estates", "facilities", "gates", "streets"):
        args += [f"--{role}", str(gpkg), f"--{role}-layer", role]
    return [*args, "--network", str(roads), "--rules", "national", "--out", str(out)]
