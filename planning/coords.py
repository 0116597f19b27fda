"""Chinese map coordinates (GCJ-02 火星坐标, BD-09 百度坐标) and the local metric CRS.

Online maps in China publish positions in obfuscated systems: Amap/Tencent use GCJ-02, Baidu
uses BD-09 (GCJ-02 plus a further shift). The forward transforms WGS-84 → GCJ-02 → BD-09 below
are the standard public formulas (Krasovsky ellipsoid constants ``a = 6378245``,
``e² = 0.00669342162296594323``; BD-09 rotation/scaling with ``x_pi = π·3000/180``). The inverse
transforms have no closed form; they are computed by fixed-point iteration until the forward
transform reproduces the input to < 1e-9° (≈ 0.1 mm), far below the 0.5 m requirement. Outside
China's rough bounding box GCJ-02 equals WGS-84 (as every public implementation does).

All functions are vectorised with numpy: pass scalars or arrays of longitudes and latitudes (same
shape) and get float64 arrays of that shape back.

:func:`local_metric_crs` picks the projected coordinate system (metres) used for every distance
computation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj

from planning._errors import InputDataError, param

__all__ = [
    "COORDINATE_SYSTEMS",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "local_metric_crs",
    "out_of_china",
    "to_wgs84",
    "transform_function",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]

#: Coordinate systems accepted by the ``coords`` parameter.
COORDINATE_SYSTEMS: tuple[str, ...] = ("wgs84", "gcj02", "bd09")

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0
_TOLERANCE_DEG = 1e-9
_MAX_ITERATIONS = 50


def _arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    if x.shape != y.shape:
        x, y = np.broadcast_arrays(x, y)
    return x.astype(np.float64, copy=True), y.astype(np.float64, copy=True)


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> npt.NDArray[np.bool_]:
    """Return ``True`` where a point lies outside China's rough bounding box (no GCJ-02 shift).

    The box (72.004–137.8347 °E, 0.8293–55.8271 °N) is the one used by the public formulas.
    """
    x, y = _arrays(lon, lat)
    return (x < 72.004) | (x > 137.8347) | (y < 0.8293) | (y > 55.8271)


def _gcj_offset(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the GCJ-02 offset (degrees) at WGS-84 position ``x``, ``y``."""
    dx = x - 105.0
    dy = y - 35.0
    sqrt_abs = np.sqrt(np.abs(dx))
    common = (20.0 * np.sin(6.0 * dx * math.pi) + 20.0 * np.sin(2.0 * dx * math.pi)) * 2.0 / 3.0
    t_lat = -100.0 + 2.0 * dx + 3.0 * dy + 0.2 * dy * dy + 0.1 * dx * dy + 0.2 * sqrt_abs
    t_lat = t_lat + common
    t_lat = t_lat + (20.0 * np.sin(dy * math.pi) + 40.0 * np.sin(dy / 3.0 * math.pi)) * 2.0 / 3.0
    t_lat = (
        t_lat
        + (160.0 * np.sin(dy / 12.0 * math.pi) + 320.0 * np.sin(dy * math.pi / 30.0)) * 2.0 / 3.0
    )
    t_lon = 300.0 + dx + 2.0 * dy + 0.1 * dx * dx + 0.1 * dx * dy + 0.1 * sqrt_abs
    t_lon = t_lon + common
    t_lon = t_lon + (20.0 * np.sin(dx * math.pi) + 40.0 * np.sin(dx / 3.0 * math.pi)) * 2.0 / 3.0
    t_lon = (
        t_lon
        + (150.0 * np.sin(dx / 12.0 * math.pi) + 300.0 * np.sin(dx / 30.0 * math.pi)) * 2.0 / 3.0
    )
    rad_lat = y / 180.0 * math.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (t_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (t_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS-84 longitude/latitude to GCJ-02 (Amap/Tencent, 火星坐标).

    Parameters
    ----------
    lon, lat : array_like
        WGS-84 degrees.

    Returns
    -------
    tuple of ndarray
        GCJ-02 longitude and latitude; unchanged outside China.
    """
    x, y = _arrays(lon, lat)
    d_lon, d_lat = _gcj_offset(x, y)
    outside = out_of_china(x, y)
    return np.where(outside, x, x + d_lon), np.where(outside, y, y + d_lat)


def _invert(
    forward: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
    x: FloatArray,
    y: FloatArray,
    start: tuple[FloatArray, FloatArray],
) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(u, v) == (x, y)`` by fixed-point iteration from ``start``."""
    u, v = start[0].copy(), start[1].copy()
    for _ in range(_MAX_ITERATIONS):
        fx, fy = forward(u, v)
        ex, ey = fx - x, fy - y
        u = u - ex
        v = v - ey
        finite = np.isfinite(ex) & np.isfinite(ey)
        if not finite.any() or np.max(np.maximum(np.abs(ex), np.abs(ey))[finite]) < _TOLERANCE_DEG:
            break
    return u, v


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 longitude/latitude to WGS-84 (exact inverse by iteration, < 1 mm).

    Points outside China (by the GCJ-02 bounding box) are returned unchanged.
    """
    x, y = _arrays(lon, lat)
    u, v = _invert(wgs84_to_gcj02, x, y, (x, y))
    outside = out_of_china(x, y)
    return np.where(outside, x, u), np.where(outside, y, v)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 longitude/latitude to BD-09 (Baidu, 百度坐标) with the public formula."""
    x, y = _arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 longitude/latitude to GCJ-02.

    Starts from the usual published approximate inverse and refines it by fixed-point iteration
    so that :func:`gcj02_to_bd09` reproduces the input to < 1e-9°.
    """
    x, y = _arrays(lon, lat)
    bx = x - 0.0065
    by = y - 0.006
    z = np.sqrt(bx * bx + by * by) - 0.00002 * np.sin(by * _X_PI)
    theta = np.arctan2(by, bx) - 0.000003 * np.cos(bx * _X_PI)
    start = (z * np.cos(theta), z * np.sin(theta))
    return _invert(gcj02_to_bd09, x, y, start)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS-84 longitude/latitude to BD-09 (via GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 longitude/latitude to WGS-84 (via GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def transform_function(
    system: str,
) -> Callable[[ArrayLike, ArrayLike], tuple[FloatArray, FloatArray]]:
    """Return the function converting ``system`` coordinates to WGS-84.

    Parameters
    ----------
    system : str
        ``"wgs84"``, ``"gcj02"`` or ``"bd09"`` (case-insensitive; ``"gcj-02"``, ``"bd-09"``,
        ``"wgs-84"`` accepted).

    Raises
    ------
    InputDataError
        For any other name.
    """
    key = system.lower().replace("-", "").replace("_", "").strip()
    if key == "wgs84":
        return _arrays
    if key == "gcj02":
        return gcj02_to_wgs84
    if key == "bd09":
        return bd09_to_wgs84
    raise InputDataError(
        f"{param('coords', system)}: unknown coordinate system (坐标系). Use one of "
        f"{', '.join(COORDINATE_SYSTEMS)}: wgs84 for GPS/天地图 data, "
        "gcj02 for Amap/Tencent (高德/腾讯), bd09 for Baidu (百度)."
    )


def to_wgs84(lon: ArrayLike, lat: ArrayLike, system: str) -> tuple[FloatArray, FloatArray]:
    """Convert longitudes/latitudes in ``system`` (wgs84, gcj02, bd09) to WGS-84."""
    return transform_function(system)(lon, lat)


def _is_metric(crs: pyproj.CRS) -> bool:
    if not crs.is_projected:
        return False
    units = {axis.unit_name.lower() for axis in crs.axis_info}
    return bool(units) and units <= {"metre", "meter", "metres", "meters"}


def _utm_crs(lon: float, lat: float) -> pyproj.CRS:
    zone = math.floor((lon + 180.0) / 6.0) % 60 + 1
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def local_metric_crs(data: Any, crs: pyproj.CRS | str | int | None = None) -> pyproj.CRS:
    """Choose the projected CRS (metres) for all layers of a study.

    * A GeoDataFrame/GeoSeries already in a projected CRS in metres (e.g. CGCS2000 Gauss-Krüger
      zones EPSG:4513–4533 / 4534–4554, or a UTM zone) keeps that CRS.
    * Geographic data — WGS-84 (EPSG:4326) or CGCS2000 geographic (EPSG:4490) — gets the WGS 84 /
      UTM zone (EPSG:326xx north, 327xx south) of the data's median position. CGCS2000 and
      WGS-84 differ by a few centimetres, which is irrelevant for planning distances, so EPSG:4490
      is treated as WGS-84 here.
    * Other projected CRSs whose unit is not the metre (feet) also get the UTM zone.

    Parameters
    ----------
    data : GeoDataFrame, GeoSeries or sequence of 4 floats
        The data, or bounds ``(minx, miny, maxx, maxy)``; bounds are longitude/latitude unless
        ``crs`` says otherwise.
    crs : pyproj.CRS, str or int, optional
        CRS of ``data`` when it is bounds (or overrides a missing CRS on a frame).

    Returns
    -------
    pyproj.CRS
        A projected CRS whose axis unit is the metre.

    Raises
    ------
    InputDataError
        When the data has no CRS, is empty or has no finite coordinates.
    """
    if hasattr(data, "geometry") or hasattr(data, "crs"):
        source = pyproj.CRS.from_user_input(crs) if crs is not None else data.crs
        if source is None:
            raise InputDataError(
                "The data has no coordinate reference system (坐标系缺失); a metric CRS cannot be "
                f"chosen. Fix: add a .prj file or give it with {param('crs', 'EPSG:4326')}."
            )
        source = pyproj.CRS.from_user_input(source)
        if _is_metric(source):
            return source
        geoms = data.geometry if hasattr(data, "geometry") else data
        geoms = geoms[~(geoms.isna() | geoms.is_empty)]
        if len(geoms) == 0:
            raise InputDataError("No geometry to choose a metric CRS from (没有有效几何).")
        points = geoms.representative_point()
        xs = np.asarray(points.x, dtype=float)
        ys = np.asarray(points.y, dtype=float)
    else:
        bounds: Sequence[float] = data
        if len(bounds) != 4:
            raise InputDataError(f"Expected bounds (minx, miny, maxx, maxy), got {bounds!r}.")
        source = pyproj.CRS.from_user_input(crs) if crs is not None else pyproj.CRS(4326)
        if _is_metric(source):
            return source
        xs = np.array([(bounds[0] + bounds[2]) / 2.0])
        ys = np.array([(bounds[1] + bounds[3]) / 2.0])
    ok = np.isfinite(xs) & np.isfinite(ys)
    if not ok.any():
        raise InputDataError("No finite coordinates to choose a metric CRS from (坐标无效).")
    lon, lat = float(np.median(xs[ok])), float(np.median(ys[ok]))
    if not source.is_geographic:
        transformer = pyproj.Transformer.from_crs(source, 4326, always_xy=True)
        lon, lat = transformer.transform(lon, lat)
    return _utm_crs(lon, lat)
