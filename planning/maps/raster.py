"""The walking network drawn as one picture, for networks too large to draw as vectors.

The interactive gap map lays the picture over its offline base layer (:func:`network_image`); the
static PNG map draws it under everything else (:func:`network_raster`).
"""

from __future__ import annotations

import base64
import io
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from planning.maps.labels import NETWORK_COLOUR

#: Long side, in pixels, of the gap map's network image.
NETWORK_IMAGE_PX = 4096


def network_raster(
    network: gpd.GeoDataFrame, long_side_px: int
) -> tuple[Any, tuple[float, float, float, float]]:
    """Draw network lines into a transparent RGBA image in the layer's own CRS.

    Parameters
    ----------
    network : GeoDataFrame
        Lines in a projected CRS.
    long_side_px : int
        Pixels along the longer side of the bounding box.

    Returns
    -------
    image, extent
        A PIL image and its ``(left, right, bottom, top)`` in the layer's coordinates; the
        image's edges are exactly these bounds.
    """
    from PIL import Image, ImageDraw

    x0, y0, x1, y1 = network.total_bounds
    x1, y1 = max(x1, x0 + 1.0), max(y1, y0 + 1.0)
    scale = long_side_px / max(x1 - x0, y1 - y0)
    width = max(round((x1 - x0) * scale), 1)
    height = max(round((y1 - y0) * scale), 1)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    coords, index = shapely.get_coordinates(network.geometry.to_numpy(), return_index=True)
    px = (coords[:, 0] - x0) * (width / (x1 - x0))
    py = (y1 - coords[:, 1]) * (height / (y1 - y0))
    starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
    ends = np.r_[starts[1:], len(index)]
    colour = (*(int(NETWORK_COLOUR[i : i + 2], 16) for i in (1, 3, 5)), 255)
    for a, b in zip(starts, ends, strict=True):
        draw.line(list(zip(px[a:b], py[a:b], strict=True)), fill=colour, width=1)
    return image, (x0, x1, y0, y1)


def network_image(network: gpd.GeoDataFrame) -> dict[str, Any]:
    """Draw a large network as one transparent PNG for an image overlay (offline base layer).

    Drawn in Web Mercator, the projection Leaflet stretches the image in, so lines sit where the
    vector layer would put them.

    Returns
    -------
    dict
        ``uri`` (a ``data:image/png`` URI) and ``bounds`` ``[[south, west], [north, east]]``.
    """
    image, (x0, x1, y0, y1) = network_raster(network.to_crs(3857), NETWORK_IMAGE_PX)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    corners = gpd.GeoSeries(shapely.points([[x0, y0], [x1, y1]]), crs=3857).to_crs(4326)
    return {
        "uri": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"),
        "bounds": [[corners.y.iloc[0], corners.x.iloc[0]], [corners.y.iloc[1], corners.x.iloc[1]]],
    }
