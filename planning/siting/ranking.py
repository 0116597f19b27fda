"""Rank open sites by marginal gain (按边际增益排序), the order every solution reports."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from planning.siting.problem import Instance

__all__ = ["rank_by_marginal_gain"]


def rank_by_marginal_gain(
    inst: Instance, columns: NDArray[np.int64], covered: NDArray[np.bool_]
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.bool_]]:
    """Order ``columns`` greedily by marginal newly covered weight (uncapacitated).

    Parameters
    ----------
    inst : Instance
        The instance.
    columns : numpy.ndarray of int64
        Open candidates to rank (ties keep the lower column index first).
    covered : numpy.ndarray of bool
        Demand covered before the first of ``columns`` opens; updated in place.

    Returns
    -------
    order : numpy.ndarray of int64
        ``columns`` in rank order.
    gains : numpy.ndarray of float64
        Marginal weight of each, in rank order.
    covered : numpy.ndarray of bool
        The same array as passed in, now covering every ranked column.
    """
    cols = np.sort(np.asarray(columns, dtype=np.int64))
    if cols.size == 0:
        return cols, np.zeros(0), covered
    sub_csc = sp.csc_array(inst.a_csc[:, cols])
    sub_csr = sp.csr_array(sub_csc)
    w_open = np.where(covered, 0.0, inst.weights)
    gains = np.asarray(sub_csc.T @ w_open, dtype=np.float64)
    alive = np.ones(cols.size, dtype=bool)
    order = np.empty(cols.size, dtype=np.int64)
    out = np.empty(cols.size, dtype=np.float64)
    for step in range(cols.size):
        k = int(np.argmax(np.where(alive, gains, -np.inf)))
        alive[k] = False
        order[step], out[step] = cols[k], max(gains[k], 0.0)
        rows = sub_csc.indices[sub_csc.indptr[k] : sub_csc.indptr[k + 1]]
        new = rows[~covered[rows]]
        if new.size:
            covered[new] = True
            gains -= np.asarray(sub_csr[new].T @ inst.weights[new], dtype=np.float64)
    return order, out, covered
