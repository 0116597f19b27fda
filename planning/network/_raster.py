"""Fast buffered-line polygons from an exact distance field (for large service-area jobs).

The distance from every grid point (cell size ``cell_m``) to the nearest reached street piece is
computed exactly in numba, and the polygon "distance ≤ buffer" is traced by contourpy's filled
contours, which interpolate linearly between grid points. The outline lies within about half a
cell of the exact buffer (closer along straight streets); holes narrower than a cell between two
buffers may be filled. Used by :func:`planning.network.service_area.service_areas` when a job
is too large for exact GEOS unions.
"""

from __future__ import annotations

import math
from typing import Any

import contourpy
import numba
import numpy as np
import numpy.typing as npt
import shapely


@numba.njit(cache=True)
def _field(x0, y0, cell, oi, oj, nx, ny, sx1, sy1, sx2, sy2, reach):
    """Distance (capped at ``2 * reach``) from grid points to the nearest segment.

    Local grid point ``(i, j)`` is the global point ``(x0 + (oi + i) * cell, y0 + (oj + j) *
    cell)`` (offsets allow computing a grid in windows).
    """
    cap = 2.0 * reach
    f = np.full((ny, nx), cap, np.float32)
    for s in range(len(sx1)):
        ax, ay, bx, by = sx1[s], sy1[s], sx2[s], sy2[s]
        dx, dy = bx - ax, by - ay
        ll = dx * dx + dy * dy
        i0 = max(0, math.floor((min(ax, bx) - reach - x0) / cell) - oi)
        i1 = min(nx - 1, math.ceil((max(ax, bx) + reach - x0) / cell) - oi)
        j0 = max(0, math.floor((min(ay, by) - reach - y0) / cell) - oj)
        j1 = min(ny - 1, math.ceil((max(ay, by) + reach - y0) / cell) - oj)
        for j in range(j0, j1 + 1):
            py = y0 + (oj + j) * cell
            for i in range(i0, i1 + 1):
                px = x0 + (oi + i) * cell
                t = 0.0
                if ll > 0:
                    t = ((px - ax) * dx + (py - ay) * dy) / ll
                    t = min(1.0, max(0.0, t))
                qx = ax + t * dx - px
                qy = ay + t * dy - py
                d = math.sqrt(qx * qx + qy * qy)
                if d < f[j, i]:
                    f[j, i] = d
    return f


def segments_of(
    lines: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Consecutive vertex pairs of lines: ``(k × 4 array [x1, y1, x2, y2], line index)``."""
    coords, idx = shapely.get_coordinates(lines, return_index=True)
    same = idx[1:] == idx[:-1]
    seg = np.column_stack([coords[:-1][same], coords[1:][same]])
    return seg, idx[:-1][same]


#: Largest grid (cells) for one distance field; coarser cells are used beyond it.
MAX_CELLS = 25_000_000


def _contour_polygon(gx: Any, gy: Any, f: Any, buf: float) -> shapely.Geometry:
    """Polygon(s) where the field ``f`` (on grid ``gx`` × ``gy``) is ≤ ``buf``."""
    gen = contourpy.contour_generator(
        gx, gy, f, fill_type=contourpy.FillType.ChunkCombinedOffsetOffset, name="serial"
    )
    filled: Any = gen.filled(-1.0, buf)
    points_l, offsets_l, outer_l = filled
    if not points_l or points_l[0] is None:
        return shapely.Polygon()
    points = np.asarray(points_l[0], dtype=np.float64)
    offsets = np.asarray(offsets_l[0], dtype=np.int64)
    outer = np.asarray(outer_l[0], dtype=np.int64)
    # contourpy's rings and polygons are shapely's ragged arrays already: no per-ring objects
    polys = shapely.from_ragged_array(shapely.GeometryType.POLYGON, points, (offsets, outer))
    if len(polys) == 1:
        return polys[0]
    return shapely.multipolygons(polys)


def _grid(
    seg: npt.NDArray[np.float64], buf: float, cell_m: float
) -> tuple[float, float, int, int, float]:
    """Aligned grid covering the segments plus the buffer; coarser if it would be too big."""
    xs = np.concatenate([seg[:, 0], seg[:, 2]])
    ys = np.concatenate([seg[:, 1], seg[:, 3]])
    while True:
        pad = buf + 2 * cell_m
        x0 = math.floor((xs.min() - pad) / cell_m) * cell_m
        y0 = math.floor((ys.min() - pad) / cell_m) * cell_m
        nx = math.ceil((xs.max() + pad - x0) / cell_m) + 1
        ny = math.ceil((ys.max() + pad - y0) / cell_m) + 1
        if nx * ny <= MAX_CELLS:
            return x0, y0, nx, ny, cell_m
        cell_m *= math.sqrt(nx * ny / MAX_CELLS) * 1.01


def raster_buffer(seg: npt.NDArray[np.float64], buf: float, cell_m: float) -> shapely.Geometry:
    """Polygon of the points within ``buf`` of the segments (``k × 4`` array).

    The grid step is ``cell_m`` unless the extent would need more than :data:`MAX_CELLS`
    cells, in which case it grows just enough (a city-wide merged layer).
    """
    if len(seg) == 0:
        return shapely.Polygon()
    x0, y0, nx, ny, cell = _grid(seg, buf, cell_m)
    sx1, sy1, sx2, sy2 = (np.ascontiguousarray(seg[:, k]) for k in range(4))
    f = _field(x0, y0, cell, 0, 0, nx, ny, sx1, sy1, sx2, sy2, buf)
    return _contour_polygon(x0 + cell * np.arange(nx), y0 + cell * np.arange(ny), f, buf)


def raster_buffer_groups(
    lines: npt.NDArray[np.object_],
    group: npt.NDArray[np.int64],
    n_groups: int,
    buf: float,
    cell_m: float,
) -> npt.NDArray[np.object_]:
    """:func:`raster_buffer` of the lines of every group (empty polygon for empty groups)."""
    out = np.full(n_groups, shapely.Polygon(), dtype=object)
    if len(lines) == 0:
        return out
    seg, line_of = segments_of(lines)
    seg_group = group[line_of]
    order = np.argsort(seg_group, kind="stable")
    seg, seg_group = seg[order], seg_group[order]
    present, starts = np.unique(seg_group, return_index=True)
    stops = np.append(starts[1:], len(seg_group))
    for g, a, b in zip(present, starts, stops, strict=True):
        out[g] = raster_buffer(seg[a:b], buf, cell_m)
    return out
