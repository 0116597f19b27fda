"""Validated siting instances, pre-reduction and the result type (选址问题的输入与结果).

This module knows nothing of GeoDataFrames or networks. A siting instance is a 0/1 coverage
matrix ``coverage[i, j]`` (demand ``i`` lies within the service distance of candidate ``j``,
distance computed elsewhere), demand weights (households, 户数) and candidate flags. It is
validated once here; the MILP (:mod:`planning.siting.core`) and the greedy heuristic
(:mod:`planning.siting.greedy`) both work on the :class:`Instance` this module builds.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from planning._errors import InputDataError, SolverError

__all__ = [
    "CoverageTargetError",
    "Instance",
    "Reduced",
    "SitingSolution",
    "coverage_from_distances",
    "prepare_instance",
    "rank_by_marginal_gain",
    "reduce_instance",
    "relative_gap",
]

logger = logging.getLogger(__name__)

_MAX_LISTED = 8


def _listed(ids: ArrayLike) -> str:
    """Format at most a few ids for an error message."""
    arr = np.asarray(ids).ravel()
    shown = ", ".join(str(x) for x in arr[:_MAX_LISTED])
    return shown + (f", … ({arr.size} in all)" if arr.size > _MAX_LISTED else "")


class CoverageTargetError(SolverError):
    """The coverage target cannot be reached even with every eligible candidate open.

    Parameters
    ----------
    message : str
        Human-readable explanation.
    max_coverage : float
        The largest share of total weight (0–1) that opening every non-excluded candidate
        reaches (already covered demand included). Callers may retry with a target at or below
        this value.
    """

    def __init__(self, message: str, max_coverage: float) -> None:
        super().__init__(message)
        self.max_coverage = max_coverage


@dataclass(frozen=True, eq=False)
class SitingSolution:
    """Outcome of a siting run (选址结果).

    Attributes
    ----------
    selected : numpy.ndarray of int64
        Column indices of the open candidates, in rank order: required sites first, then the
        other open sites, each group ordered greedily by marginal gain (边际增益) given those
        before it.
    newly_covered_weight : numpy.ndarray of float64
        Marginal weight each selected site adds, in rank order (uncapacitated); for the
        capacitated variant, the weight actually assigned to the site (its sum is the objective).
    cumulative_coverage : numpy.ndarray of float64
        Covered share of the total weight after each rank, already covered demand included.
    objective : float
        Maximal coverage: newly covered weight of all open sites (required ones included).
        Set cover: number of new (non-required) sites opened.
    bound : float
        Proven bound on the objective (upper bound when maximising, lower bound when minimising).
    gap : float
        ``|objective - bound| / max(|objective|, 1e-9)`` (0 when proven optimal).
    status : str
        ``"optimal"``, ``"time_limit"`` (best solution found within the limit, gap > 0 possible)
        or ``"heuristic"`` (greedy).
    method : {"milp", "greedy"}
        How the sites were chosen.
    time_s : float
        Wall time of the whole call, in seconds.
    assignment : scipy.sparse.csr_array or None
        Capacitated variant only: fractional assignment ``x[i, j]`` (share of demand ``i`` served
        by candidate ``j``), shape ``(n_demand, n_candidates)``.
    required : numpy.ndarray of bool
        Aligned with ``selected``: True for sites the caller marked as required.
    total_weight : float
        Total weight of all demand (the denominator of ``cumulative_coverage``).
    already_covered_weight : float
        Weight of demand covered by existing facilities before siting.
    """

    selected: NDArray[np.int64]
    newly_covered_weight: NDArray[np.float64]
    cumulative_coverage: NDArray[np.float64]
    objective: float
    bound: float
    gap: float
    status: str
    method: Literal["milp", "greedy"]
    time_s: float
    assignment: sp.csr_array | None = None
    required: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    total_weight: float = 0.0
    already_covered_weight: float = 0.0

    @property
    def n_new(self) -> int:
        """Number of open sites that were not required by the caller."""
        return int(np.count_nonzero(~self.required))

    @property
    def final_coverage(self) -> float:
        """Covered share of total weight with every selected site open."""
        if self.cumulative_coverage.size:
            return float(self.cumulative_coverage[-1])
        if self.total_weight > 0:
            return self.already_covered_weight / self.total_weight
        return 0.0


@dataclass(frozen=True, eq=False)
class Instance:
    """A validated siting instance (all arrays aligned with the caller's indices).

    Attributes
    ----------
    a_csr, a_csc : scipy.sparse.csr_array, scipy.sparse.csc_array
        0/1 float64 coverage matrix, shape ``(n_demand, n_candidates)``, excluded candidates'
        columns emptied.
    weights, demand_households : numpy.ndarray
        Objective weight and capacity consumption per demand point.
    already_covered, required, excluded : numpy.ndarray of bool
        Masks from the caller.
    capacity : numpy.ndarray or None
        Households each candidate can serve (``inf`` allowed), or None for uncapacitated.
    group_of : numpy.ndarray of int64
        Index into ``needed_groups`` of each candidate's group when that group needs a site,
        else -1.
    needed_groups : list
        Group labels that need at least one open site and have no required site yet.
    """

    a_csr: sp.csr_array
    a_csc: sp.csc_array
    weights: NDArray[np.float64]
    demand_households: NDArray[np.float64]
    already_covered: NDArray[np.bool_]
    required: NDArray[np.bool_]
    excluded: NDArray[np.bool_]
    capacity: NDArray[np.float64] | None
    group_of: NDArray[np.int64]
    needed_groups: list[Hashable]

    @property
    def n_demand(self) -> int:
        """Number of demand points (rows)."""
        return int(self.a_csr.shape[0])

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites (columns)."""
        return int(self.a_csr.shape[1])

    @property
    def total_weight(self) -> float:
        """Total weight of all demand."""
        return float(self.weights.sum())

    @property
    def already_covered_weight(self) -> float:
        """Weight of demand already covered by existing facilities."""
        return float(self.weights[self.already_covered].sum())

    def covered_by(self, columns: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Return the demand mask covered by ``columns`` or by existing facilities."""
        covered = self.already_covered.copy()
        if columns.size:
            hits = np.asarray(self.a_csc[:, columns].sum(axis=1)).ravel()
            covered |= hits > 0
        return covered


def coverage_from_distances(distances: Any, radius_m: float) -> sp.csr_array:
    """Turn a sparse distance matrix into a 0/1 coverage matrix (服务半径覆盖矩阵).

    Every *stored* entry whose distance is at most ``radius_m`` counts as coverage, including
    stored zeros (a demand point on the candidate itself), which a plain ``!= 0`` test would lose.

    Parameters
    ----------
    distances : scipy sparse matrix or array
        Demand × candidate distances in metres; absent entries mean "beyond the cutoff".
    radius_m : float
        Service distance in metres.

    Returns
    -------
    scipy.sparse.csr_array
        Boolean coverage matrix of the same shape.
    """
    if not sp.issparse(distances):
        raise InputDataError(
            "coverage_from_distances: `distances` must be a scipy sparse matrix (stored entries = "
            f"reachable pairs); got {type(distances).__name__}. Build it with "
            "planning.network.od_sparse or scipy.spatial.cKDTree.sparse_distance_matrix."
        )
    coo = sp.coo_array(distances)
    keep = np.asarray(coo.data) <= radius_m
    out = sp.csr_array(
        (np.ones(int(keep.sum()), dtype=bool), (coo.row[keep], coo.col[keep])), shape=coo.shape
    )
    out.sum_duplicates()
    return out


def _as_coverage(coverage: Any) -> sp.csr_array:
    """Validate the coverage matrix and return it as a 0/1 float64 CSR array."""
    if sp.issparse(coverage):
        mat = sp.csr_array(coverage)
    else:
        arr = np.asarray(coverage)
        if arr.ndim != 2:
            raise InputDataError(
                f"coverage must be a 2-D (demand × candidate) matrix; got shape {arr.shape}."
            )
        mat = sp.csr_array(arr)
    mat.sum_duplicates()
    data = np.asarray(mat.data)
    if data.dtype != bool:
        if not np.all(np.isfinite(data)):
            raise InputDataError("coverage contains NaN or infinite values; use 0/1 or booleans.")
        bad = (data != 0) & (data != 1)
        if bad.any():
            raise InputDataError(
                "coverage must hold 0/1 (or booleans): covers / does not cover. Found values such "
                f"as {_listed(np.unique(data[bad])[:3])}, which look like distances; convert with "
                "planning.siting.coverage_from_distances(distances, radius_m)."
            )
    out = sp.csr_array(
        (np.ones(int(np.count_nonzero(data)), dtype=np.float64), _nonzero_ij(mat)),
        shape=mat.shape,
    )
    out.sum_duplicates()
    out.sort_indices()
    return out


def _nonzero_ij(mat: sp.csr_array) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Row and column indices of the nonzero entries of a CSR array."""
    coo = mat.tocoo()
    nz = np.asarray(coo.data) != 0
    return coo.row[nz].astype(np.int64), coo.col[nz].astype(np.int64)


def _vector(
    values: ArrayLike | None, n: int, name: str, *, default: float, allow_inf: bool = False
) -> NDArray[np.float64]:
    """Validate a float vector of length ``n`` with values ≥ 0."""
    if values is None:
        return np.full(n, default, dtype=np.float64)
    try:
        arr = np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise InputDataError(f"{name} must be numeric: {exc}") from None
    if arr.size != n:
        raise InputDataError(f"{name} has {arr.size} values but the coverage matrix needs {n}.")
    bad = np.flatnonzero(np.isnan(arr) | (arr < 0) | (np.isinf(arr) & (not allow_inf)))
    if bad.size:
        raise InputDataError(
            f"{name} must be finite and ≥ 0; bad value(s) at index {_listed(bad)} "
            f"(e.g. {arr[bad[0]]}). Fix the households (户数) or capacity of those rows."
        )
    return arr


def _mask(values: ArrayLike | None, n: int, name: str) -> NDArray[np.bool_]:
    """Validate a boolean mask of length ``n`` (None → all False)."""
    if values is None:
        return np.zeros(n, dtype=bool)
    arr = np.asarray(values).ravel()
    if arr.size != n:
        raise InputDataError(f"{name} has {arr.size} values but the coverage matrix needs {n}.")
    if arr.dtype != bool:
        if not np.isin(arr, (0, 1)).all():
            raise InputDataError(f"{name} must be a boolean mask (True/False or 0/1).")
        arr = arr.astype(bool)
    return arr


def prepare_instance(
    coverage: Any,
    weights: ArrayLike,
    *,
    already_covered: ArrayLike | None = None,
    required: ArrayLike | None = None,
    excluded: ArrayLike | None = None,
    capacity_households: ArrayLike | None = None,
    demand_households: ArrayLike | None = None,
    group: Sequence[Hashable | None] | None = None,
    groups_required: Iterable[Hashable] | None = None,
) -> Instance:
    """Validate the caller's arrays and build an :class:`Instance`.

    Parameters are those of :func:`planning.siting.maximal_coverage`.

    Returns
    -------
    Instance
        The validated instance.

    Raises
    ------
    planning._errors.InputDataError
        Shapes disagree, weights or capacities are negative/NaN, a candidate is both required
        and excluded, or a group that needs a site has no eligible candidate.
    """
    a = _as_coverage(coverage)
    n_d, n_c = a.shape
    w = _vector(weights, n_d, "weights (households per demand point)", default=0.0)
    h = (
        w.copy()
        if demand_households is None
        else _vector(demand_households, n_d, "demand_households", default=0.0)
    )
    cov0 = _mask(already_covered, n_d, "already_covered")
    req = _mask(required, n_c, "required")
    exc = _mask(excluded, n_c, "excluded")
    both = np.flatnonzero(req & exc)
    if both.size:
        raise InputDataError(
            f"candidate(s) {_listed(both)} are both required and excluded; "
            "drop one of the two flags."
        )
    cap = None
    if capacity_households is not None:
        cap = _vector(
            capacity_households, n_c, "capacity_households", default=np.inf, allow_inf=True
        )
    if exc.any():
        keep_col = (~exc).astype(np.float64)
        a = sp.csr_array(a @ sp.diags_array(keep_col))
        a.eliminate_zeros()
    group_of, needed = _groups(group, groups_required, n_c, req, exc)
    return Instance(
        a_csr=a,
        a_csc=sp.csc_array(a),
        weights=w,
        demand_households=h,
        already_covered=cov0,
        required=req,
        excluded=exc,
        capacity=cap,
        group_of=group_of,
        needed_groups=needed,
    )


def _groups(
    group: Sequence[Hashable | None] | None,
    groups_required: Iterable[Hashable] | None,
    n_c: int,
    req: NDArray[np.bool_],
    exc: NDArray[np.bool_],
) -> tuple[NDArray[np.int64], list[Hashable]]:
    """Map candidates to the groups (e.g. streets 街道) that still need an open site."""
    group_of = np.full(n_c, -1, dtype=np.int64)
    wanted = list(dict.fromkeys(groups_required or ()))
    if not wanted:
        return group_of, []
    if group is None:
        raise InputDataError(
            "groups_required was given but `group` (one group label per candidate) was not."
        )
    labels = list(group)
    if len(labels) != n_c:
        raise InputDataError(
            f"group has {len(labels)} labels but the coverage matrix has {n_c} candidates."
        )
    satisfied = {labels[j] for j in np.flatnonzero(req)}
    needed = [g for g in wanted if g not in satisfied]
    pos = {g: k for k, g in enumerate(needed)}
    for j, lab in enumerate(labels):
        k = pos.get(lab) if lab is not None else None
        if k is not None and not exc[j]:
            group_of[j] = k
    present = np.zeros(len(needed), dtype=bool)
    present[group_of[group_of >= 0]] = True
    missing = [needed[k] for k in np.flatnonzero(~present)]
    if missing:
        raise InputDataError(
            f"group(s) {_listed(np.asarray(missing, dtype=object))} must get a site "
            "(e.g. a comprehensive centre per street, 街道综合养老服务中心) but have no candidate "
            "that is not excluded; add candidates there or remove them from groups_required."
        )
    return group_of, needed


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


def relative_gap(objective: float, bound: float) -> float:
    """Relative gap ``|objective - bound| / max(|objective|, 1e-9)`` (0 when they agree)."""
    diff = abs(bound - objective)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / max(abs(objective), 1e-9)


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

    @property
    def counted(self) -> NDArray[np.bool_]:
        """Columns counting towards the number of new sites (the non-required ones)."""
        return self.y_lower < 0.5


def reduce_instance(inst: Instance, *, merge_rows: bool = True) -> Reduced:
    """Drop demand and candidates that cannot change the answer (预处理).

    Uncapacitated instances: demand already covered (by existing facilities or by required
    sites), with zero weight or covered by no eligible candidate is dropped; required and
    excluded candidates leave the model (required ones are opened up front); candidates that
    cover no remaining demand are dropped unless a group needs them; demand rows covered by the
    same set of candidates are merged (weights summed). Capacitated instances keep required sites
    in the model (their capacity matters) and do not merge rows.

    Parameters
    ----------
    inst : Instance
        The validated instance.
    merge_rows : bool
        Merge identical demand rows (uncapacitated only).

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
    )
