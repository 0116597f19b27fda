"""Network-traced service areas (服务范围/服务圈): reached streets, buffered.

For every target and distance tier the reached part of the network is collected exactly: whole
edges, the partial edge up to the cutoff from either end, and the stretch of the target's own
edge around its attachment point, plus the target's connector. The pieces are cut out of the
full edge geometries in one numba pass, grouped per target and tier into MultiLineStrings and
buffered with vectorised shapely. No convex hulls.

Merged tiers (the union over all targets) come from one multi-source run per tier, buffered in
spatial tiles and unioned, which equals the union of the per-target areas. When only the merged
tiers are wanted (``per_target=False``, what the maps and the report draw) the per-target runs
are skipped: one Dijkstra over all targets instead of one per target.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numba
import numpy as np
import numpy.typing as npt
import shapely

from planning import settings
from planning._errors import NetworkError
from planning.network._kernels import INF, Side, dijkstra, grow
from planning.network._raster import raster_buffer, segments_of
from planning.network._union import buffer_union_groups

if TYPE_CHECKING:
    import geopandas as gpd

    from planning.network.graph import WalkNetwork
    from planning.network.snap import Snapped

logger = logging.getLogger(__name__)

#: Edge length of the square tiles in which merged areas are buffered before the union (m).
_TILE_M = 3000.0


@numba.njit(cache=True)
def _reach_kernel(
    indptr, adj_node, adj_edge, adj_len, n_nodes, n_edges, eu, ev, elen,
    run_ptr, t_u, t_v, t_edge, t_t, t_c, t_len, cutoffs,
):  # fmt: skip
    """Reached edge intervals per run (a run = a set of targets) and tier.

    Returns arrays ``run, tier, edge, start, end`` (metres from the edge's ``u``).
    """
    n_tiers = len(cutoffs)
    cmax = cutoffs[n_tiers - 1]
    dist = np.full(n_nodes, INF)
    label = np.zeros(n_nodes, np.int64)
    touched = np.empty(n_nodes, np.int64)
    stamp = np.full(n_edges, -1, np.int64)
    elist = np.empty(n_edges, np.int64)
    max_seeds = 0
    for r in range(len(run_ptr) - 1):
        max_seeds = max(max_seeds, 2 * (run_ptr[r + 1] - run_ptr[r]))
    hd = np.empty(len(adj_node) + max_seeds + 1, np.float64)
    hn = np.empty(len(adj_node) + max_seeds + 1, np.int64)
    cap = 4096
    o_run = np.empty(cap, np.int64)
    o_tier = np.empty(cap, np.int64)
    o_edge = np.empty(cap, np.int64)
    o_a = np.empty(cap, np.float64)
    o_b = np.empty(cap, np.float64)
    no_pred = np.empty(0, np.int64)
    cnt = 0
    for r in range(len(run_ptr) - 1):
        lo = run_ptr[r]
        hi = run_ptr[r + 1]
        k = hi - lo
        seed_n = np.empty(2 * k, np.int64)
        seed_d = np.empty(2 * k, np.float64)
        seed_l = np.zeros(2 * k, np.int64)
        for q in range(k):
            j = lo + q
            seed_n[2 * q] = t_u[j]
            seed_d[2 * q] = t_c[j] + t_t[j]
            seed_n[2 * q + 1] = t_v[j]
            seed_d[2 * q + 1] = t_c[j] + t_len[j] - t_t[j]
        nt = dijkstra(
            indptr, adj_node, adj_edge, adj_len, seed_n, seed_d, seed_l, cmax, dist, label,
            touched, hd, hn, no_pred, no_pred,
        )  # fmt: skip
        ne = 0
        for q in range(nt):
            n = touched[q]
            for h in range(indptr[n], indptr[n + 1]):
                e = adj_edge[h]
                if stamp[e] != r:
                    stamp[e] = r
                    elist[ne] = e
                    ne += 1
        for tier in range(n_tiers):
            c = cutoffs[tier]
            for q in range(ne + k):
                if q < ne:
                    e = elist[q]
                    L = elen[e]
                    ru = c - dist[eu[e]]
                    rv = c - dist[ev[e]]
                    if ru >= 0 and rv >= 0 and ru + rv >= L:
                        a0, b0, a1, b1 = 0.0, L, 1.0, 0.0
                    else:
                        a0, b0 = 0.0, min(ru, L)
                        a1, b1 = max(0.0, L - rv), L
                else:
                    j = lo + q - ne
                    e = t_edge[j]
                    L = elen[e]
                    rr = c - t_c[j]
                    a0, b0 = max(0.0, t_t[j] - rr), min(L, t_t[j] + rr)
                    a1, b1 = 1.0, 0.0
                for piece in range(2):
                    a = a0 if piece == 0 else a1
                    b = b0 if piece == 0 else b1
                    if b > a:
                        if cnt == cap:
                            cap *= 2
                            o_run = grow(o_run, cap)
                            o_tier = grow(o_tier, cap)
                            o_edge = grow(o_edge, cap)
                            o_a = grow(o_a, cap)
                            o_b = grow(o_b, cap)
                        o_run[cnt] = r
                        o_tier[cnt] = tier
                        o_edge[cnt] = e
                        o_a[cnt] = a
                        o_b[cnt] = b
                        cnt += 1
        for q in range(nt):
            dist[touched[q]] = INF
    return o_run[:cnt], o_tier[:cnt], o_edge[:cnt], o_a[:cnt], o_b[:cnt]


@numba.njit(cache=True)
def _cut_kernel(coords, offsets, cum, scale, p_edge, p_a, p_b):
    """Coordinates of the sub-lines ``[a, b]`` (metres) of edge geometries (ragged arrays)."""
    n = len(p_edge)
    counts = np.empty(n, np.int64)
    for i in range(n):
        e = p_edge[i]
        a = p_a[i] * scale[e]
        b = p_b[i] * scale[e]
        c = 2
        for k in range(offsets[e] + 1, offsets[e + 1] - 1):
            if a < cum[k] < b:
                c += 1
        counts[i] = c
    out = np.empty((counts.sum(), 2), np.float64)
    idx = np.empty(counts.sum(), np.int64)
    w = 0
    for i in range(n):
        e = p_edge[i]
        a = p_a[i] * scale[e]
        b = p_b[i] * scale[e]
        lo = offsets[e]
        hi = offsets[e + 1]
        for end in range(2):
            pos = a if end == 0 else b
            if end == 1:
                for k in range(lo + 1, hi - 1):
                    if a < cum[k] < b:
                        out[w, 0] = coords[k, 0]
                        out[w, 1] = coords[k, 1]
                        idx[w] = i
                        w += 1
            # interpolate pos along the edge
            k = lo
            while k < hi - 2 and cum[k + 1] < pos:
                k += 1
            seg = cum[k + 1] - cum[k]
            f = 0.0 if seg <= 0 else min(1.0, max(0.0, (pos - cum[k]) / seg))
            out[w, 0] = coords[k, 0] + f * (coords[k + 1, 0] - coords[k, 0])
            out[w, 1] = coords[k, 1] + f * (coords[k + 1, 1] - coords[k, 1])
            idx[w] = i
            w += 1
    return out, idx


def _ragged(net: WalkNetwork) -> tuple[npt.NDArray[Any], ...]:
    """Edge coordinates, offsets, cumulative vertex distances and length scale (cached)."""
    cached = getattr(net, "_ragged_cache", None)
    if cached is not None:
        return cached
    _, coords, (offsets,) = shapely.to_ragged_array(net.geometry)
    coords = np.ascontiguousarray(coords[:, :2])
    step = np.zeros(len(coords))
    step[1:] = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1]))
    step[offsets[:-1]] = 0.0
    cum = np.cumsum(step)
    cum -= np.repeat(cum[offsets[:-1]], np.diff(offsets))
    glen = cum[offsets[1:] - 1]
    scale = np.divide(glen, net.length, out=np.ones_like(glen), where=net.length > 0)
    out = (coords, offsets.astype(np.int64), cum, scale)
    net._ragged_cache = out  # type: ignore[attr-defined]
    return out


def _pieces_to_lines(
    net: WalkNetwork, edge: npt.NDArray[np.int64], a: npt.NDArray[Any], b: npt.NDArray[Any]
) -> npt.NDArray[np.object_]:
    coords, offsets, cum, scale = _ragged(net)
    xy, idx = _cut_kernel(coords, offsets, cum, scale, edge, a, b)
    return np.asarray(shapely.linestrings(xy, indices=idx), dtype=object)


def _run(
    net: WalkNetwork, side: Side, run_ptr: npt.NDArray[np.int64], cutoffs: npt.NDArray[Any]
) -> tuple[npt.NDArray[Any], ...]:
    return _reach_kernel(
        net.indptr, net.adj_node, net.adj_edge, net.adj_length, net.n_nodes, net.n_edges,
        net.u, net.v, net.length, run_ptr, side.u, side.v, side.edge, side.t, side.c,
        side.length, cutoffs,
    )  # fmt: skip


def _connectors(
    targets: Snapped, side: Side, net: WalkNetwork
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.float64]]:
    """Straight connector lines from each target to its attachment point."""
    at = _pieces_to_lines(net, side.edge, side.t, side.t + 1e-9)
    start = shapely.get_point(at, 0)
    pts = shapely.points(targets.x[side.index], targets.y[side.index])
    lines = shapely.linestrings(
        np.stack([shapely.get_coordinates(pts), shapely.get_coordinates(start)], axis=1)
    )
    return np.asarray(lines, dtype=object), side.c


#: Jobs with more street pieces than this use the raster method when ``method="auto"``.
AUTO_RASTER_PIECES = 100_000
#: Merged-only jobs with more street pieces than this use the raster method when
#: ``method="auto"``: one city-wide union of exact buffers costs ~0.1 ms a piece, the distance
#: field a fraction of that, with the outline within a metre or two of the exact one.
AUTO_RASTER_MERGED_PIECES = 10_000


def service_areas(
    net: WalkNetwork,
    targets: Snapped,
    cutoffs_m: Sequence[float],
    buffer_m: float | None = None,
    target_ids: Sequence[Any] | None = None,
    merge: bool = True,
    *,
    method: Literal["auto", "exact", "raster"] = "auto",
    cell_m: float = 5.0,
    quad_segs: int = 4,
    workers: int | None = None,
    per_target: bool = True,
) -> gpd.GeoDataFrame:
    """Network-traced service-area polygons per target and tier (服务圈范围).

    Parameters
    ----------
    net : WalkNetwork
        The walking network.
    targets : Snapped
        Attached facilities; those with ``ok`` False get no polygon.
    cutoffs_m : sequence of float
        Walking distances of the tiers (e.g. 5/10/15-minute circles in metres).
    buffer_m : float, optional
        Buffer around reached streets (default ``settings.service_area_buffer_m``).
    target_ids : sequence, optional
        Ids written to the ``target_id`` column (default: positions).
    merge : bool, default True
        Also return one merged polygon per tier (``target_id`` None, ``kind`` "merged").
    method : {"auto", "exact", "raster"}, default "auto"
        "exact": GEOS buffers of every reached piece, unioned per target and tier.
        "raster": the exact distance to the reached pieces sampled every ``cell_m`` metres and
        contoured at ``buffer_m`` with linear interpolation (exact along straight streets, within
        about half a cell where two buffers meet; slivers narrower than a cell between two
        buffers may be filled). Many times faster.
        "auto": "exact" up to :data:`AUTO_RASTER_PIECES` reached pieces (merged only:
        :data:`AUTO_RASTER_MERGED_PIECES`), else "raster".
    cell_m : float, default 5
        Grid step of the raster method (the merged areas use twice this step).
    quad_segs : int, default 4
        Segments per quarter circle of exact buffers.
    workers : int, optional
        Worker processes for the polygons (default: all CPUs for large jobs; 1 = in-process).
    per_target : bool, default True
        Also return one polygon per target and tier; False returns the merged tiers only (from
        one multi-source run, far faster for many targets) and needs ``merge=True``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``kind`` ("target"/"merged"), ``target_id``, ``target_index`` (-1 for merged),
        ``cutoff_m``, ``method``, ``geometry`` (Polygon/MultiPolygon, empty when nothing is
        reached), in the network CRS.
    """
    import geopandas as gpd
    import pandas as pd

    buf = float(settings.service_area_buffer_m if buffer_m is None else buffer_m)
    cuts = np.asarray(sorted(float(c) for c in cutoffs_m), dtype=np.float64)
    if len(cuts) == 0 or not np.all(np.isfinite(cuts)) or cuts[0] < 0:
        raise NetworkError(f"cutoffs_m must be finite distances ≥ 0 in metres, got {cutoffs_m}.")
    if target_ids is not None and len(target_ids) != len(targets):
        raise NetworkError(
            f"target_ids has {len(target_ids)} entries but there are {len(targets)} targets."
        )
    if method not in ("auto", "exact", "raster") or not cell_m > 0:
        raise NetworkError(f"method must be auto/exact/raster and cell_m > 0, got {method!r}.")
    if not (merge or per_target):
        raise NetworkError("merge=False with per_target=False asks for no polygon at all.")
    side = Side.of(net, targets)
    k, n_t = len(side.u), len(cuts)
    ids = list(range(len(targets))) if target_ids is None else list(target_ids)
    conn_lines, conn_len = _connectors(targets, side, net)
    rows: dict[str, list[Any]] = {k_: [] for k_ in ("kind", "target_id", "target_index")}
    rows |= {"cutoff_m": [], "geometry": []}
    used: str = method
    if per_target:
        # per target: one run each
        r, tier, e, a, b = _run(net, side, np.arange(k + 1, dtype=np.int64), cuts)
        lines = _pieces_to_lines(net, e, a, b)
        group = r * n_t + tier
        c_group = (np.arange(k)[:, None] * n_t + np.arange(n_t)[None, :]).ravel()
        c_ok = (conn_len[:, None] <= cuts[None, :]).ravel() & (np.repeat(conn_len, n_t) > 0)
        all_lines = np.concatenate([lines, np.repeat(conn_lines, n_t)[c_ok]])
        all_group = np.concatenate([group, c_group[c_ok]])
        if method == "auto":
            used = "raster" if len(all_lines) > AUTO_RASTER_PIECES else "exact"
        cell = cell_m if used == "raster" else None
        polys = buffer_union_groups(all_lines, all_group, k * n_t, buf, quad_segs, workers, cell)
        rows["kind"] = ["target"] * (k * n_t)
        rows["target_id"] = [ids[side.index[q]] for q in range(k) for _ in range(n_t)]
        rows["target_index"] = np.repeat(side.index, n_t).tolist()
        rows["cutoff_m"] = np.tile(cuts, k).tolist()
        rows["geometry"] = list(polys)
    if merge:
        merged, used_merged = _merged(
            net, side, cuts, conn_lines, conn_len, buf, quad_segs, workers,
            method if not per_target else used, cell_m,
        )  # fmt: skip
        used = used if per_target else used_merged
        rows["kind"] += ["merged"] * n_t
        rows["target_id"] += [None] * n_t
        rows["target_index"] += [-1] * n_t
        rows["cutoff_m"] += cuts.tolist()
        rows["geometry"] += merged
    logger.info("service areas: %d targets × %d tiers, %s method", k, n_t, used)
    data: dict[str, Any] = {
        "kind": pd.Series(rows["kind"], dtype=object),
        "target_id": pd.Series(rows["target_id"], dtype=object),
        "target_index": pd.Series(rows["target_index"], dtype=np.int64),
        "cutoff_m": pd.Series(rows["cutoff_m"], dtype=np.float64),
        "method": pd.Series([used] * len(rows["kind"]), dtype=object),
    }
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(rows["geometry"], crs=net.crs))


def _merged(
    net: WalkNetwork,
    side: Side,
    cuts: npt.NDArray[Any],
    conn_lines: npt.NDArray[np.object_],
    conn_len: npt.NDArray[np.float64],
    buf: float,
    quad_segs: int,
    workers: int | None,
    method: str,
    cell_m: float,
) -> tuple[list[Any], str]:
    """Union over all targets per tier from one multi-source run, and the method used.

    Exact: tiled GEOS unions, then a union of the tiles. Raster: one distance field per tier
    at twice the cell size (coarser if the extent would exceed ``_raster.MAX_CELLS``). "auto"
    picks by the number of reached pieces (:data:`AUTO_RASTER_MERGED_PIECES`).
    """
    n_t = len(cuts)
    used = "exact" if method == "auto" else method
    if len(side.u) == 0:
        return [shapely.Polygon()] * n_t, used
    _, tier, e, a, b = _run(net, side, np.array([0, len(side.u)], dtype=np.int64), cuts)
    lines = _pieces_to_lines(net, e, a, b)
    c_tier = np.tile(np.arange(n_t), len(conn_lines))
    c_ok = (np.repeat(conn_len, n_t) <= cuts[c_tier]) & (np.repeat(conn_len, n_t) > 0)
    lines = np.concatenate([lines, np.repeat(conn_lines, n_t)[c_ok]])
    tier = np.concatenate([tier, c_tier[c_ok]])
    if len(lines) == 0:
        return [shapely.Polygon()] * n_t, used
    if method == "auto":
        used = "raster" if len(lines) > AUTO_RASTER_MERGED_PIECES else "exact"
    if used == "raster":
        seg, line_of = segments_of(lines)
        seg_tier = tier[line_of]
        return [raster_buffer(seg[seg_tier == t_i], buf, 2 * cell_m) for t_i in range(n_t)], used
    start = shapely.get_coordinates(shapely.get_point(lines, 0))
    tx = np.floor((start[:, 0] - start[:, 0].min()) / _TILE_M).astype(np.int64)
    ty = np.floor((start[:, 1] - start[:, 1].min()) / _TILE_M).astype(np.int64)
    n_tx, n_ty = int(tx.max()) + 1, int(ty.max()) + 1
    group = (tier * n_tx + tx) * n_ty + ty
    _, dense = np.unique(group, return_inverse=True)
    tiles = buffer_union_groups(lines, dense, int(dense.max()) + 1, buf, quad_segs, workers)
    tile_tier = np.zeros(len(tiles), dtype=np.int64)
    tile_tier[dense] = tier
    return [shapely.union_all(tiles[tile_tier == t_i]) for t_i in range(n_t)], used
