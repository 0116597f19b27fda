"""Fewest sites to reach a coverage target, with a proof (覆盖率目标的最少设施数及其证明).

The uncapacitated partial set cover ``min Σ y_j`` s.t. ``Σ w_i z_i ≥ T``, ``z_i ≤ Σ_j a_ij y_j``
(plus groups and conflicts) is solved in stages, each of which may close the gap between the
best solution (an upper bound) and a proven lower bound; the answer is *optimal* exactly when
the lower bound rounded up reaches the number of sites:

1. greedy cover with redundant sites dropped (the first incumbent), and the weight bound (the
   ``k`` heaviest candidates must reach ``T``);
2. the LP relaxation (HiGHS interior point). Its bound is recomputed from the duals
   (:func:`planning.siting.lagrange.dual_bound`, valid for any multipliers), and the LP's
   support seeds a second greedy cover;
3. the Lagrangian decomposition (:mod:`planning.siting.lagrange`): the coverage graph falls
   apart into independent parts once the target row is priced by its LP dual ``λ``; each part
   with a fractional LP solution is solved as a small MILP, which raises the bound, and the parts'
   solutions are recombined by a knapsack into a solution with fewer sites;
4. branch and bound (HiGHS) for anything left, restricted to solutions with fewer sites than
   the incumbent: reduced-cost fixing closes the sites (and forces the demand) that the
   Lagrangian bound rules out, so an infeasible restricted model proves the incumbent optimal.

Every stage respects the time limit; when it runs out the best solution and the best bound so far
are returned with the true gap.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from planning._errors import SolverError
from planning.siting.highs import run_highs
from planning.siting.lagrange import (
    Option,
    Parts,
    best_with,
    combine,
    dual_bound,
    option_of,
    part_bounds,
    split_parts,
)
from planning.siting.milp import Model, build_model
from planning.siting.reduction import Reduced
from planning.siting.rounding import round_set_cover

__all__ = ["CoverAnswer", "solve_set_cover"]

logger = logging.getLogger(__name__)

#: Share of the remaining time the parts' MILPs (stage 3) may use.
PARTS_SHARE = 0.6


@dataclass
class CoverAnswer:
    """Result of :func:`solve_set_cover`.

    Attributes
    ----------
    opened : numpy.ndarray of bool
        Open reduced columns (all False when nothing is needed or nothing was found).
    count : float
        Number of counted open sites (``inf`` when no solution was found).
    bound : float
        Proven lower bound on the number of counted sites (not rounded).
    details : dict
        Stage figures (bounds, parts, times) for reports and benchmarks.
    """

    opened: NDArray[np.bool_]
    count: float
    bound: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def proven(self) -> bool:
        """Whether the bound rounded up reaches the count."""
        return ceil_bound(self.bound) >= self.count


def ceil_bound(bound: float) -> int:
    """Round a lower bound on a whole number up, forgiving solver round-off (1e-6)."""
    if not np.isfinite(bound):
        return 0 if bound < 0 else 2**62
    return max(math.ceil(bound - 1e-6 * max(1.0, abs(bound))), 0)


def solve_set_cover(
    red: Reduced,
    need: float,
    *,
    time_limit_s: float,
    threads: int | None = None,
    greedy: bool = True,
) -> CoverAnswer:
    """Open the fewest counted columns of ``red`` covering at least ``need`` weight.

    Parameters
    ----------
    red : Reduced
        The reduced uncapacitated instance (required sites already open, their demand gone).
    need : float
        Weight of the reduced rows that must be covered (≤ 0: only groups need sites).
    time_limit_s : float
        Wall-clock limit for all stages.
    threads : int, optional
        HiGHS threads.
    greedy : bool
        Start from the greedy cover (stage 1).

    Returns
    -------
    CoverAnswer
        The best solution, the best proven bound and stage details.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    n_c = red.cols.size
    state = _State(red, max(need, 0.0))
    if greedy:
        state.offer(round_set_cover(red, None, state.need), "greedy")
    state.raise_bound(_weight_bound(red, state.need), "weight")
    if not state.done():
        _lp_stages(state, deadline, threads)
    state.details["time_s"] = round(time.perf_counter() - t0, 3)
    logger.debug("set cover stages: %s", state.details)
    opened = state.best if state.best is not None else np.zeros(n_c, dtype=bool)
    return CoverAnswer(opened, state.count, state.bound, state.details)


