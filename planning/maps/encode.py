"""Compact geometry encoding for the web map (坐标压缩).

Geometries are simplified in the results' metric CRS, projected to WGS-84 longitude/latitude
(optionally shifted to GCJ-02 for 高德 tiles), rounded to 1e-6 degree (about 0.1 m) and written as
integer offsets from a common origin, each vertex as the difference from the previous one.
This keeps a 25 000-estate map to a few megabytes. The page decodes with the same rules:

* a ring or line is a flat list ``[x0, y0, dx1, dy1, ...]`` in micro-degrees, ``x0, y0`` relative
  to the payload's ``origin``; rings are implicitly closed (the closing vertex is not written);
* a polygonal feature is a list of polygons, each a list of rings (exterior first);
* a point is ``[x, y]``;
* a line feature set is one list of lines.
"""

from __future__ import annotations

import itertools
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from planning.maps.basemaps import CoordShift

SCALE = 1_000_000
WGS84 = "EPSG:4326"


def to_lonlat(gdf: gpd.GeoDataFrame, *, tolerance_m: float, shift: CoordShift | None) -> np.ndarray:
    """Return the geometries simplified, in WGS-84 lon/lat, shifted when asked.

    Parameters
    ----------
    gdf : GeoDataFrame
        Layer in its saved CRS (projected, metres; a geographic CRS is also accepted).
    tolerance_m : float
        Simplification tolerance in metres (0 to keep every vertex).
    shift : callable, optional
        Function of an (N, 2) lon/lat array, e.g. WGS-84 → GCJ-02.

    Returns
    -------
    numpy.ndarray
        Array of shapely geometries.
    """
    geoms = gdf.geometry
    if tolerance_m > 0 and gdf.crs is not None and gdf.crs.is_projected:
        geoms = geoms.simplify(tolerance_m, preserve_topology=True)
    if gdf.crs is not None and not gdf.crs.equals(WGS84):
        geoms = gpd.GeoSeries(geoms, crs=gdf.crs).to_crs(WGS84)
    arr = np.asarray(geoms.to_numpy(), dtype=object)
    if shift is not None:
        arr = shapely.transform(arr, shift)
    return arr


def origin_of(geoms: np.ndarray) -> tuple[int, int]:
    """Return the integer micro-degree origin (the rounded centre of the bounds)."""
    valid = geoms[~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)]
    if valid.size == 0:
        return (0, 0)
    b = shapely.total_bounds(valid)
    return (round((b[0] + b[2]) / 2 * SCALE), round((b[1] + b[3]) / 2 * SCALE))


def _flat_sequences(
    coords: np.ndarray, seq_index: np.ndarray, n_seq: int, origin: tuple[int, int], *, closed: bool
) -> list[list[int]]:
    """Encode coordinate sequences (rings or lines) as delta lists, dropping repeated vertices."""
    ints = np.rint(coords * SCALE).astype(np.int64) - np.asarray(origin, dtype=np.int64)
    if closed and ints.shape[0]:
        # drop the closing vertex of every ring (last vertex of each sequence)
        last = np.r_[seq_index[1:] != seq_index[:-1], True]
        ints, seq_index = ints[~last], seq_index[~last]
    starts = np.r_[True, seq_index[1:] != seq_index[:-1]] if ints.shape[0] else np.zeros(0, bool)
    deltas = ints.copy()
    deltas[1:] -= ints[:-1]
    deltas[starts] = ints[starts]
    keep = starts | np.any(deltas != 0, axis=1)
    deltas, seq_index = deltas[keep], seq_index[keep]
    out: list[list[int]] = [[] for _ in range(n_seq)]
    if deltas.shape[0] == 0:
        return out
    bounds = np.flatnonzero(np.r_[True, seq_index[1:] != seq_index[:-1], True])
    flat = deltas.ravel().tolist()
    for a, b in itertools.pairwise(bounds):
        out[int(seq_index[a])] = flat[2 * a : 2 * b]
    return out


def encode_polygons(geoms: np.ndarray, origin: tuple[int, int]) -> list[list[list[list[int]]]]:
    """Encode polygonal geometries: one list of polygons (lists of rings) per feature.

    Non-polygonal parts are ignored; rings left with fewer than 3 vertices after rounding are
    dropped (a polygon whose exterior is dropped is dropped).
    """
    n = len(geoms)
    features: list[list[list[list[int]]]] = [[] for _ in range(n)]
    if n == 0:
        return features
    parts, part_feature = shapely.get_parts(geoms, return_index=True)
    is_poly = shapely.get_type_id(parts) == 3
    parts, part_feature = parts[is_poly], part_feature[is_poly]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    encoded = _flat_sequences(coords, coord_ring, len(rings), origin, closed=True)
    polys: list[list[list[int]]] = [[] for _ in range(len(parts))]
    exterior_ok = np.ones(len(parts), dtype=bool)
    first_ring = np.r_[True, ring_part[1:] != ring_part[:-1]] if len(rings) else np.zeros(0, bool)
    for r, (p, seq) in enumerate(zip(ring_part.tolist(), encoded, strict=True)):
        if len(seq) < 6:
            if first_ring[r]:
                exterior_ok[p] = False
            continue
        polys[p].append(seq)
    for p, f in enumerate(part_feature.tolist()):
        if exterior_ok[p] and polys[p]:
            features[f].append(polys[p])
    return features


def encode_lines(geoms: np.ndarray, origin: tuple[int, int]) -> list[list[int]]:
    """Encode all linear parts of ``geoms`` as one list of delta lists (lines of ≥2 vertices)."""
    if len(geoms) == 0:
        return []
    parts = shapely.get_parts(geoms)
    parts = parts[np.isin(shapely.get_type_id(parts), [1, 2])]
    if len(parts) == 0:
        return []
    coords, idx = shapely.get_coordinates(parts, return_index=True)
    encoded = _flat_sequences(coords, idx, len(parts), origin, closed=False)
    return [seq for seq in encoded if len(seq) >= 4]


def encode_points(geoms: np.ndarray, origin: tuple[int, int]) -> list[list[int]]:
    """Encode one representative point per feature (the point itself, or a point inside)."""
    if len(geoms) == 0:
        return []
    pts = shapely.point_on_surface(geoms)
    xy = np.rint(shapely.get_coordinates(pts) * SCALE).astype(np.int64)
    xy -= np.asarray(origin, dtype=np.int64)
    return [[int(x), int(y)] for x, y in xy]


def encode_estate_geometry(geoms: np.ndarray, origin: tuple[int, int]) -> list[Any]:
    """Encode estates: polygons as polygon lists, points (or degenerate polygons) as ``[x, y]``."""
    polys = encode_polygons(geoms, origin)
    points = encode_points(geoms, origin)
    return [p if p else pt for p, pt in zip(polys, points, strict=True)]


def bounds_latlng(geoms: np.ndarray) -> list[list[float]] | None:
    """Return ``[[south, west], [north, east]]`` of the geometries, or None when empty."""
    valid = geoms[~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)]
    if valid.size == 0:
        return None
    b = shapely.total_bounds(valid)
    return [[round(b[1], 6), round(b[0], 6)], [round(b[3], 6), round(b[2], 6)]]
