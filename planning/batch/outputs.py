"""The province's own files (全省汇总): a per-unit table and a map of the units by coverage.

``units.csv`` (UTF-8 with BOM) and ``units.gpkg`` list every unit with its status, estates,
households, household coverage per circle, floor-area shortfall, network size and task time;
``units_map.html`` (offline, one page) and ``units_map.png`` colour the units by the coverage of
the largest circle and link to each unit's own gap map.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning._templates import render
from planning.audit import MeasuredTier
from planning.audit.output import pyogrio_fixed_time
from planning.batch.units import Unit, unit_key
from planning.io import write_atomic
from planning.io.cells import csv_safe

#: Per-unit columns with their Chinese headers.
UNIT_COLUMNS = {
    "unit_id": "单元编号",
    "name": "名称",
    "status": "状态",
    "estates": "小区数",
    "households": "户数",
    "estates_area_failing": "面积不达标小区数",
    "shortfall_m2": "面积缺口(㎡)",
    "facilities": "设施数",
    "network_nodes": "路网节点数",
    "network_edges": "路网边数",
    "seconds": "用时(s)",
    "error": "错误",
}

#: Coverage classes of the map (upper bounds) and their colours, red (low) to green (high).
CLASSES = ((0.5, "#d7191c"), (0.7, "#fdae61"), (0.85, "#ffffbf"), (0.95, "#a6d96a"),
           (1.0001, "#1a9641"))  # fmt: skip
NO_DATA = "#cccccc"
#: Legend text of the classes.
CLASS_LABELS = ("< 50%", "50–70%", "70–85%", "85–95%", "≥ 95%")


def unit_table(
    units: Sequence[Unit],
    estates: gpd.GeoDataFrame,
    estate_unit: np.ndarray,
    facility_unit: np.ndarray,
    tiers: list[MeasuredTier],
    records: dict[str, dict[str, Any]],
) -> pd.DataFrame:
    """One row per unit: status, size, coverage per tier, shortfall, network and time.

    Parameters
    ----------
    units : sequence of Unit
        Every unit of the batch.
    estates : GeoDataFrame
        The province's audited estates.
    estate_unit, facility_unit : array of int
        Position in ``units`` of each estate and facility.
    tiers : list of MeasuredTier
        The service-circle tiers.
    records : dict
        Per unit id: ``status``, ``error``, ``seconds``, ``network_nodes``, ``network_edges``.

    Returns
    -------
    DataFrame
    """
    rows = []
    households = estates["households"].to_numpy(float) if len(estates) else np.zeros(0)
    for index, unit in enumerate(units):
        mine = estate_unit == index
        record = records.get(unit.unit_id, {})
        hh = float(households[mine].sum())
        row: dict[str, Any] = {
            "unit_id": unit.unit_id,
            "name": unit.name,
            "status": record.get("status", "not run"),
            "estates": int(mine.sum()),
            "households": int(hh),
        }
        for tier in tiers:
            covered = float(households[mine & estates[f"covered_{tier.name}"].to_numpy(bool)].sum())
            row[f"households_covered_{tier.name}"] = int(covered)
            row[f"coverage_{tier.name}"] = round(covered / hh, 4) if hh else None
        # Only judging rules fail an estate (report-only figures stay in the tables).
        judged = estates.get("area_judged", pd.Series(True, index=estates.index)).to_numpy(bool)
        failing = estates["area_ok"].eq(False).fillna(False).to_numpy(bool) & judged & mine
        row["estates_area_failing"] = int(failing.sum())
        row["shortfall_m2"] = round(float(estates["shortfall_m2"].to_numpy(float)[mine].sum()), 2)
        row["facilities"] = int((facility_unit == index).sum())
        for name in ("network_nodes", "network_edges", "seconds", "error"):
            row[name] = record.get(name)
        rows.append(row)
    return pd.DataFrame(rows)


def unit_outlines(
    units: Sequence[Unit], estates: gpd.GeoDataFrame, estate_unit: np.ndarray
) -> list[Any]:
    """Return each unit's polygon, or the hull of its estates when it has none."""
    out = []
    geoms = estates.geometry.to_numpy() if len(estates) else np.zeros(0, object)
    for index, unit in enumerate(units):
        if unit.geometry is not None:
            out.append(unit.geometry)
            continue
        mine = geoms[estate_unit == index]
        out.append(
            shapely.convex_hull(shapely.GeometryCollection(list(mine))).buffer(50.0)
            if len(mine)
            else None
        )
    return out


def colour(share: float | None) -> str:
    """Return the fill colour of a coverage share.

    Examples
    --------
    >>> colour(0.42), colour(0.99), colour(None)
    ('#d7191c', '#1a9641', '#cccccc')
    """
    if share is None or not np.isfinite(share):
        return NO_DATA
    return next(c for bound, c in CLASSES if share < bound)


