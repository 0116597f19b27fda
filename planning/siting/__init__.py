"""Siting new centres (选址优化): an array core behind a GeoDataFrame adapter.

The array core knows nothing of GeoDataFrames: callers pass a sparse demand × candidate 0/1
coverage matrix (network distance ≤ service distance), households per demand point and
candidate flags, and get back a ranked :class:`SitingSolution` (the pattern of spopt's
``from_cost_matrix``) whose ``status`` is ``"optimal"`` exactly when its ``bound`` proves it.

* :func:`maximal_coverage` — exact MCLP (最大覆盖) with HiGHS.
* :func:`set_cover` — fewest new sites to reach a coverage target (覆盖率目标), proven by an LP
  bound, a Lagrangian decomposition into independent parts and branch and bound
  (:mod:`planning.siting.setcover`).
* :func:`greedy_maximal_coverage` — greedy heuristic with a proven gap, for very large instances.
* :func:`coverage_from_distances` — sparse distances → coverage matrix.
* :func:`grid_candidates` — candidate points on a regular grid over uncovered demand.

All take candidate flags (required 必建, excluded 排除), groups (a site per street) and conflicts
(pairs that must not both open, e.g. closer than a minimum spacing 最小间距); the MILPs also take
capacities (households a site can serve).

The adapter (:mod:`planning.siting.adapter`) takes an audit: :func:`site_centres` with
:class:`SitingOptions` returns a :class:`SitingOutcome` of ranked proposals; candidates come
from :func:`read_candidates` (vacant properties 闲置用房 with their floor areas) or a grid
(:mod:`planning.siting.sites`).
"""

from planning.siting.adapter import (
    SitingOptions,
    SitingOutcome,
    SitingProblem,
    site_centres,
    siting_problem,
)
from planning.siting.candidates import grid_candidates
from planning.siting.core import maximal_coverage, set_cover
from planning.siting.greedy import greedy_maximal_coverage
from planning.siting.prepare import coverage_from_distances
from planning.siting.problem import CoverageTargetError, SitingSolution
from planning.siting.sites import read_candidates

__all__ = [
    "CoverageTargetError",
    "SitingOptions",
    "SitingOutcome",
    "SitingProblem",
    "SitingSolution",
    "coverage_from_distances",
    "greedy_maximal_coverage",
    "grid_candidates",
    "maximal_coverage",
    "read_candidates",
    "set_cover",
    "site_centres",
    "siting_problem",
]
