"""Where an input layer lies: its CRS and coordinate system, with every assumption reported (坐标).

:func:`layer_geometry` decides the CRS of a layer as read (its own, the ``crs`` given, or WGS-84
for longitude/latitude columns), converts GCJ-02/BD-09 longitude/latitude to WGS-84 through the
one point reader (:func:`planning.io.points.convert_to_wgs84`) and records in the
:class:`~planning.validation.ValidationReport` what it assumed or could not decide.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from planning.io.points import convert_to_wgs84
from planning.io.readers import RawTable
from planning.validation import ValidationReport

__all__ = ["layer_geometry"]


def _source_crs(
    layer: str, raw: RawTable, report: ValidationReport, *, file: str, coords: str | None, crs: Any
) -> pyproj.CRS | None:
    """Return the CRS of the layer's coordinates, or None (reported) when it cannot be known."""
    frame = raw.frame
    given = pyproj.CRS.from_user_input(crs) if crs is not None else None
    n = len(frame)
    if raw.xy is not None:
        xy = raw.xy
        if xy.combined_order:
            zh = "经度,纬度" if xy.combined_order == "lon,lat" else "纬度,经度"
            order = "longitude,latitude" if xy.combined_order == "lon,lat" else "latitude,longitude"
            report.add("coords_combined", file=file, layer=layer, count=n, column=xy.x,
                       order=order, order_zh=zh)  # fmt: skip
        if given is not None:
            return given
        if not xy.geographic:
            report.add(
                "xy_needs_crs", file=file, layer=layer, count=n, x=xy.x, y=xy.y, example=xy.example
            )
            return None
        if not xy.combined_order and (coords is None or coords.lower().replace("-", "") == "wgs84"):
            report.add("coords_assumed_wgs84", file=file, layer=layer, count=n, x=xy.x, y=xy.y)
        return pyproj.CRS.from_user_input(frame.crs)
    if frame.crs is None:
        if given is None:
            report.add("crs_missing", file=file, layer=layer, count=n)
        return given
    source = pyproj.CRS.from_user_input(frame.crs)
    if given is not None and source != given:
        report.add(
            "crs_ignored",
            file=file,
            layer=layer,
            count=n,
            given=given.to_string(),
            crs=source.to_string(),
        )
    return source


def _inside_share(x: np.ndarray, y: np.ndarray, crs: pyproj.CRS) -> float:
    """Share of the points that fall within ``crs``'s area of use (1° of margin)."""
    area = crs.area_of_use
    if area is None or not len(x):
        return 1.0
    with np.errstate(all="ignore"):
        lon, lat = pyproj.Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)
    inside = (
        (lon >= area.west - 1) & (lon <= area.east + 1)
        & (lat >= area.south - 1) & (lat <= area.north + 1)
    )  # fmt: skip
    return float(np.mean(inside))


def _northing_first(geoms: gpd.GeoSeries, crs: pyproj.CRS) -> bool:
    """Whether projected x/y columns hold northing, easting (the points fit only swapped)."""
    if not crs.is_projected:
        return False
    points = geoms[geoms.notna()]
    x, y = points.x.to_numpy(dtype=float), points.y.to_numpy(dtype=float)
    return _inside_share(x, y, crs) < 0.5 and _inside_share(y, x, crs) > 0.9


def layer_geometry(
    layer: str,
    raw: RawTable,
    report: ValidationReport,
    *,
    file: str,
    coords: str | None,
    crs: Any,
) -> gpd.GeoSeries:
    """Return the geometry of ``raw`` with its CRS, converted from GCJ-02/BD-09 when asked.

    Parameters
    ----------
    layer : str
        ``estates``, ``facilities``, ``gates`` or ``streets``.
    raw : RawTable
        The layer as read.
    report : ValidationReport
        Receives ``no_geometry``, ``crs_missing``, ``xy_needs_crs`` (errors),
        ``crs_ignored``, ``coords_ignored`` (warnings), ``coords_assumed_wgs84``,
        ``coords_combined``, ``coords_northing_first`` and ``coords_converted`` (notes).
    file : str
        The name messages use for the layer.
    coords : {None, "wgs84", "gcj02", "bd09"}
        System of the layer's longitude/latitude.
    crs : CRS-like, optional
        CRS given for data that carries none.

    Returns
    -------
    GeoSeries
        Indexed like ``raw.frame``; without a CRS when none could be decided (reported).
    """
    frame = raw.frame
    n = len(frame)
    if not isinstance(frame, gpd.GeoDataFrame):
        columns = ", ".join(str(c) for c in frame.columns)
        report.add("no_geometry", file=file, layer=layer, count=n, columns=columns)
        return gpd.GeoSeries([None] * n, index=frame.index)
    source = _source_crs(layer, raw, report, file=file, coords=coords, crs=crs)
    geoms = gpd.GeoSeries(frame.geometry.values, index=frame.index, crs=source)
    if source is None:
        return geoms
    if raw.xy is not None and not raw.xy.geographic and _northing_first(geoms, source):
        # Chinese surveying writes X for the northing and Y for the easting (测量坐标系).
        geoms = geoms.map(lambda g: None if g is None else shapely.Point(g.y, g.x))
        geoms = gpd.GeoSeries(geoms, index=frame.index, crs=source)
        report.add("coords_northing_first", file=file, layer=layer, count=n, x=raw.xy.x,
                   y=raw.xy.y, crs=source.to_string())  # fmt: skip
    result = convert_to_wgs84(geoms, coords)
    if result.outcome == "ignored":
        report.add(
            "coords_ignored",
            file=file,
            layer=layer,
            count=n,
            system=result.system,
            crs=source.to_string(),
        )
    elif result.outcome == "converted":
        system = (result.system or "").upper()
        report.add("coords_converted", file=file, layer=layer, count=n, system=system)
    return result.geometry
