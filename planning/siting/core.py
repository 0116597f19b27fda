"""Exact siting by MILP (HiGHS): maximal coverage and set cover to a target (最优选址).

Array core in the spirit of ``spopt``'s ``from_cost_matrix``: it takes a sparse 0/1 coverage
matrix (demand × candidate, "candidate ``j`` is within the service distance of demand ``i``",
distances computed elsewhere on the walking network) and plain NumPy arrays, and knows nothing of
GeoDataFrames.

* :func:`maximal_coverage` — open at most ``n_new`` new sites (plus the required ones) to maximise
  the newly covered weight (最大覆盖, MCLP).
* :func:`set_cover` — open the fewest new sites so that the covered share of total weight
  (existing coverage included) reaches ``target`` (覆盖率目标下的最少设施数). A target that cannot be
  reached even with every eligible candidate open raises :class:`CoverageTargetError` (a
  :class:`planning._errors.SolverError`) whose ``max_coverage`` attribute and message give the
  largest reachable share, so the caller can retry with that target or add candidates.

Both accept candidate flags (``required`` 必建, ``excluded`` 排除), group constraints (at least one
open site in each listed group, e.g. one street-level comprehensive centre per street
街道综合养老服务中心) and capacities (see :mod:`planning.siting.milp` for the fractional assignment).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from planning._errors import InputDataError, SolverError
from planning.siting.capacitated import solve_capacitated_cover
from planning.siting.greedy import greedy_columns
from planning.siting.highs import Solution, solve_model
from planning.siting.milp import build_model
from planning.siting.prepare import check_n_new, prepare_instance
from planning.siting.problem import CoverageTargetError, Instance, SitingSolution, relative_gap
from planning.siting.ranking import rank_by_marginal_gain
from planning.siting.reduction import Reduced, reduce_instance
from planning.siting.rounding import round_max_cover
from planning.siting.setcover import ceil_bound, solve_set_cover

__all__ = ["maximal_coverage", "set_cover"]

logger = logging.getLogger(__name__)


def maximal_coverage(
    coverage: Any,
    weights: ArrayLike,
    n_new: int,
    *,
    already_covered: ArrayLike | None = None,
    required: ArrayLike | None = None,
    excluded: ArrayLike | None = None,
    capacity_households: ArrayLike | None = None,
    demand_households: ArrayLike | None = None,
    group: Sequence[Hashable | None] | None = None,
    groups_required: Iterable[Hashable] | None = None,
    conflicts: ArrayLike | None = None,
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-4,
    warm_start: bool = True,
    threads: int | None = None,
) -> SitingSolution:
    """Open up to ``n_new`` new sites maximising newly covered weight (最大覆盖选址, MCLP).

    Parameters
    ----------
    coverage : scipy sparse matrix or 2-D array, shape (n_demand, n_candidates)
        0/1 (or boolean): candidate ``j`` covers demand ``i`` within the service distance.
        Convert a sparse distance matrix with :func:`planning.siting.coverage_from_distances`.
    weights : array_like, shape (n_demand,)
        Households (户数) or other weight per demand point, ≥ 0.
    n_new : int
        Maximum number of new (non-required) sites. Fewer are returned when more add nothing.
    already_covered : array_like of bool, optional
        Demand already served by existing facilities; it adds nothing when covered again.
    required : array_like of bool, optional
        Candidates that must open (e.g. planned sites 已规划); not counted in ``n_new``.
    excluded : array_like of bool, optional
        Candidates that must not open.
    capacity_households : array_like, optional
        Households each candidate can serve (e.g. floor area M m² × 100 / rate m² per 100
        households); ``inf`` for unlimited. Switches to the capacitated model, in which demand is
        assigned *fractionally* to open sites within coverage and the objective is the assigned
        weight. Demand already covered by existing facilities is left out of the assignment.
    demand_households : array_like, optional
        Capacity consumed by each demand point (defaults to ``weights``).
    group : sequence, optional
        A group label per candidate (e.g. street code 街道代码), or None.
    groups_required : iterable, optional
        Groups that must get at least one open site. A group that already has a required site
        needs nothing more; sites opened to satisfy a group count in ``n_new``.
    conflicts : array_like of int, shape (n, 2), optional
        Pairs of candidates that must not both open (e.g. closer than a minimum spacing
        最小间距). Candidates in conflict with a required site are excluded.
    time_limit_s : float
        Time limit of the whole call; the best solution found is returned with
        ``status="time_limit"`` and its true gap.
    mip_rel_gap : float
        Relative gap at which the answer counts as proven (``status="optimal"``).
    warm_start : bool
        Give HiGHS the greedy solution as a starting incumbent (uncapacitated only).
    threads : int, optional
        HiGHS threads.

    Returns
    -------
    SitingSolution
        ``objective`` is the newly covered weight of all open sites (required included) and
        ``bound`` a proven upper bound on it; ``status`` is ``"optimal"`` exactly when ``gap`` is
        at most ``mip_rel_gap``.

    Raises
    ------
    planning._errors.InputDataError
        Inconsistent input (shapes, negative weights, required ∩ excluded, a needed group
        without candidates, more needed groups than ``n_new``).
    planning._errors.SolverError
        HiGHS found no feasible solution in time.
    """
    t0 = time.perf_counter()
    inst = prepare_instance(
        coverage,
        weights,
        already_covered=already_covered,
        required=required,
        excluded=excluded,
        capacity_households=capacity_households,
        demand_households=demand_households,
        group=group,
        groups_required=groups_required,
        conflicts=conflicts,
    )
    n_new = check_n_new(n_new, inst)
    red = reduce_instance(inst)
    n_groups = len(inst.needed_groups)
    capacitated = inst.capacity is not None
    model = build_model(
        red.a,
        red.w,
        kind="max_cover",
        y_lower=red.y_lower,
        counted=red.counted,
        n_new=n_new,
        group_of=red.group_of,
        n_groups=n_groups,
        h=red.h if capacitated else None,
        capacity=inst.capacity[red.cols] if inst.capacity is not None else None,
        conflicts=red.conflicts,
    )
    start = None
    if warm_start and not capacitated and red.cols.size:
        picks, _, _ = greedy_columns(inst, red.base_covered.copy(), max_picks=n_new)
        start = _start_vector(red, picks)
    rounding = None if capacitated else partial(round_max_cover, red, n_new=n_new)
    sol = _solve(model, red, time_limit_s, mip_rel_gap, start, threads, rounding)
    y = sol.values[: red.cols.size] > 0.5 if sol is not None else np.zeros(red.cols.size, bool)
    x = sol.values[red.cols.size :] if sol is not None and capacitated else None
    raw = red.base_gain + sol.bound if sol is not None else -np.inf
    res = _finish(inst, red, y, x, model, t0, kind="max_cover", raw_bound=raw, tol=mip_rel_gap)
    via = "trivial" if sol is None else {"mip": "branch_and_bound"}.get(sol.via, "lp")
    res.details.update(bound_source=via, dominated=red.dominated)
    logger.info(
        "MCLP: %d sites, newly covered %.6g (bound %.6g, gap %.2g, %s) in %.2f s",
        res.selected.size,
        res.objective,
        res.bound,
        res.gap,
        res.status,
        res.time_s,
    )
    return res


def set_cover(
    coverage: Any,
    weights: ArrayLike,
    target: float,
    *,
    already_covered: ArrayLike | None = None,
    required: ArrayLike | None = None,
    excluded: ArrayLike | None = None,
    capacity_households: ArrayLike | None = None,
    demand_households: ArrayLike | None = None,
    group: Sequence[Hashable | None] | None = None,
    groups_required: Iterable[Hashable] | None = None,
    conflicts: ArrayLike | None = None,
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-4,
    warm_start: bool = True,
    tie_break: bool = True,
    threads: int | None = None,
) -> SitingSolution:
    """Fewest new sites so that covered weight ≥ ``target`` × total weight (覆盖率目标选址).

    Parameters
    ----------
    coverage, weights, already_covered, required, excluded, capacity_households,
    demand_households, group, groups_required, conflicts, time_limit_s, warm_start, threads
        As for :func:`maximal_coverage`.
    target : float
        Share of the *total* weight (0 < target ≤ 1) that must be covered, existing coverage
        included (e.g. 0.95 for "95 % of households within the 15-minute circle").
    mip_rel_gap : float
        Capacitated model only: relative gap at which HiGHS stops (the count itself is proven
        exactly).
    tie_break : bool
        Among solutions with the fewest sites prefer one covering more weight (a preference, not
        part of the proof).

    Returns
    -------
    SitingSolution
        ``objective`` is the number of new (non-required) sites, ``bound`` a proven lower bound
        (a whole number); ``status`` is ``"optimal"`` exactly when they agree. The uncapacitated
        problem goes through the staged search of :mod:`planning.siting.setcover` (greedy, LP
        bound, Lagrangian decomposition into independent parts, branch and bound);
        ``details["bound_source"]`` says which stage proved the bound.

    Raises
    ------
    CoverageTargetError
        The target exceeds what all eligible candidates together reach; ``max_coverage`` (and the
        message) give the reachable share.
    planning._errors.InputDataError
        Inconsistent input, or ``target`` outside (0, 1].
    """
    t0 = time.perf_counter()
    if not (isinstance(target, int | float | np.floating) and 0.0 < float(target) <= 1.0):
        raise InputDataError(f"target must be a share in (0, 1], e.g. 0.95; got {target!r}.")
    inst = prepare_instance(
        coverage,
        weights,
        already_covered=already_covered,
        required=required,
        excluded=excluded,
        capacity_households=capacity_households,
        demand_households=demand_households,
        group=group,
        groups_required=groups_required,
        conflicts=conflicts,
    )
    total = inst.total_weight
    if total <= 0:
        raise InputDataError("set_cover: total demand weight is 0; nothing to cover.")
    red = reduce_instance(inst)
    capacitated = inst.capacity is not None
    cap = inst.capacity[red.cols] if inst.capacity is not None else None
    have = inst.already_covered_weight + red.base_gain
    reach = have + (_max_assignable(red, cap, time_limit_s) if capacitated else float(red.w.sum()))
    need = float(target) * total - 1e-9 * total
    if reach < need:
        share = reach / total
        raise CoverageTargetError(
            f"coverage target {float(target):.1%} cannot be reached: opening every eligible "
            f"candidate covers at most {share:.2%} of the weight (覆盖率上限). Lower the target "
            f"to at most {math.floor(share * 1e4) / 1e4:.4f} or add candidates near the uncovered "
            "demand.",
            max_coverage=share,
        )
    rest = max(need - have, 0.0)
    if not capacitated:
        ans = solve_set_cover(
            red, rest, time_limit_s=time_limit_s, threads=threads, greedy=warm_start
        )
        if not math.isfinite(ans.count):
            raise _no_cover(float(target), ans.details.get("infeasible", False), time_limit_s)
        res = _finish(
            inst, red, ans.opened, None, None, t0, kind="min_sites", raw_bound=ans.bound, tol=0.0
        )
        res.details.update(ans.details)
    else:
        model = build_model(
            red.a,
            red.w,
            kind="min_sites",
            y_lower=red.y_lower,
            counted=red.counted,
            group_of=red.group_of,
            n_groups=len(inst.needed_groups),
            target=rest,
            h=red.h,
            capacity=cap,
            tie_break=tie_break,
            conflicts=red.conflicts,
        )
        assert cap is not None
        hint, hint_bound = _uncapacitated_hint(inst, red, need, 0.4 * time_limit_s, threads)
        sol, notes = solve_capacitated_cover(
            red,
            model,
            cap,
            rest,
            time_limit_s=max(time_limit_s - (time.perf_counter() - t0), 1e-3),
            mip_rel_gap=mip_rel_gap,
            threads=threads,
            hint=hint,
            hint_bound=hint_bound,
        )
        y = sol.values[: red.cols.size] > 0.5 if sol is not None else np.zeros(0, bool)
        x = sol.values[red.cols.size :] if sol is not None else None
        raw = sol.bound if sol is not None else 0.0
        res = _finish(inst, red, y, x, model, t0, kind="min_sites", raw_bound=raw, tol=0.0)
        res.details.update(notes)
    res.details["dominated"] = red.dominated
    logger.info(
        "set cover to %.1f%%: %d new sites (bound %.6g, %s) reaching %.2f%% in %.2f s",
        100 * float(target),
        int(res.objective),
        res.bound,
        res.status,
        100 * res.final_coverage,
        res.time_s,
    )
    return res


def _uncapacitated_hint(
    inst: Instance, red: Reduced, need: float, limit: float, threads: int | None
) -> tuple[NDArray[np.int64] | None, float]:
    """Solve the problem without capacities: its sites (as ``red``'s columns) and bound.

    A capacity only ever asks for more sites, so the uncapacitated minimum bounds the
    capacitated one from below, and its sites are a good start when coverage, not capacity,
    binds.
    """
    plain = replace(inst, capacity=None)
    red_u = reduce_instance(plain)
    rest = max(need - plain.already_covered_weight - red_u.base_gain, 0.0)
    ans = solve_set_cover(red_u, rest, time_limit_s=limit, threads=threads)
    if not math.isfinite(ans.count):
        return None, max(ans.bound, 0.0)
    cols = red_u.cols[ans.opened]
    pos = np.searchsorted(red.cols, cols)
    ok = (pos < red.cols.size) & (red.cols[np.minimum(pos, red.cols.size - 1)] == cols)
    return pos[ok].astype(np.int64), ans.bound


def _no_cover(target: float, infeasible: bool, time_limit_s: float) -> SolverError:
    """Return the error for when no set of sites reaching the target was found."""
    if infeasible:
        return SolverError(
            f"coverage target {target:.1%} cannot be reached while every group gets a site and "
            "no two conflicting candidates (e.g. closer than the minimum spacing 最小间距) both "
            "open; lower the target or the spacing, or add candidates."
        )
    return SolverError(
        f"no set of sites reaching {target:.1%} was found within {time_limit_s:g} s; raise "
        "time_limit_s."
    )


def _max_assignable(red: Reduced, cap: NDArray[np.float64] | None, limit: float) -> float:
    """Weight the capacitated model can assign with every kept candidate open (an LP)."""
    if red.cols.size == 0:
        return 0.0
    model = build_model(
        red.a,
        red.w,
        kind="max_cover",
        y_lower=np.ones(red.cols.size),
        counted=red.counted,
        h=red.h,
        capacity=cap,
    )
    return solve_model(model, time_limit_s=limit, relax=True).objective


def _start_vector(red: Reduced, picks: NDArray[np.int64]) -> NDArray[np.float64]:
    """Column vector (y, z) of the uncapacitated model for a set of picked original columns."""
    pos = np.searchsorted(red.cols, picks)
    ok = (pos < red.cols.size) & (red.cols[np.minimum(pos, red.cols.size - 1)] == picks)
    y = np.zeros(red.cols.size)
    y[pos[ok]] = 1.0
    z = (np.asarray(red.a @ y) > 0).astype(np.float64)
    return np.concatenate([y, z])


def _solve(
    model: Any,
    red: Reduced,
    time_limit_s: float,
    mip_rel_gap: float,
    start: NDArray[np.float64] | None,
    threads: int | None,
    rounding: Callable[[NDArray[np.float64]], NDArray[np.float64] | None] | None,
    abs_gap: float | None = None,
) -> Solution | None:
    """Solve the model, or return None when there is nothing to decide."""
    if red.cols.size == 0:
        return None
    return solve_model(
        model,
        time_limit_s=time_limit_s,
        mip_rel_gap=mip_rel_gap,
        start=start,
        threads=threads,
        rounding=rounding,
        mip_abs_gap=abs_gap,
    )


def _finish(
    inst: Instance,
    red: Reduced,
    y: NDArray[np.bool_],
    x: NDArray[np.float64] | None,
    model: Any,
    t0: float,
    *,
    kind: str,
    raw_bound: float,
    tol: float,
) -> SitingSolution:
    """Rank the open sites and state objective, bound, gap and status from the bound alone.

    ``y`` marks the open reduced columns, ``x`` holds the capacitated model's assignment values,
    ``raw_bound`` is the proven bound (set cover: on the number of counted sites; maximal
    coverage: on the newly covered weight) and ``tol`` the relative gap that counts as proven.
    """
    opened = red.cols[y] if y.size else np.zeros(0, dtype=np.int64)
    req_cols = np.flatnonzero(inst.required)
    assignment = None
    if inst.capacity is None:
        covered = inst.already_covered.copy()
        req_order, req_gains, covered = rank_by_marginal_gain(inst, req_cols, covered)
        new_order, new_gains, _ = rank_by_marginal_gain(inst, opened, covered)
        keep = (new_gains > 0) | (inst.group_of[new_order] >= 0)
        order = np.concatenate([req_order, new_order[keep]])
        gains = np.concatenate([req_gains, new_gains[keep]])
        is_req = np.concatenate([np.ones(req_order.size, bool), np.zeros(int(keep.sum()), bool)])
    else:
        assert model.edge_rows is not None
        x = np.zeros(model.edge_rows.size) if x is None else x
        x = np.where(x > 1e-9, np.minimum(x, 1.0), 0.0)
        rows = red.rows[model.edge_rows]
        cols = red.cols[model.edge_cols]
        assignment = sp.csr_array((x, (rows, cols)), shape=inst.a_csr.shape)
        assignment.eliminate_zeros()
        served = np.bincount(cols, weights=x * inst.weights[rows], minlength=inst.n_candidates)
        keep = inst.required[opened] | (served[opened] > 0) | (inst.group_of[opened] >= 0)
        opened = opened[keep]
        rank = np.lexsort((opened, -served[opened], ~inst.required[opened]))
        order = opened[rank]
        gains = served[order]
        is_req = inst.required[order]
    total = inst.total_weight
    cum = (inst.already_covered_weight + np.cumsum(gains)) / total if total > 0 else gains * 0.0
    if kind == "max_cover":
        objective = float(gains.sum())
        # a maximum can never lie below a solution: clamp solver round-off only
        bound = max(raw_bound, objective) if np.isfinite(raw_bound) else objective
        gap = relative_gap(objective, bound)
        proven = gap <= tol * (1 + 1e-9)
    else:
        objective = float(np.count_nonzero(~is_req))
        bound = float(min(ceil_bound(raw_bound), objective))
        gap = relative_gap(objective, bound)
        proven = bound >= objective
    return SitingSolution(
        selected=order.astype(np.int64),
        newly_covered_weight=gains.astype(np.float64),
        cumulative_coverage=cum,
        objective=objective,
        bound=bound,
        gap=gap,
        status="optimal" if proven else "time_limit",
        method="milp",
        time_s=time.perf_counter() - t0,
        assignment=assignment,
        required=is_req,
        total_weight=total,
        already_covered_weight=inst.already_covered_weight,
        details={"tolerance": tol},
    )
