"""Siting new centres (选址优化): an array core behind a GeoDataFrame adapter.

The array core knows nothing of GeoDataFrames: callers pass a sparse demand × candidate 0/1
coverage matrix (network distance ≤ service distance), households per demand point and
candidate flags, and get back a ranked :class:`SitingSolution` (the pattern of spopt's
``from_cost_matrix``).

* :func:`maximal_coverage` — exact MCLP (最大覆盖) with HiGHS.
* :func:`set_cover` — fewest new sites to reach a coverage target (覆盖率目标).
* :func:`greedy_maximal_coverage` — greedy heuristic with a proven gap, for very large instances.
* :func:`coverage_from_distances` — sparse distances → coverage matrix.
* :func:`grid_candidates` — candidate points on a regular grid over uncovered demand.

The adapter (:mod:`planning.siting.adapter`) takes an audit: :func:`site_centres` with
:class:`SitingOptions` returns a :class:`SitingOutcome` of ranked proposals.
"""

from planning.siting.adapter import SitingOptions, SitingOutcome, read_candidates, site_centres
from planning.siting.candidates import grid_candidates
from planning.siting.core import maximal_coverage, set_cover
from planning.siting.greedy import greedy_maximal_coverage
from planning.siting.prepare import coverage_from_distances
from planning.siting.problem import CoverageTargetError, SitingSolution

__all__ = [
    "CoverageTargetError",
    "SitingOptions",
    "SitingOutcome",
    "SitingSolution",
    "coverage_from_distances",
    "greedy_maximal_coverage",
    "grid_candidates",
    "maximal_coverage",
    "read_candidates",
    "set_cover",
    "site_centres",
]
