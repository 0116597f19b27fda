"""Network distances (路网距离): bounded Dijkstra kernels compiled with numba.

All kernels work on the CSR adjacency of a :class:`~planning.network.graph.WalkNetwork` with a
binary heap and a cutoff, and only touch the nodes they reach: per-source scratch arrays are
allocated once and reset through the list of touched nodes, so there is no per-node Python loop
and no dense sources × nodes matrix.

Mid-edge points are exact. A source attached at offset ``t`` (metres from ``u``) on edge
``(u, v, L)`` with connector ``c`` seeds ``u`` with ``c + t`` and ``v`` with ``c + L - t``; a
target at offset ``s`` on edge ``(a, b, L')`` with connector ``c'`` is reached at
``min(d[a] + s, d[b] + L' - s) + c'``; a source and a target on the same edge also get the direct
``c + |t - s| + c'``.

The kernels are compiled on first use (``cache=True`` keeps the machine code in
``__pycache__``, so later processes start warm).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numba
import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array

from planning._errors import NetworkError

if TYPE_CHECKING:
    from planning.network.graph import WalkNetwork
    from planning.network.snap import Snapped

logger = logging.getLogger(__name__)

_INF = np.inf


# ---------------------------------------------------------------------------- heap + Dijkstra
@numba.njit(cache=True, inline="always")
def _heap_push(hd, hn, size, d, n):
    i = size
    hd[i] = d
    hn[i] = n
    while i > 0:
        p = (i - 1) >> 1
        if hd[p] <= hd[i]:
            break
        hd[p], hd[i] = hd[i], hd[p]
        hn[p], hn[i] = hn[i], hn[p]
        i = p
    return size + 1


@numba.njit(cache=True, inline="always")
def _heap_pop(hd, hn, size):
    d = hd[0]
    n = hn[0]
    size -= 1
    if size > 0:
        hd[0] = hd[size]
        hn[0] = hn[size]
        i = 0
        while True:
            left = 2 * i + 1
            if left >= size:
                break
            c = left
            if left + 1 < size and hd[left + 1] < hd[left]:
                c = left + 1
            if hd[i] <= hd[c]:
                break
            hd[c], hd[i] = hd[i], hd[c]
            hn[c], hn[i] = hn[i], hn[c]
            i = c
    return d, n, size


@numba.njit(cache=True)
def _dijkstra(
    indptr, adj_node, adj_len, seed_n, seed_d, seed_lab, cutoff, dist, label, touched, hd, hn
):
    """Bounded (multi-source) Dijkstra.

    ``dist`` must be inf for every node on entry. Fills ``dist`` and ``label`` (the seed label
    of the nearest seed) of reached nodes (distance ≤ cutoff), lists them in ``touched`` and
    returns how many there are.
    """
    nt = 0
    size = 0
    for i in range(len(seed_n)):
        n = seed_n[i]
        d = seed_d[i]
        if d <= cutoff and d < dist[n]:
            if dist[n] == _INF:
                touched[nt] = n
                nt += 1
            dist[n] = d
            label[n] = seed_lab[i]
            size = _heap_push(hd, hn, size, d, n)
    while size > 0:
        d, n, size = _heap_pop(hd, hn, size)
        if d > dist[n]:
            continue
        lab = label[n]
        for k in range(indptr[n], indptr[n + 1]):
            w = adj_node[k]
            nd = d + adj_len[k]
            if nd <= cutoff and nd < dist[w]:
                if dist[w] == _INF:
                    touched[nt] = w
                    nt += 1
                dist[w] = nd
                label[w] = lab
                size = _heap_push(hd, hn, size, nd, w)
    return nt


@numba.njit(cache=True)
def _grow(a, cap):
    b = np.empty(cap, a.dtype)
    b[: len(a)] = a
    return b


@numba.njit(cache=True)
def _od_kernel(
    indptr,
    adj_node,
    adj_len,
    n_nodes,
    src_u,
    src_v,
    src_du,
    src_dv,
    src_edge,
    src_t,
    src_c,
    node_ptr,
    node_tgt,
    node_cost,
    edge_ptr,
    edge_tgt,
    tgt_s,
    tgt_c,
    n_targets,
    cutoff,
):
    """One bounded Dijkstra per source; returns COO triplets (source, target, distance)."""
    dist = np.full(n_nodes, _INF)
    label = np.zeros(n_nodes, np.int64)
    touched = np.empty(n_nodes, np.int64)
    cap_heap = len(adj_node) + 3
    hd = np.empty(cap_heap, np.float64)
    hn = np.empty(cap_heap, np.int64)
    best = np.full(n_targets, _INF)
    tlist = np.empty(n_targets, np.int64)
    seed_n = np.empty(2, np.int64)
    seed_d = np.empty(2, np.float64)
    seed_l = np.zeros(2, np.int64)
    cap = 1024
    rows = np.empty(cap, np.int64)
    cols = np.empty(cap, np.int64)
    vals = np.empty(cap, np.float64)
    cnt = 0
    for i in range(len(src_u)):
        seed_n[0] = src_u[i]
        seed_n[1] = src_v[i]
        seed_d[0] = src_du[i]
        seed_d[1] = src_dv[i]
        nt = _dijkstra(
            indptr, adj_node, adj_len, seed_n, seed_d, seed_l, cutoff, dist, label, touched, hd, hn
        )
        ntl = 0
        for q in range(nt):
            n = touched[q]
            dn = dist[n]
            for k in range(node_ptr[n], node_ptr[n + 1]):
                j = node_tgt[k]
                cand = dn + node_cost[k]
                if cand < best[j]:
                    if best[j] == _INF:
                        tlist[ntl] = j
                        ntl += 1
                    best[j] = cand
            dist[n] = _INF
        e = src_edge[i]
        for k in range(edge_ptr[e], edge_ptr[e + 1]):
            j = edge_tgt[k]
            cand = src_c[i] + abs(src_t[i] - tgt_s[j]) + tgt_c[j]
            if cand < best[j]:
                if best[j] == _INF:
                    tlist[ntl] = j
                    ntl += 1
                best[j] = cand
        for q in range(ntl):
            j = tlist[q]
            if best[j] <= cutoff:
                if cnt == cap:
                    cap *= 2
                    rows = _grow(rows, cap)
                    cols = _grow(cols, cap)
                    vals = _grow(vals, cap)
                rows[cnt] = i
                cols[cnt] = j
                vals[cnt] = best[j]
                cnt += 1
            best[j] = _INF
    return rows[:cnt], cols[:cnt], vals[:cnt]


@numba.njit(cache=True)
def _nearest_resolve(
    dist,
    label,
    o_u,
    o_v,
    o_t,
    o_c,
    o_len,
    o_edge,
    edge_ptr,
    edge_tgt,
    tgt_s,
    tgt_c,
    cutoff,
):
    """Nearest target of every origin from node labels plus same-edge targets."""
    n = len(o_u)
    out_d = np.full(n, _INF)
    out_j = np.full(n, -1, np.int64)
    for i in range(n):
        bd = _INF
        bj = -1
        a = o_u[i]
        b = o_v[i]
        if dist[a] < _INF:
            cand = dist[a] + o_t[i] + o_c[i]
            if cand < bd:
                bd = cand
                bj = label[a]
        if dist[b] < _INF:
            cand = dist[b] + o_len[i] - o_t[i] + o_c[i]
            if cand < bd:
                bd = cand
                bj = label[b]
        e = o_edge[i]
        for k in range(edge_ptr[e], edge_ptr[e + 1]):
            j = edge_tgt[k]
            cand = o_c[i] + abs(o_t[i] - tgt_s[j]) + tgt_c[j]
            if cand < bd or (cand == bd and j < bj):
                bd = cand
                bj = j
        if bd <= cutoff:
            out_d[i] = bd
            out_j[i] = bj
    return out_d, out_j


# ---------------------------------------------------------------------------- helpers
def _csr_by(keys: npt.NDArray[np.int64], n_keys: int) -> tuple[npt.NDArray[np.int64], ...]:
    """Sort order and indptr grouping entries by integer key."""
    order = np.argsort(keys, kind="stable")
    ptr = np.zeros(n_keys + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n_keys), out=ptr[1:])
    return order.astype(np.int64), ptr


@dataclass(frozen=True)
class _Side:
    """Attached points of one side (only the ``ok`` ones), as kernel-ready arrays."""

    index: npt.NDArray[np.int64]  # positions in the caller's Snapped
    edge: npt.NDArray[np.int64]
    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    t: npt.NDArray[np.float64]
    c: npt.NDArray[np.float64]
    length: npt.NDArray[np.float64]

    @classmethod
    def of(cls, net: WalkNetwork, snapped: Snapped, mask: npt.ArrayLike | None = None) -> _Side:
        if len(snapped) and snapped.ok.any() and snapped.edge[snapped.ok].max() >= net.n_edges:
            raise NetworkError(
                "The attached points refer to edges that are not in this network; snap them "
                "to the same network (重新接入路网)."
            )
        keep = snapped.ok.copy()
        if mask is not None:
            m = np.asarray(mask, dtype=bool)
            if m.shape != keep.shape:
                raise NetworkError(
                    f"target_mask has {m.size} entries but there are {len(snapped)} targets."
                )
            keep &= m
        idx = np.flatnonzero(keep).astype(np.int64)
        e = snapped.edge[idx]
        return cls(
            idx,
            e,
            net.u[e],
            net.v[e],
            snapped.offset_m[idx].astype(np.float64),
            snapped.connector_m[idx].astype(np.float64),
            net.length[e],
        )

    def seeds(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Seed distances at ``u`` and ``v``."""
        return self.c + self.t, self.c + self.length - self.t

    def node_registry(self, n_nodes: int) -> tuple[npt.NDArray[np.int64], ...]:
        """CSR node → (target, cost from node to target incl. connector)."""
        k = len(self.u)
        loop = self.u == self.v
        nodes = np.concatenate([self.u, self.v[~loop]])
        tgt = np.concatenate([np.arange(k, dtype=np.int64), np.flatnonzero(~loop)])
        cost_u = np.where(loop, np.minimum(self.t, self.length - self.t), self.t) + self.c
        cost = np.concatenate([cost_u, (self.length - self.t + self.c)[~loop]])
        order, ptr = _csr_by(nodes, n_nodes)
        return ptr, tgt[order], cost[order]

    def edge_registry(self, n_edges: int) -> tuple[npt.NDArray[np.int64], ...]:
        """CSR edge → targets on it."""
        order, ptr = _csr_by(self.edge, n_edges)
        return ptr, order


