"""The aggregated gap layer (缺口六边形): households outside the circle per hexagon.

At city zoom 25,000 estates are specks; hexagons summing the households outside the main
service circle show where the gaps are. Each estate counts in the hexagon holding its
representative point; only hexagons with uncovered households are drawn, in five classes.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning.maps.labels import GAP_COLOURS, fmt_int

#: Smallest and largest hexagon (circumradius, metres).
MIN_SIZE_M = 200.0
MAX_SIZE_M = 2_000.0


def hex_size(bounds: np.ndarray) -> float:
    """Return a circumradius giving about 50 hexagons across the layer's diagonal, rounded.

    Examples
    --------
    >>> hex_size(np.array([0.0, 0.0, 30_000.0, 40_000.0]))
    1000.0
    """
    diagonal = math.hypot(bounds[2] - bounds[0], bounds[3] - bounds[1])
    raw = min(MAX_SIZE_M, max(MIN_SIZE_M, diagonal / 50.0))
    step = 100.0 if raw < 1000 else 250.0
    return float(max(MIN_SIZE_M, round(raw / step) * step))


def _axial(x: np.ndarray, y: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Pointy-top hexagon (q, r) holding each point (cube rounding)."""
    q = (math.sqrt(3) / 3 * x - y / 3) / size
    r = (2 / 3 * y) / size
    s = -q - r
    rq, rr, rs = np.round(q), np.round(r), np.round(s)
    dq, dr, ds = np.abs(rq - q), np.abs(rr - r), np.abs(rs - s)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    rq = np.where(fix_q, -rr - rs, rq)
    rr = np.where(fix_r, -rq - rs, rr)
    return rq.astype(np.int64), rr.astype(np.int64)


def _hexagons(q: np.ndarray, r: np.ndarray, size: float) -> np.ndarray:
    cx = size * math.sqrt(3) * (q + r / 2)
    cy = size * 1.5 * r
    angles = np.radians(30 + 60 * np.arange(6))
    xs = cx[:, None] + size * np.cos(angles)[None, :]
    ys = cy[:, None] + size * np.sin(angles)[None, :]
    ring = np.stack([xs, ys], axis=2)
    return shapely.polygons(np.concatenate([ring, ring[:, :1]], axis=1))


def _ceil_two_figures(value: float) -> float:
    """Round up to two significant figures (``232`` → ``240``)."""
    if value <= 0:
        return 0.0
    step = 10.0 ** max(0, math.floor(math.log10(value)) - 1)
    return float(math.ceil(value / step - 1e-9) * step)


def class_breaks(values: np.ndarray, n: int = len(GAP_COLOURS)) -> list[float]:
    """Upper bounds of up to ``n`` classes: quantiles rounded up to two figures, increasing.

    Examples
    --------
    >>> class_breaks(np.array([10.0, 20, 30, 40, 1000]), 5)
    [18.0, 26.0, 34.0, 240.0, 1000.0]
    """
    if values.size == 0:
        return []
    out: list[float] = []
    for q in np.quantile(values, np.linspace(0, 1, n + 1)[1:]):
        value = _ceil_two_figures(float(q))
        if not out or value > out[-1]:
            out.append(value)
    return out


def gap_hexagons(
    estates: gpd.GeoDataFrame, covered_column: str, size_m: float | None = None
) -> tuple[gpd.GeoDataFrame, list[dict[str, str]]]:
    """Return hexagons with uncovered households and the legend classes.

    Parameters
    ----------
    estates : GeoDataFrame
        The audit's estates in a projected CRS (metres), with ``households`` and
        ``covered_column``.
    covered_column : str
        The main tier's coverage column, e.g. ``covered_15min``.
    size_m : float, optional
        Hexagon circumradius; default :func:`hex_size` of the estates' extent.

    Returns
    -------
    hexagons : GeoDataFrame
        ``households_outside``, ``estates_outside``, ``households``, ``colour`` and the hexagon,
        in the estates' CRS; only hexagons with households outside the circle.
    classes : list of dict
        ``label`` and ``colour`` per class, for the legend.
    """
    if covered_column not in estates or estates.empty:
        return gpd.GeoDataFrame(geometry=[], crs=estates.crs), []
    points = estates.geometry.representative_point()
    size = size_m or hex_size(estates.total_bounds)
    q, r = _axial(points.x.to_numpy(), points.y.to_numpy(), size)
    households = pd.to_numeric(estates["households"], errors="coerce").fillna(0).to_numpy()
    outside = ~estates[covered_column].fillna(False).astype(bool).to_numpy()
    frame = pd.DataFrame(
        {
            "q": q,
            "r": r,
            "households": households,
            "households_outside": np.where(outside, households, 0.0),
            "estates_outside": outside.astype(np.int64),
        }
    )
    cells = frame.groupby(["q", "r"], sort=True).sum().reset_index()
    cells = cells[cells["households_outside"] > 0].reset_index(drop=True)
    values = cells["households_outside"].to_numpy(float)
    breaks = class_breaks(values)
    # fewer classes than colours (few distinct values): the darkest colours, the top one last
    palette = GAP_COLOURS[len(GAP_COLOURS) - len(breaks) :] if breaks else ()
    index = np.searchsorted(np.asarray(breaks), values, side="left") if breaks else np.zeros(0)
    colours = [palette[min(int(i), len(palette) - 1)] for i in index]
    hexagons = gpd.GeoDataFrame(
        {
            "households_outside": values.round().astype(np.int64),
            "estates_outside": cells["estates_outside"].to_numpy(np.int64),
            "households": cells["households"].to_numpy(float).round().astype(np.int64),
            "colour": colours,
        },
        geometry=_hexagons(cells["q"].to_numpy(), cells["r"].to_numpy(), size),
        crs=estates.crs,
    )
    lows = [1.0, *[b + 1 for b in breaks[:-1]]][: len(breaks)]
    classes = [
        {"label": f"{fmt_int(lo)}–{fmt_int(hi)}", "colour": palette[i]}
        for i, (lo, hi) in enumerate(zip(lows, breaks, strict=True))
    ]
    return hexagons, classes
