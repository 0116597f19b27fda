"""MILP models of the siting problems, built as CSC matrices for HiGHS (整数规划模型).

Two model families share one builder:

* **uncapacitated** (classic MCLP / partial set cover): binary ``y_j`` (open candidate ``j``),
  continuous ``z_i ∈ [0, 1]`` (demand row ``i`` covered) with ``z_i ≤ Σ_j a_ij y_j``. ``z`` may be
  continuous because, for integral ``y``, an optimal ``z_i`` is 0 or 1 anyway.
* **capacitated**: binary ``y_j`` and one continuous assignment variable ``x_e ∈ [0, 1]`` per
  nonzero ``e = (i, j)`` of the coverage matrix (share of demand ``i`` served by ``j``), with
  ``Σ_j x_ij ≤ 1`` per demand row and ``Σ_i h_i x_ij ≤ cap_j y_j`` per candidate. Assignment is
  *fractional*: a residential estate (小区) may be split between two centres. Variable upper bounds
  ``x_ij ≤ y_j`` tighten the LP relaxation; they are added when the matrix is small enough (and
  always for demand with zero households, whose assignment the capacity row cannot stop).

Side constraints: a cardinality row (``Σ y_j ≤ N`` over non-required candidates), one row per
group that needs a site (``Σ_{j∈g} y_j ≥ 1``), one row per conflicting pair of candidates
(``y_j + y_k ≤ 1``, e.g. closer than the minimum spacing 最小间距), and for set cover a
coverage-target row.
The whole model is passed to HiGHS in one ``passModel`` call (no Python loop per nonzero).

The model is solved by :func:`planning.siting.highs.solve_model`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = ["Model", "build_model"]


#: Add the tightening rows ``x_ij ≤ y_j`` when the coverage matrix has at most this many nonzeros.
VUB_MAX_NNZ = 300_000


@dataclass(frozen=True, eq=False)
class Model:
    """A MILP in column-wise form, ready for ``Highs.passModel``.

    Attributes
    ----------
    matrix : scipy.sparse.csc_array
        Constraint matrix (rows × columns).
    cost, col_lower, col_upper, row_lower, row_upper : numpy.ndarray
        Objective and bounds (``±inf`` for free sides).
    integrality : numpy.ndarray of int32
        1 for the ``y`` columns (first ``n_y``), 0 otherwise.
    maximize : bool
        Objective sense.
    n_y : int
        Number of site variables (they come first).
    edge_rows, edge_cols : numpy.ndarray or None
        Capacitated models: demand row and candidate column of each assignment variable.
    """

    matrix: sp.csc_array
    cost: NDArray[np.float64]
    col_lower: NDArray[np.float64]
    col_upper: NDArray[np.float64]
    row_lower: NDArray[np.float64]
    row_upper: NDArray[np.float64]
    integrality: NDArray[np.int32]
    maximize: bool
    n_y: int
    edge_rows: NDArray[np.int64] | None = None
    edge_cols: NDArray[np.int64] | None = None


def build_model(
    a: sp.csr_array,
    w: NDArray[np.float64],
    *,
    kind: Literal["max_cover", "min_sites"],
    y_lower: NDArray[np.float64],
    counted: NDArray[np.bool_],
    n_new: int | None = None,
    group_of: NDArray[np.int64] | None = None,
    n_groups: int = 0,
    target: float | None = None,
    h: NDArray[np.float64] | None = None,
    capacity: NDArray[np.float64] | None = None,
    tie_break: bool = True,
    conflicts: sp.csr_array | None = None,
) -> Model:
    """Build the MILP for a reduced instance.

    Parameters
    ----------
    a : scipy.sparse.csr_array
        0/1 coverage of the reduced demand rows by the reduced candidate columns.
    w : numpy.ndarray
        Weight per reduced demand row.
    kind : {"max_cover", "min_sites"}
        Maximise covered weight (MCLP) or minimise the number of counted sites (set cover).
    y_lower : numpy.ndarray
        Lower bound of each ``y`` (1 for required sites).
    counted : numpy.ndarray of bool
        Sites that count towards ``n_new`` / the minimised number (the non-required ones).
    n_new : int, optional
        Cardinality limit on the counted sites.
    group_of : numpy.ndarray of int64, optional
        Needed-group index per column, -1 when none.
    n_groups : int
        Number of needed groups.
    target : float, optional
        Minimum covered weight (set cover).
    h, capacity : numpy.ndarray, optional
        Capacity consumption per row and capacity per column: builds the capacitated model.
    tie_break : bool
        ``min_sites`` only: subtract a tiny multiple of covered weight so that, among solutions
        with the fewest sites, the one covering most is preferred (the term is < 0.1 in total).
    conflicts : scipy.sparse.csr_array, optional
        Symmetric boolean column × column matrix of pairs that must not both open.

    Returns
    -------
    Model
        The assembled model.
    """
    n_r, n_c = a.shape
    ones_c = np.ones(n_c)
    if capacity is None:
        obj_w = w
        n_s = n_r
        link = sp.hstack([-a, sp.eye_array(n_r)], format="csr")
        blocks: list[sp.sparray] = [link]
        lows: list[NDArray[np.float64]] = [np.full(n_r, -np.inf)]
        ups: list[NDArray[np.float64]] = [np.zeros(n_r)]
        er = ec = None
    else:
        assert h is not None
        coo = a.tocoo()
        er, ec = coo.row.astype(np.int64), coo.col.astype(np.int64)
        n_s = er.size
        edges = np.arange(n_s)
        obj_w = w[er]
        per_row = sp.csr_array((np.ones(n_s), (er, edges)), shape=(n_r, n_s))
        cap_eff = np.minimum(capacity, np.bincount(ec, weights=h[er], minlength=n_c))
        cap_rows = sp.hstack(
            [-sp.diags_array(cap_eff), sp.csr_array((h[er], (ec, edges)), shape=(n_c, n_s))],
            format="csr",
        )
        vub = edges if n_s <= VUB_MAX_NNZ else np.flatnonzero(h[er] <= 0)
        vub_rows = sp.hstack(
            [
                sp.csr_array(
                    (-np.ones(vub.size), (np.arange(vub.size), ec[vub])), shape=(vub.size, n_c)
                ),
                sp.csr_array(
                    (np.ones(vub.size), (np.arange(vub.size), vub)), shape=(vub.size, n_s)
                ),
            ],
            format="csr",
        )
        blocks = [sp.hstack([sp.csr_array((n_r, n_c)), per_row], format="csr"), cap_rows, vub_rows]
        lows = [np.full(n_r, -np.inf), np.full(n_c, -np.inf), np.full(vub.size, -np.inf)]
        ups = [np.ones(n_r), np.zeros(n_c), np.zeros(vub.size)]
    zeros_s = sp.csr_array((1, n_s))
    if n_new is not None:
        blocks.append(sp.hstack([sp.csr_array(counted.astype(np.float64)[None, :]), zeros_s]))
        lows.append(np.array([-np.inf]))
        ups.append(np.array([float(n_new)]))
    if n_groups and group_of is not None:
        cols = np.flatnonzero(group_of >= 0)
        g = sp.csr_array((np.ones(cols.size), (group_of[cols], cols)), shape=(n_groups, n_c))
        blocks.append(sp.hstack([g, sp.csr_array((n_groups, n_s))]))
        lows.append(np.ones(n_groups))
        ups.append(np.full(n_groups, np.inf))
    if conflicts is not None and conflicts.nnz:
        pairs = sp.triu(sp.coo_array(conflicts), k=1).tocoo()
        n_p = int(pairs.nnz)
        rows_p = np.repeat(np.arange(n_p), 2)
        cols_p = np.column_stack([pairs.row, pairs.col]).ravel()
        pair_rows = sp.csr_array((np.ones(2 * n_p), (rows_p, cols_p)), shape=(n_p, n_c))
        blocks.append(sp.hstack([pair_rows, sp.csr_array((n_p, n_s))]))
        lows.append(np.full(n_p, -np.inf))
        ups.append(np.ones(n_p))
    if target is not None:
        blocks.append(sp.hstack([sp.csr_array((1, n_c)), sp.csr_array(obj_w[None, :])]))
        lows.append(np.array([target]))
        ups.append(np.array([np.inf]))
    matrix = sp.csc_array(sp.vstack(blocks, format="csc"))
    matrix.sort_indices()
    if kind == "max_cover":
        cost = np.concatenate([np.zeros(n_c), obj_w])
    else:
        total = float(obj_w.sum())
        eps = 0.1 / total if (tie_break and total > 0) else 0.0
        cost = np.concatenate([counted.astype(np.float64), -eps * obj_w])
    return Model(
        matrix=matrix,
        cost=cost,
        col_lower=np.concatenate([np.asarray(y_lower, dtype=np.float64), np.zeros(n_s)]),
        col_upper=np.concatenate([ones_c, np.ones(n_s)]),
        row_lower=np.concatenate(lows),
        row_upper=np.concatenate(ups),
        integrality=np.concatenate([np.ones(n_c, np.int32), np.zeros(n_s, np.int32)]),
        maximize=kind == "max_cover",
        n_y=n_c,
        edge_rows=er,
        edge_cols=ec,
    )
