"""MILP models of the siting problems, built as CSC matrices and solved with HiGHS (整数规划).

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
group that needs a site (``Σ_{j∈g} y_j ≥ 1``), and for set cover a coverage-target row.
The whole model is passed to HiGHS in one ``passModel`` call (no Python loop per nonzero).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from planning._errors import SolverError

__all__ = ["Model", "Solution", "build_model", "solve_model"]

logger = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class Solution:
    """What HiGHS returned.

    Attributes
    ----------
    status : {"optimal", "time_limit"}
        ``time_limit`` also covers other early stops that still left a feasible solution.
    values : numpy.ndarray
        Column values.
    objective : float
        Objective of ``values``.
    bound : float
        Dual bound (equal to ``objective`` for a solved LP).
    duals : numpy.ndarray or None
        Reduced costs of the columns (LP only).
    via : {"lp", "mip", "start"}
        What produced ``values``: an integral LP vertex, branch and bound, or the warm start
        (time limit hit before branch and bound could run).
    """

    status: Literal["optimal", "time_limit"]
    values: NDArray[np.float64]
    objective: float
    bound: float
    duals: NDArray[np.float64] | None = None
    via: str = "mip"


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


_BANNER_LOCK = threading.Lock()


def new_highs() -> highspy.Highs:
    """Create a silent ``Highs`` instance.

    The HiGHS C++ library writes a copyright banner straight to file descriptor 1 when an
    instance is constructed (once per process in 1.16, once per instance in some older
    versions), before any option can be set. It would corrupt output a command writes to stdout
    (e.g. JSON), so construction runs with fd 1 pointed at the null device.
    """
    with _BANNER_LOCK:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                try:
                    h = highspy.Highs()
                finally:
                    os.dup2(saved, 1)
        finally:
            os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


def _agrees(a: float, b: float) -> bool:
    """Whether two objective values agree up to solver tolerance."""
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


_KEEP_GOING = {
    highspy.HighsModelStatus.kTimeLimit,
    highspy.HighsModelStatus.kIterationLimit,
    highspy.HighsModelStatus.kSolutionLimit,
    highspy.HighsModelStatus.kInterrupt,
    highspy.HighsModelStatus.kObjectiveBound,
    highspy.HighsModelStatus.kObjectiveTarget,
}


def solve_model(
    model: Model,
    *,
    time_limit_s: float,
    mip_rel_gap: float = 1e-4,
    relax: bool = False,
    start: NDArray[np.float64] | None = None,
    threads: int | None = None,
    lp_first: bool = True,
    rounding: Callable[[NDArray[np.float64]], NDArray[np.float64] | None] | None = None,
) -> Solution:
    """Solve ``model`` with HiGHS.

    Large coverage LPs are highly degenerate: HiGHS's dual simplex, which its MIP solver uses
    for the root node, may need minutes where its interior-point solver (IPX, with crossover to
    a vertex) needs seconds. So the LP relaxation is solved first with IPX. When its vertex is
    integral in the site variables it is optimal for the MILP and is returned at once (common
    for maximal coverage). Otherwise its reduced costs fix to 0 every site that cannot be part of
    a solution better than ``start`` (reduced-cost fixing: exact), and the MILP is solved by
    branch and bound in the remaining time, its bound tightened by the LP bound.

    Parameters
    ----------
    model : Model
        The model.
    time_limit_s : float
        Wall-clock limit for the whole call; the best solution found is returned when it is hit.
    mip_rel_gap : float
        Relative MIP gap at which HiGHS stops.
    relax : bool
        Solve only the LP relaxation (all columns continuous).
    start : numpy.ndarray, optional
        A feasible column vector handed to HiGHS as the incumbent (warm start).
    threads : int, optional
        HiGHS thread count (its default when None).
    lp_first : bool
        Solve the LP relaxation with IPX first (see above).
    rounding : callable, optional
        Maps a fractional LP solution to a feasible column vector (or None); used as the
        incumbent when it beats ``start``.

    Returns
    -------
    Solution
        Status, values, objective and bound.

    Raises
    ------
    planning._errors.SolverError
        The model is infeasible, or HiGHS stopped without any feasible solution.
    """
    t0 = time.perf_counter()
    if relax:
        lp = _run(model, time_limit_s=time_limit_s, relax=True, threads=threads)
        if lp is None:
            raise SolverError(
                f"the LP relaxation was not solved within {time_limit_s:g} s; raise time_limit_s."
            )
        return lp
    n_y = model.n_y
    lp_bound: float | None = None
    col_upper = model.col_upper
    if lp_first:
        lp = _run(model, time_limit_s=time_limit_s, relax=True, threads=threads)
        if lp is not None and lp.status == "optimal":
            y = lp.values[:n_y]
            if np.all(np.abs(y - np.round(y)) <= 1e-6):
                values = lp.values.copy()
                values[:n_y] = np.round(y)
                logger.debug("LP relaxation has integral sites: it is optimal for the MILP")
                return Solution("optimal", values, lp.objective, lp.objective, via="lp")
            lp_bound = lp.objective
            if rounding is not None:
                start = _better(model, start, rounding(lp.values))
            if start is not None and lp.duals is not None:
                col_upper = _reduced_cost_fixing(model, lp, float(model.cost @ start), start)
    remaining = time_limit_s - (time.perf_counter() - t0)
    mip = None
    if remaining > 0:
        mip = _run(
            model,
            time_limit_s=remaining,
            mip_rel_gap=mip_rel_gap,
            start=start,
            threads=threads,
            col_upper=col_upper,
        )
    if mip is None:
        if start is None:
            raise SolverError(
                f"HiGHS found no feasible solution within {time_limit_s:g} s; raise "
                "time_limit_s or use greedy_maximal_coverage."
            )
        bound = lp_bound if lp_bound is not None else (np.inf if model.maximize else -np.inf)
        return Solution("time_limit", start, float(model.cost @ start), bound, via="start")
    if lp_bound is not None:
        bound = min(mip.bound, lp_bound) if model.maximize else max(mip.bound, lp_bound)
        mip = Solution(mip.status, mip.values, mip.objective, bound, via="mip")
    return mip


def _better(
    model: Model, a: NDArray[np.float64] | None, b: NDArray[np.float64] | None
) -> NDArray[np.float64] | None:
    """Return the better of two candidate start vectors (either may be None)."""
    if a is None or b is None:
        return b if a is None else a
    va, vb = float(model.cost @ a), float(model.cost @ b)
    better_b = vb > va if model.maximize else vb < va
    logger.debug("LP rounding gives %.6g, greedy start %.6g", vb, va)
    return b if better_b else a


def _reduced_cost_fixing(
    model: Model, lp: Solution, incumbent: float, start: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Upper bounds with the sites that cannot beat ``incumbent`` fixed to 0."""
    assert lp.duals is not None
    n_y = model.n_y
    at_zero = lp.values[:n_y] <= 1e-9
    penalty = np.where(at_zero, np.abs(lp.duals[:n_y]), 0.0)
    tol = 1e-6 * max(1.0, abs(incumbent))
    if model.maximize:
        fix = lp.objective - penalty < incumbent - tol
    else:
        fix = lp.objective + penalty > incumbent + tol
    fix &= start[:n_y] < 0.5
    upper = model.col_upper.copy()
    upper[:n_y][fix] = 0.0
    logger.debug("reduced-cost fixing closed %d of %d candidate sites", int(fix.sum()), n_y)
    return upper


