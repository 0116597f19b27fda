"""Synthetic audit results folder for the map and report tests (合成审计结果).

``write_results(folder)`` writes ``results.gpkg``, ``summary.json`` and ``estates.csv`` with the
schema of ``planning/audit_schema.py`` so that :mod:`planning.maps` can be tested before (and
independently of) the real audit. Everything is computed from a seeded random generator, so the
same arguments always give the same folder.

Layout: estates are squares with a notch on a regular grid (spacing 150 m) around People's Square,
Shanghai, in UTM zone 51N (EPSG:32651); the walking network is the grid of roads between them; a
river strip crosses the middle; streets (街道) are the four quadrants.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from planning.audit.columns import (
    ESTATE_COLUMNS,
    STREET_COLUMNS,
    street_tier_columns,
    tier_columns,
)

CRS = "EPSG:32651"
TIERS = ["5min", "10min", "15min"]
TIER_M = {"5min": 300.0, "10min": 500.0, "15min": 1000.0}
SEARCH_RADIUS_M = 3000.0
ORIGIN = (354_000.0, 3_456_000.0)  # near 121.47 E, 31.23 N
SPACING = 150.0
SIZE = 100.0
KINDS = ["community_station", "street_centre", "institution", "rural_point"]


def _estate_polygons(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Squares of side ``SIZE`` with a notch in one corner (7 vertices)."""
    s, n = SIZE, SIZE * 0.3
    ring = np.array(
        [[0, 0], [s, 0], [s, s - n], [s - n, s - n], [s - n, s], [0, s], [0, 0]], dtype=float
    )
    coords = ring[None, :, :] + np.stack([xs, ys], axis=1)[:, None, :]
    return shapely.polygons(coords)


