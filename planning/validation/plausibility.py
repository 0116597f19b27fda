"""Values beyond what a real estate or facility can hold (合理性检查).

A typo with extra digits (99,999,999,999 households, a floor area of 1e15 m²) would dominate every
total and ratio of an audit without failing any type check. :func:`check_plausible` flags such
values as warnings (errors with ``strict=True``, see :mod:`planning.io.hygiene`), naming the
rows; the values are kept as given so that the planner decides.

The limits are generous: well above the largest real cases, so that a warning always means a
mistake worth a look.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from planning.validation.report import ValidationReport

__all__ = ["BEDS_LIMIT", "FLOOR_LIMITS", "HOUSEHOLDS_LIMIT", "LAND_LIMIT", "check_plausible"]

#: Households in one estate (小区): the largest Chinese estates have 10,000–20,000.
HOUSEHOLDS_LIMIT = 30_000
#: Floor area (m²) per facility kind: stations are a few hundred m², the largest care homes
#: (2,000+ beds) under 100,000 m².
FLOOR_LIMITS = {
    "community_station": 20_000.0,
    "rural_point": 20_000.0,
    "street_centre": 50_000.0,
    "institution": 300_000.0,
}
#: Land (m²) of one facility: 100 ha.
LAND_LIMIT = 1_000_000.0
#: Beds (and nursing beds) of one facility.
BEDS_LIMIT = 10_000


def check_plausible(
    layer: str, frame: gpd.GeoDataFrame, report: ValidationReport, *, file: str
) -> None:
    """Report implausible households, floor areas, land areas and beds of a canonical layer.

    Parameters
    ----------
    layer : str
        ``estates`` or ``facilities`` (other layers have nothing to check).
    frame : GeoDataFrame
        The canonical layer (``source_row`` and the id column present).
    report : ValidationReport
        Receives ``households_implausible``, ``floor_area_implausible``, ``land_implausible``
        and ``beds_implausible``.
    file : str
        For the messages.
    """
    if layer == "estates" and len(frame):
        households = frame["households"].to_numpy(dtype=float)
        _flag(report, frame, households, households > HOUSEHOLDS_LIMIT, "households_implausible",
              file=file, layer=layer, limit=HOUSEHOLDS_LIMIT)  # fmt: skip
    if layer != "facilities" or not len(frame):
        return
    floor = frame["floor_m2"].to_numpy(dtype=float)
    limits = frame["kind"].map(FLOOR_LIMITS).to_numpy(dtype=float)
    big = floor > limits
    lowest = int(np.min(limits[big])) if big.any() else 0
    _flag(report, frame, floor, big, "floor_area_implausible", file=file, layer=layer,
          limit=lowest)  # fmt: skip
    land = frame["land_m2"].to_numpy(dtype=float)
    _flag(report, frame, land, land > LAND_LIMIT, "land_implausible", file=file, layer=layer,
          limit=int(LAND_LIMIT))  # fmt: skip
    for field, label in (("beds", "床位数"), ("nursing_beds", "护理型床位数")):
        beds = frame[field].to_numpy(dtype=float)
        _flag(report, frame, beds, beds > BEDS_LIMIT, "beds_implausible", file=file,
              layer=layer, limit=BEDS_LIMIT, field=field, label=label)  # fmt: skip


def _flag(
    report: ValidationReport,
    frame: gpd.GeoDataFrame,
    values: np.ndarray,
    mask: np.ndarray,
    code: str,
    *,
    file: str,
    layer: str,
    **params: Any,
) -> None:
    """Record ``code`` for the rows in ``mask`` (nothing when it is empty)."""
    if not mask.any():
        return
    id_column = "estate_id" if layer == "estates" else "facility_id"
    shown: dict[str, Any] = {k: f"{v:,}" if k == "limit" else v for k, v in params.items()}
    shown["example"] = f"{float(values[np.flatnonzero(mask)[0]]):,.0f}"
    report.add(
        code,
        file=file,
        layer=layer,
        rows=frame.loc[mask, "source_row"],
        ids=frame.loc[mask, id_column],
        **shown,
    )
