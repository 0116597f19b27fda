"""Choosing the projected CRS of a network (局部米制坐标系).

``planning.coords.local_metric_crs`` is the project-wide rule; until the builders are wired to it
they accept a CRS argument and otherwise use the UTM zone of the data's centroid, which is the
same rule.
"""

from __future__ import annotations

from typing import Any

from pyproj import CRS

from planning._errors import NetworkError


def utm_crs(lon: float, lat: float) -> CRS:
    """Return the WGS 84 / UTM CRS of the zone containing ``(lon, lat)``."""
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise NetworkError(
            f"Cannot choose a UTM zone for lon={lon}, lat={lat}: not geographic coordinates."
        )
    zone = min(60, int((lon + 180.0) // 6.0) + 1)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def resolve_crs(crs: Any, lonlat_centroid: tuple[float, float] | None) -> CRS:
    """Return the target CRS: ``crs`` when given (must be projected), else the UTM zone.

    Parameters
    ----------
    crs : pyproj.CRS, str, int or None
        Requested CRS (anything :meth:`pyproj.CRS.from_user_input` accepts, e.g. ``32651``).
    lonlat_centroid : tuple of float or None
        Centroid of the data in WGS 84, used when ``crs`` is None.

    Returns
    -------
    pyproj.CRS
    """
    if crs is not None:
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
    if lonlat_centroid is None:
        raise NetworkError("No CRS given and the data has no position to choose a UTM zone.")
    return utm_crs(*lonlat_centroid)
