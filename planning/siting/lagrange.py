"""Lagrangian bound and primal combination for set cover by independent parts (拉格朗日分解).

Relaxing only the coverage-target row ``Σ w_i z_i ≥ T`` of the set cover model with a multiplier
``λ ≥ 0`` splits the rest into *independent parts*: the connected components of the
demand–candidate coverage graph (groups and conflicts joined in). For each part the relaxed
problem ``min Σ y_j − λ Σ w_i z_i`` (open sites against the weight they cover, a small MILP) is
solved, and

    ``L(λ) = λ T + Σ_parts v_part(λ)``

is a valid lower bound on the number of sites whenever each ``v_part`` is replaced by a lower
bound of it. It is never weaker than the LP relaxation: each part's MILP dual bound is combined
with the part's share of the LP dual bound (:func:`dual_bound`, valid for *any* multipliers, so the
bound does not rest on the LP solver's claimed optimum), and the larger is taken.

The parts' solutions, together with the incumbent restricted to each part, are then combined by a
multiple-choice knapsack (one option per part, fewest sites reaching the target, most weight on
ties): :func:`combine`.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from planning._errors import SolverError
from planning.siting.highs import run_highs
from planning.siting.milp import Model, build_model
from planning.siting.reduction import Reduced

__all__ = [
    "Option",
    "Parts",
    "best_with",
    "combine",
    "dual_bound",
    "option_of",
    "part_bounds",
    "split_parts",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Parts:
    """Independent parts of a reduced instance (connected components).

    Attributes
    ----------
    n : int
        Number of parts.
    row_label, col_label : numpy.ndarray of int64
        Part of each reduced row and column.
    """

    n: int
    row_label: NDArray[np.int64]
    col_label: NDArray[np.int64]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rows", _groups_of(self.row_label, self.n))
        object.__setattr__(self, "_cols", _groups_of(self.col_label, self.n))

    def rows(self, part: int) -> NDArray[np.int64]:
        """Reduced row indices of ``part``."""
        order, start = self._rows  # type: ignore[attr-defined]
        return order[start[part] : start[part + 1]]

    def cols(self, part: int) -> NDArray[np.int64]:
        """Reduced column indices of ``part``."""
        order, start = self._cols  # type: ignore[attr-defined]
        return order[start[part] : start[part + 1]]


def _groups_of(label: NDArray[np.int64], n: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    order = np.argsort(label, kind="stable")
    return order, np.searchsorted(label[order], np.arange(n + 1))


def split_parts(red: Reduced) -> Parts:
    """Split rows and columns into parts linked by coverage, groups and conflicts."""
    n_r, n_c = red.a.shape
    coo = red.a.tocoo()
    src = [coo.row, n_r + coo.col]
    dst = [n_r + coo.col, coo.row]
    grouped = np.flatnonzero(red.group_of >= 0)
    if grouped.size:
        first = np.full(int(red.group_of.max()) + 1, -1, dtype=np.int64)
        for j in grouped[::-1]:
            first[red.group_of[j]] = j
        src.append(n_r + grouped)
        dst.append(n_r + first[red.group_of[grouped]])
    if red.conflicts is not None:
        cc = red.conflicts.tocoo()
        src.append(n_r + cc.row)
        dst.append(n_r + cc.col)
    i = np.concatenate(src).astype(np.int64)
    j = np.concatenate(dst).astype(np.int64)
    graph = sp.csr_array((np.ones(i.size, dtype=np.int8), (i, j)), shape=(n_r + n_c,) * 2)
    n, label = connected_components(graph, directed=False)
    return Parts(int(n), label[:n_r].astype(np.int64), label[n_r:].astype(np.int64))


def dual_bound(
    red: Reduced, w: NDArray[np.float64], target: float, u: NDArray[np.float64], lam: float
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """Lagrangian lower bound on the number of counted sites, valid for any ``u, λ ≥ 0``.

    Relaxing ``z_i ≤ Σ_j a_ij y_j`` with ``u_i`` and the target row with ``λ`` (groups and
    conflicts dropped, which only weakens the bound) leaves
    ``λ T + Σ_j min(0, c_j − (Aᵀu)_j) + Σ_i min(0, u_i − λ w_i)``.

    Parameters
    ----------
    red : Reduced
        The reduced instance.
    w : numpy.ndarray
        Row weights as in the model (scaled).
    target : float
        Target covered weight (same scale as ``w``).
    u, lam : numpy.ndarray, float
        Multipliers (clipped at 0).

    Returns
    -------
    bound : float
        The bound.
    rc_y, rc_z : numpy.ndarray
        Reduced costs of the site and coverage variables.
    """
    u = np.maximum(np.asarray(u, dtype=np.float64), 0.0)
    lam = max(float(lam), 0.0)
    rc_y = red.counted.astype(np.float64) - np.asarray(red.a.T @ u, dtype=np.float64)
    rc_z = u - lam * w
    bound = lam * target + float(np.minimum(rc_y, 0.0).sum() + np.minimum(rc_z, 0.0).sum())
    return bound, rc_y, rc_z


@dataclass(frozen=True)
class Option:
    """One way to serve a part: open ``cols`` (reduced indices), ``count`` sites, ``weight``."""

    count: int
    weight: float
    cols: NDArray[np.int64]


@dataclass
class PartResult:
    """What the parts' MILPs gave: bound contributions and options."""

    gains: NDArray[np.float64]
    options: list[list[Option]]
    solved: int
    unsolved: int
    exact: NDArray[np.bool_]