class _State:
    """Incumbent, bound and notes shared by the stages."""

    def __init__(self, red: Reduced, need: float) -> None:
        self.red = red
        self.need = need
        self.total = float(red.w.sum())
        self.best: NDArray[np.bool_] | None = None
        self.count = math.inf
        self.weight = 0.0
        self.bound = float(int(red.group_of.max(initial=-1)) + 1)
        self.details: dict[str, Any] = {"bound_source": "trivial", "solution_source": None}

    def offer(self, values: NDArray[Any] | None, source: str) -> None:
        """Keep ``values`` (sites first) if feasible and better (fewer sites, or more weight)."""
        if values is None:
            return
        y = np.asarray(values[: self.red.cols.size], dtype=np.float64) > 0.5
        covered = np.asarray(self.red.a @ y.astype(np.float64)) > 0
        weight = float(self.red.w[covered].sum())
        count = float(np.count_nonzero(y & self.red.counted))
        if weight < self.need - 1e-9 * max(self.total, 1.0) or not self._side_ok(y):
            return
        if count < self.count or (count == self.count and weight > self.weight):
            self.best, self.count, self.weight = y, count, weight
            self.details["solution_source"] = source
            self.details[f"after_{source}"] = int(count)

    def _side_ok(self, y: NDArray[np.bool_]) -> bool:
        red = self.red
        n_groups = int(red.group_of.max(initial=-1)) + 1
        if n_groups and np.unique(red.group_of[y & (red.group_of >= 0)]).size < n_groups:
            return False
        if red.conflicts is not None:
            hits = np.asarray(red.conflicts @ y.astype(np.int64))
            return not bool((hits[y] > 0).any())
        return True

    def raise_bound(self, bound: float, source: str) -> None:
        """Keep ``bound`` if it is larger."""
        self.details[f"{source}_bound"] = round(float(bound), 6)
        if bound > self.bound:
            self.bound, self.details["bound_source"] = float(bound), source

    def done(self) -> bool:
        """Whether the incumbent is proven optimal."""
        return ceil_bound(self.bound) >= self.count

    def vector(self) -> NDArray[np.float64]:
        """Column vector ``(y, z)`` of the incumbent."""
        assert self.best is not None
        y = self.best.astype(np.float64)
        z = (np.asarray(self.red.a @ y) > 0).astype(np.float64)
        return np.concatenate([y, z])


def _weight_bound(red: Reduced, need: float) -> float:
    """Sites needed if each covered only its own weight: the heaviest ``k`` must reach ``need``."""
    if need <= 0:
        return 0.0
    col_w = np.sort(np.asarray(red.a.T @ red.w, dtype=np.float64))[::-1]
    reach = np.cumsum(col_w)
    k = int(np.searchsorted(reach, need * (1 - 1e-9)))
    return float(min(k + 1, col_w.size))