def _check_cutoff(cutoff_m: float) -> float:
    c = float(cutoff_m)
    if not np.isfinite(c) or c < 0:
        raise NetworkError(f"cutoff_m must be a finite distance ≥ 0 in metres, got {cutoff_m!r}.")
    return c


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
    cutoff = _check_cutoff(cutoff_m)
    o, t = _Side.of(net, origins), _Side.of(net, targets)
    swap = len(t.u) < len(o.u)
    src, dst = (t, o) if swap else (o, t)
    if len(src.u) == 0 or len(dst.u) == 0:
        empty_i = np.zeros(0, dtype=np.int64)
        return ODResult(empty_i, empty_i.copy(), np.zeros(0), (len(origins), len(targets)))
    du, dv = src.seeds()
    node_ptr, node_tgt, node_cost = dst.node_registry(net.n_nodes)
    edge_ptr, edge_tgt = dst.edge_registry(net.n_edges)
    r, c, d = _od_kernel(
        net.indptr,
        net.adj_node,
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
    cutoff = _check_cutoff(cutoff_m)
    o, t = _Side.of(net, origins), _Side.of(net, targets, target_mask)
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
    _dijkstra(
        net.indptr, net.adj_node, net.adj_length, seed_n, seed_d, seed_l, cutoff, dist, label,
        touched, hd, hn,
    )  # fmt: skip
    edge_ptr, edge_tgt = t.edge_registry(net.n_edges)
    d, j = _nearest_resolve(
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