def part_bounds(
    red: Reduced,
    parts: Parts,
    w: NDArray[np.float64],
    lam: float,
    rc_y: NDArray[np.float64],
    rc_z: NDArray[np.float64],
    lp_y: NDArray[np.float64],
    *,
    deadline: float,
    threads: int | None = None,
) -> PartResult:
    """Solve each part's relaxed problem ``min Σ y − λ Σ w z`` where the LP is fractional.

    Parameters
    ----------
    red : Reduced
        The reduced instance.
    parts : Parts
        Its parts.
    w : numpy.ndarray
        Scaled row weights.
    lam : float
        Target multiplier.
    rc_y, rc_z : numpy.ndarray
        Reduced costs from :func:`dual_bound` (their negative parts per part are what the dual
        bound already counts).
    lp_y : numpy.ndarray
        LP site values: a part whose sites are all integral needs no MILP (its LP optimum is
        integral, so its MILP cannot do better).
    deadline : float
        ``time.perf_counter()`` value after which no more parts are started.
    threads : int, optional
        HiGHS threads.

    Returns
    -------
    PartResult
        ``gains[p]`` = part ``p``'s MILP dual bound minus its share of the dual bound (≥ 0);
        adding their sum to the dual bound gives the Lagrangian bound. ``options[p]`` holds the
        part's MILP solution when one was found; ``exact[p]`` says whether it is optimal for
        the relaxed problem.
    """
    neg_y = np.minimum(rc_y, 0.0)
    neg_z = np.minimum(rc_z, 0.0)
    gains = np.zeros(parts.n)
    options: list[list[Option]] = [[] for _ in range(parts.n)]
    frac = np.abs(lp_y - np.round(lp_y)) > 1e-6
    todo = [p for p in range(parts.n) if frac[parts.cols(p)].any()]
    size = np.array([_nnz(red.a, parts.rows(p)) for p in todo], dtype=np.float64)
    order = [todo[k] for k in np.argsort(size, kind="stable")]
    left = float(size.sum())
    exact = np.zeros(parts.n, dtype=bool)
    solved = unsolved = 0
    for k, p in enumerate(order):
        now = time.perf_counter()
        if now >= deadline:
            unsolved = len(order) - k
            break
        nnz = float(_nnz(red.a, parts.rows(p)))
        limit = max((deadline - now) * nnz / max(left, 1.0), 0.05)
        left -= nnz
        rows, cols = parts.rows(p), parts.cols(p)
        share = float(neg_y[cols].sum() + neg_z[rows].sum())
        got = _solve_part(red, rows, cols, w, lam, limit, threads)
        if got is None:
            unsolved += 1
            continue
        value, y, optimal = got
        exact[p] = optimal
        solved += 1
        gains[p] = max(value - share, 0.0)
        if y is not None:
            options[p].append(option_of(red, rows, cols[y]))
    return PartResult(gains, options, solved, unsolved, exact)


def _nnz(a: sp.csr_array, rows: NDArray[np.int64]) -> int:
    return int((a.indptr[rows + 1] - a.indptr[rows]).sum())


def _part_model(
    red: Reduced,
    rows: NDArray[np.int64],
    cols: NDArray[np.int64],
    w: NDArray[np.float64],
    n_new: int | None = None,
) -> Model:
    """Build the part's model (groups and conflicts inside it; no target row)."""
    group_of = red.group_of[cols]
    used, local_of = np.unique(group_of[group_of >= 0], return_inverse=True)
    local = np.full(cols.size, -1, dtype=np.int64)
    local[group_of >= 0] = local_of
    conflicts = None if red.conflicts is None else sp.csr_array(red.conflicts[cols][:, cols])
    return build_model(
        sp.csr_array(red.a[rows][:, cols]),
        w[rows],
        kind="min_sites" if n_new is None else "max_cover",
        y_lower=np.zeros(cols.size),
        counted=red.counted[cols],
        n_new=n_new,
        group_of=local,
        n_groups=int(used.size),
        tie_break=False,
        conflicts=conflicts,
    )


