"""The siting problem's types: the validated instance and the result (选址问题与结果).

This module knows nothing of GeoDataFrames or networks. A siting instance is a 0/1 coverage
matrix ``coverage[i, j]`` (demand ``i`` lies within the service distance of candidate ``j``,
distance computed elsewhere), demand weights (households, 户数) and candidate flags. It is
validated once by :func:`planning.siting.prepare.prepare_instance` into an :class:`Instance`,
which the MILP (:mod:`planning.siting.core`) and the greedy heuristic
(:mod:`planning.siting.greedy`) both work on, after :mod:`planning.siting.reduction` has dropped
what cannot change the answer; both return a :class:`SitingSolution` ranked by
:mod:`planning.siting.ranking`.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from planning._errors import SolverError

__all__ = ["CoverageTargetError", "Instance", "SitingSolution", "relative_gap"]


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
        ``"optimal"`` exactly when ``bound`` proves ``objective`` within the stated tolerance
        (set cover: the bound rounded up equals the number of sites; maximal coverage: ``gap`` at
        most ``mip_rel_gap``), ``"time_limit"`` (best solution found within the limit, not
        proven: ``gap`` is the true remaining gap) or ``"heuristic"`` (greedy).
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
    details : dict
        How the answer was reached, for reports and benchmarks: e.g. ``bound_source`` (what
        proved the bound: ``"lp"``, ``"lagrangian"``, ``"branch_and_bound"``, ``"trivial"``),
        ``lp_bound``, ``components``, ``columns_dominated``.
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
    details: dict[str, Any] = field(default_factory=dict)

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
    conflicts : scipy.sparse.csr_array or None
        Symmetric boolean candidate × candidate matrix: pairs that must not both open (e.g.
        closer than a minimum spacing 最小间距). Candidates in conflict with a required site are
        already excluded.
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
    conflicts: sp.csr_array | None = None

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


def relative_gap(objective: float, bound: float) -> float:
    """Relative gap ``|objective - bound| / max(|objective|, 1e-9)`` (0 when they agree)."""
    diff = abs(bound - objective)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / max(abs(objective), 1e-9)
