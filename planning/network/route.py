"""Walking routes on the network (步行路线): the line a resident walks to a facility.

The distance engine (:func:`planning.network.nearest`) gives the length of the shortest walk;
this module traces the walk itself so that a review sheet can draw it and a reader can check it:
origin point → connector (接入线) → the part of the origin's edge up to one of its end nodes →
the edges of the shortest node path → the part of the facility's edge → connector → facility.

The node path comes from the distance engine's own Dijkstra
(:func:`planning.network.paths.shortest_path_tree`), seeded at the two end nodes of the origin's
edge with the walk to each; an origin and a facility attached to the same edge also get the direct
walk along that edge. Parallel edges count with the shortest one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.ops import substring

from planning.network.paths import shortest_path_tree

if TYPE_CHECKING:
    from planning.network.graph import WalkNetwork
    from planning.network.snap import Snapped

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
    Each trace runs one bounded search of the distance engine from the origin's edge, so a
    traced walk has exactly the length :func:`planning.network.nearest` reports.
    """

    def __init__(self, net: WalkNetwork) -> None:
        self.net = net

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
        best = np.inf
        end: int | None = None  # target reached through its edge's u (0) or v (1); None = same edge
        if oe == te:
            best = abs(ot - ts)
        limit = float(limit_m) - oc - tc + _SLACK_M
        tree = shortest_path_tree(net, [ou, ov], max(limit, 0.0), offsets_m=[ot, ol - ot])
        for k, node, along in ((0, tu, ts), (1, tv, tl - ts)):
            d = float(tree.dist[node]) + along
            if d < best - 1e-9:
                best, end = d, k
        if not np.isfinite(best):
            return None
        total = oc + best + tc
        if np.isfinite(limit_m) and total > float(limit_m) + _SLACK_M:
            return None
        coords: list[tuple[float, float]] = [o_xy]
        nodes: list[int] = []
        edges: list[int] = [oe]
        if end is None:
            coords += self._piece(oe, ot, ts)
        else:
            goal = tu if end == 0 else tv
            nodes, path_edges = tree.path(goal)
            # the source label says which end of the origin's edge the walk leaves by
            coords += self._piece(oe, ot, 0.0 if tree.source[goal] == 0 else ol)
            for a, e in zip(nodes[:-1], path_edges, strict=True):
                edges.append(e)
                coords += self._edge_coords(e, a)
            edges.append(te)
            coords += self._piece(te, 0.0 if end == 0 else tl, ts)
        coords.append(t_xy)
        line = shapely.LineString(_dedupe(coords))
        return Route(float(total), line, tuple(nodes), tuple(edges))


def _dedupe(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop consecutive repeated vertices; keep two points so the line stays valid."""
    out = [coords[0]]
    for c in coords[1:]:
        if c != out[-1]:
            out.append(c)
    if len(out) == 1:
        out.append(out[0])
    return out