def _svg_paths(geoms: Sequence[Any], width: float = 900.0) -> tuple[list[str], float, float]:
    """Return SVG path data of the polygons, scaled to ``width`` pixels (y up)."""
    present = [g for g in geoms if g is not None]
    if not present:
        return ["" for _ in geoms], width, width / 2
    x0, y0, x1, y1 = shapely.total_bounds(np.array(present, dtype=object))
    scale = width / max(x1 - x0, y1 - y0, 1.0)
    height = (y1 - y0) * scale

    def ring(coords: np.ndarray) -> str:
        pts = [f"{(x - x0) * scale:.1f},{height - (y - y0) * scale:.1f}" for x, y in coords]
        return "M" + " L".join(pts) + " Z"

    paths = []
    for geom in geoms:
        if geom is None:
            paths.append("")
            continue
        polys = getattr(geom, "geoms", [geom])
        parts = []
        for poly in polys:
            if poly.geom_type != "Polygon":
                continue
            parts.append(ring(np.asarray(poly.exterior.coords)[:, :2]))
            parts += [ring(np.asarray(r.coords)[:, :2]) for r in poly.interiors]
        paths.append(" ".join(parts))
    return paths, width, height


def write_unit_outputs(
    out: Path,
    table: pd.DataFrame,
    outlines: Sequence[Any],
    crs: Any,
    tier: MeasuredTier,
    title: str,
) -> dict[str, Path]:
    """Write ``units.csv``, ``units.gpkg``, ``units_map.html`` and ``units_map.png``."""
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    headers = {**UNIT_COLUMNS}
    for column in table.columns:
        if column.startswith("coverage_"):
            headers[column] = f"{column.removeprefix('coverage_')}户数覆盖率"
        elif column.startswith("households_covered_"):
            headers[column] = f"{column.removeprefix('households_covered_')}覆盖户数"
    written["units.csv"] = write_atomic(
        out / "units.csv",
        lambda p: csv_safe(table).to_csv(  # unit names stay text in Excel (csv injection)
            p, index=False, encoding="utf-8-sig", lineterminator="\n"
        ),
    )
    frame = gpd.GeoDataFrame(table, geometry=list(outlines), crs=crs)

    def gpkg(path: Path) -> None:
        with pyogrio_fixed_time():
            frame.to_file(path, layer="units", driver="GPKG", engine="pyogrio")

    written["units.gpkg"] = write_atomic(out / "units.gpkg", gpkg)
    share = table[f"coverage_{tier.name}"].tolist()
    paths, width, height = _svg_paths(list(outlines))
    units = [
        {
            "id": str(r["unit_id"]),
            "name": str(r["name"]),
            "status": str(r["status"]),
            "estates": int(r["estates"]),
            "households": int(r["households"]),
            "share": s,
            "label": "—" if s is None or pd.isna(s) else f"{s:.1%}",
            "fill": colour(None if s is None or pd.isna(s) else float(s)),
            "path": path,
            "href": f"units/{unit_key(str(r['unit_id']))}/gap_map.html",
        }
        for (_, r), s, path in zip(table.iterrows(), share, paths, strict=True)
    ]
    legend = [{"fill": c, "label": t} for (_, c), t in zip(CLASSES, CLASS_LABELS, strict=True)]
    page = render(
        "batch/html/units_map.html.j2",
        title=title, tier=tier.name, units=units, legend=legend, width=width, height=height,
    )  # fmt: skip
    written["units_map.html"] = write_atomic(
        out / "units_map.html", lambda p: p.write_text(page, encoding="utf-8")
    )
    written["units_map.png"] = write_atomic(
        out / "units_map.png", lambda p: _png(p, frame, units, title, tier.name)
    )
    return written


def _png(
    path: Path, frame: gpd.GeoDataFrame, units: list[dict[str, Any]], title: str, tier_name: str
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from planning.maps.static import find_cjk_font

    font = find_cjk_font()
    style: dict[str, Any] = {"font.family": [font, "DejaVu Sans"]} if font else {}
    with plt.rc_context(style):  # type: ignore[arg-type]
        fig, ax = plt.subplots(figsize=(9, 9), dpi=110)
        drawn = [(g, u) for g, u in zip(frame.geometry, units, strict=True) if g is not None]
        if drawn:
            gpd.GeoSeries([g for g, _ in drawn], crs=frame.crs).plot(
                ax=ax, color=[u["fill"] for _, u in drawn], edgecolor="#555555", linewidth=0.6
            )
            for geom, unit in drawn:
                point = geom.representative_point()
                ax.annotate(f"{unit['name']}\n{unit['label']}", (point.x, point.y),
                            ha="center", va="center", fontsize=8)  # fmt: skip
        from matplotlib.patches import Patch

        handles = [Patch(facecolor=c, edgecolor="#555555", label=t)
                   for (_, c), t in zip(CLASSES, CLASS_LABELS, strict=True)]  # fmt: skip
        ax.legend(handles=handles, title=f"{tier_name} 户数覆盖率", loc="lower right", fontsize=8)
        ax.set_title(title)
        ax.set_axis_off()
        ax.set_aspect("equal")
        fig.savefig(path, format="png", metadata={"Software": None}, bbox_inches="tight")
        plt.close(fig)