def write_results(
    folder: str | Path,
    n_estates: int = 60,
    *,
    seed: int = 7,
    names: Mapping[int, str] | None = None,
    with_proposals: bool = True,
    with_barriers: bool = True,
    point_estates: bool = False,
) -> Path:
    """Write a synthetic results folder and return its path.

    Parameters
    ----------
    folder : str or Path
        Folder to create (may exist).
    n_estates : int
        Number of estates on the grid.
    seed : int
        Random seed.
    names : mapping of int to str, optional
        Estate names to override by row number (e.g. a name with HTML in it).
    with_proposals, with_barriers : bool
        Whether to write the optional ``proposals`` and ``barriers`` layers.
    point_estates : bool
        Write estates as points instead of polygons.

    Returns
    -------
    Path
        The folder.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    side = math.ceil(math.sqrt(n_estates))
    idx = np.arange(n_estates)
    xs = ORIGIN[0] + (idx % side) * SPACING
    ys = ORIGIN[1] + (idx // side) * SPACING
    extent = side * SPACING
    geoms = (
        shapely.points(xs + SIZE / 2, ys + SIZE / 2) if point_estates else _estate_polygons(xs, ys)
    )
    centroids = np.stack([xs + SIZE / 2, ys + SIZE / 2], axis=1)

    # Facilities: one per ~8 estates, kinds cycling, at grid road crossings.
    n_fac = max(4, n_estates // 8)
    fx = ORIGIN[0] + rng.uniform(0, extent, n_fac)
    fy = ORIGIN[1] + rng.uniform(0, extent, n_fac)
    fac_ids = [f"F{i:05d}" for i in range(n_fac)]
    fac_names = [f"养老服务站{i}号" for i in range(n_fac)]
    kinds = [KINDS[i % len(KINDS)] for i in range(n_fac)]
    facilities = gpd.GeoDataFrame(
        {
            "facility_id": fac_ids,
            "name": fac_names,
            "kind": kinds,
            "floor_m2": np.round(rng.uniform(200, 2000, n_fac), 1),
            "land_m2": np.where(rng.random(n_fac) < 0.5, np.nan, 800.0),
            "beds": np.where(np.array(kinds) == "institution", 120.0, np.nan),
            "nursing_beds": np.where(np.array(kinds) == "institution", 70.0, np.nan),
            "status": np.where(np.arange(n_fac) % 5 == 4, "planned", "existing"),
            "street": None,
            "geometry": shapely.points(fx, fy),
        },
        crs=CRS,
    )

    # Streets: four quadrants.
    half = extent / 2
    quads = [
        shapely.box(
            ORIGIN[0] + i * half,
            ORIGIN[1] + j * half,
            ORIGIN[0] + (i + 1) * half,
            ORIGIN[1] + (j + 1) * half,
        )
        for j in range(2)
        for i in range(2)
    ]
    street_names = ["南京东路街道", "外滩街道", "瑞金二路街道", "打浦桥街道"]
    quad_of = ((centroids[:, 0] - ORIGIN[0]) >= half).astype(int) + 2 * (
        (centroids[:, 1] - ORIGIN[1]) >= half
    ).astype(int)
    facilities["street"] = [
        street_names[int(fx_ >= ORIGIN[0] + half) + 2 * int(fy_ >= ORIGIN[1] + half)]
        for fx_, fy_ in zip(fx, fy, strict=True)
    ]

    # Estates and their floor-area figures.
    households = rng.integers(80, 2500, n_estates)
    status = np.where(rng.random(n_estates) < 0.3, "new", "existing")
    rate = np.where(status == "new", 20.0, 15.0)
    required = households / 100.0 * rate
    onsite = np.round(required * rng.choice([0.0, 0.5, 1.0, 1.2], n_estates), 1)
    shared = np.round(np.where(rng.random(n_estates) < 0.2, required * 0.3, 0.0), 1)
    provided = onsite + shared
    shortfall = np.round(np.maximum(0.0, required - provided), 1)
    area_ok = shortfall <= 0
    reachable = rng.random(n_estates) > 0.03

    data: dict[str, object] = {
        "estate_id": [f"E{i:05d}" for i in idx],
        "name": [f"阳光{i}小区" for i in idx],
        "households": households.astype("int64"),
        "status": status,
        "street": [street_names[q] for q in quad_of],
        "population": households * 2.8,
        "elderly": np.where(rng.random(n_estates) < 0.2, np.nan, np.round(households * 0.7)),
        "area_rule_id": np.where(status == "new", "floor_new", "floor_existing"),
        "rate_m2_per_100hh": rate,
        "required_m2": np.round(required, 1),
        "onsite_m2": onsite,
        "shared_m2": shared,
        "provided_m2": np.round(provided, 1),
        "shortfall_m2": shortfall,
        "area_ok": area_ok,
        "area_judged": True,
        "land_rule_id": "",
        "land_required_m2": np.nan,
        "land_provided_m2": np.nan,
        "land_ok": True,
        "land_judged": True,
    }
    tree = cKDTree(np.stack([fx, fy], axis=1))
    dist, nearest = tree.query(centroids, k=1)
    walk = np.round(dist * 1.3, 1)
    data["nearest_facility_id"] = [fac_ids[j] for j in nearest]
    data["nearest_facility_name"] = [fac_names[j] for j in nearest]
    data["walk_m"] = np.where(reachable, walk, np.nan)
    within = reachable & (walk <= SEARCH_RADIUS_M)  # nearest facility at any distance
    data["nearest_any_id"] = [
        fac_ids[j] if w else None for j, w in zip(nearest, within, strict=True)
    ]
    data["nearest_any_name"] = [
        fac_names[j] if w else None for j, w in zip(nearest, within, strict=True)
    ]
    data["walk_any_m"] = np.where(within, walk, np.nan)
    data["reachable"] = reachable
    data["unreachable_reason"] = np.where(reachable, None, "too_far")
    for tier in TIERS:
        ok = reachable & (walk <= TIER_M[tier])
        data[f"nearest_{tier}_id"] = [
            fac_ids[j] if o else "" for j, o in zip(nearest, ok, strict=True)
        ]
        data[f"walk_{tier}_m"] = np.where(ok, walk, np.nan)
        data[f"covered_{tier}"] = ok
    covered_any = np.asarray(data["covered_15min"], dtype=bool)
    verdict = np.where(
        area_ok & covered_any,
        "ok",
        np.where(area_ok, "outside_circle", np.where(covered_any, "area_shortfall", "both")),
    )
    data["verdict"] = verdict
    columns = list(ESTATE_COLUMNS) + list(tier_columns(TIERS))
    estates_df = pd.DataFrame(data)[columns]
    if names:
        for row_no, new_name in names.items():
            estates_df.loc[row_no, "name"] = new_name
    estates = gpd.GeoDataFrame(estates_df, geometry=geoms, crs=CRS)

    # Streets table.
    rows: list[dict[str, object]] = []
    for q, (poly, name) in enumerate(zip(quads, street_names, strict=True)):
        sel = estates_df[quad_of == q]
        hh = int(sel["households"].sum())
        n_centres = sum(
            1
            for k, s in zip(kinds, facilities["street"], strict=True)
            if k == "street_centre" and s == name
        )
        row: dict[str, object] = {
            "street_id": f"S{q + 1}",
            "name": name,
            "county": "黄浦区",
            "estates": len(sel),
            "households": hh,
            "elderly": float(sel["elderly"].sum()),
            "required_m2": float(sel["required_m2"].sum()),
            "provided_m2": float(sel["provided_m2"].sum()),
            "shortfall_m2": float(sel["shortfall_m2"].sum()),
            "estates_area_failing": int((~sel["area_ok"]).sum()),
            "street_centres": n_centres,
            "has_street_centre": n_centres > 0,
        }
        for tier in TIERS:
            cov = int(sel.loc[sel[f"covered_{tier}"], "households"].sum())
            row[f"households_covered_{tier}"] = cov
            row[f"coverage_{tier}"] = cov / hh if hh else float("nan")
            row[f"elderly_coverage_{tier}"] = cov / hh if hh else float("nan")
        row["geometry"] = poly
        rows.append(row)
    street_cols = [*STREET_COLUMNS, *street_tier_columns(TIERS), "geometry"]
    streets = gpd.GeoDataFrame(pd.DataFrame(rows)[street_cols], geometry="geometry", crs=CRS)

    # Service areas: buffers around facilities (one per facility and tier, plus merged).
    sa_rows = []
    pts = facilities.geometry.to_numpy()
    for tier in TIERS:
        bufs = shapely.buffer(pts, TIER_M[tier] * 0.7, quad_segs=8)
        for fid, b in zip(fac_ids, bufs, strict=True):
            sa_rows.append({"tier": tier, "facility_id": fid, "merged": False, "geometry": b})
        sa_rows.append(
            {"tier": tier, "facility_id": "", "merged": True, "geometry": shapely.union_all(bufs)}
        )
    service_areas = gpd.GeoDataFrame(sa_rows, geometry="geometry", crs=CRS)

    # Network: grid roads between the estates.
    lines = []
    for k in range(side + 1):
        off = k * SPACING - (SPACING - SIZE) / 2
        lines.append(
            shapely.LineString(
                [(ORIGIN[0] + off, ORIGIN[1] - 25), (ORIGIN[0] + off, ORIGIN[1] + extent)]
            )
        )
        lines.append(
            shapely.LineString(
                [(ORIGIN[0] - 25, ORIGIN[1] + off), (ORIGIN[0] + extent, ORIGIN[1] + off)]
            )
        )
    network = gpd.GeoDataFrame({"geometry": lines}, crs=CRS)
    network["length"] = network.length

    layers: dict[str, gpd.GeoDataFrame] = {
        "estates": estates,
        "facilities": facilities,
        "streets": streets,
        "service_areas": service_areas,
        "network": network,
    }
    if with_barriers:
        river = shapely.box(
            ORIGIN[0] - 50, ORIGIN[1] + half - 20, ORIGIN[0] + extent + 50, ORIGIN[1] + half + 5
        )
        layers["barriers"] = gpd.GeoDataFrame({"name": ["苏州河"]}, geometry=[river], crs=CRS)
    if with_proposals:
        k = 3
        px = ORIGIN[0] + rng.uniform(0, extent, k)
        py = ORIGIN[1] + rng.uniform(0, extent, k)
        layers["proposals"] = gpd.GeoDataFrame(
            {
                "candidate_id": [f"C{i}" for i in range(k)],
                "rank": np.arange(1, k + 1),
                "kind": "community_station",
                "floor_m2": [400.0, 350.0, 300.0],
                "households_new": [1200, 800, 400],
                "estates_compliant_new": [3, 2, 1],
                "cumulative_coverage": [0.81, 0.86, 0.88],
            },
            geometry=shapely.points(px, py),
            crs=CRS,
        )
    gpkg = out / "results.gpkg"
    if gpkg.exists():
        gpkg.unlink()
    for name, layer in layers.items():
        layer.to_file(gpkg, layer=name, driver="GPKG")

    estates_df.to_csv(out / "estates.csv", index=False, encoding="utf-8-sig")

    total_hh = int(households.sum())
    covered = {t: int(households[estates_df[f"covered_{t}"].to_numpy()].sum()) for t in TIERS}
    summary = {
        "tool_version": "0.1.0",
        "ruleset": {"id": "shuangyashan", "name_zh": "双鸭山市", "name_en": "Shuangyashan"},
        "tiers": TIERS,
        "totals": {
            "estates": n_estates,
            "households": total_hh,
            "households_covered": covered,
            "coverage": {t: round(covered[t] / total_hh, 4) for t in TIERS},
            "estates_area_failing": int((~area_ok).sum()),
            "shortfall_m2": round(float(shortfall.sum()), 1),
            "estates_unreachable": int((~reachable).sum()),
        },
        "rules": [
            {
                "rule_id": "floor_new",
                "title_zh": "新建住宅小区每百户配建面积",
                "title_en": "Floor area per 100 households, new estates",
                "verdict": "fail",
                "value": 0.8,
                "threshold": 20,
                "unit": "m2_per_100hh",
                "citation": {
                    "document": "双政办规〔2024〕3号",
                    "article": "二(一)",
                    "quote_zh": "新建住宅小区每百户20至30平方米配套建设社区居家养老服务用房",
                    "evidence": "plan",
                },
            },
            {
                "rule_id": "circle_15min",
                "title_zh": "15分钟助老生活圈全覆盖",
                "title_en": "15-minute circle covers everyone",
                "verdict": "report",
                "value": round(covered["15min"] / total_hh, 4),
                "threshold": 1.0,
                "unit": "share",
                "citation": {
                    "document": "双政办规〔2024〕3号",
                    "article": "二(三)",
                    "quote_zh": '建设15分钟"助老生活圈"，实现城市主城区助老服务全覆盖',
                    "evidence": "plan",
                },
            },
            {
                "rule_id": "street_centre",
                "title_zh": "街道综合养老服务中心覆盖率",
                "title_en": "Streets with a comprehensive centre",
                "verdict": "pass",
                "value": 0.75,
                "threshold": 0.6,
                "unit": "share",
                "citation": {
                    "document": "大冶市养老服务体系建设规划(送审稿)",
                    "article": "三",
                    "quote_zh": "乡镇（街道）范围具备综合功能的养老服务机构覆盖率达到60%",
                    "evidence": "plan",
                },
            },
        ],
        "parameters": {"walk_speed_m_per_min": 66.7, "search_radius_m": SEARCH_RADIUS_M},
    }
    if with_proposals:
        summary["siting"] = {"proposals": 3}
    (out / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return out
