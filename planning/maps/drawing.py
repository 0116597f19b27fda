"""Drawing big layers with matplotlib fast (the static PNG maps of :mod:`planning.maps.static`).

* :func:`polygons_patch` — thousands of polygons as one compound path: drawn (and hatched) in one
  go instead of one patch each;
* :func:`network_picture` — a city-wide network as one picture of the view, at the axes' own
  resolution (:mod:`planning.maps.raster`), so nothing is resampled;
* :func:`draw_on_save` — a canvas that renders the figure once, when it is saved, however many
  layers geopandas adds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely

from planning.maps.gap_map import NETWORK_VECTOR_LIMIT
from planning.maps.raster import network_raster

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def polygons_patch(polygons: Any, **style: Any) -> Any:
    """One patch holding every polygon (a compound path): drawn, and hatched, in one go.

    Drawing thousands of estates as one path instead of one patch each is many times faster,
    above all when hatched (Agg hatches every patch on its own). Add it with ``add_artist``:
    ``add_patch`` walks every vertex in Python to update the data limits, which the map sets
    itself.
    """
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    parts = shapely.get_parts(np.asarray(polygons, dtype=object))
    parts = parts[shapely.get_type_id(parts) == shapely.GeometryType.POLYGON]
    parts = parts[~shapely.is_empty(parts)]
    if not len(parts):
        return None
    _, coords, (rings, _) = shapely.to_ragged_array(parts)
    codes = np.full(len(coords), MplPath.LINETO, dtype=MplPath.code_type)
    codes[rings[:-1]] = MplPath.MOVETO
    codes[rings[1:] - 1] = MplPath.CLOSEPOLY
    return PathPatch(MplPath(coords, codes), **style)


def draw_estates(
    ax: Axes, geoms: Any, colour: str, edge: str, width: float, hatch: str | None
) -> None:
    """Estates of one verdict: polygons as one patch, estates given as points as dots."""
    kinds = shapely.get_type_id(geoms)
    patch = polygons_patch(geoms, facecolor=colour, edgecolor=edge, linewidth=width,
                            hatch=hatch, zorder=6)  # fmt: skip
    if patch is not None:
        ax.add_artist(patch)
    points = geoms[kinds == shapely.GeometryType.POINT]
    if len(points):
        xy = shapely.get_coordinates(points)
        ax.scatter(xy[:, 0], xy[:, 1], s=6, c=colour, edgecolors=edge, linewidths=width,
                   hatch=hatch, zorder=6)  # fmt: skip


def network_picture(ax: Axes, network: gpd.GeoDataFrame | None) -> None:
    """Draw a city-wide network as one picture of the view at the axes' own resolution.

    A vector plot of ~1M lines takes minutes; the picture covers exactly the view, one image
    pixel per output pixel, so nothing is resampled.
    """
    if network is None or len(network) <= NETWORK_VECTOR_LIMIT:
        return
    fig = ax.get_figure()
    assert fig is not None
    ax.apply_aspect()
    box = ax.get_position()  # in figure fractions; the figure's bbox is in output pixels
    width_px = box.width * fig.bbox.width
    height_px = box.height * fig.bbox.height
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    image, extent = network_raster(
        network, max(1, round(max(width_px, height_px))), bounds=(x0, y0, x1, y1)
    )
    ax.imshow(image, extent=extent, zorder=1, interpolation="nearest", aspect="auto")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def draw_on_save(fig: Any) -> None:
    """Give ``fig`` an Agg canvas that draws once, when the figure is saved.

    geopandas asks the canvas to redraw after every layer it plots; the plain Agg canvas then
    renders the whole figure each time (a city map was drawn nine times, each time resampling
    the network picture).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    class DrawOnSave(FigureCanvasAgg):
        def draw_idle(self, *args: Any, **kwargs: Any) -> None:
            """Nothing to do: the figure is drawn when it is saved."""

    DrawOnSave(fig)
