"""One reader of locations (点位读取): coordinate columns, geometry, and Chinese map systems.

Every reader of the package takes its locations from here, so a table's lon/lat (经度/纬度) or x/y
columns and the ``coords`` system (``wgs84``, Amap/Tencent ``gcj02``, Baidu ``bd09``) mean the
same thing for the audit's inputs (:mod:`planning.io.layers`), a proposed estate
(:mod:`planning.review.inputs`) and candidate sites (:func:`planning.siting.read_candidates`):

* :func:`table_points` builds points from a table's coordinate columns (or a WKT column); values
  inside longitude/latitude ranges are WGS-84 degrees, others are projected coordinates whose
  CRS must be given.
* :func:`convert_to_wgs84` converts GCJ-02/BD-09 longitude/latitude to WGS-84, for geographic
  data only: projected coordinates are never shifted (the caller reports that ``coords`` was
  ignored).
* :func:`locate` does both for a whole frame and returns it with WGS-84 (or projected) geometry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from planning._errors import InputDataError, param
from planning.coords import transform_function
from planning.io.lonlat import combined_column, swapped_rows
from planning.schema import find_coordinate_columns, normalise_name, parse_number

__all__ = [
    "XY",
    "Conversion",
    "convert_to_wgs84",
    "coordinate_system",
    "locate",
    "table_points",
]

logger = logging.getLogger(__name__)

_WKT_COLUMNS = ("geometry", "wkt", "geom", "the_geom", "shape")


@dataclass(frozen=True)
class XY:
    """The coordinate columns of a table and what their values look like.

    Attributes
    ----------
    x, y : str
        The columns (e.g. ``经度``/``纬度``).
    pair : str
        ``"lon"`` for lon/lat-style headers, ``"x"`` for x/y-style headers.
    geographic : bool
        Whether every value lies within longitude/latitude ranges (then read as degrees).
    example : str
        An out-of-range pair, for messages (empty when ``geographic``).
    swapped : tuple of int
        Positions of the rows whose longitude and latitude were swapped in the table; their
        points are built swapped back (see :func:`planning.io.lonlat.swapped_rows`).
    swap_example : str
        One such pair as written, for messages.
    combined_order : str
        ``"lon,lat"`` or ``"lat,lon"`` when both came from one column (``x == y``), else ``""``.
    """

    x: str
    y: str
    pair: str
    geographic: bool
    example: str = ""
    swapped: tuple[int, ...] = ()
    swap_example: str = ""
    combined_order: str = ""


@dataclass(frozen=True)
class Conversion:
    """Geometry after :func:`convert_to_wgs84`.

    Attributes
    ----------
    geometry : GeoSeries
        In WGS-84 (EPSG:4326) when converted, else as given.
    system : str or None
        The normalised system given (``"gcj02"``, ``"bd09"``); None for WGS-84 or none.
    outcome : {"unchanged", "converted", "ignored"}
        ``ignored`` when a system was given for data that is not longitude/latitude.
    """

    geometry: gpd.GeoSeries
    system: str | None
    outcome: Literal["unchanged", "converted", "ignored"]


def coordinate_system(coords: str | None) -> str | None:
    """Return ``"gcj02"`` or ``"bd09"`` for a Chinese map system, None for WGS-84 or None.

    Raises
    ------
    InputDataError
        For an unknown name (the message lists the accepted ones).
    """
    if coords is None:
        return None
    if not isinstance(coords, str):
        raise InputDataError(
            f"{param('coords')} got a {type(coords).__name__}; use one of wgs84, gcj02, bd09."
        )
    transform_function(coords)  # raises for unknown names
    key = coords.lower().replace("-", "").replace("_", "").strip()
    return None if key == "wgs84" else key


def _coordinate(value: object) -> float:
    number = parse_number(value)
    return float("nan") if number is None else number


def _short(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def table_points(frame: pd.DataFrame) -> tuple[pd.DataFrame, XY | None]:
    """Build point geometry from a table's coordinate columns (or its WKT column).

    Coordinates come from a pair of columns (经度/纬度, lon/lat, x/y), else from one column
    holding both (经纬度 / 坐标 / location, :func:`planning.io.lonlat.combined_column`), else
    from a WKT column. Longitude/latitude rows with their values swapped are built swapped back
    and listed in ``xy.swapped`` for the caller to report (or refuse).

    Parameters
    ----------
    frame : DataFrame
        Cells as text or numbers; coordinates may carry units or full-width digits.

    Returns
    -------
    frame : DataFrame or GeoDataFrame
        A GeoDataFrame of points (``None`` where a coordinate is missing) in EPSG:4326 when the
        values lie within longitude/latitude ranges, else without a CRS; a GeoDataFrame without
        CRS from a WKT column (which is dropped); ``frame`` itself when it has neither.
    xy : XY or None
        The coordinate columns used.

    Examples
    --------
    >>> points, xy = table_points(pd.DataFrame({"经度": ["114.3"], "纬度": ["30.6"]}))
    >>> xy.x, xy.geographic, points.crs.to_epsg()
    ('经度', True, 4326)
    """
    found = find_coordinate_columns(frame.columns)
    combined = None
    if found is None:
        cells = {str(c): list(frame[c]) for c in frame.columns}
        combined = combined_column(frame.columns, cells)
    if found is None and combined is None:
        wkt = next((c for c in frame.columns if normalise_name(c) in _WKT_COLUMNS), None)
        if wkt is None:
            return frame, None
        values = frame[wkt].to_numpy(dtype=object)
        shapes = shapely.is_geometry(values)  # a frame in memory may hold shapes already
        text = np.array([v if isinstance(v, str) else None for v in values], dtype=object)
        geoms = np.where(shapes, values, shapely.from_wkt(text, on_invalid="ignore"))
        return gpd.GeoDataFrame(frame.drop(columns=[wkt]), geometry=geoms, crs=None), None
    if combined is not None:
        x_col = y_col = combined.column
        pair, x, y = "lon", combined.lon, combined.lat
    else:
        assert found is not None
        x_col, y_col, pair = found
        x = np.array([_coordinate(v) for v in frame[x_col]], dtype=float)
        y = np.array([_coordinate(v) for v in frame[y_col]], dtype=float)
    swapped = swapped_rows(x, y) if pair == "lon" else np.zeros(len(x), dtype=bool)
    swap_example = ""
    if swapped.any():
        i = int(np.flatnonzero(swapped)[0])
        swap_example = f"{_short(x[i])}, {_short(y[i])}"
        x, y = np.where(swapped, y, x), np.where(swapped, x, y)
    ok = np.isfinite(x) & np.isfinite(y)
    inside = (np.abs(x) <= 180.0) & (np.abs(y) <= 90.0)
    geographic = bool(np.all(inside[ok]))
    example = ""
    if not geographic:
        i = int(np.flatnonzero(ok & ~inside)[0])
        example = f"{_short(x[i])}, {_short(y[i])}"
    built = np.where(ok, shapely.points(np.where(ok, x, 0.0), np.where(ok, y, 0.0)), None)
    points = gpd.GeoDataFrame(frame, geometry=built, crs="EPSG:4326" if geographic else None)
    order = "" if combined is None else combined.order
    positions = tuple(int(i) for i in np.flatnonzero(swapped))
    return points, XY(x_col, y_col, pair, geographic, example, positions, swap_example, order)


def convert_to_wgs84(geometry: gpd.GeoSeries, coords: str | None) -> Conversion:
    """Convert GCJ-02/BD-09 longitude/latitude to WGS-84; leave other data as it is.

    Every vertex is converted (points, lines and polygons alike). Only geographic data is
    converted: projected coordinates (and data without a CRS) are returned unchanged with
    outcome ``ignored``, since no Chinese map publishes projected GCJ-02/BD-09 coordinates.

    Parameters
    ----------
    geometry : GeoSeries
        The geometry, with its CRS.
    coords : {None, "wgs84", "gcj02", "bd09"}
        The system of its longitude/latitude.

    Returns
    -------
    Conversion

    Examples
    --------
    >>> from shapely import Point
    >>> out = convert_to_wgs84(gpd.GeoSeries([Point(114.3065, 30.5993)], crs=4326), "bd09")
    >>> out.outcome, out.geometry.crs.to_epsg()
    ('converted', 4326)
    """
    system = coordinate_system(coords)
    if system is None:
        return Conversion(geometry, None, "unchanged")
    crs = geometry.crs
    if crs is None or not pyproj.CRS.from_user_input(crs).is_geographic:
        return Conversion(geometry, system, "ignored")
    convert = transform_function(system)

    def to_wgs84(xy: np.ndarray) -> np.ndarray:
        lon, lat = convert(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    converted = shapely.transform(np.asarray(geometry.values), to_wgs84)
    # CGCS2000 (EPSG:4490) and WGS-84 differ by centimetres: the result is WGS-84.
    return Conversion(
        gpd.GeoSeries(converted, index=geometry.index, crs="EPSG:4326"), system, "converted"
    )


def locate(
    frame: pd.DataFrame, coords: str | None, *, name: str, crs: Any = None
) -> gpd.GeoDataFrame:
    """Return ``frame`` as a GeoDataFrame located in WGS-84 (or its projected CRS).

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        A spatial layer, or a table with coordinate columns (not modified).
    coords : {None, "wgs84", "gcj02", "bd09"}
        System of longitude/latitude; converted to WGS-84 (ignored, with a logged warning, for
        projected data).
    name : str
        What the data is, for messages (a file name, or e.g. ``"estate (GeoDataFrame)"``).
    crs : CRS-like, optional
        CRS of data that carries none (projected x/y columns).

    Returns
    -------
    GeoDataFrame

    Raises
    ------
    InputDataError
        Without geometry or coordinate columns, or without a CRS.
    """
    has_geometry = isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame
    located: gpd.GeoDataFrame
    if has_geometry:
        located = frame.copy()
    else:
        points, xy = table_points(pd.DataFrame(frame, copy=True))
        if not isinstance(points, gpd.GeoDataFrame):
            raise InputDataError(
                f"{name}: no geometry and no longitude/latitude columns (经度/纬度, lon/lat) "
                f"found; columns are {', '.join(map(str, frame.columns))}. Add them or give a "
                "GIS file."
            )
        located = points
        if xy is not None and xy.swapped:
            rows = ", ".join(str(i + 1) for i in xy.swapped[:10])
            raise InputDataError(
                f"{name}: row(s) {rows} have longitude and latitude swapped (e.g. "
                f"{xy.swap_example}); swap the two values in the file."
            )
        if xy is not None and not xy.geographic and crs is None:
            raise InputDataError(
                f"{name}: columns {xy.x}/{xy.y} hold projected coordinates (e.g. {xy.example}); "
                f"give their CRS with {param('crs', 'EPSG:4547')}."
            )
    if located.crs is None:
        if crs is None:
            raise InputDataError(
                f"{name}: no coordinate reference system (坐标系缺失). Save it with a CRS (e.g. "
                f"EPSG:4326), or give it with {param('crs', 'EPSG:4326')}."
            )
        located = located.set_crs(crs)
    result = convert_to_wgs84(located.geometry, coords)
    if result.outcome == "ignored":
        logger.warning(
            "%s is in a projected CRS (%s), not longitude/latitude: the %s coordinate system "
            "given for it was ignored",
            name,
            located.crs.to_string(),
            (result.system or "").upper(),
        )
    elif result.outcome == "converted":
        located = located.set_geometry(result.geometry.to_numpy(), crs=result.geometry.crs)
    return located
