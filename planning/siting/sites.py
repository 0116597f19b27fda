"""Candidate sites for the siting adapter (候选点): read, generate, capacities and spacing.

Candidates come from a file (vacant lots, idle public buildings 闲置用房) or are generated on a
grid over uncovered estates (:func:`planning.siting.grid_candidates`). A candidate file may give
each site its own floor area (a ``floor_m2`` / 建筑面积 column), which caps the households it
can serve; :func:`candidate_capacity` turns floor areas into households with the ruleset's
per-100-household floor-area rate. :func:`spacing_conflicts` lists the pairs of candidates closer
than a minimum spacing (最小间距), measured in a straight line in the project's metric CRS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from planning._errors import InputDataError, param
from planning.siting.candidates import grid_candidates

__all__ = [
    "FLOOR_COLUMNS",
    "candidate_capacity",
    "generated_candidates",
    "prepared_candidates",
    "read_candidates",
    "spacing_conflicts",
]

#: Column names read as a candidate's own floor area in m² (first match, case-insensitive).
FLOOR_COLUMNS = ("floor_m2", "建筑面积", "面积", "floor_area", "area_m2")

_YES = ["1", "true", "yes", "y", "是"]


def read_candidates(
    path: Path | str | pd.DataFrame,
    *,
    layer: str | None = None,
    crs: Any,
    coords: str | None = None,
) -> gpd.GeoDataFrame:
    """Read candidate sites (候选点: vacant lots, idle public buildings 闲置用房) in ``crs``.

    Parameters
    ----------
    path : path, GeoDataFrame or DataFrame
        GeoPackage, Shapefile, GeoJSON, CSV or XLSX (with lon/lat columns), or a frame (not
        modified). Polygons (e.g. building footprints) are represented by an inside point.
    layer : str, optional
        Layer or sheet.
    crs : CRS-like
        The project's metric CRS.
    coords : {None, "wgs84", "gcj02", "bd09"}
        System of longitude/latitude, converted to WGS-84 by the one point reader
        (:func:`planning.io.points.locate`; projected data is left as it is).

    Returns
    -------
    GeoDataFrame
        With ``candidate_id`` (from an id column, else generated), ``name``, ``required``,
        ``excluded`` and, when the file has a floor-area column (:data:`FLOOR_COLUMNS`),
        ``floor_m2`` (NaN where blank).

    Raises
    ------
    planning._errors.InputDataError
        No location, or a floor area that is not a positive number (rows named).
    """
    from planning.io import read_table
    from planning.io.points import locate

    if isinstance(path, pd.DataFrame):
        kind = "GeoDataFrame" if isinstance(path, gpd.GeoDataFrame) else "DataFrame"
        name = f"candidates ({kind})"
        frame = locate(path, coords, name=name)
    else:
        name = str(path)
        frame = locate(read_table(path, layer)[0], coords, name=name)
    if frame.geometry.isna().all():
        raise InputDataError(
            f"{name}: candidate sites need geometry or lon/lat columns (经度/纬度); none found."
        )
    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.any():
        rows = (np.flatnonzero(empty.to_numpy()) + 1).tolist()
        raise InputDataError(
            f"{name}: candidate row(s) {rows[:10]} have no location; fix or delete them."
        )
    frame = frame.to_crs(crs)
    lower = {str(c).lower(): c for c in frame.columns}
    id_column = next(
        (lower[c] for c in ("candidate_id", "id", "编号", "候选点编号") if c in lower), None
    )
    out = gpd.GeoDataFrame(
        {
            "candidate_id": frame[id_column].astype(str)
            if id_column
            else [f"C{i + 1:04d}" for i in range(len(frame))],
            "name": frame[lower["name"]].astype(str) if "name" in lower else "",
        },
        geometry=frame.geometry.representative_point().to_numpy(),
        crs=frame.crs,
    )
    for flag, names in (("required", ("required", "必选")), ("excluded", ("excluded", "排除"))):
        column = next((lower[n] for n in names if n in lower), None)
        values = frame[column] if column else pd.Series([False] * len(frame))
        out[flag] = values.astype(str).str.strip().str.lower().isin(_YES).to_numpy()
    floor = next((lower[n] for n in FLOOR_COLUMNS if n in lower), None)
    if floor is not None:
        out["floor_m2"] = _floor_areas(frame[floor], f"{name}, column {floor}")
    return out


def _floor_areas(values: pd.Series, where: str) -> NDArray[np.float64]:
    """Floor areas as floats (blank → NaN); anything else but a positive number is refused."""
    text = values.astype("string").str.strip()
    blank = values.isna().to_numpy() | (text.fillna("") == "").to_numpy()
    number = pd.to_numeric(text.where(~blank), errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~blank & ~(np.isfinite(number) & (number > 0)))
    if bad.size:
        shown = ", ".join(f"row {i + 1} ({values.iloc[i]!r})" for i in bad[:5])
        raise InputDataError(
            f"{where}: floor area (建筑面积, m²) must be a positive number; {shown}"
            + (f" and {bad.size - 5} more" if bad.size > 5 else "")
            + ". Fix those cells or leave them blank."
        )
    return np.where(blank, np.nan, number)


def generated_candidates(
    estates: gpd.GeoDataFrame, uncovered: NDArray[np.bool_], spacing_m: float
) -> gpd.GeoDataFrame:
    """Candidates at the centres of ``spacing_m`` grid cells holding uncovered estates."""
    pts = estates.geometry[uncovered].representative_point()
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()]) if len(pts) else np.zeros((0, 2))
    centres = grid_candidates(xy, spacing_m)
    return gpd.GeoDataFrame(
        {
            "candidate_id": [f"G{i + 1:04d}" for i in range(len(centres))],
            "required": False,
            "excluded": False,
            "source": "grid",
        },
        geometry=gpd.points_from_xy(centres[:, 0], centres[:, 1]) if len(centres) else [],
        crs=estates.crs,
    )


def prepared_candidates(candidates: gpd.GeoDataFrame, crs: Any) -> gpd.GeoDataFrame:
    """Return a caller's candidates in ``crs`` with ``candidate_id``, flags and ``source``."""
    frame = candidates.to_crs(crs).reset_index(drop=True).copy()
    if "candidate_id" not in frame:
        frame["candidate_id"] = [f"C{i + 1:04d}" for i in range(len(frame))]
    for flag in ("required", "excluded"):
        frame[flag] = frame[flag].fillna(False).astype(bool) if flag in frame else False
    if "floor_m2" in frame:
        frame["floor_m2"] = _floor_areas(frame["floor_m2"], "candidates, column floor_m2")
    frame["source"] = "file"
    return frame


