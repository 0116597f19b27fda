"""Numba kernels of the distance engine (路网距离内核) and their kernel-ready inputs.

One bounded binary-heap Dijkstra (:func:`dijkstra`) serves every caller: the origin × target
distances and the nearest-target search of :mod:`planning.network.paths`, the shortest-path
trees that walking routes are traced on, and the reached edges of
:mod:`planning.network.service_area`. It works on the CSR adjacency of a
:class:`~planning.network.graph.WalkNetwork` and only touches the nodes it reaches: per-source
scratch arrays are allocated once and reset through the list of touched nodes.

Mid-edge points are exact. A source attached at offset ``t`` (metres from ``u``) on edge
``(u, v, L)`` with connector ``c`` seeds ``u`` with ``c + t`` and ``v`` with ``c + L - t``; a
target at offset ``s`` on edge ``(a, b, L')`` with connector ``c'`` is reached at
``min(d[a] + s, d[b] + L' - s) + c'``; a source and a target on the same edge also get the direct
``c + |t - s| + c'``.

The kernels are compiled on first use (``cache=True`` keeps the machine code in
``__pycache__``, so later processes start warm).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numba
import numpy as np
import numpy.typing as npt

from planning._errors import NetworkError

if TYPE_CHECKING:
    from planning.network.graph import WalkNetwork
    from planning.network.snap import Snapped

INF = np.inf


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
def dijkstra(
    indptr,
    adj_node,
    adj_edge,
    adj_len,
    seed_n,
    seed_d,
    seed_lab,
    cutoff,
    dist,
    label,
    touched,
    hd,
    hn,
    pred_node,
    pred_edge,
):
    """Bounded (multi-source) Dijkstra.

    ``dist`` must be inf for every node on entry. Fills ``dist`` and ``label`` (the seed label
    of the nearest seed) of reached nodes (distance ≤ cutoff), lists them in ``touched`` and
    returns how many there are. When ``pred_node`` is not empty it also records the shortest-path
    tree: the previous node and the edge taken (-1 at a seed). Edges are relaxed with a strict
    ``<``, so of parallel edges the shortest (the first of equal ones) is the one recorded.
    """
    track = len(pred_node) > 0
    nt = 0
    size = 0
    for i in range(len(seed_n)):
        n = seed_n[i]
        d = seed_d[i]
        if d <= cutoff and d < dist[n]:
            if dist[n] == INF:
                touched[nt] = n
                nt += 1
            dist[n] = d
            label[n] = seed_lab[i]
            if track:
                pred_node[n] = -1
                pred_edge[n] = -1
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
                if dist[w] == INF:
                    touched[nt] = w
                    nt += 1
                dist[w] = nd
                label[w] = lab
                if track:
                    pred_node[w] = n
                    pred_edge[w] = adj_edge[k]
                size = _heap_push(hd, hn, size, nd, w)
    return nt


@numba.njit(cache=True)
def grow(a, cap):
    b = np.empty(cap, a.dtype)
    b[: len(a)] = a
    return b


@numba.njit(cache=True)
def od_kernel(
    indptr,
    adj_node,
    adj_edge,
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
    dist = np.full(n_nodes, INF)
    label = np.zeros(n_nodes, np.int64)
    touched = np.empty(n_nodes, np.int64)
    cap_heap = len(adj_node) + 3
    hd = np.empty(cap_heap, np.float64)
    hn = np.empty(cap_heap, np.int64)
    best = np.full(n_targets, INF)
    tlist = np.empty(n_targets, np.int64)
    seed_n = np.empty(2, np.int64)
    seed_d = np.empty(2, np.float64)
    seed_l = np.zeros(2, np.int64)
    no_pred = np.empty(0, np.int64)
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
        nt = dijkstra(
            indptr, adj_node, adj_edge, adj_len, seed_n, seed_d, seed_l, cutoff, dist, label,
            touched, hd, hn, no_pred, no_pred,
        )  # fmt: skip
        ntl = 0
        for q in range(nt):
            n = touched[q]
            dn = dist[n]
            for k in range(node_ptr[n], node_ptr[n + 1]):
                j = node_tgt[k]
                cand = dn + node_cost[k]
                if cand < best[j]:
                    if best[j] == INF:
                        tlist[ntl] = j
                        ntl += 1
                    best[j] = cand
            dist[n] = INF
        e = src_edge[i]
        for k in range(edge_ptr[e], edge_ptr[e + 1]):
            j = edge_tgt[k]
            cand = src_c[i] + abs(src_t[i] - tgt_s[j]) + tgt_c[j]
            if cand < best[j]:
                if best[j] == INF:
                    tlist[ntl] = j
                    ntl += 1
                best[j] = cand
        for q in range(ntl):
            j = tlist[q]
            if best[j] <= cutoff:
                if cnt == cap:
                    cap *= 2
                    rows = grow(rows, cap)
                    cols = grow(cols, cap)
                    vals = grow(vals, cap)
                rows[cnt] = i
                cols[cnt] = j
                vals[cnt] = best[j]
                cnt += 1
            best[j] = INF
    return rows[:cnt], cols[:cnt], vals[:cnt]


@numba.njit(cache=True)
def nearest_resolve(
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
    out_d = np.full(n, INF)
    out_j = np.full(n, -1, np.int64)
    for i in range(n):
        bd = INF
        bj = -1
        a = o_u[i]
        b = o_v[i]
        if dist[a] < INF:
            cand = dist[a] + o_t[i] + o_c[i]
            if cand < bd:
                bd = cand
                bj = label[a]
        if dist[b] < INF:
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


# ---------------------------------------------------------------------------- kernel inputs
def csr_by(keys: npt.NDArray[np.int64], n_keys: int) -> tuple[npt.NDArray[np.int64], ...]:
    """Sort order and indptr grouping entries by integer key."""
    order = np.argsort(keys, kind="stable")
    ptr = np.zeros(n_keys + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n_keys), out=ptr[1:])
    return order.astype(np.int64), ptr


@dataclass(frozen=True)
class Side:
    """Attached points of one side (only the ``ok`` ones), as kernel-ready arrays."""

    index: npt.NDArray[np.int64]  # positions in the caller's Snapped
    edge: npt.NDArray[np.int64]
    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    t: npt.NDArray[np.float64]
    c: npt.NDArray[np.float64]
    length: npt.NDArray[np.float64]

    @classmethod
    def of(cls, net: WalkNetwork, snapped: Snapped, mask: npt.ArrayLike | None = None) -> Side:
        """Collect the attached (and, with ``mask``, selected) points of ``snapped``."""
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
        order, ptr = csr_by(nodes, n_nodes)
        return ptr, tgt[order], cost[order]

    def edge_registry(self, n_edges: int) -> tuple[npt.NDArray[np.int64], ...]:
        """CSR edge → targets on it."""
        order, ptr = csr_by(self.edge, n_edges)
        return ptr, order


def check_cutoff(cutoff_m: float) -> float:
    """Return ``cutoff_m`` as a float, or raise when it is not a finite distance ≥ 0."""
    c = float(cutoff_m)
    if not np.isfinite(c) or c < 0:
        raise NetworkError(f"cutoff_m must be a finite distance ≥ 0 in metres, got {cutoff_m!r}.")
    return c
