"""Longitude/latitude as planners' tables hold them (经纬度): one column, or swapped per row.

* :func:`combined_column` finds a column holding both coordinates in one cell, as Chinese portal
  and Excel exports often have (``经纬度`` / ``坐标`` / ``location``: ``"114.305,30.593"``), and
  reads it as two numbers in the right order: the header may say (``lnglat``, ``纬度,经度``),
  otherwise the values decide (the order that gives valid longitude/latitude for more rows; on a
  tie longitude first, as Amap and Baidu write it).
* :func:`swapped_rows` finds the rows of a longitude/latitude table whose two values are swapped:
  a "latitude" beyond ±90° that is a fine longitude, or (where both orders are valid, west of
  90°E) a row that lands far from all others unless its values are swapped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from planning.schema import normalise_name, parse_number

__all__ = ["Combined", "combined_column", "swapped_rows"]

#: Headers (normalised) of a column holding "lon,lat" in one cell.
_COMBINED = {
    "经纬度", "坐标", "经纬度坐标", "坐标经纬度", "位置坐标", "gps", "gps坐标", "location",
    "lnglat", "lonlat", "latlng", "latlon", "coordinates", "coordinate", "coords", "lnglats",
}  # fmt: skip
_LAT_FIRST = re.compile(r"lat\W*(?:lng|lon)|纬度?\W*经度?|纬经度", re.IGNORECASE)
_LON_FIRST = re.compile(r"(?:lng|lon)\W*lat|经度?\W*纬度?", re.IGNORECASE)
_SPLIT = re.compile(r"[,，;；\s]+")

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class Combined:
    """A combined coordinate column read as longitude and latitude.

    Attributes
    ----------
    column : str
        The header.
    lon, lat : ndarray
        Values per row (NaN where a cell is empty or not two numbers).
    order : {"lon,lat", "lat,lon"}
        The order of the two numbers in a cell.
    """

    def __init__(self, column: str, lon: FloatArray, lat: FloatArray, order: str) -> None:
        self.column, self.lon, self.lat, self.order = column, lon, lat, order


def _pair(value: object) -> tuple[float, float]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return np.nan, np.nan
    parts = [p for p in _SPLIT.split(str(value).strip().strip("()[]（）")) if p]
    if len(parts) != 2:
        return np.nan, np.nan
    a, b = (parse_number(p) for p in parts)
    return (np.nan if a is None else a), (np.nan if b is None else b)


def _valid(lon: FloatArray, lat: FloatArray) -> int:
    return int(np.sum((np.abs(lon) <= 180) & (np.abs(lat) <= 90)))


def combined_column(columns: Iterable[object], values: dict[str, list[object]]) -> Combined | None:
    """Read the combined coordinate column among ``columns`` (None when there is none).

    Parameters
    ----------
    columns : iterable
        Headers of the table.
    values : dict
        Header to the column's cells (only the candidate is read).

    Examples
    --------
    >>> c = combined_column(["名称", "经纬度"], {"经纬度": ["114.30,30.59", "30.60, 114.31"]})
    >>> c.column, c.order, c.lon.tolist(), c.lat.tolist()
    ('经纬度', 'lon,lat', [114.3, 30.6], [30.59, 114.31])
    """
    column = next((str(c) for c in columns if normalise_name(c) in _COMBINED), None)
    if column is None:
        return None
    pairs = np.array([_pair(v) for v in values[column]], dtype=float).reshape(-1, 2)
    first, second = pairs[:, 0], pairs[:, 1]
    header = str(column)
    if _LAT_FIRST.search(header) and not _LON_FIRST.search(header):
        order = "lat,lon"
    elif _LON_FIRST.search(header):
        order = "lon,lat"
    else:  # the values decide; a tie goes to longitude first (Amap, Baidu)
        order = "lat,lon" if _valid(second, first) > _valid(first, second) else "lon,lat"
    if order == "lat,lon":
        return Combined(column, second, first, order)
    return Combined(column, first, second, order)


def swapped_rows(lon: FloatArray, lat: FloatArray) -> BoolArray:
    """Return the rows whose longitude and latitude look swapped.

    A row is swapped when its latitude is beyond ±90° but the swapped pair is valid, or when
    both orders are valid but the row lies more than a degree from the others' median and
    swapping brings it at least five times closer. Rows in a table mostly outside
    longitude/latitude ranges (projected x/y) are never called swapped.

    Examples
    --------
    >>> lon = np.array([114.30, 114.31, 30.60, 114.29])
    >>> lat = np.array([30.59, 30.61, 114.32, 30.58])
    >>> swapped_rows(lon, lat).tolist()
    [False, False, True, False]
    """
    ok = np.isfinite(lon) & np.isfinite(lat)
    inside = ok & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    flipped = ok & ~inside & (np.abs(lat) <= 180) & (np.abs(lon) <= 90)
    if inside.sum() < max(1, 0.5 * ok.sum()):
        return np.zeros(len(lon), dtype=bool)
    swapped = flipped.copy()
    if inside.sum() >= 3:
        cx, cy = float(np.median(lon[inside])), float(np.median(lat[inside]))
        as_is = np.hypot(lon - cx, lat - cy)
        turned = np.hypot(lat - cx, lon - cy)
        far = inside & (as_is > 1.0) & (turned * 5 < as_is)
        if far.sum() < 0.5 * inside.sum():
            swapped |= far
    return swapped
