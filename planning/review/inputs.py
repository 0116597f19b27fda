"""Reading a proposed estate (拟建小区) and its gates for ``eldercare check-estate``.

A proposal is often a single hand-drawn polygon or a point without every attribute, so it is
read here rather than through the strict estate validation: households (户数), status (建设状态)
and the planned elderly-service floor area (规划养老服务用房面积) may come from command-line
options instead of columns. Missing values are collected for every feature and reported in one
:class:`~planning._errors.InputDataError` naming the feature and the parameter that fills it in.
Proposals and gates may be files or frames in memory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planning._errors import InputDataError, param
from planning.io import read_raw
from planning.io.points import locate
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
    """Values given for the proposal as parameters (override the data's columns)."""

    households: int | None = None
    status: str | None = None
    planned_floor_m2: float | None = None
    planned_land_m2: float | None = None


def read_any(
    source: Path | str | pd.DataFrame,
    layer: str | None = None,
    coords: str | None = None,
    *,
    role: str = "input",
) -> gpd.GeoDataFrame:
    """Read a vector file or a frame, or a CSV/XLSX table with longitude/latitude columns.

    Locations go through the one point reader (:func:`planning.io.points.locate`): GCJ-02/BD-09
    longitude/latitude is converted to WGS-84, projected data is left as it is.

    Parameters
    ----------
    source : path, GeoDataFrame or DataFrame
        GeoPackage, Shapefile, GeoJSON …, or CSV/XLSX with lon/lat (经度/纬度) columns (read by
        :func:`planning.io.read_raw`, which detects encodings); or a GeoDataFrame with a CRS, or
        a DataFrame with lon/lat columns (not modified).
    layer : str, optional
        Layer of a multi-layer file, or sheet of a workbook.
    coords : {"wgs84", "gcj02", "bd09"}, optional
        Coordinate system of longitude/latitude (default WGS-84); Amap/Gaode (gcj02) and Baidu
        (bd09) coordinates are converted to WGS-84.
    role : str
        The parameter the data was given as, naming a frame in messages (``"estate"``).

    Returns
    -------
    GeoDataFrame
        In the data's CRS (WGS-84 for longitude/latitude).
    """
    if isinstance(source, pd.DataFrame):
        kind = "GeoDataFrame" if isinstance(source, gpd.GeoDataFrame) else "DataFrame"
        return locate(source, coords, name=f"{role} ({kind})")
    return locate(read_raw(source, layer).frame, coords, name=str(source))


def _source_name(source: Path | str | pd.DataFrame, layer: str | None, role: str) -> str:
    if isinstance(source, pd.DataFrame):
        return f"{role} ({'GeoDataFrame' if isinstance(source, gpd.GeoDataFrame) else 'DataFrame'})"
    return f"{source}" + (f" (layer {layer})" if layer else "")


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
    path: Path | str | pd.DataFrame,
    layer: str | None = None,
    *,
    options: ProposalOptions | None = None,
    fields: dict[str, str] | None = None,
    coords: str | None = None,
) -> gpd.GeoDataFrame:
    """Read proposed estates (polygons or points) and fill in their attributes.

    Parameters
    ----------
    path : path, GeoDataFrame or DataFrame
        The proposals (a file, or a frame that is not modified); every feature is reviewed.
    layer : str, optional
        Layer of a multi-layer file.
    options : ProposalOptions, optional
        Values given as parameters. ``households``, ``planned_floor_m2`` and ``planned_land_m2``
        are only accepted for a single feature; ``status`` applies to every feature.
    fields : dict, optional
        ``canonical → 源列名`` mappings (estates layer).
    coords : str, optional
        Coordinate system of longitude/latitude (converted to WGS-84).

    Returns
    -------
    GeoDataFrame
        Columns ``estate_id``, ``name``, ``households`` (int64), ``status``, ``population``,
        ``planned_floor_m2``, ``planned_land_m2`` (NaN when not given), ``geometry``, in the
        data's CRS (WGS-84 for longitude/latitude).

    Raises
    ------
    InputDataError
        Listing every feature with a missing or unusable value and the parameter that fixes it.
    """
    opts = options or ProposalOptions()
    raw = read_any(path, layer, coords, role="estate")
    where = _source_name(path, layer, "estate")
    n = len(raw)
    if n == 0:
        raise InputDataError(f"{where}: no features; draw the proposed estate (拟建小区) first.")
    columns = [str(c) for c in raw.columns if c != raw.geometry.name]
    found = resolve_columns(columns, "estates", fields, file=where)
    floor_col = _find_column(columns, PLANNED_FLOOR_ALIASES)
    land_col = _find_column(columns, PLANNED_LAND_ALIASES)
    id_col, name_col = found.get("estate_id"), found.get("name")
    single_only = {
        "households": opts.households,
        "planned_floor_m2": opts.planned_floor_m2,
        "planned_land_m2": opts.planned_land_m2,
    }
    problems: list[str] = []
    for option, value in single_only.items():
        if value is not None and n > 1:
            problems.append(
                f"{param(option)} applies to a single estate but {where} holds {n} features; put "
                "the values in a column instead (one row per estate)."
            )
    status_opt = None
    if opts.status is not None:
        status_opt = normalise_estate_status(opts.status)
        if status_opt is None:
            problems.append(
                f"{param('status', opts.status)}: use new (新建) or existing (既有/已建成)."
            )
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
                f"{where}, {label}: no households (户数). Add a households/户数 column or give "
                f"it, e.g. {param('households', 1200)} (a single feature only)."
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
                f"give {param('status', 'new')}."
            )
        floor: float | None = opts.planned_floor_m2
        if floor is None and floor_col is not None:
            floor = parse_number(raw[floor_col].iloc[row])
        if floor is None:
            problems.append(
                f"{where}, {label}: no planned elderly-service floor area (规划养老用房面积). Add a "
                "planned_floor_m2/规划养老用房面积 column or give it, e.g. "
                f"{param('planned_floor_m2', 300)}."
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
    path: Path | str | pd.DataFrame,
    layer: str | None,
    proposals: gpd.GeoDataFrame,
    *,
    coords: str | None = None,
    fields: dict[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Read gates (小区出入口), a file or a frame, in the proposals' CRS.

    Gates with an ``estate_id`` keep it (they may belong to existing estates too). Gates without
    one are given to the proposal within :data:`GATE_LINK_M` metres (inside its polygon or next to
    it); gates matching no proposal are dropped with a log message.

    Returns
    -------
    GeoDataFrame
        Columns ``gate_id``, ``estate_id``, ``geometry``.
    """
    raw = read_any(path, layer, coords, role="gates")
    where = _source_name(path, layer, "gates")
    columns = [str(c) for c in raw.columns if c != raw.geometry.name]
    found = resolve_columns(columns, "gates", fields, file=where)
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
                where,
                GATE_LINK_M,
            )
    points_only = raw.geometry.geom_type == "Point"
    keep = (~pd.isna(estate_id)) & points_only.to_numpy()
    return gpd.GeoDataFrame(
        {"gate_id": gate_id[keep], "estate_id": estate_id[keep].astype(str)},
        geometry=raw.geometry.to_numpy()[keep],
        crs=raw.crs,
    )