def _solve_part(
    red: Reduced,
    rows: NDArray[np.int64],
    cols: NDArray[np.int64],
    w: NDArray[np.float64],
    lam: float,
    limit: float,
    threads: int | None,
) -> tuple[float, NDArray[np.bool_] | None, bool] | None:
    """MILP dual bound, solution and whether it is optimal, for one part, or None."""
    model = _part_model(red, rows, cols, w)
    cost = np.concatenate([red.counted[cols].astype(np.float64), -lam * w[rows]])
    model = dataclasses.replace(model, cost=cost)
    sol = run_highs(
        model,
        time_limit_s=limit,
        mip_rel_gap=1e-9,
        mip_abs_gap=1e-9,
        threads=threads,
        small=cols.size < 2000,
    )
    if sol is None or not np.isfinite(sol.bound):
        return None
    if sol.values.size == 0:
        return float(sol.bound), None, False
    y = sol.values[: cols.size] > 0.5
    return float(sol.bound), y, sol.status == "optimal"


def best_with(
    red: Reduced,
    parts: Parts,
    part: int,
    n_sites: int,
    w: NDArray[np.float64],
    *,
    limit: float,
    threads: int | None = None,
) -> Option | None:
    """Most weight one part can cover with at most ``n_sites`` sites (its MCLP), or None.

    The answer is exact when HiGHS finishes within ``limit`` and a feasible option otherwise.
    """
    rows, cols = parts.rows(part), parts.cols(part)
    if n_sites < 0 or cols.size == 0:
        return None
    model = _part_model(red, rows, cols, w, n_new=n_sites)
    try:
        sol = run_highs(
            model, time_limit_s=limit, mip_rel_gap=1e-9, threads=threads, small=cols.size < 2000
        )
    except SolverError:  # e.g. more groups in the part than sites
        return None
    if sol is None:
        return None
    return option_of(red, rows, cols[sol.values[: cols.size] > 0.5])


def option_of(red: Reduced, rows: NDArray[np.int64], opened: NDArray[np.int64]) -> Option:
    """Describe opening ``opened`` (reduced columns) in a part with ``rows``."""
    covered = np.asarray(red.a[rows][:, opened].sum(axis=1)).ravel() > 0
    count = int(np.count_nonzero(red.counted[opened]))
    return Option(count, float(red.w[rows][covered].sum()), opened)


def combine(options: list[list[Option]], target: float) -> tuple[int, float, list[int]] | None:
    """Fewest sites reaching ``target`` with one option per part (most weight on ties).

    A multiple-choice knapsack solved exactly by dynamic programming over the total number of
    sites.

    Parameters
    ----------
    options : list of list of Option
        Options of each part (a part without options cannot be served and makes this fail).
    target : float
        Weight to reach (same units as the options' weights).

    Returns
    -------
    tuple or None
        ``(count, weight, choice)`` with the chosen option's index per part, or None when no
        combination reaches the target.

    Examples
    --------
    >>> a = [Option(0, 0.0, np.array([], int)), Option(1, 5.0, np.array([0]))]
    >>> b = [Option(1, 4.0, np.array([1])), Option(2, 6.0, np.array([1, 2]))]
    >>> combine([a, b], 9.0)
    (2, 9.0, [1, 0])
    """
    if any(not opts for opts in options):
        return None
    k_max = sum(max(o.count for o in opts) for opts in options)
    best = np.full(k_max + 1, -np.inf)
    best[0] = 0.0
    choice = np.zeros((len(options), k_max + 1), dtype=np.int32)
    for p, opts in enumerate(options):
        new = np.full(k_max + 1, -np.inf)
        for idx, o in enumerate(opts):
            cand = np.full(k_max + 1, -np.inf)
            cand[o.count :] = best[: k_max + 1 - o.count] + o.weight
            better = cand > new
            new[better] = cand[better]
            choice[p, better] = idx
        best = new
    ok = np.flatnonzero(best >= target)
    if ok.size == 0:
        return None
    k = int(ok[0])
    picked = [0] * len(options)
    for p in range(len(options) - 1, -1, -1):
        idx = int(choice[p, k])
        picked[p] = idx
        k -= options[p][idx].count
    return int(ok[0]), float(best[ok[0]]), picked
