"""Road layout of the sample district (示例区路网): arterials, branches, the river and streets.

The arterial grid (主干道) of :mod:`planning.sample.model` is cut by branch roads (支路) into
blocks (街坊); the meandering river 玉带河 runs through one arterial row, flanked by riverside
roads and crossed by two bridges. Four streets (街道) split the district. Everything here draws
from the district's random generator in a fixed order, so the same seed gives the same layout.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import shapely

from planning.sample.model import (
    BRIDGE_COLUMNS,
    HEIGHT,
    RIVER_ROW,
    WIDTH,
    X_ART,
    Y_ART,
    Block,
    Road,
)
from planning.sample.names import ARTERIALS_EW, ARTERIALS_NS, RIVER_NAME, NameBook

#: Riverside roads (滨江南路/滨江北路) run this far (m, vertically) outside the banks.
RIVERSIDE_OFFSET = 15.0


def _zone(x: float, north: bool) -> tuple[str, int]:
    """Return the planning zone and street index of a block centre."""
    if north:
        return ("rural" if x >= X_ART[5] else "north"), 3
    if x < X_ART[3]:
        return "old", 0
    return ("central", 1) if x < X_ART[5] else ("new", 2)


def _branches(rng: np.random.Generator, lo: float, hi: float, rural: bool) -> list[float]:
    """Return branch-road positions (5 m grid) cutting [lo, hi] into 2 (rural), 3 or 4 parts."""
    n = 2 if rural else int(rng.choice([3, 4], p=[0.45, 0.55]))
    step = (hi - lo) / n
    return [float(round((lo + k * step + rng.uniform(-15, 15)) / 5) * 5) for k in range(1, n)]


def _river(rng: np.random.Generator, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the river's centre, lower and upper bank y at xs (meanders, 80–115 m wide)."""
    mid = (Y_ART[RIVER_ROW] + Y_ART[RIVER_ROW + 1]) / 2
    a1, l1, p1 = rng.uniform(140, 170), rng.uniform(2400, 2900), rng.uniform(0, 2 * np.pi)
    a2, l2, p2 = rng.uniform(15, 25), rng.uniform(800, 1000), rng.uniform(0, 2 * np.pi)
    l3, p3 = rng.uniform(1500, 2500), rng.uniform(0, 2 * np.pi)
    centre = mid + a1 * np.sin(2 * np.pi * xs / l1 + p1) + a2 * np.sin(2 * np.pi * xs / l2 + p2)
    half = 40 + 8.75 * (1 + np.sin(2 * np.pi * xs / l3 + p3))
    return np.round(centre, 1), np.round(centre - half, 1), np.round(centre + half, 1)


def node_roads(roads: list[Road]) -> list[Road]:
    """Split roads at every junction so that junctions are shared endpoints, exactly.

    Junctions are all endpoints plus the crossings of vertical and horizontal two-point lines;
    polylines (riverside roads, internal paths) are split only at their own vertices.

    Parameters
    ----------
    roads : list of Road
        Roads as drawn (an arterial may cross many others).

    Returns
    -------
    list of Road
        The pieces, in the order of ``roads``, each keeping its road's name and class.
    """
    ends = {c for r in roads for c in (r.coords[0], r.coords[-1])}
    two = [r.coords for r in roads if len(r.coords) == 2]
    v = np.array([(a[0], min(a[1], b[1]), max(a[1], b[1])) for a, b in two if a[0] == b[0]])
    h = np.array([(a[1], min(a[0], b[0]), max(a[0], b[0])) for a, b in two if a[1] == b[1]])
    cross = (h[None, :, 1] < v[:, None, 0]) & (v[:, None, 0] < h[None, :, 2])
    cross &= (v[:, None, 1] < h[None, :, 0]) & (h[None, :, 0] < v[:, None, 2])
    ends |= {(float(v[a, 0]), float(h[b, 0])) for a, b in zip(*np.nonzero(cross), strict=True)}
    pts = np.array(sorted(ends))
    out: list[Road] = []
    for road in roads:
        (ax, ay), (bx, by) = road.coords[0], road.coords[-1]
        if len(road.coords) == 2 and (ax == bx or ay == by):
            axis, fixed = (1, 0) if ax == bx else (0, 1)
            lo, hi = sorted((road.coords[0][axis], road.coords[1][axis]))
            on = pts[
                (pts[:, fixed] == road.coords[0][fixed]) & (pts[:, axis] > lo) & (pts[:, axis] < hi)
            ]
            key = on[:, axis] if road.coords[0][axis] < road.coords[1][axis] else -on[:, axis]
            chain = [road.coords[0], *[(float(x), float(y)) for x, y in on[np.argsort(key)]]]
            chain.append(road.coords[1])
            out.extend(
                dataclasses.replace(road, coords=[a, b]) for a, b in itertools.pairwise(chain)
            )
            continue
        piece = [road.coords[0]]
        for c in road.coords[1:]:
            piece.append(c)
            if c in ends and c != road.coords[-1]:
                out.append(dataclasses.replace(road, coords=piece))
                piece = [c]
        out.append(dataclasses.replace(road, coords=piece))
    return out


