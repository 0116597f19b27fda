"""Network distances (路网距离): origin × target distances, nearest targets, shortest-path trees.

The public face of the distance engine. Every function here runs the one bounded Dijkstra kernel
of :mod:`planning.network._kernels` on the CSR adjacency of a
:class:`~planning.network.graph.WalkNetwork`; mid-edge points are exact (see that module for how
attached points seed and close the search).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array

from planning._errors import NetworkError
from planning.network._kernels import Side, check_cutoff, dijkstra, nearest_resolve, od_kernel

if TYPE_CHECKING:
    from planning.network.graph import WalkNetwork
    from planning.network.snap import Snapped

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------- public API
@dataclass(frozen=True)
class ODResult:
    """Sparse origin × target network distances (起讫点路网距离).

    Pairs farther than the cutoff (or never reached) are absent. A distance of exactly 0 m
    (origin and target at the same point) is a stored entry, so use the triplets or the CSR
    *structure* (``indptr``/``indices``), never ``toarray()``, to tell "0 m" from "not reached".

    Attributes
    ----------
    rows, cols : array of int
        Origin and target positions (in the caller's ``Snapped`` order), sorted by row then col.
    dist : array of float
        Network distance in metres, connectors included.
    shape : tuple of int
        ``(n_origins, n_targets)``.
    """

    rows: npt.NDArray[np.int64]
    cols: npt.NDArray[np.int64]
    dist: npt.NDArray[np.float64]
    shape: tuple[int, int]

    def __len__(self) -> int:
        return len(self.rows)

    def to_csr(self) -> csr_array:
        """Return a :class:`scipy.sparse.csr_array` that keeps explicit zero distances.

        The array is built directly from ``(data, indices, indptr)`` (no COO summation, no
        ``eliminate_zeros``), so every reached pair is a stored entry even when its distance is
        0. Do not call ``eliminate_zeros()`` on it.
        """
        n_rows = self.shape[0]
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.rows, minlength=n_rows), out=indptr[1:])
        return csr_array((self.dist.copy(), self.cols.copy(), indptr), shape=self.shape)


def od_sparse(net: WalkNetwork, origins: Snapped, targets: Snapped, cutoff_m: float) -> ODResult:
    """Exact network distances between origins and targets up to a cutoff.

    Parameters
    ----------
    net : WalkNetwork
        The walking network both sides were snapped to.
    origins, targets : Snapped
        Attached points; entries with ``ok`` False never get a distance.
    cutoff_m : float
        Largest distance kept (metres, connectors included).

    Returns
    -------
    ODResult
        COO triplets ``(rows, cols, dist)`` with ``.to_csr()``; see :class:`ODResult` for how
        zero distances are kept.

    Notes
    -----
    One bounded Dijkstra runs from every attached point of the smaller side.
    """
    cutoff = check_cutoff(cutoff_m)
    o, t = Side.of(net, origins), Side.of(net, targets)
    swap = len(t.u) < len(o.u)
    src, dst = (t, o) if swap else (o, t)
    if len(src.u) == 0 or len(dst.u) == 0:
        empty_i = np.zeros(0, dtype=np.int64)
        return ODResult(empty_i, empty_i.copy(), np.zeros(0), (len(origins), len(targets)))
    du, dv = src.seeds()
    node_ptr, node_tgt, node_cost = dst.node_registry(net.n_nodes)
    edge_ptr, edge_tgt = dst.edge_registry(net.n_edges)
    r, c, d = od_kernel(
        net.indptr,
        net.adj_node,
        net.adj_edge,
        net.adj_length,
        net.n_nodes,
        src.u,
        src.v,
        du,
        dv,
        src.edge,
        src.t,
        src.c,
        node_ptr,
        node_tgt,
        node_cost,
        edge_ptr,
        edge_tgt,
        dst.t,
        dst.c,
        len(dst.u),
        cutoff,
    )
    rows, cols = src.index[r], dst.index[c]
    if swap:
        rows, cols = cols, rows
    order = np.lexsort((cols, rows))
    return ODResult(rows[order], cols[order], d[order], (len(origins), len(targets)))


def nearest(
    net: WalkNetwork,
    origins: Snapped,
    targets: Snapped,
    cutoff_m: float,
    target_mask: npt.ArrayLike | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Distance from every origin to its nearest target within a cutoff.

    One multi-source bounded Dijkstra from all (masked) targets labels every node with its
    nearest target; each origin is then resolved from its edge's two end nodes and the targets
    on its own edge.

    Parameters
    ----------
    net : WalkNetwork
        The walking network.
    origins, targets : Snapped
        Attached points; entries with ``ok`` False never get (or give) a distance.
    cutoff_m : float
        Largest distance considered (metres, connectors included).
    target_mask : array of bool, optional
        Only these targets count (e.g. one facility kind 设施类型).

    Returns
    -------
    distance_m : array of float
        Network distance to the nearest target, inf when none lies within the cutoff.
    target_index : array of int
        Position of that target in ``targets``, -1 when none.
    """
    cutoff = check_cutoff(cutoff_m)
    o, t = Side.of(net, origins), Side.of(net, targets, target_mask)
    out_d = np.full(len(origins), np.inf)
    out_j = np.full(len(origins), -1, dtype=np.int64)
    if len(o.u) == 0 or len(t.u) == 0:
        return out_d, out_j
    du, dv = t.seeds()
    seed_n = np.concatenate([t.u, t.v])
    seed_d = np.concatenate([du, dv])
    seed_l = np.concatenate([np.arange(len(t.u), dtype=np.int64)] * 2)
    n = net.n_nodes
    dist = np.full(n, np.inf)
    label = np.full(n, -1, dtype=np.int64)
    touched = np.empty(n, dtype=np.int64)
    hd = np.empty(len(net.adj_node) + len(seed_n) + 1)
    hn = np.empty(len(net.adj_node) + len(seed_n) + 1, dtype=np.int64)
    no_pred = np.empty(0, dtype=np.int64)
    dijkstra(
        net.indptr, net.adj_node, net.adj_edge, net.adj_length, seed_n, seed_d, seed_l, cutoff,
        dist, label, touched, hd, hn, no_pred, no_pred,
    )  # fmt: skip
    edge_ptr, edge_tgt = t.edge_registry(net.n_edges)
    d, j = nearest_resolve(
        dist, label, o.u, o.v, o.t, o.c, o.length, o.edge, edge_ptr, edge_tgt, t.t, t.c, cutoff
    )
    out_d[o.index] = d
    out_j[o.index] = np.where(j >= 0, t.index[np.maximum(j, 0)], -1)
    return out_d, out_j


def group_min(
    values: npt.ArrayLike,
    group_codes: npt.ArrayLike,
    n_groups: int | None = None,
    *,
    return_argmin: bool = False,
) -> npt.NDArray[np.float64] | tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Minimum of ``values`` per group, e.g. an estate's distance over its gates (小区出入口).

    Parameters
    ----------
    values : array of float
        One value per member (inf or NaN for "none").
    group_codes : array of int
        Group of every member, ``0..n_groups-1``; negative codes are ignored.
    n_groups : int, optional
        Number of groups (default: largest code + 1).
    return_argmin : bool, default False
        Also return, per group, the member position that gave the minimum (-1 when none).

    Returns
    -------
    minimum : array of float
        Per-group minimum, inf for groups without a finite value.
    argmin : array of int
        Only with ``return_argmin``.
    """
    vals = np.asarray(values, dtype=np.float64)
    codes = np.asarray(group_codes, dtype=np.int64)
    if vals.shape != codes.shape:
        raise NetworkError(
            f"group_min: {vals.size} values but {codes.size} group codes; they must match."
        )
    k = int(codes.max()) + 1 if n_groups is None and codes.size else int(n_groups or 0)
    out = np.full(k, np.inf)
    arg = np.full(k, -1, dtype=np.int64)
    use = np.flatnonzero((codes >= 0) & (codes < k) & np.isfinite(vals))
    if len(use):
        order = use[np.lexsort((vals[use], codes[use]))]
        first = np.ones(len(order), dtype=bool)
        first[1:] = codes[order][1:] != codes[order][:-1]
        winners = order[first]
        out[codes[winners]] = vals[winners]
        arg[codes[winners]] = winners
    if return_argmin:
        return out, arg
    return out


@dataclass(frozen=True)
class PathTree:
    """Shortest-path tree of a bounded search (最短路径树), one entry per network node.

    Attributes
    ----------
    dist : array of float
        Distance from the nearest source (its offset included), inf where not reached.
    pred_node : array of int
        Previous node on the shortest path; -1 at a source and where not reached.
    pred_edge : array of int
        Edge taken from ``pred_node`` (the shortest of parallel edges); -1 likewise.
    source : array of int
        Position in ``sources`` of the source the shortest path starts from; -1 where not
        reached.
    """

    dist: npt.NDArray[np.float64]
    pred_node: npt.NDArray[np.int64]
    pred_edge: npt.NDArray[np.int64]
    source: npt.NDArray[np.int64]

    def path(self, node: int) -> tuple[list[int], list[int]]:
        """Return the nodes (source first) and the edges of the shortest path to ``node``.

        Raises
        ------
        NetworkError
            When ``node`` was not reached.
        """
        node = int(node)
        if not np.isfinite(self.dist[node]):
            raise NetworkError(f"shortest path: node {node} was not reached within the cutoff.")
        nodes: list[int] = [node]
        edges: list[int] = []
        for _ in range(len(self.dist)):
            if self.pred_node[node] < 0:
                return nodes[::-1], edges[::-1]
            edges.append(int(self.pred_edge[node]))
            node = int(self.pred_node[node])
            nodes.append(node)
        raise NetworkError("shortest path: the predecessors form a cycle (corrupt tree).")


def shortest_path_tree(
    net: WalkNetwork,
    sources: npt.ArrayLike,
    cutoff_m: float = np.inf,
    *,
    offsets_m: npt.ArrayLike | None = None,
) -> PathTree:
    """Shortest paths from the nearest of several source nodes to every node within a cutoff.

    Parameters
    ----------
    net : WalkNetwork
        The walking network.
    sources : array of int
        Source node indices.
    cutoff_m : float, default inf
        Largest distance searched (metres, offsets included); inf searches the whole component.
    offsets_m : array of float, optional
        Distance already walked to reach each source (e.g. from a point in the middle of an
        edge to that edge's end nodes); 0 by default.

    Returns
    -------
    PathTree
        Distances, predecessor nodes and edges, and the source of every reached node.
    """
    cutoff = float(cutoff_m)
    if np.isnan(cutoff) or cutoff < 0:
        raise NetworkError(f"cutoff_m must be a distance ≥ 0 in metres, got {cutoff_m!r}.")
    seed_n = np.atleast_1d(np.asarray(sources, dtype=np.int64))
    seed_d = (
        np.zeros(len(seed_n))
        if offsets_m is None
        else np.atleast_1d(np.asarray(offsets_m, dtype=np.float64))
    )
    if seed_d.shape != seed_n.shape:
        raise NetworkError(f"{len(seed_n)} sources but {len(seed_d)} offsets; they must match.")
    if len(seed_n) and (seed_n.min() < 0 or seed_n.max() >= net.n_nodes):
        raise NetworkError(f"sources must be node indices 0..{net.n_nodes - 1}.")
    if not np.all(np.isfinite(seed_d) & (seed_d >= 0)):
        raise NetworkError("offsets_m must be finite distances ≥ 0 in metres.")
    n = net.n_nodes
    dist = np.full(n, np.inf)
    label = np.full(n, -1, dtype=np.int64)
    pred_node = np.full(n, -1, dtype=np.int64)
    pred_edge = np.full(n, -1, dtype=np.int64)
    heap = len(net.adj_node) + len(seed_n) + 1
    dijkstra(
        net.indptr, net.adj_node, net.adj_edge, net.adj_length, seed_n, seed_d,
        np.arange(len(seed_n), dtype=np.int64), cutoff, dist, label, np.empty(n, dtype=np.int64),
        np.empty(heap), np.empty(heap, dtype=np.int64), pred_node, pred_edge,
    )  # fmt: skip
    return PathTree(dist, pred_node, pred_edge, label)
