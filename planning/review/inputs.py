"""Reading a proposed estate (拟建小区) and its gates for ``eldercare check-estate``.

A proposal is often a single hand-drawn polygon or a point without every attribute, so it is
read here rather than through the strict estate validation: households (户数), status (建设状态)
and the planned elderly-service floor area (规划养老服务用房面积) may come from command-line
options instead of columns. Missing values are collected for every feature and reported in one
:class:`~planning._errors.InputDataError` naming the feature and the option that fills it in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning._errors import InputDataError, InputFileError
from planning.coords import to_wgs84
from planning.io import read_raw
from planning.schema import (
    normalise_estate_status,
    normalise_name,
    parse_number,
    resolve_columns,
)

logger = logging.getLogger(__name__)

#: Column names (normalised) holding the planned elderly-service floor area of a proposal.
PLANNED_FLOOR_ALIASES: tuple[str, ...] = (
    "planned_floor_m2",
    "规划养老用房面积",
    "规划养老服务用房面积",
    "养老用房面积",
    "养老服务用房面积",
    "配建面积",
    "planned_floor",
    "floor_m2",
)
#: Column names (normalised) holding the planned elderly-service land of a proposal.
PLANNED_LAND_ALIASES: tuple[str, ...] = (
    "planned_land_m2",
    "规划养老用地面积",
    "规划养老服务用地面积",
    "养老用地面积",
    "planned_land",
    "land_m2",
)
#: A gate without an ``estate_id`` belongs to the proposal within this distance (m).
GATE_LINK_M = 50.0


@dataclass
class ProposalOptions:
    """Values given on the command line for the proposal (override the file's columns)."""

    households: int | None = None
    status: str | None = None
    planned_floor_m2: float | None = None
    planned_land_m2: float | None = None


def read_any(path: Path, layer: str | None = None, coords: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector file, or a CSV/XLSX table with longitude/latitude columns.

    Parameters
    ----------
    path : Path
        GeoPackage, Shapefile, GeoJSON …, or CSV/XLSX with lon/lat (经度/纬度) columns
        (read by :func:`planning.io.read_raw`, which detects encodings).
    layer : str, optional
        Layer of a multi-layer file, or sheet of a workbook.
    coords : {"wgs84", "gcj02", "bd09"}, optional
        Coordinate system of a table's lon/lat columns (default WGS-84); Amap/Gaode (gcj02) and
        Baidu (bd09) coordinates are converted to WGS-84.

    Returns
    -------
    GeoDataFrame
        In the file's CRS (WGS-84 for tables).
    """
    raw = read_raw(path, layer)
    frame = raw.frame
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputFileError(
            f"{path}: no geometry and no longitude/latitude columns (经度/纬度, lon/lat) found; "
            f"columns are {', '.join(map(str, frame.columns))}. Add them or give a GIS file."
        )
    if frame.crs is None:
        raise InputFileError(
            f"{path}: no coordinate reference system (坐标系缺失). Save it with a CRS (e.g. "
            "EPSG:4326), or give longitude/latitude in degrees."
        )
    if not raw.spatial and coords not in (None, "wgs84") and len(frame):
        ok = ~frame.geometry.isna().to_numpy() & ~frame.geometry.is_empty.to_numpy()
        xy = shapely.get_coordinates(frame.geometry.to_numpy()[ok])
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1], coords)
        geoms = np.full(len(frame), None, dtype=object)
        geoms[ok] = shapely.points(lon, lat)
        frame = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs="EPSG:4326"))
    return frame


def _find_column(columns: list[str], aliases: tuple[str, ...]) -> str | None:
    wanted = [normalise_name(a) for a in aliases]
    keyed = {normalise_name(c): c for c in columns}
    for alias in wanted:
        if alias in keyed:
            return keyed[alias]
    return None


def _label(frame: pd.DataFrame, row: int, id_col: str | None, name_col: str | None) -> str:
    parts = [f"feature {row + 1}"]
    if id_col is not None and pd.notna(frame[id_col].iloc[row]):
        parts.append(f"id {frame[id_col].iloc[row]}")
    if name_col is not None and pd.notna(frame[name_col].iloc[row]):
        parts.append(f"“{frame[name_col].iloc[row]}”")
    return " ".join(parts)


def read_proposals(
    path: Path,
    layer: str | None = None,
    *,
    options: ProposalOptions | None = None,
    fields: dict[str, str] | None = None,
    coords: str | None = None,
) -> gpd.GeoDataFrame:
    """Read proposed estates (polygons or points) and fill in their attributes.

    Parameters
    ----------
    path : Path
        The proposal file; every feature is reviewed.
    layer : str, optional
        Layer of a multi-layer file.
    options : ProposalOptions, optional
        Command-line values. ``households``, ``planned_floor_m2`` and ``planned_land_m2`` are only
        accepted for a single-feature file; ``status`` applies to every feature.
    fields : dict, optional
        ``--field canonical=源列名`` mappings (estates layer).
    coords : str, optional
        Coordinate system of lon/lat columns in a table.

    Returns
    -------
    GeoDataFrame
        Columns ``estate_id``, ``name``, ``households`` (int64), ``status``, ``population``,
        ``planned_floor_m2``, ``planned_land_m2`` (NaN when not given), ``geometry``, in the
        file's CRS.

    Raises
    ------
    InputDataError
        Listing every feature with a missing or unusable value and the option that fixes it.
    """
    opts = options or ProposalOptions()
    raw = read_any(Path(path), layer, coords)
    where = f"{path}" + (f" (layer {layer})" if layer else "")
    n = len(raw)
    if n == 0:
        raise InputDataError(f"{where}: no features; draw the proposed estate (拟建小区) first.")
    columns = [str(c) for c in raw.columns if c != raw.geometry.name]
    found = resolve_columns(columns, "estates", fields, file=str(path))
    floor_col = _find_column(columns, PLANNED_FLOOR_ALIASES)
    land_col = _find_column(columns, PLANNED_LAND_ALIASES)
    id_col, name_col = found.get("estate_id"), found.get("name")
    single_only = {
        "--households": opts.households,
        "--planned-floor-m2": opts.planned_floor_m2,
        "--planned-land-m2": opts.planned_land_m2,
    }
    problems: list[str] = []
    for option, value in single_only.items():
        if value is not None and n > 1:
            problems.append(
                f"{option} applies to a single estate but {where} holds {n} features; put the "
                "values in a column of the file instead (one row per estate)."
            )
    status_opt = None
    if opts.status is not None:
        status_opt = normalise_estate_status(opts.status)
        if status_opt is None:
            problems.append(f"--status {opts.status!r}: use new (新建) or existing (已建成).")
    records: list[dict[str, Any]] = []
    for row in range(n):
        label = _label(raw, row, id_col, name_col)
        geom = raw.geometry.iloc[row]
        if geom is None or geom.is_empty:
            problems.append(f"{where}, {label}: empty geometry; draw the estate outline or point.")
        elif geom.geom_type not in ("Polygon", "MultiPolygon", "Point"):
            problems.append(
                f"{where}, {label}: geometry is a {geom.geom_type}; give a polygon or a point."
            )
        hh: float | None = None
        if opts.households is not None:
            hh = float(opts.households)
        elif "households" in found:
            hh = parse_number(raw[found["households"]].iloc[row])
        if hh is None or not np.isfinite(hh):
            problems.append(
                f"{where}, {label}: no households (户数). Add a households/户数 column or use "
                "--households N (single-feature file)."
            )
        elif hh <= 0 or not float(hh).is_integer():
            problems.append(
                f"{where}, {label}: households (户数) {hh:g} is not a positive whole number."
            )
        status = status_opt
        if status is None and "status" in found:
            status = normalise_estate_status(raw[found["status"]].iloc[row])
        if status is None:
            problems.append(
                f"{where}, {label}: no status (建设状态 new/existing). Add a status/状态 column or "
                "use --status new."
            )
        floor: float | None = opts.planned_floor_m2
        if floor is None and floor_col is not None:
            floor = parse_number(raw[floor_col].iloc[row])
        if floor is None:
            problems.append(
                f"{where}, {label}: no planned elderly-service floor area (规划养老用房面积). Add a "
                "planned_floor_m2/规划养老用房面积 column or use --planned-floor-m2 M."
            )
        elif floor < 0:
            problems.append(f"{where}, {label}: planned floor area {floor:g} m² is negative.")
        land: float | None = opts.planned_land_m2
        if land is None and land_col is not None:
            land = parse_number(raw[land_col].iloc[row])
        pop = parse_number(raw[found["population"]].iloc[row]) if "population" in found else None
        estate_id = raw[id_col].iloc[row] if id_col is not None else None
        name = raw[name_col].iloc[row] if name_col is not None else None
        records.append(
            {
                "estate_id": f"P{row + 1}"
                if estate_id is None or pd.isna(estate_id)
                else str(estate_id),
                "name": None if name is None or pd.isna(name) else str(name),
                "households": hh,
                "status": status,
                "population": np.nan if pop is None else pop,
                "planned_floor_m2": floor,
                "planned_land_m2": np.nan if land is None else land,
            }
        )
    if problems:
        raise InputDataError(
            f"The proposed estate file cannot be reviewed ({len(problems)} problem(s)):\n- "
            + "\n- ".join(problems)
        )
    frame = pd.DataFrame.from_records(records)
    frame["name"] = frame["name"].fillna(frame["estate_id"])
    frame["households"] = frame["households"].astype(np.int64)
    frame["planned_floor_m2"] = frame["planned_floor_m2"].astype(float)
    dup = frame["estate_id"].duplicated(keep=False)
    if dup.any():
        raise InputDataError(
            f"{where}: estate ids repeat ({', '.join(sorted(set(frame.loc[dup, 'estate_id'])))}); "
            "give every proposed estate its own id (小区编号)."
        )
    return gpd.GeoDataFrame(frame, geometry=raw.geometry.to_numpy(), crs=raw.crs)


def read_gates(
    path: Path,
    layer: str | None,
    proposals: gpd.GeoDataFrame,
    *,
    coords: str | None = None,
    fields: dict[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Read gates (小区出入口) in the proposals' CRS.

    Gates with an ``estate_id`` keep it (they may belong to existing estates too). Gates without
    one are given to the proposal within :data:`GATE_LINK_M` metres (inside its polygon or next to
    it); gates matching no proposal are dropped with a log message.

    Returns
    -------
    GeoDataFrame
        Columns ``gate_id``, ``estate_id``, ``geometry``.
    """
    raw = read_any(Path(path), layer, coords)
    columns = [str(c) for c in raw.columns if c != raw.geometry.name]
    found = resolve_columns(columns, "gates", fields, file=str(path))
    raw = raw.to_crs(proposals.crs)
    n = len(raw)
    gate_id = (
        raw[found["gate_id"]].astype(str).to_numpy()
        if "gate_id" in found
        else np.asarray([f"G{i + 1}" for i in range(n)], dtype=object)
    )
    estate_id = (
        raw[found["estate_id"]].astype("string").to_numpy(dtype=object, na_value=None)
        if "estate_id" in found
        else np.full(n, None, dtype=object)
    )
    loose = np.flatnonzero(pd.isna(estate_id))
    if len(loose):
        points = gpd.GeoDataFrame(geometry=raw.geometry.iloc[loose].to_numpy(), crs=raw.crs)
        targets = gpd.GeoDataFrame(
            {"pid": proposals["estate_id"].to_numpy()}, geometry=proposals.geometry.to_numpy(),
            crs=proposals.crs,
        )  # fmt: skip
        hit = gpd.sjoin_nearest(points, targets, how="left", max_distance=GATE_LINK_M)
        hit = hit[~hit.index.duplicated()]
        estate_id[loose] = hit["pid"].to_numpy(dtype=object)
        unmatched = int(pd.isna(estate_id[loose]).sum())
        if unmatched:
            logger.info(
                "%d gate(s) in %s have no estate_id and lie farther than %.0f m from every "
                "proposed estate; they are ignored",
                unmatched,
                path,
                GATE_LINK_M,
            )
    points_only = raw.geometry.geom_type == "Point"
    keep = (~pd.isna(estate_id)) & points_only.to_numpy()
    return gpd.GeoDataFrame(
        {"gate_id": gate_id[keep], "estate_id": estate_id[keep].astype(str)},
        geometry=raw.geometry.to_numpy()[keep],
        crs=raw.crs,
    )
