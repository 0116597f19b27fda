"""Choosing the projected CRS of a network (局部米制坐标系).

An explicit CRS must be projected; otherwise the project-wide rule
:func:`planning.coords.local_metric_crs` applies (a projected metric CRS is kept, geographic data
gets the UTM zone of its median position).
"""

from __future__ import annotations

from typing import Any

from pyproj import CRS

from planning._errors import NetworkError


def resolve_crs(crs: Any, data: Any) -> CRS:
    """Return the target CRS: ``crs`` when given (must be projected), else chosen from ``data``.

    Parameters
    ----------
    crs : pyproj.CRS, str, int or None
        Requested CRS (anything :meth:`pyproj.CRS.from_user_input` accepts, e.g. ``32651``).
    data : GeoDataFrame or GeoSeries
        The data (with its CRS), used when ``crs`` is None.

    Returns
    -------
    pyproj.CRS
    """
    if crs is None:
        from planning.coords import local_metric_crs

        return local_metric_crs(data)
    try:
        out = CRS.from_user_input(crs)
    except Exception as exc:  # pyproj raises CRSError; report it as a planning error
        raise NetworkError(f"Unknown CRS {crs!r}: {exc}. Use e.g. 'EPSG:32651'.") from exc
    if not out.is_projected:
        raise NetworkError(
            f"CRS {out.to_string()} is not projected; distances need metres. Use the local "
            "UTM zone (e.g. EPSG:32650 for Wuhan, EPSG:32651 for Shanghai)."
        )
    return out
