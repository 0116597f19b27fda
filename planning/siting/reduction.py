"""Pre-reduction of a siting instance (预处理): drop what cannot change the answer.

Used by the MILP (:mod:`planning.siting.core`) and the greedy heuristic's LP bound
(:mod:`planning.siting.greedy`); the result keeps the original indices of the kept rows and
columns so that solutions map back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from planning.siting.problem import Instance

__all__ = ["Reduced", "reduce_instance"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Reduced:
    """The part of an instance a solver has to look at.

    Attributes
    ----------
    a : scipy.sparse.csr_array
        Coverage of the kept demand rows by the kept candidate columns.
    w, h : numpy.ndarray
        Weight and capacity consumption per kept row (merged rows: summed).
    rows : numpy.ndarray of int64
        Capacitated: original index of each kept row. Uncapacitated: one representative.
    cols : numpy.ndarray of int64
        Original index of each kept column.
    base_covered : numpy.ndarray of bool
        Original demand covered before any model decision (existing facilities, plus required
        sites in the uncapacitated case).
    base_gain : float
        Weight newly covered by required sites (uncapacitated; 0 for capacitated).
    y_lower : numpy.ndarray of float64
        1 for required columns kept in the model (capacitated only), else 0.
    group_of : numpy.ndarray of int64
        Needed-group index per kept column (-1 when none).
    conflicts : scipy.sparse.csr_array or None
        Pairs of kept columns that must not both open (symmetric, boolean).
    dominated : int
        Number of columns dropped because another column covers a superset of their demand.
    """

    a: sp.csr_array
    w: NDArray[np.float64]
    h: NDArray[np.float64]
    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    base_covered: NDArray[np.bool_]
    base_gain: float
    y_lower: NDArray[np.float64]
    group_of: NDArray[np.int64]
    conflicts: sp.csr_array | None = None
    dominated: int = 0

    @property
    def counted(self) -> NDArray[np.bool_]:
        """Columns counting towards the number of new sites (the non-required ones)."""
        return self.y_lower < 0.5


def reduce_instance(
    inst: Instance, *, merge_rows: bool = True, drop_dominated: bool = True
) -> Reduced:
    """Drop demand and candidates that cannot change the answer (预处理).

    Uncapacitated instances: demand already covered (by existing facilities or by required
    sites), with zero weight or covered by no eligible candidate is dropped; required and
    excluded candidates leave the model (required ones are opened up front); candidates that
    cover no remaining demand are dropped unless a group needs them; demand rows covered by the
    same set of candidates are merged (weights summed); a candidate whose demand another candidate
    also covers (a subset, or the same set with a lower index) is dropped (支配候选点) unless a
    group or a conflict makes it different. Capacitated instances keep required sites in the
    model (their capacity matters) and drop nothing else.

    Parameters
    ----------
    inst : Instance
        The validated instance.
    merge_rows : bool
        Merge identical demand rows (uncapacitated only).
    drop_dominated : bool
        Drop dominated candidates (uncapacitated only).

    Returns
    -------
    Reduced
        The reduced instance.
    """
    capacitated = inst.capacity is not None
    req_cols = np.flatnonzero(inst.required)
    base = inst.already_covered.copy() if capacitated else inst.covered_by(req_cols)
    base_gain = 0.0 if capacitated else float(inst.weights[base & ~inst.already_covered].sum())
    row_nnz = np.diff(inst.a_csr.indptr)
    rows = np.flatnonzero(~base & (inst.weights > 0) & (row_nnz > 0))
    sub = sp.csr_array(inst.a_csr[rows])
    col_hits = np.bincount(sub.indices, minlength=inst.n_candidates)
    keep_col = ~inst.excluded & ((col_hits > 0) | (inst.group_of >= 0))
    if capacitated:
        keep_col |= inst.required
    else:
        keep_col &= ~inst.required
    cols = np.flatnonzero(keep_col)
    a = sp.csr_array(sub[:, cols])
    a.sort_indices()
    n_dominated = 0
    if drop_dominated and not capacitated and cols.size > 1:
        conf = None if inst.conflicts is None else inst.conflicts[cols][:, cols]
        alive = ~_dominated(a, inst.group_of[cols], conf)
        n_dominated = int(cols.size - alive.sum())
        if n_dominated:
            cols = cols[alive]
            a = sp.csr_array(a[:, alive])
            a.sort_indices()
            logger.debug("dropped %d dominated candidate columns", n_dominated)
    w = inst.weights[rows]
    h = inst.demand_households[rows]
    if merge_rows and not capacitated and rows.size:
        keys = [a.indices[a.indptr[k] : a.indptr[k + 1]].tobytes() for k in range(rows.size)]
        first: dict[bytes, int] = {}
        label = np.fromiter((first.setdefault(k, len(first)) for k in keys), np.int64, rows.size)
        n_u = len(first)
        if n_u < rows.size:
            rep = np.unique(label, return_index=True)[1]
            w = np.bincount(label, weights=w, minlength=n_u).astype(np.float64)
            h = np.bincount(label, weights=h, minlength=n_u).astype(np.float64)
            a = sp.csr_array(a[rep])
            rows = rows[rep]
            logger.debug("merged %d demand rows into %d distinct coverage sets", label.size, n_u)
    y_lower = (capacitated & inst.required[cols]).astype(np.float64)
    conflicts = None
    if inst.conflicts is not None:
        conflicts = sp.csr_array(inst.conflicts[cols][:, cols])
        conflicts.eliminate_zeros()
        if conflicts.nnz == 0:
            conflicts = None
    return Reduced(
        a=a,
        w=w,
        h=h,
        rows=rows,
        cols=cols,
        base_covered=base,
        base_gain=base_gain,
        y_lower=y_lower,
        group_of=inst.group_of[cols],
        conflicts=conflicts,
        dominated=n_dominated,
    )


def _dominated(
    a: sp.csr_array, group_of: NDArray[np.int64], conflicts: sp.csr_array | None
) -> NDArray[np.bool_]:
    """Columns whose rows another eligible column also covers (exact: never changes the answer).

    Column ``x`` is dominated by ``y`` when ``rows(x) ⊆ rows(y)`` and ``y`` is larger or equal
    with a lower index (a strict order, so every chain ends in a kept column), ``x`` needs no
    group other than ``y``'s, and neither is in a conflict (a conflict could make ``y``
    unavailable where ``x`` is not).
    """
    csc = sp.csc_array(a)
    size = np.diff(csc.indptr)
    overlap = sp.coo_array(csc.T @ csc)
    x, y, shared = overlap.row, overlap.col, np.asarray(overlap.data)
    free = np.ones(a.shape[1], dtype=bool)
    if conflicts is not None:
        free &= np.diff(conflicts.indptr) == 0
    dom = (
        (x != y)
        & (shared == size[x])
        & ((size[y] > size[x]) | ((size[y] == size[x]) & (y < x)))
        & ((group_of[x] < 0) | (group_of[x] == group_of[y]))
        & free[x]
        & free[y]
    )
    out = np.zeros(a.shape[1], dtype=bool)
    out[x[dom]] = True
    return out
