"""LP-rounding heuristics for the uncapacitated models (线性松弛取整启发式).

When the LP relaxation is fractional, a good incumbent matters twice: it is what is returned if
branch and bound runs out of time, and it drives reduced-cost fixing. These functions turn the LP
site values ``y*`` into feasible column vectors of the model built by
:func:`planning.siting.milp.build_model` on a :class:`planning.siting.reduction.Reduced` instance.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from planning.siting.reduction import Reduced

__all__ = ["round_max_cover", "round_set_cover"]


def _block(red: Reduced, allowed: NDArray[np.bool_], j: int) -> None:
    """Rule out the columns in conflict with column ``j``."""
    if red.conflicts is not None:
        allowed[red.conflicts.indices[red.conflicts.indptr[j] : red.conflicts.indptr[j + 1]]] = (
            False
        )


def _vector(red: Reduced, chosen: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Column vector ``(y, z)`` of the uncapacitated model for a set of open columns."""
    y = chosen.astype(np.float64)
    z = (np.asarray(red.a @ y) > 0).astype(np.float64)
    return np.concatenate([y, z])


def round_max_cover(red: Reduced, values: NDArray[np.float64], n_new: int) -> NDArray[np.float64]:
    """Open the ``n_new`` sites with the largest LP values (one per needed group first).

    Sites in conflict with one already chosen are skipped, so the vector may break a group
    constraint when conflicts are tight; the solver then ignores it.

    Parameters
    ----------
    red : Reduced
        The reduced uncapacitated instance.
    values : numpy.ndarray
        LP column values (sites first).
    n_new : int
        Number of sites to open.

    Returns
    -------
    numpy.ndarray
        A feasible column vector.
    """
    n_y = red.cols.size
    order = np.argsort(-values[:n_y], kind="stable")
    chosen = np.zeros(n_y, dtype=bool)
    allowed = np.ones(n_y, dtype=bool)
    served: set[int] = set()
    for j in order:
        g = int(red.group_of[j])
        if g >= 0 and g not in served and allowed[j]:
            served.add(g)
            chosen[j] = True
            _block(red, allowed, j)
    for j in order:
        if chosen.sum() >= n_new:
            break
        if allowed[j] and not chosen[j]:
            chosen[j] = True
            _block(red, allowed, j)
    return _vector(red, chosen)


def round_set_cover(
    red: Reduced, values: NDArray[np.float64] | None, target: float
) -> NDArray[np.float64] | None:
    """Greedy cover restricted to the LP's support, then drop redundant sites.

    Sites are added by largest marginal covered weight among those with a positive LP value
    (all sites when ``values`` is None) until ``target`` is covered; then, from the last added
    to the first, every site whose removal keeps the target (and its group's site) is dropped.

    Parameters
    ----------
    red : Reduced
        The reduced uncapacitated instance.
    values : numpy.ndarray or None
        LP column values (sites first).
    target : float
        Weight of reduced demand rows that must be covered.

    Returns
    -------
    numpy.ndarray or None
        A feasible column vector, or None when the allowed sites fall short.
    """
    n_y = red.cols.size
    a_csr = red.a
    a_csc = sp.csc_array(red.a)
    allowed = np.ones(n_y, bool) if values is None else values[:n_y] > 1e-6
    order = np.argsort(-values[:n_y], kind="stable") if values is not None else np.arange(n_y)
    count = np.zeros(a_csr.shape[0], dtype=np.int64)
    gains = np.asarray(a_csc.T @ red.w, dtype=np.float64)
    picked: list[int] = []
    covered_w = 0.0

    def add(j: int) -> float:
        rows = a_csc.indices[a_csc.indptr[j] : a_csc.indptr[j + 1]]
        new = rows[count[rows] == 0]
        count[rows] += 1
        picked.append(j)
        allowed[j] = False
        _block(red, allowed, j)
        if new.size:
            gains[:] -= np.asarray(a_csr[new].T @ red.w[new], dtype=np.float64)
        return float(red.w[new].sum())

    served: set[int] = set()
    for j in order:
        g = int(red.group_of[j])
        if g >= 0 and g not in served and allowed[j]:
            served.add(g)
            covered_w += add(j)
    while covered_w < target:
        cand = np.where(allowed, gains, -np.inf)
        j = int(np.argmax(cand))
        if cand[j] <= 0:
            return None
        covered_w += add(j)
    n_groups = int(red.group_of.max(initial=-1)) + 1
    chosen = np.zeros(n_y, dtype=bool)
    chosen[picked] = True
    group_open = np.bincount(red.group_of[chosen & (red.group_of >= 0)], minlength=n_groups)
    for j in picked[::-1]:
        g = int(red.group_of[j])
        if g >= 0 and group_open[g] <= 1:
            continue
        rows = a_csc.indices[a_csc.indptr[j] : a_csc.indptr[j + 1]]
        loss = float(red.w[rows[count[rows] == 1]].sum())
        if covered_w - loss >= target:
            count[rows] -= 1
            chosen[j] = False
            covered_w -= loss
            if g >= 0:
                group_open[g] -= 1
    return _vector(red, chosen)
