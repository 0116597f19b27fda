"""Solve a siting MILP with HiGHS (求解): LP relaxation first, then branch and bound.

Takes a :class:`planning.siting.milp.Model` and returns a :class:`Solution`: the LP relaxation is
solved with the interior-point method, an integral vertex is returned at once, otherwise
reduced-cost fixing and a warm start help the MIP solver (see :func:`solve_model`). HiGHS's
copyright banner is kept off stdout (:func:`new_highs`).
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
from numpy.typing import NDArray

from planning._errors import SolverError
from planning.siting.milp import Model

__all__ = ["Solution", "new_highs", "run_highs", "solve_model"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Solution:
    """What HiGHS returned.

    Attributes
    ----------
    status : {"optimal", "time_limit", "infeasible"}
        ``time_limit`` also covers other early stops; ``infeasible`` only when the caller allowed
        it (``run_highs(..., allow_empty=True)``). Without a feasible solution ``values`` is
        empty.
    values : numpy.ndarray
        Column values.
    objective : float
        Objective of ``values``.
    bound : float
        Dual bound (equal to ``objective`` for a solved LP).
    duals : numpy.ndarray or None
        Reduced costs of the columns (LP only).
    row_duals : numpy.ndarray or None
        Duals of the rows (LP only; HiGHS's signs: ≤ 0 for a binding ``≤`` row when
        minimising).
    via : {"lp", "mip", "start"}
        What produced ``values``: an integral LP vertex, branch and bound, or the warm start
        (time limit hit before branch and bound could run).
    """

    status: Literal["optimal", "time_limit", "infeasible"]
    values: NDArray[np.float64]
    objective: float
    bound: float
    duals: NDArray[np.float64] | None = None
    via: str = "mip"
    row_duals: NDArray[np.float64] | None = None


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
    mip_abs_gap: float | None = None,
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
    mip_abs_gap : float, optional
        Absolute MIP gap at which HiGHS stops (e.g. below 1 for a whole-number objective with a
        small tie-break term).

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
        lp = run_highs(model, time_limit_s=time_limit_s, relax=True, threads=threads)
        if lp is None:
            raise SolverError(
                f"the LP relaxation was not solved within {time_limit_s:g} s; raise time_limit_s."
            )
        return lp
    n_y = model.n_y
    lp_bound: float | None = None
    col_upper = model.col_upper
    if lp_first:
        lp = run_highs(model, time_limit_s=time_limit_s, relax=True, threads=threads)
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
        mip = run_highs(
            model,
            time_limit_s=remaining,
            mip_rel_gap=mip_rel_gap,
            start=start,
            threads=threads,
            col_upper=col_upper,
            mip_abs_gap=mip_abs_gap,
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


def run_highs(
    model: Model,
    *,
    time_limit_s: float,
    relax: bool = False,
    mip_rel_gap: float = 1e-4,
    start: NDArray[np.float64] | None = None,
    threads: int | None = None,
    col_upper: NDArray[np.float64] | None = None,
    col_lower: NDArray[np.float64] | None = None,
    mip_abs_gap: float | None = None,
    allow_empty: bool = False,
    small: bool = False,
) -> Solution | None:
    """One HiGHS run; None when it stopped without a feasible solution (e.g. time limit).

    With ``allow_empty`` a MILP that stopped without a solution returns its dual bound (empty
    ``values``) and an infeasible one returns ``status="infeasible"`` instead of raising.
    ``small`` skips the feasibility-jump heuristic, whose start-up dominates tiny models.
    """
    t0 = time.perf_counter()
    h = new_highs()
    if small:
        h.setOptionValue("mip_heuristic_run_feasibility_jump", False)
    h.setOptionValue("time_limit", float(max(time_limit_s, 1e-3)))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    if mip_abs_gap is not None:
        h.setOptionValue("mip_abs_gap", float(mip_abs_gap))
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
        model.col_lower if col_lower is None else col_lower,
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
    if ms == highspy.HighsModelStatus.kInfeasible and allow_empty and not relax:
        inf = -np.inf if model.maximize else np.inf
        return Solution("infeasible", np.zeros(0), inf, inf, via="mip")
    if ms == highspy.HighsModelStatus.kInfeasible:
        raise SolverError(
            "the siting model is infeasible (不可行): the required sites, group constraints and "
            "the number of new sites cannot all hold; allow more new sites or drop a group."
        )
    if ms == highspy.HighsModelStatus.kOptimal:
        st: Literal["optimal", "time_limit"] = "optimal"
    elif ms in _KEEP_GOING and has_primal and not relax:
        st = "time_limit"
    elif allow_empty and not relax and ms in _KEEP_GOING:
        bound = float(info.mip_dual_bound)
        if not np.isfinite(bound):
            bound = np.inf if model.maximize else -np.inf
        worst = -np.inf if model.maximize else np.inf
        return Solution("time_limit", np.zeros(0), worst, bound, via="mip")
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
            return run_highs(
                model,
                time_limit_s=time_limit_s - (time.perf_counter() - t0),
                mip_rel_gap=mip_rel_gap,
                threads=threads,
                col_upper=col_upper,
                col_lower=col_lower,
                mip_abs_gap=mip_abs_gap,
                allow_empty=allow_empty,
                small=small,
            )
    duals = row_duals = None
    if relax:
        bound = obj
        duals = np.asarray(solution.col_dual, dtype=np.float64)
        row_duals = np.asarray(solution.row_dual, dtype=np.float64)
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
    return Solution(
        st, values, obj, bound, duals=duals, via="lp" if relax else "mip", row_duals=row_duals
    )
