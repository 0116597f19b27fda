"""Validate a siting instance's arrays once (选址输入校验).

:func:`prepare_instance` turns the caller's coverage matrix, weights and candidate flags into an
:class:`planning.siting.problem.Instance`, raising :class:`planning._errors.InputDataError` that
names the argument, the bad rows and the fix. :func:`coverage_from_distances` turns distances
into the 0/1 coverage matrix it expects.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from planning._errors import InputDataError
from planning.siting.problem import Instance

__all__ = ["check_n_new", "coverage_from_distances", "prepare_instance"]

_MAX_LISTED = 8


def _listed(ids: ArrayLike) -> str:
    """Format at most a few ids for an error message."""
    arr = np.asarray(ids).ravel()
    shown = ", ".join(str(x) for x in arr[:_MAX_LISTED])
    return shown + (f", … ({arr.size} in all)" if arr.size > _MAX_LISTED else "")


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
    conflicts: ArrayLike | None = None,
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
        and excluded, two required candidates conflict, or a group that needs a site has no
        eligible candidate.
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
    adjacency = None if conflicts is None else _conflicts(conflicts, n_c, req)
    if adjacency is not None:
        # a site in conflict with a required one can never open
        exc = exc | (np.asarray(adjacency @ req.astype(np.int64)) > 0)
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
        conflicts=adjacency,
    )


def _conflicts(pairs: ArrayLike, n_c: int, req: NDArray[np.bool_]) -> sp.csr_array | None:
    """Validate candidate pairs that must not both open; return a symmetric boolean matrix."""
    given = np.asarray(pairs)
    if given.size == 0:
        return None
    if given.ndim != 2 or given.shape[1] != 2:
        raise InputDataError(
            "conflicts must be an (n, 2) array of candidate index pairs that must not both open; "
            f"got shape {given.shape}."
        )
    try:
        arr = given.astype(np.float64)
    except (TypeError, ValueError):
        raise InputDataError("conflicts must hold candidate indices (integers).") from None
    bad = np.flatnonzero(
        ~np.isfinite(arr).all(axis=1)
        | (arr != np.round(arr)).any(axis=1)
        | (arr < 0).any(axis=1)
        | (arr >= n_c).any(axis=1)
        | (arr[:, 0] == arr[:, 1])
    )
    if bad.size:
        raise InputDataError(
            f"conflicts: pair(s) at index {_listed(bad)} (e.g. {given[bad[0]].tolist()}) are not "
            f"two different candidate indices in 0…{n_c - 1}; fix or drop them."
        )
    ij = arr.astype(np.int64)
    both = ij[req[ij[:, 0]] & req[ij[:, 1]]]
    if both.size:
        raise InputDataError(
            f"required candidates {both[0, 0]} and {both[0, 1]} conflict (e.g. closer than the "
            "minimum spacing 最小间距); drop the required flag of one of them or lower the spacing."
        )
    rows = np.concatenate([ij[:, 0], ij[:, 1]])
    cols = np.concatenate([ij[:, 1], ij[:, 0]])
    out = sp.csr_array((np.ones(rows.size, dtype=bool), (rows, cols)), shape=(n_c, n_c))
    out.sum_duplicates()
    return out


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


def check_n_new(n_new: int, inst: Instance) -> int:
    """Validate the number of new sites against the groups that need one."""
    if isinstance(n_new, bool) or not isinstance(n_new, int | np.integer) or n_new < 0:
        raise InputDataError(
            f"n_new (number of new sites 新增设施数) must be an int ≥ 0; got {n_new!r}."
        )
    if len(inst.needed_groups) > n_new:
        raise InputDataError(
            f"{len(inst.needed_groups)} group(s) still need a site (e.g. one comprehensive centre "
            f"per street 街道) but n_new is {n_new}; raise n_new to at least "
            f"{len(inst.needed_groups)} or drop groups from groups_required."
        )
    return int(n_new)