def _lp_stages(state: _State, deadline: float, threads: int | None) -> None:
    """Stages 2–4: LP bound, Lagrangian parts, branch and bound."""
    red = state.red
    n_r = red.a.shape[0]
    scale = state.total if state.total > 0 else 1.0
    w = red.w / scale
    target = state.need / scale
    model = build_model(
        red.a,
        w,
        kind="min_sites",
        y_lower=red.y_lower,
        counted=red.counted,
        group_of=red.group_of,
        n_groups=int(red.group_of.max(initial=-1)) + 1,
        target=target,
        tie_break=False,
        conflicts=red.conflicts,
    )
    t_lp = time.perf_counter()
    try:
        lp = run_highs(model, time_limit_s=deadline - t_lp, relax=True, threads=threads)
    except SolverError:
        # even the relaxation is infeasible: groups and conflicts rule the target out
        state.details["infeasible"] = True
        return
    state.details["lp_s"] = round(time.perf_counter() - t_lp, 3)
    if lp is None or lp.status != "optimal" or lp.row_duals is None:
        state.details["lp"] = "not solved in time"
        return
    u = -lp.row_duals[:n_r]
    lam = float(lp.row_duals[-1])
    bound, rc_y, rc_z = dual_bound(red, w, target, u, lam)
    state.details["lp_objective"] = round(lp.objective, 6)
    state.raise_bound(bound, "lp")
    state.offer(round_set_cover(red, lp.values, state.need), "lp_rounding")
    if state.done() or time.perf_counter() >= deadline:
        return
    parts = split_parts(red)
    now = time.perf_counter()
    t_parts = now
    got = part_bounds(
        red,
        parts,
        w,
        lam,
        rc_y,
        rc_z,
        lp.values[: red.cols.size],
        deadline=now + PARTS_SHARE * (deadline - now),
        threads=threads,
    )
    state.details.update(
        parts=parts.n,
        parts_solved=got.solved,
        parts_unsolved=got.unsolved,
        parts_s=round(time.perf_counter() - t_parts, 3),
    )
    lagrangian = bound + float(got.gains.sum())
    state.raise_bound(lagrangian, "lagrangian")
    now = time.perf_counter()
    _recombine(
        state,
        parts,
        got.options,
        lp.values[: red.cols.size],
        w,
        lam,
        got.exact,
        now + 0.5 * (deadline - now),
        threads,
    )
    if state.done() or time.perf_counter() >= deadline:
        return
    gain_of_col = got.gains[parts.col_label]
    _branch_and_bound(state, model, lagrangian, gain_of_col, rc_y, rc_z, parts, deadline, threads)


def _recombine(
    state: _State,
    parts: Parts,
    options: list[list[Option]],
    lp_y: NDArray[np.float64],
    w: NDArray[np.float64],
    lam: float,
    exact: NDArray[np.bool_],
    deadline: float,
    threads: int | None,
) -> None:
    """Combine per-part options into a solution with fewer sites.

    Each part offers its Lagrangian solution (the MILP's, or the LP's where integral), the
    incumbent's sites in it and nothing (when no group needs a site there); then, while time
    allows, the most weight it can cover with one site fewer and one more (its exact MCLP),
    since an optimal solution is a best-weight choice per part at some number of sites per part.

    A solution with ``K`` sites satisfies ``K ≥ L + Σ δ_p``, where ``L`` is the Lagrangian bound
    and ``δ_p ≥ 0`` what part ``p``'s choice loses against its Lagrangian optimum. One site more in
    a part loses at least ``1 − λ·g_p`` (``g_p``: the heaviest site of the part), so that
    alternative is skipped when this exceeds the room ``⌈L⌉ + 1 − L`` of solutions within one
    site of the bound; the rest is left to branch and bound.
    """
    red = state.red
    exact = exact.copy()
    heaviest = np.zeros(parts.n)
    np.maximum.at(heaviest, parts.col_label, np.asarray(red.a.T @ w, dtype=np.float64))
    room = ceil_bound(state.bound) - state.bound
    has_group = np.zeros(parts.n, dtype=bool)
    has_group[parts.col_label[red.group_of >= 0]] = True
    for p in range(parts.n):
        rows, cols = parts.rows(p), parts.cols(p)
        y_lp = lp_y[cols]
        if np.all(np.abs(y_lp - np.round(y_lp)) <= 1e-6):
            options[p].append(option_of(red, rows, cols[y_lp > 0.5]))
            exact[p] = len(options[p]) == 1
        if state.best is not None:
            options[p].append(option_of(red, rows, cols[state.best[cols]]))
        if not has_group[p]:
            options[p].append(Option(0, 0.0, np.zeros(0, dtype=np.int64)))
    tried = 0
    for p in np.argsort([-parts.cols(p).size for p in range(parts.n)], kind="stable"):
        k0 = options[p][0].count
        for k in (k0 - 1, k0 + 1):
            skip = k > k0 and exact[p] and 1 - lam * heaviest[p] > room
            if k < 0 or skip:
                continue
            now = time.perf_counter()
            if now >= deadline:
                break
            got = best_with(red, parts, int(p), k, w, limit=deadline - now, threads=threads)
            tried += 1
            if got is not None:
                options[p].append(got)
    state.details["part_alternatives"] = tried
    found = combine(options, state.need - 1e-9 * max(state.total, 1.0))
    if found is None:
        return
    _, _, choice = found
    y = np.zeros(red.cols.size, dtype=bool)
    for p, idx in enumerate(choice):
        y[options[p][idx].cols] = True
    state.offer(y, "lagrangian")