def _run(
    model: Model,
    *,
    time_limit_s: float,
    relax: bool = False,
    mip_rel_gap: float = 1e-4,
    start: NDArray[np.float64] | None = None,
    threads: int | None = None,
    col_upper: NDArray[np.float64] | None = None,
) -> Solution | None:
    """One HiGHS run; None when it stopped without a feasible solution (e.g. time limit)."""
    h = new_highs()
    h.setOptionValue("time_limit", float(max(time_limit_s, 1e-3)))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    if relax:
        h.setOptionValue("solver", "ipm")
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    m = model.matrix
    integrality = np.zeros_like(model.integrality) if relax else model.integrality
    status = h.passModel(
        int(m.shape[1]),
        int(m.shape[0]),
        int(m.nnz),
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMaximize if model.maximize else highspy.ObjSense.kMinimize),
        0.0,
        model.cost,
        model.col_lower,
        model.col_upper if col_upper is None else col_upper,
        np.where(np.isinf(model.row_lower), -highspy.kHighsInf, model.row_lower),
        np.where(np.isinf(model.row_upper), highspy.kHighsInf, model.row_upper),
        m.indptr.astype(np.int32),
        m.indices.astype(np.int32),
        np.asarray(m.data, dtype=np.float64),
        integrality.astype(np.int32),
    )
    if status == highspy.HighsStatus.kError:
        raise SolverError("HiGHS rejected the siting model (internal error building it).")
    if start is not None and not relax:
        sol = highspy.HighsSolution()
        sol.col_value = list(np.asarray(start, dtype=np.float64))
        h.setSolution(sol)
    h.run()
    ms = h.getModelStatus()
    info = h.getInfo()
    has_primal = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if ms == highspy.HighsModelStatus.kInfeasible:
        raise SolverError(
            "the siting model is infeasible (不可行): the required sites, group constraints and "
            "the number of new sites cannot all hold; allow more new sites or drop a group."
        )
    if ms == highspy.HighsModelStatus.kOptimal:
        st: Literal["optimal", "time_limit"] = "optimal"
    elif ms in _KEEP_GOING and has_primal and not relax:
        st = "time_limit"
    elif ms in _KEEP_GOING or ms == highspy.HighsModelStatus.kUnknown:
        logger.debug("HiGHS stopped with %s and no usable solution", h.modelStatusToString(ms))
        return None
    else:
        raise SolverError(
            f"HiGHS stopped with status {h.modelStatusToString(ms)}; the siting model could not "
            "be solved. Check the input for extreme weights or capacities."
        )
    solution = h.getSolution()
    values = np.asarray(solution.col_value, dtype=np.float64)
    obj = float(info.objective_function_value)
    if start is not None and not relax and not _agrees(float(model.cost @ values), obj):
        if st == "time_limit":
            # keep the returned vector and report its own objective
            obj = float(model.cost @ values)
        else:
            # HiGHS 1.16 can report the optimum found by presolve while returning the user's
            # starting vector as the solution; solve again without the start.
            logger.debug("HiGHS returned the warm start instead of its solution; solving again")
            return _run(
                model,
                time_limit_s=time_limit_s,
                mip_rel_gap=mip_rel_gap,
                threads=threads,
                col_upper=col_upper,
            )
    duals = None
    if relax:
        bound = obj
        duals = np.asarray(solution.col_dual, dtype=np.float64)
    else:
        bound = float(info.mip_dual_bound)
        if not np.isfinite(bound):
            bound = np.inf if model.maximize else -np.inf
    logger.debug(
        "HiGHS %s: status %s objective %.6g bound %.6g (%d cols, %d rows, %d nnz)",
        "LP" if relax else "MIP",
        st,
        obj,
        bound,
        m.shape[1],
        m.shape[0],
        m.nnz,
    )
    return Solution(st, values, obj, bound, duals=duals, via="lp" if relax else "mip")
