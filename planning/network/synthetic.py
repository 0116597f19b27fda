"""Seeded generated street grids for tests and benchmarks (合成路网).

Like cityseer's ``mock`` module: a jittered square street grid (about 100 m blocks) with a share
of its streets removed, and random points inside it. Deterministic for a given seed.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

from planning.network.graph import BuildReport, WalkNetwork

#: A projected CRS for generated grids (UTM zone 51N, Shanghai).
SYNTHETIC_CRS = "EPSG:32651"


def street_grid(
    n_nodes: int,
    *,
    spacing_m: float = 100.0,
    jitter_m: float = 15.0,
    remove_fraction: float = 0.10,
    seed: int = 0,
    origin: tuple[float, float] = (350_000.0, 3_450_000.0),
    largest_component: bool = True,
) -> WalkNetwork:
    """Generate a jittered street grid with about ``n_nodes`` intersections.

    Parameters
    ----------
    n_nodes : int
        Approximate number of nodes (the grid is ``ceil(sqrt(n))`` on a side).
    spacing_m : float, default 100
        Block size in metres.
    jitter_m : float, default 15
        Uniform jitter of every node in x and y.
    remove_fraction : float, default 0.10
        Share of streets removed at random.
    seed : int, default 0
        Random seed.
    origin : tuple of float
        South-west corner in :data:`SYNTHETIC_CRS`.
    largest_component : bool, default True
        Keep only the largest connected component.

    Returns
    -------
    WalkNetwork
        Straight edges; lengths are Euclidean.
    """
    rng = np.random.default_rng(seed)
    side = max(2, int(np.ceil(np.sqrt(n_nodes))))
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    x = origin[0] + ii.ravel() * spacing_m + rng.uniform(-jitter_m, jitter_m, side * side)
    y = origin[1] + jj.ravel() * spacing_m + rng.uniform(-jitter_m, jitter_m, side * side)
    idx = np.arange(side * side).reshape(side, side)
    u = np.concatenate([idx[:-1, :].ravel(), idx[:, :-1].ravel()])
    v = np.concatenate([idx[1:, :].ravel(), idx[:, 1:].ravel()])
    keep = rng.random(len(u)) >= remove_fraction
    u, v = u[keep], v[keep]
    net = WalkNetwork.from_lines(
        x, y, u, v, SYNTHETIC_CRS, report=BuildReport(source=f"synthetic grid seed={seed}")
    )
    net.refresh_report(max_dangling=0)
    if largest_component:
        net = net.largest_component()
    return net


def random_points(
    net: WalkNetwork, n: int, *, seed: int = 1, margin_m: float = 0.0
) -> npt.NDArray[np.float64]:
    """Uniform random ``(x, y)`` points in the bounding box of a network.

    Parameters
    ----------
    net : WalkNetwork
        The network.
    n : int
        Number of points.
    seed : int, default 1
        Random seed.
    margin_m : float, default 0
        Grow the box by this much on every side (points there may be too far to snap).

    Returns
    -------
    numpy.ndarray
        ``n × 2`` coordinates.
    """
    rng = np.random.default_rng(seed)
    x0, x1 = net.node_x.min() - margin_m, net.node_x.max() + margin_m
    y0, y1 = net.node_y.min() - margin_m, net.node_y.max() + margin_m
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def bent_edges(net: WalkNetwork, *, seed: int = 2, fraction: float = 0.5) -> WalkNetwork:
    """Return a copy where a share of the edges get one interior vertex (a bend).

    Used by tests so that edge geometries are not all straight segments.
    """
    rng = np.random.default_rng(seed)
    geoms = net.geometry.copy()
    pick = np.flatnonzero(rng.random(net.n_edges) < fraction)
    ax, ay = net.node_x[net.u[pick]], net.node_y[net.u[pick]]
    bx, by = net.node_x[net.v[pick]], net.node_y[net.v[pick]]
    mx = (ax + bx) / 2 + rng.uniform(-20, 20, len(pick))
    my = (ay + by) / 2 + rng.uniform(-20, 20, len(pick))
    coords = np.stack(
        [np.column_stack([ax, ay]), np.column_stack([mx, my]), np.column_stack([bx, by])], axis=1
    )
    geoms[pick] = shapely.linestrings(coords)
    return WalkNetwork.from_lines(
        net.node_x, net.node_y, net.u, net.v, net.crs, geometry=geoms, node_id=net.node_id
    )
