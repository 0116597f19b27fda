"""Siting optimisation core (选址优化): location-allocation on a coverage matrix.

The array core knows nothing of GeoDataFrames: callers pass a sparse demand × candidate 0/1
coverage matrix (network distance ≤ service distance), households per demand point and
candidate flags, and get back a ranked :class:`SitingResult`.

* :func:`maximal_coverage` — exact MCLP (最大覆盖) with HiGHS.
* :func:`set_cover` — fewest new sites to reach a coverage target (覆盖率目标).
* :func:`greedy_maximal_coverage` — greedy heuristic with a proven gap, for very large instances.
* :func:`coverage_from_distances` — sparse distances → coverage matrix.
* :func:`grid_candidates` — candidate points on a regular grid over uncovered demand.
"""

from planning.siting.candidates import grid_candidates
from planning.siting.core import maximal_coverage, set_cover
from planning.siting.greedy import greedy_maximal_coverage
from planning.siting.problem import CoverageTargetError, SitingResult, coverage_from_distances

__all__ = [
    "CoverageTargetError",
    "SitingResult",
    "coverage_from_distances",
    "greedy_maximal_coverage",
    "grid_candidates",
    "maximal_coverage",
    "set_cover",
]