def lay_out(rng: np.random.Generator) -> tuple[list[Block], list[Road], dict[str, np.ndarray]]:
    """Lay out arterials, branches, riverside roads and bridges.

    Parameters
    ----------
    rng : numpy.random.Generator
        The district's generator; road names come from a name book of their own on it.

    Returns
    -------
    blocks : list of Block
        The blocks between roads (a river-row cell gives one block on each bank).
    roads : list of Road
        Arterials, branches, riverside roads and bridges, not yet noded.
    river : dict of str to numpy.ndarray
        ``x`` and, at each x, the river's ``centre``, ``lower`` and ``upper`` bank y.
    """
    names = NameBook(rng)
    cells = [(i, j) for i in range(7) for j in range(6)]
    xb = {
        (i, j): _branches(rng, X_ART[i], X_ART[i + 1], i >= 5 and j >= RIVER_ROW) for i, j in cells
    }
    yb = {
        (i, j): _branches(rng, Y_ART[j], Y_ART[j + 1], i >= 5 and j > RIVER_ROW) for i, j in cells
    }
    river_row_x = itertools.chain.from_iterable(xb[i, RIVER_ROW] for i in range(7))
    xs = np.unique([*np.arange(0.0, WIDTH + 1, 50.0), *X_ART, *river_row_x])
    centre, lower, upper = _river(rng, xs)
    south, north = np.round(lower - RIVERSIDE_OFFSET, 1), np.round(upper + RIVERSIDE_OFFSET, 1)
    ys_at = dict(zip(xs.tolist(), south.tolist(), strict=True))
    yn_at = dict(zip(xs.tolist(), north.tolist(), strict=True))
    roads: list[Road] = []

    def vertical(x: float, j: int, name: str, cls: str) -> None:
        y0, y1 = Y_ART[j], Y_ART[j + 1]
        if j != RIVER_ROW:
            roads.append(Road([(x, y0), (x, y1)], name, cls))
        else:  # roads stop at the riverside roads, clear of the river
            roads.append(Road([(x, y0), (x, ys_at[x])], name, cls))
            roads.append(Road([(x, yn_at[x]), (x, y1)], name, cls))

    for k, x in enumerate(X_ART):
        for j in range(6):
            vertical(x, j, ARTERIALS_NS[k], "arterial")
        if k in BRIDGE_COLUMNS:
            label = f"{RIVER_NAME}{'一二'[BRIDGE_COLUMNS.index(k)]}桥"
            roads.append(Road([(x, ys_at[x]), (x, yn_at[x])], label, "arterial", bridge=1))
    roads.extend(
        Road([(0.0, y), (WIDTH, y)], ARTERIALS_EW[m], "arterial") for m, y in enumerate(Y_ART)
    )
    roads.append(Road(list(zip(xs.tolist(), south.tolist(), strict=True)), "滨江南路", "branch"))
    roads.append(Road(list(zip(xs.tolist(), north.tolist(), strict=True)), "滨江北路", "branch"))
    blocks: list[Block] = []
    for i, j in cells:
        for x in xb[i, j]:
            vertical(x, j, names.road(), "branch")
        ycuts = [Y_ART[j], Y_ART[j + 1]] if j == RIVER_ROW else [Y_ART[j], *yb[i, j], Y_ART[j + 1]]
        if j != RIVER_ROW:
            roads.extend(
                Road([(X_ART[i], y), (X_ART[i + 1], y)], names.road(), "branch") for y in yb[i, j]
            )
        xcuts = [X_ART[i], *xb[i, j], X_ART[i + 1]]
        for x0, x1 in itertools.pairwise(xcuts):
            inside = (xs >= x0) & (xs <= x1)
            for y0, y1 in itertools.pairwise(ycuts):
                edges = zip(("west", "east", "south", "north"), (x0, x1, y0, y1), strict=True)
                sides = {k: "arterial" if v in (*X_ART, *Y_ART) else "branch" for k, v in edges}
                parts = [(y0, y1, False)]
                if j == RIVER_ROW:  # a block south and a block north of the river
                    parts = [
                        (y0, float(south[inside].min()), False),
                        (float(north[inside].max()), y1, True),
                    ]
                for lo, hi, north_bank in parts:
                    s = dict(sides)
                    if j == RIVER_ROW:
                        s["south" if north_bank else "north"] = "river"
                    zone, street = _zone((x0 + x1) / 2, j > RIVER_ROW or north_bank)
                    blocks.append(Block(i, j, x0, x1, lo, hi, s, zone, street))
    return blocks, roads, {"x": xs, "centre": centre, "lower": lower, "upper": upper}


def street_polygons(river: dict[str, np.ndarray]) -> list[shapely.Polygon]:
    """Split the district into four streets: three south of the river's centre-line, one north.

    Parameters
    ----------
    river : dict of str to numpy.ndarray
        The river of :func:`lay_out`.

    Returns
    -------
    list of shapely.Polygon
        The streets in the order of :data:`planning.sample.names.STREETS`.
    """
    centre = list(zip(river["x"].tolist(), river["centre"].tolist(), strict=True))
    south = shapely.Polygon([(0.0, 0.0), (WIDTH, 0.0), *centre[::-1]])
    cuts = (0.0, X_ART[3], X_ART[5], WIDTH)
    boxes = [shapely.box(a, 0.0, b, HEIGHT) for a, b in itertools.pairwise(cuts)]
    return [
        *shapely.intersection(south, boxes),
        shapely.Polygon([*centre, (WIDTH, HEIGHT), (0.0, HEIGHT)]),
    ]
