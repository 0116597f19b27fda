"""Grouped buffer-and-union of line pieces, optionally in worker processes.

Service areas are unions of buffered street pieces. GEOS holds the GIL for unions, so threads do
not help; large jobs are split into chunks of whole groups and handed to forked worker processes
(coordinates in, WKB out).
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from planning.network._raster import raster_buffer_groups

logger = logging.getLogger(__name__)

#: Jobs with fewer pieces than this run in-process (worker start-up would dominate).
PARALLEL_MIN_PIECES = 50_000


def default_workers() -> int:
    """Worker processes to use: the CPUs available to this process, at most 8."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    return max(1, min(8, n))


def _union_sorted(
    lines: npt.NDArray[np.object_],
    starts: npt.NDArray[np.int64],
    buf: float,
    quad_segs: int,
    cell_m: float | None,
) -> npt.NDArray[np.object_]:
    """Polygon of each run ``starts[i]:starts[i+1]`` of lines.

    Exact GEOS buffer-and-union when ``cell_m`` is None, else the distance-field raster of
    :mod:`planning.network._raster`.
    """
    n = len(starts) - 1
    if cell_m is not None:
        group = np.repeat(np.arange(n), np.diff(starts))
        return raster_buffer_groups(lines, group, n, buf, cell_m)
    polys = shapely.buffer(lines, buf, quad_segs=quad_segs)
    out = np.empty(n, dtype=object)
    for i in range(n):
        out[i] = shapely.union_all(polys[starts[i] : starts[i + 1]])
    return out


def _worker(
    coords: npt.NDArray[np.float64],
    offsets: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    buf: float,
    quad_segs: int,
    cell_m: float | None,
) -> Any:
    lines = shapely.from_ragged_array(shapely.GeometryType.LINESTRING, coords, (offsets,))
    polys = _union_sorted(np.asarray(lines, dtype=object), starts, buf, quad_segs, cell_m)
    return shapely.to_wkb(polys)


def buffer_union_groups(
    lines: npt.NDArray[np.object_],
    group: npt.NDArray[np.int64],
    n_groups: int,
    buf: float,
    quad_segs: int = 4,
    workers: int | None = None,
    cell_m: float | None = None,
) -> npt.NDArray[np.object_]:
    """Union of the buffered lines of every group.

    Parameters
    ----------
    lines : array of LineString
        The pieces.
    group : array of int
        Group of every piece, ``0..n_groups-1``.
    n_groups : int
        Number of groups; groups without pieces get an empty polygon.
    buf : float
        Buffer distance (metres).
    quad_segs : int, default 4
        Segments per quarter circle.
    workers : int, optional
        Worker processes; default: :func:`default_workers` for jobs of at least
        :data:`PARALLEL_MIN_PIECES` pieces, else in-process. 1 forces in-process.
    cell_m : float, optional
        None: exact GEOS buffers and unions. A cell size: distance-field raster polygons
        (:mod:`planning.network._raster`).

    Returns
    -------
    numpy.ndarray of shapely geometries
        Buffering distributes over union, so this equals buffering each group's lines together.
    """
    out = np.full(n_groups, shapely.Polygon(), dtype=object)
    if len(lines) == 0:
        return out
    order = np.argsort(group, kind="stable")
    g = group[order]
    sorted_lines = lines[order]
    present, starts = np.unique(g, return_index=True)
    bounds = np.append(starts, len(g)).astype(np.int64)
    n_workers = default_workers() if workers is None else max(1, int(workers))
    if workers is None and len(lines) < PARALLEL_MIN_PIECES:
        n_workers = 1
    if n_workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        out[present] = _union_sorted(sorted_lines, bounds, buf, quad_segs, cell_m)
        return out
    # chunks of whole groups with about equal numbers of pieces
    n_chunks = min(len(present), 4 * n_workers)
    cuts = np.searchsorted(bounds[:-1], np.linspace(0, len(g), n_chunks + 1)[1:-1])
    group_cuts = np.unique(np.concatenate([[0], cuts, [len(present)]]))
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx) as pool:
        jobs = []
        for ga, gb in itertools.pairwise(group_cuts):
            lo, hi = bounds[ga], bounds[gb]
            _, coords, (offsets,) = shapely.to_ragged_array(sorted_lines[lo:hi])
            jobs.append(
                (
                    ga,
                    gb,
                    pool.submit(
                        _worker, coords, offsets, bounds[ga : gb + 1] - lo, buf, quad_segs, cell_m
                    ),
                )
            )
        for ga, gb, job in jobs:
            out[present[ga:gb]] = shapely.from_wkb(job.result())
    return out
