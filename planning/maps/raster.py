"""The walking network drawn as one picture, for networks too large to draw as vectors.

The interactive gap map lays the picture over its offline base layer (:func:`network_image`); the
static PNG maps draw it under everything else (:func:`network_raster`). Lines are rasterised by
a numba kernel (one pixel wide, Bresenham), about a hundred times faster than drawing a million
lines one by one; the lines' pixel coordinates come from one :func:`line_vertices` call per
network and projection, kept for the other pictures of the same run (the gap map, the PNG and the
report's map share them, also in worker processes forked after they were computed).
"""

from __future__ import annotations

import base64
import io
from typing import Any

import geopandas as gpd
import numba
import numpy as np
import numpy.typing as npt
import shapely

from planning.maps.labels import NETWORK_COLOUR

#: Long side, in pixels, of the gap map's network image.
NETWORK_IMAGE_PX = 4096

#: Line vertices of the networks drawn last, by (frame identity, CRS): a run draws the same
#: network several times (gap map, PNG, report map). Small: one or two networks.
_VERTICES: dict[tuple[int, str], tuple[Any, npt.NDArray[np.float64], npt.NDArray[np.int64]]] = {}


def line_vertices(
    network: gpd.GeoDataFrame, crs: Any = None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Vertices of the network's lines, in ``crs``, and the line of each (kept for reuse).

    Parameters
    ----------
    network : GeoDataFrame
        Lines.
    crs : CRS-like, optional
        Project the vertices to this CRS (default: the network's own).

    Returns
    -------
    coords, index
        ``n × 2`` coordinates and, per vertex, the position of its line.
    """
    key = (id(network), str(crs))
    found = _VERTICES.get(key)
    if found is not None and found[0] is network:
        return found[1], found[2]
    if crs is None:
        coords, index = shapely.get_coordinates(network.geometry.to_numpy(), return_index=True)
    else:
        from pyproj import Transformer

        own, index = line_vertices(network)
        to = Transformer.from_crs(network.crs, crs, always_xy=True)
        coords = np.column_stack(to.transform(own[:, 0], own[:, 1]))
    if len(_VERTICES) >= 4:
        _VERTICES.clear()
    # the frame itself is kept so that its id cannot be reused by another frame meanwhile
    _VERTICES[key] = (network, coords, index.astype(np.int64, copy=False))
    return coords, _VERTICES[key][2]


@numba.njit(cache=True)
def _draw_lines(mask, px, py, index):  # fmt: skip
    """Set the pixels of the segments between consecutive vertices of the same line."""
    h, w = mask.shape
    for k in range(len(px) - 1):
        if index[k] != index[k + 1]:
            continue
        x0 = int(np.floor(px[k] + 0.5))
        y0 = int(np.floor(py[k] + 0.5))
        x1 = int(np.floor(px[k + 1] + 0.5))
        y1 = int(np.floor(py[k + 1] + 0.5))
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx = 1 if x0 < x1 else -1
        sy = 1 if y0 < y1 else -1
        err = dx + dy
        while True:
            if 0 <= x0 < w and 0 <= y0 < h:
                mask[y0, x0] = 1
            if x0 == x1 and y0 == y1:
                break
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                x0 += sx
            if e2 <= dx:
                err += dx
                y0 += sy


def network_raster(
    network: gpd.GeoDataFrame,
    long_side_px: int,
    crs: Any = None,
    bounds: tuple[float, float, float, float] | None = None,
) -> tuple[npt.NDArray[np.uint8], tuple[float, float, float, float]]:
    """Draw network lines into a transparent RGBA image.

    Parameters
    ----------
    network : GeoDataFrame
        Lines.
    long_side_px : int
        Pixels along the longer side of the bounding box.
    crs : CRS-like, optional
        Draw in this projected CRS (default: the layer's own).
    bounds : (x0, y0, x1, y1), optional
        Draw only this window (in the drawing CRS), e.g. a map's view; default the network's
        bounding box.

    Returns
    -------
    image, extent
        An ``height × width × 4`` uint8 RGBA array (lines in the network colour, elsewhere
        transparent) and its ``(left, right, bottom, top)`` in the drawing CRS; the image's
        edges are exactly these bounds.
    """
    coords, index = line_vertices(network, crs)
    if bounds is not None:
        x0, y0, x1, y1 = bounds
    elif len(coords):
        x0, y0 = coords.min(axis=0)
        x1, y1 = coords.max(axis=0)
    else:
        x0 = y0 = x1 = y1 = 0.0
    x1, y1 = max(x1, x0 + 1.0), max(y1, y0 + 1.0)
    scale = long_side_px / max(x1 - x0, y1 - y0)
    width = max(round((x1 - x0) * scale), 1)
    height = max(round((y1 - y0) * scale), 1)
    # pixel (i, j) covers [i, i + 1): its centre is at i + 0.5, as PIL draws
    px = (coords[:, 0] - x0) * (width / (x1 - x0)) - 0.5
    py = (y1 - coords[:, 1]) * (height / (y1 - y0)) - 0.5
    image = np.empty((height, width, 4), np.uint8)
    image[..., :3] = [int(NETWORK_COLOUR[i : i + 2], 16) for i in (1, 3, 5)]
    alpha = np.zeros((height, width), np.uint8)
    _draw_lines(alpha, px, py, index)
    image[..., 3] = alpha * np.uint8(255)  # lines opaque, the rest transparent
    return image, (float(x0), float(x1), float(y0), float(y1))


def network_image(network: gpd.GeoDataFrame) -> dict[str, Any]:
    """Draw a large network as one transparent PNG for an image overlay (offline base layer).

    Drawn in Web Mercator, the projection Leaflet stretches the image in, so lines sit where the
    vector layer would put them.

    Returns
    -------
    dict
        ``uri`` (a ``data:image/png`` URI) and ``bounds`` ``[[south, west], [north, east]]``.
    """
    from PIL import Image

    pixels, (x0, x1, y0, y1) = network_raster(network, NETWORK_IMAGE_PX, crs=3857)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(buffer, format="PNG", compress_level=6)
    corners = gpd.GeoSeries(shapely.points([[x0, y0], [x1, y1]]), crs=3857).to_crs(4326)
    return {
        "uri": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"),
        "bounds": [[corners.y.iloc[0], corners.x.iloc[0]], [corners.y.iloc[1], corners.x.iloc[1]]],
    }