def candidate_capacity(
    floor_m2: NDArray[np.float64] | None,
    default_floor_m2: float | None,
    rate_m2_per_100: float | None,
    ruleset_id: str,
    ids: NDArray[Any],
) -> tuple[NDArray[np.float64] | None, NDArray[np.float64] | None]:
    """Households each candidate can serve (容量) from its floor area, or None (uncapacitated).

    A candidate's own floor area wins; ``default_floor_m2`` (the ``floor_m2`` option) fills the
    blanks. Capacity = floor area × 100 / rate, the rate being the ruleset's floor area per 100
    households (m²/百户).

    Parameters
    ----------
    floor_m2 : numpy.ndarray or None
        Each candidate's own floor area (NaN where unknown), or None when no column was given.
    default_floor_m2 : float or None
        Floor area of a new centre without its own.
    rate_m2_per_100 : float or None
        Floor area per 100 households of the ruleset's floor-area rule.
    ruleset_id : str
        For messages.
    ids : numpy.ndarray
        Candidate ids, for messages.

    Returns
    -------
    capacity, floor : numpy.ndarray or None
        Households per candidate and the floor area used, or ``(None, None)``.

    Raises
    ------
    planning._errors.InputDataError
        Some candidates have a floor area and others none with no default, or the ruleset has
        no floor-area rate.

    Examples
    --------
    >>> ids = np.array(["A", "B"])
    >>> candidate_capacity(np.array([300.0, np.nan]), 150.0, 30.0, "national", ids)[0]
    array([1000.,  500.])
    """
    own = None if floor_m2 is None or np.isnan(floor_m2).all() else floor_m2
    if own is None and default_floor_m2 is None:
        return None, None
    floor = np.full(ids.size, np.nan) if own is None else own.astype(np.float64)
    if default_floor_m2 is not None:
        floor = np.where(np.isnan(floor), float(default_floor_m2), floor)
    missing = np.flatnonzero(np.isnan(floor))
    if missing.size:
        shown = ", ".join(str(x) for x in ids[missing][:8])
        raise InputDataError(
            f"candidate(s) {shown}" + (f" and {missing.size - 8} more" if missing.size > 8 else "")
            + " have no floor area (建筑面积) while others have one; fill the column or pass "
            f"{param('floor_m2')} as the floor area of the others."
        )  # fmt: skip
    if not rate_m2_per_100:
        raise InputDataError(
            f"candidate floor areas need a floor-area rule to turn m² into households, and "
            f"ruleset {ruleset_id} has none; leave {param('floor_m2')} and the floor-area column "
            "out or choose another ruleset."
        )
    return floor * 100.0 / float(rate_m2_per_100), floor


def spacing_conflicts(xy: NDArray[np.float64], min_spacing_m: float) -> NDArray[np.int64]:
    """Pairs of candidates closer than ``min_spacing_m`` in a straight line (最小间距).

    Examples
    --------
    >>> spacing_conflicts(np.array([[0.0, 0.0], [300.0, 0.0], [900.0, 0.0]]), 500.0).tolist()
    [[0, 1]]
    """
    if len(xy) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = cKDTree(xy).query_pairs(r=float(min_spacing_m), output_type="ndarray")
    # query_pairs keeps distances ≤ r; a pair exactly at the spacing is allowed
    d = np.linalg.norm(xy[pairs[:, 0]] - xy[pairs[:, 1]], axis=1)
    return pairs[d < min_spacing_m].astype(np.int64)