def _branch_and_bound(
    state: _State,
    model: Model,
    bound: float,
    gain_of_col: NDArray[np.float64],
    rc_y: NDArray[np.float64],
    rc_z: NDArray[np.float64],
    parts: Parts,
    deadline: float,
    threads: int | None,
) -> None:
    """Search for a solution with fewer sites than the incumbent; none proves it optimal."""
    red = state.red
    n_y = red.cols.size
    upper, lower = model.col_upper.copy(), model.col_lower.copy()
    cutoff = state.count - 1 if math.isfinite(state.count) else math.inf
    tol = 1e-6 * max(1.0, abs(bound))
    if math.isfinite(cutoff):
        # bound with y_j = 1 forced (Lagrangian, the part's MILP gain given back)
        closed = (rc_y > 0) & (bound - gain_of_col + rc_y > cutoff + tol)
        upper[:n_y][closed] = 0.0
        gain_of_row = _row_gain(parts, gain_of_col)
        forced = (rc_z < 0) & (bound - gain_of_row - rc_z > cutoff + tol)
        lower[n_y:][forced] = 1.0
        state.details.update(sites_closed=int(closed.sum()), demand_forced=int(forced.sum()))
        model = _with_cutoff(model, red.counted, cutoff)
    # the incumbent breaks the cutoff row, so it cannot seed the restricted model
    start = state.vector() if state.best is not None and not math.isfinite(cutoff) else None
    t_bb = time.perf_counter()
    sol = run_highs(
        model,
        time_limit_s=deadline - t_bb,
        start=start,
        threads=threads,
        col_upper=upper,
        col_lower=lower,
        mip_rel_gap=1e-9,
        allow_empty=True,
    )
    state.details["branch_and_bound_s"] = round(time.perf_counter() - t_bb, 3)
    if sol is None:
        return
    if sol.status == "infeasible":
        # no solution with fewer sites exists
        state.raise_bound(state.count, "branch_and_bound")
        return
    if sol.values.size:
        state.offer(sol.values, "branch_and_bound")
    if math.isfinite(cutoff):
        # the restricted model holds every solution better than the old incumbent
        state.raise_bound(min(sol.bound, cutoff + 1), "branch_and_bound")
    else:
        state.raise_bound(sol.bound, "branch_and_bound")


def _row_gain(parts: Parts, gain_of_col: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return the MILP gain of each row's part."""
    gain_of_part = np.zeros(parts.n)
    gain_of_part[parts.col_label] = gain_of_col
    return gain_of_part[parts.row_label]


def _with_cutoff(model: Model, counted: NDArray[np.bool_], cutoff: float) -> Model:
    """Add the row ``Σ counted y ≤ cutoff`` (a model of the better solutions only)."""
    n_s = model.matrix.shape[1] - model.n_y
    row = sp.hstack([sp.csr_array(counted.astype(np.float64)[None, :]), sp.csr_array((1, n_s))])
    matrix = sp.csc_array(sp.vstack([model.matrix, row], format="csc"))
    matrix.sort_indices()
    return replace(
        model,
        matrix=matrix,
        row_lower=np.append(model.row_lower, -np.inf),
        row_upper=np.append(model.row_upper, float(cutoff)),
    )
