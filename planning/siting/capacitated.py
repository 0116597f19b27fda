"""Fewest sites when each serves a limited number of households (容量约束下的最少设施数).

The capacitated set cover (a floor area per new centre caps the households it serves; demand may
be split between centres) is solved in three steps, each of which may prove the answer:

1. lower bounds: the LP relaxation (HiGHS interior point), and the proven minimum of the same
   problem without capacities (a capacity only ever asks for more sites);
2. a greedy heuristic opens, one at a time, the site that can serve the most still unserved
   weight within its capacity, serving first the demand with the fewest alternatives — from
   scratch (good when capacity binds), starting from the uncapacitated answer's sites (good when
   coverage binds) and from the LP's sites by LP value; the best one often meets a bound, which
   proves it;
3. otherwise branch and bound (HiGHS), started from that solution, for the remaining time.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from planning.siting.highs import Solution, run_highs, solve_model
from planning.siting.milp import Model
from planning.siting.reduction import Reduced

__all__ = ["greedy_capacitated", "solve_capacitated_cover"]

logger = logging.getLogger(__name__)


def greedy_capacitated(
    red: Reduced,
    model: Model,
    capacity: NDArray[np.float64],
    need: float,
    first: NDArray[np.int64] | None = None,
) -> NDArray[np.float64] | None:
    """Build a feasible column vector ``(y, x)`` of the capacitated model serving ``need``.

    Parameters
    ----------
    red : Reduced
        The reduced capacitated instance (required sites kept, ``y_lower`` = 1).
    model : Model
        Its capacitated model (for the assignment variables' order).
    capacity : numpy.ndarray
        Households each reduced column can serve.
    need : float
        Weight to serve.
    first : numpy.ndarray of int64, optional
        Reduced columns to open first, in this order (e.g. an uncapacitated answer); those that
        end up serving nothing are closed again.

    Returns
    -------
    numpy.ndarray or None
        The vector, or None when the greedy falls short (e.g. conflicts or groups block it).
    """
    assert model.edge_rows is not None
    assert model.edge_cols is not None
    a_csc = sp.csc_array(red.a)
    n_c = red.cols.size
    w, h = red.w, red.h
    left = np.ones(red.a.shape[0])  # unserved share of each row
    alternatives = np.diff(red.a.indptr)
    reach = np.asarray(a_csc.T @ (h * left), dtype=np.float64)
    room = capacity.astype(np.float64).copy()
    allowed = np.ones(n_c, dtype=bool)
    opened = np.zeros(n_c, dtype=bool)
    share = np.zeros(model.edge_rows.size)
    edge_key = model.edge_rows * n_c + model.edge_cols
    edge_order = np.argsort(edge_key, kind="stable")
    edge_sorted = edge_key[edge_order]
    pending = set(np.unique(red.group_of[red.group_of >= 0]).tolist())
    served = 0.0

    def serve(j: int) -> None:
        nonlocal served
        opened[j] = True
        allowed[j] = False
        pending.discard(int(red.group_of[j]))
        if red.conflicts is not None:
            allowed[
                red.conflicts.indices[red.conflicts.indptr[j] : red.conflicts.indptr[j + 1]]
            ] = False
        rows = a_csc.indices[a_csc.indptr[j] : a_csc.indptr[j + 1]]
        rows = rows[left[rows] > 0]
        # hardest first: fewest alternatives, then most weight per household
        ratio = np.where(h[rows] > 0, w[rows] / np.maximum(h[rows], 1e-300), np.inf)
        rows = rows[np.lexsort((-ratio, alternatives[rows]))]
        use = h[rows] * left[rows]
        cum = np.cumsum(use)
        full = cum <= room[j] + 1e-9
        take = np.where(full, left[rows], 0.0)
        k = int(full.sum())
        if k < rows.size and h[rows[k]] > 0:
            take[k] = max(room[j] - (cum[k - 1] if k else 0.0), 0.0) / h[rows[k]]
        took = take > 0
        rows, take = rows[took], take[took]
        left[rows] -= take
        room[j] -= float((h[rows] * take).sum())
        served += float((w[rows] * take).sum())
        share[edge_order[np.searchsorted(edge_sorted, rows * n_c + j)]] = take
        reach[:] -= np.asarray(a_csc[rows].T @ (h[rows] * take)).ravel()

    for req in np.flatnonzero(red.y_lower > 0.5).tolist():
        serve(req)
    for j in [] if first is None else first.tolist():
        if allowed[j] and served < need:
            serve(j)
    while served < need - 1e-9 * max(1.0, need) or pending:
        gain = np.minimum(room, reach)
        if pending:
            gain = np.where(np.isin(red.group_of, list(pending)), gain + 1.0, -1.0)
        j = int(np.argmax(np.where(allowed, gain, -np.inf)))
        if not allowed[j] or (gain[j] <= 0 and not pending):
            return None
        serve(j)
    idle = opened & (red.y_lower < 0.5) & (red.group_of < 0)
    idle[model.edge_cols[share > 0]] = False
    opened &= ~idle
    return np.concatenate([opened.astype(np.float64), np.clip(share, 0.0, 1.0)])


def solve_capacitated_cover(
    red: Reduced,
    model: Model,
    capacity: NDArray[np.float64],
    need: float,
    *,
    time_limit_s: float,
    mip_rel_gap: float,
    threads: int | None,
    hint: NDArray[np.int64] | None = None,
    hint_bound: float = 0.0,
) -> tuple[Solution | None, dict[str, Any]]:
    """LP bound, greedy, then branch and bound only if they leave a gap.

    ``hint`` (reduced columns) and ``hint_bound`` are the uncapacitated answer and its proven
    lower bound on the number of counted sites.

    Returns
    -------
    solution : Solution or None
        Values (sites first) and the bound on the model's objective (None: nothing to decide).
    details : dict
        ``bound_source``, ``lp_bound``, ``after_greedy``.
    """
    if red.cols.size == 0:
        return None, {"bound_source": "trivial"}
    t0 = time.perf_counter()
    details: dict[str, Any] = {}
    lp = run_highs(model, time_limit_s=time_limit_s, relax=True, threads=threads)
    lp_bound = lp.objective if lp is not None and lp.status == "optimal" else -math.inf
    details["lp_bound"] = round(lp_bound, 6)
    details["uncapacitated_bound"] = round(hint_bound, 6)
    bound, source = (lp_bound, "lp") if lp_bound >= hint_bound else (hint_bound, "uncapacitated")
    start, count = None, math.inf
    lp_first = None
    if lp is not None and lp.status == "optimal":
        y_lp = lp.values[: red.cols.size]
        lp_first = np.argsort(-y_lp, kind="stable")[: int(np.count_nonzero(y_lp > 1e-6))]
    for first in (None, hint, lp_first):
        got = greedy_capacitated(red, model, capacity, need, first)
        n_got = (
            math.inf
            if got is None
            else float(np.count_nonzero(got[: red.cols.size][red.counted] > 0.5))
        )
        if n_got < count:
            start, count = got, n_got
    if start is not None:
        details["after_greedy"] = int(count)
        if math.ceil(bound - 1e-6) >= count:
            details["bound_source"] = source
            return Solution("optimal", start, float(model.cost @ start), bound, via="lp"), details
    left = time_limit_s - (time.perf_counter() - t0)
    sol = solve_model(
        model,
        time_limit_s=max(left, 1e-3),
        mip_rel_gap=mip_rel_gap,
        start=start,
        threads=threads,
        lp_first=False,
        mip_abs_gap=0.85,  # the tie-break term is below 0.1: stop once the count is proven
    )
    details["bound_source"] = "branch_and_bound" if sol.bound >= bound else source
    bound = max(sol.bound, bound)
    logger.debug("capacitated set cover: LP %.6g, greedy %s", lp_bound, details.get("after_greedy"))
    return Solution(sol.status, sol.values, sol.objective, bound, via=sol.via), details
