"""Walking routes on the network (步行路线): the line a resident walks to a facility.

The distance engine (:func:`planning.network.nearest`) gives the length of the shortest walk;
this module traces the walk itself so that a review sheet can draw it and a reader can check it:
origin point → connector (接入线) → the part of the origin's edge up to one of its end nodes →
the edges of the shortest node path → the part of the facility's edge → connector → facility.

The node path comes from :func:`scipy.sparse.csgraph.dijkstra` run from the two end nodes of the
origin's edge with ``return_predecessors``; an origin and a facility attached to the same edge
also get the direct walk along that edge. Parallel edges count with the shortest one.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra
from shapely.ops import substring

from planning._errors import NetworkError

if TYPE_CHECKING:
    from planning.network import Snapped, WalkNetwork

logger = logging.getLogger(__name__)

#: Slack (m) added to the search limit so rounding never cuts the known shortest walk.
_SLACK_M = 1.0


@dataclass(frozen=True)
class Route:
    """One traced walk.

    Attributes
    ----------
    distance_m : float
        Walking distance in metres, connectors included (the network's edge lengths).
    geometry : shapely.LineString
        The walk in the network CRS, from the origin point to the target point.
    nodes : tuple of int
        Network node indices passed on the way (empty for a walk along a single edge).
    edges : tuple of int
        Network edge indices used, whole or in part, in walking order.
    """

    distance_m: float
    geometry: shapely.LineString
    nodes: tuple[int, ...]
    edges: tuple[int, ...]


class RouteTracer:
    """Traces shortest walks on one :class:`~planning.network.WalkNetwork`.

    Parameters
    ----------
    net : WalkNetwork
        The walking network (projected, metres).

    Notes
    -----
    The sparse graph handed to scipy is built once from the network's CSR adjacency; scipy
    keeps the shortest of parallel edges and treats explicit zero lengths as edges.
    """

    def __init__(self, net: WalkNetwork) -> None:
        self.net = net
        n = net.n_nodes
        self._graph = csr_array((net.adj_length, net.adj_node, net.indptr), shape=(n, n))

    # ------------------------------------------------------------------ geometry helpers
    def _point_on_edge(self, edge: int, offset_m: float) -> tuple[float, float]:
        geom = self.net.geometry[edge]
        point = shapely.line_interpolate_point(geom, self._geom_offset(edge, offset_m))
        return float(point.x), float(point.y)

    def _geom_offset(self, edge: int, offset_m: float) -> float:
        """Convert an offset along the network length to one along the edge geometry."""
        length = float(self.net.length[edge])
        glen = float(shapely.length(self.net.geometry[edge]))
        if length <= 0.0:
            return 0.0
        return min(max(offset_m * glen / length, 0.0), glen)

    def _piece(self, edge: int, start_m: float, end_m: float) -> list[tuple[float, float]]:
        """Coordinates of an edge between two network offsets, in the direction start → end."""
        geom = self.net.geometry[edge]
        a, b = self._geom_offset(edge, start_m), self._geom_offset(edge, end_m)
        lo, hi = min(a, b), max(a, b)
        part = substring(geom, lo, hi)
        coords = [(float(x), float(y)) for x, y in shapely.get_coordinates(part)]
        if not coords:
            coords = [self._point_on_edge(edge, start_m)]
        return coords if a <= b else coords[::-1]

    def _edge_between(self, a: int, b: int) -> int:
        """Shortest edge joining nodes ``a`` and ``b``."""
        net = self.net
        lo, hi = int(net.indptr[a]), int(net.indptr[a + 1])
        hits = np.flatnonzero(net.adj_node[lo:hi] == b)
        if hits.size == 0:
            raise NetworkError(f"route: no edge joins nodes {a} and {b} (corrupt predecessors).")
        best = hits[np.argmin(net.adj_length[lo:hi][hits])]
        return int(net.adj_edge[lo + best])

    def _edge_coords(self, edge: int, from_node: int) -> list[tuple[float, float]]:
        length = float(self.net.length[edge])
        if int(self.net.u[edge]) == from_node:
            return self._piece(edge, 0.0, length)
        return self._piece(edge, length, 0.0)

    # ------------------------------------------------------------------ tracing
    def trace(
        self,
        origins: Snapped,
        origin_index: int,
        targets: Snapped,
        target_index: int,
        limit_m: float = np.inf,
    ) -> Route | None:
        """Trace the shortest walk from one attached origin to one attached target.

        Parameters
        ----------
        origins, targets : Snapped
            Attached points (:func:`planning.network.snap`).
        origin_index, target_index : int
            Which origin and which target.
        limit_m : float, optional
            Longest walk searched (m); pass the known distance to keep the search small.

        Returns
        -------
        Route or None
            None when either point is not attached or no walk within ``limit_m`` exists.
        """
        net = self.net
        i, j = int(origin_index), int(target_index)
        if not (origins.ok[i] and targets.ok[j]):
            return None
        oe, ot, oc = int(origins.edge[i]), float(origins.offset_m[i]), float(origins.connector_m[i])
        te, ts, tc = int(targets.edge[j]), float(targets.offset_m[j]), float(targets.connector_m[j])
        o_xy = (float(origins.x[i]), float(origins.y[i]))
        t_xy = (float(targets.x[j]), float(targets.y[j]))
        ou, ov, ol = int(net.u[oe]), int(net.v[oe]), float(net.length[oe])
        tu, tv, tl = int(net.u[te]), int(net.v[te]), float(net.length[te])
        seeds = (ot, ol - ot)  # origin → its edge's u, v
        best = np.inf
        plan: tuple[int, int] | None = None  # (seed 0/1, target end 0/1); None = same edge
        if oe == te:
            best = abs(ot - ts)
        limit = float(limit_m) - oc - tc + _SLACK_M
        if np.isfinite(limit) and limit < 0:
            limit = 0.0
        dist, pred = dijkstra(
            self._graph,
            directed=False,
            indices=[ou, ov],
            return_predecessors=True,
            limit=limit if np.isfinite(limit) else np.inf,
        )
        dist = np.asarray(dist)
        for k in (0, 1):
            for end, node, along in ((0, tu, ts), (1, tv, tl - ts)):
                d = seeds[k] + float(dist[k, node]) + along
                if d < best - 1e-9:
                    best, plan = d, (k, end)
        if not np.isfinite(best):
            return None
        total = oc + best + tc
        if np.isfinite(limit_m) and total > float(limit_m) + _SLACK_M:
            return None
        coords: list[tuple[float, float]] = [o_xy]
        nodes: list[int] = []
        edges: list[int] = [oe]
        if plan is None:
            coords += self._piece(oe, ot, ts)
        else:
            k, end = plan
            start = ou if k == 0 else ov
            goal = tu if end == 0 else tv
            coords += self._piece(oe, ot, 0.0 if k == 0 else ol)
            path = _node_path(pred[k], start, goal)
            nodes = path
            for a, b in itertools.pairwise(path):
                e = self._edge_between(a, b)
                edges.append(e)
                coords += self._edge_coords(e, a)
            edges.append(te)
            coords += self._piece(te, 0.0 if end == 0 else tl, ts)
        coords.append(t_xy)
        line = shapely.LineString(_dedupe(coords))
        return Route(float(total), line, tuple(nodes), tuple(edges))


def _node_path(pred: npt.NDArray[np.int32], start: int, goal: int) -> list[int]:
    """Node sequence start → goal from a predecessor row."""
    path = [goal]
    node = goal
    guard = len(pred) + 1
    while node != start:
        node = int(pred[node])
        if node < 0 or guard == 0:
            raise NetworkError(f"route: node {goal} is not reachable from node {start}.")
        path.append(node)
        guard -= 1
    return path[::-1]


def _dedupe(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop consecutive repeated vertices; keep two points so the line stays valid."""
    out = [coords[0]]
    for c in coords[1:]:
        if c != out[-1]:
            out.append(c)
    if len(out) == 1:
        out.append(out[0])
    return out
