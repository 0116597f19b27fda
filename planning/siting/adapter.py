"""Siting new centres on the audit's results (选址建议).

The GeoDataFrame adapter of :mod:`planning.siting`.

Demand is the estates (weighted by households), measured from their gates on the walking network;
candidates come from a file (vacant lots, idle public buildings 闲置用房, each with its own floor
area if known) or are generated on a grid over uncovered estates (:mod:`planning.siting.sites`).
Estates already inside the service circle of an existing facility of the chosen kind add nothing
when covered again. A floor area caps the households a new centre serves (capacitated); a minimum
spacing keeps new centres apart (straight-line distance in the project's metric CRS).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal, get_args

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from planning import network
from planning._errors import InputDataError, OptionError, param
from planning._options import check_choice, check_number
from planning.audit import Audit
from planning.siting.core import maximal_coverage, set_cover
from planning.siting.greedy import greedy_maximal_coverage
from planning.siting.problem import SitingSolution
from planning.siting.sites import (
    candidate_capacity,
    generated_candidates,
    prepared_candidates,
    read_candidates,
    spacing_conflicts,
)

__all__ = [
    "SitingOptions",
    "SitingOutcome",
    "SitingProblem",
    "read_candidates",
    "site_centres",
    "siting_problem",
]

logger = logging.getLogger(__name__)

#: Prefixes of generated candidate ids and of proposal ids (候选点/选址方案编号).
CANDIDATE_PREFIX = "CAND-"
PROPOSAL_PREFIX = "PROP-"

#: Above this many candidate × estate pairs the exact MILP is replaced by the greedy heuristic
#: (with its gap to the LP bound reported), unless the caller forces a method.
MILP_PAIR_LIMIT = 5_000_000


SitingMethod = Literal["auto", "milp", "greedy"]
SitingKind = Literal["community_station", "street_centre"]


@dataclass(frozen=True)
class SitingOptions:
    """What to solve (``n_new`` or ``target_coverage``) and how, checked when made.

    Attributes
    ----------
    n_new : int or None
        Open this many new centres covering the most households (MCLP, 最大覆盖).
    target_coverage : float or None
        Fewest new centres reaching this household share, 0 < share ≤ 1 (set cover).
    kind : {"community_station", "street_centre"}
        Kind of the new centres; decides which service-circle tier they serve.
    floor_m2 : float or None
        Floor area of each new centre (m²); caps the households it serves (capacitated:
        floor area × 100 / the ruleset's m² per 100 households). Candidates with their own floor
        area (a ``floor_m2`` / 建筑面积 column) use theirs; this fills the blanks.
    spacing_m : float
        Grid spacing of generated candidates (m).
    tier : str or None
        Tier to cover; the largest one counting ``kind`` when None.
    time_limit_s : float
        Solver time limit (s).
    method : {"auto", "milp", "greedy"}
        ``auto`` uses the exact MILP unless the instance is very large.
    one_centre_per_street : bool or None
        At least one new street centre in each street without one (default: for street
        centres).
    min_spacing_m : float or None
        Minimum straight-line distance between any two proposed centres (required ones
        included), in metres of the project's metric CRS (最小间距).

    Examples
    --------
    >>> SitingOptions(n_new=5).method
    'auto'
    >>> SitingOptions(n_new=5, method="mlip")
    Traceback (most recent call last):
    ...
    planning._errors.OptionError: method="mlip": choose one of 'auto', 'milp', 'greedy'.
    """

    n_new: int | None = None
    target_coverage: float | None = None
    kind: SitingKind = "community_station"
    floor_m2: float | None = None
    spacing_m: float = 250.0
    tier: str | None = None
    time_limit_s: float = 60.0
    method: SitingMethod = "auto"
    one_centre_per_street: bool | None = None
    min_spacing_m: float | None = None

    def __post_init__(self) -> None:
        if (self.n_new is None) == (self.target_coverage is None):
            raise OptionError(
                f"Give exactly one of {param('new')} (number of new centres) or "
                f"{param('target_coverage')} (household share to reach).",
                "new",
            )
        if self.n_new is not None and (
            isinstance(self.n_new, bool)
            or not isinstance(self.n_new, int | np.integer)
            or self.n_new < 1
        ):
            raise OptionError(
                f"{param('new', self.n_new)}: give a whole number of new centres, at least 1.",
                "new",
            )
        if self.target_coverage is not None:
            check_number(
                "target_coverage", self.target_coverage, high=1.0, unit=" (a share, e.g. 0.95)"
            )
        check_choice("kind", self.kind, get_args(SitingKind))
        check_choice("method", self.method, get_args(SitingMethod))
        if self.floor_m2 is not None:
            check_number("floor_m2", self.floor_m2, unit=" m²")
        check_number("spacing_m", self.spacing_m, low=10.0, unit=" m")
        check_number("time_limit_s", self.time_limit_s, unit=" s")
        if self.min_spacing_m is not None:
            check_number("min_spacing_m", self.min_spacing_m, unit=" m")


@dataclass
class SitingOutcome:
    """Proposed sites (选址建议) with before/after figures.

    Attributes
    ----------
    proposals : GeoDataFrame
        One row per new site in rank order: ``candidate_id``, ``rank``, ``households_new``,
        ``estates_newly_covered``, ``cumulative_coverage``, ``lon``/``lat``.
    solution : SitingSolution
        The solver's answer (status, bound, gap, selected columns).
    summary : dict
        What ``summary.json`` records under ``siting``.
    """

    proposals: gpd.GeoDataFrame
    solution: SitingSolution
    summary: dict[str, Any]


@dataclass
class SitingProblem:
    """The arrays a siting run solves, built from an audit (for custom solvers and benchmarks).

    Attributes
    ----------
    tier : Tier
        The service-circle tier covered.
    frame : GeoDataFrame
        Usable candidates (on the walking network), in column order of ``coverage``.
    coverage : scipy.sparse.csr_array
        Estate × candidate 0/1 matrix: walking distance within the tier's distance.
    weights : numpy.ndarray
        Households per estate.
    covered_before : numpy.ndarray of bool
        Estates already inside an existing facility's circle.
    capacity : numpy.ndarray or None
        Households each candidate can serve (None: uncapacitated).
    conflicts : numpy.ndarray or None
        Pairs of candidates closer than the minimum spacing.
    group, groups_required : list or None
        Street of each candidate and the streets that need a new street centre.
    """

    tier: Any
    frame: gpd.GeoDataFrame
    coverage: sp.csr_array
    weights: np.ndarray
    covered_before: np.ndarray
    capacity: np.ndarray | None
    conflicts: np.ndarray | None
    group: list[Any] | None
    groups_required: list[Any] | None


def siting_problem(
    result: Audit, options: SitingOptions, candidates: gpd.GeoDataFrame | None = None
) -> SitingProblem:
    """Build the coverage matrix, weights and side constraints of a siting run.

    Parameters are those of :func:`site_centres`.

    Returns
    -------
    SitingProblem
    """
    net = result.network
    tiers = [t for t in result.tiers if options.kind in t.facility_kinds]
    if options.tier is not None:
        tiers = [t for t in tiers if t.name == options.tier]
    if not tiers:
        raise InputDataError(
            f"No service-circle tier of ruleset {result.ruleset.id} counts {options.kind}"
            + (f" as tier {options.tier}" if options.tier else "")
            + f"; choose another {param('kind')} or {param('tier')}."
        )
    tier = max(tiers, key=lambda t: t.distance_m)
    estates = result.estates
    covered_before = estates[f"covered_{tier.name}"].to_numpy(bool)
    if candidates is not None:
        frame = prepared_candidates(candidates, estates.crs)
    else:
        frame = generated_candidates(estates, ~covered_before, options.spacing_m)
        # Generated ids get their own prefix: a bare G0018 would read as a gate's id.
        frame["candidate_id"] = CANDIDATE_PREFIX + frame["candidate_id"].astype(str)
    snaps = network.snap(net, frame.geometry)
    if (~snaps.ok).any():
        logger.info(
            "%d candidates are off the walking network and were left out", int((~snaps.ok).sum())
        )
    frame = frame[snaps.ok].reset_index(drop=True)
    snaps = snaps.subset(snaps.ok)
    if frame.empty:
        raise InputDataError(
            "No usable candidate site: every candidate is off the walking network."
        )
    origin_snaps, groups = result.origins, result.origin_groups
    od = network.od_sparse(net, origin_snaps, snaps, tier.distance_m)
    pairs = pd.DataFrame({"e": groups[od.rows], "c": od.cols}).drop_duplicates()
    coverage = sp.csr_array(
        (np.ones(len(pairs)), (pairs["e"].to_numpy(), pairs["c"].to_numpy())),
        shape=(len(estates), len(frame)),
    )
    rule = result.ruleset.floor_area_rule("existing") or result.ruleset.floor_area_rule("new")
    capacity, floor = candidate_capacity(
        frame["floor_m2"].to_numpy(float) if "floor_m2" in frame else None,
        options.floor_m2,
        rule.minimum if rule is not None else None,
        result.ruleset.id,
        frame["candidate_id"].astype(str).to_numpy(),
    )
    if floor is not None:
        frame["floor_m2"] = floor
        frame["capacity_households"] = capacity
    conflicts = None
    if options.min_spacing_m is not None:
        xy = np.column_stack([frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()])
        conflicts = spacing_conflicts(xy, options.min_spacing_m)
    group, groups_required = _street_groups(result, options, frame)
    return SitingProblem(
        tier=tier,
        frame=frame,
        coverage=coverage,
        weights=estates["households"].to_numpy(float),
        covered_before=covered_before,
        capacity=capacity,
        conflicts=conflicts,
        group=group,
        groups_required=groups_required,
    )


def site_centres(
    result: Audit,
    options: SitingOptions,
    candidates: gpd.GeoDataFrame | None = None,
) -> SitingOutcome:
    """Propose new centres that raise service-circle coverage.

    Parameters
    ----------
    result : Audit
        The audit of the same inputs (existing coverage, tiers, ruleset, walking network).
    options : SitingOptions
        ``n_new`` (maximal coverage) or ``target_coverage`` (fewest centres), kind, capacity,
        spacing.
    candidates : GeoDataFrame, optional
        Candidate sites with optional ``candidate_id``, ``name``, ``required``, ``excluded`` and
        ``floor_m2`` columns; generated on a grid over uncovered estates when None.

    Returns
    -------
    SitingOutcome
    """
    prob = siting_problem(result, options, candidates)
    frame, coverage, weights = prob.frame, prob.coverage, prob.weights
    common: dict[str, Any] = {
        "already_covered": prob.covered_before,
        "required": frame["required"].to_numpy(bool),
        "excluded": frame["excluded"].to_numpy(bool),
        "capacity_households": prob.capacity,
        "group": prob.group,
        "groups_required": prob.groups_required,
        "conflicts": prob.conflicts,
        "time_limit_s": options.time_limit_s,
    }
    method = options.method
    if method == "auto":
        method = "greedy" if coverage.nnz > MILP_PAIR_LIMIT else "milp"
    if options.target_coverage is not None:
        solved = set_cover(coverage, weights, options.target_coverage, **common)
    elif method == "greedy":
        solved = greedy_maximal_coverage(
            coverage, weights, options.n_new or 0, already_covered=prob.covered_before,
            required=common["required"], excluded=common["excluded"], conflicts=prob.conflicts,
            time_limit_s=options.time_limit_s,
        )  # fmt: skip
    else:
        solved = maximal_coverage(coverage, weights, options.n_new or 0, **common)
    estates = result.estates
    proposals = _proposals(frame, solved, coverage, estates, prob.covered_before, options)
    summary = _summary(result, options, prob.tier, frame, solved, proposals, prob.covered_before)
    summary["min_spacing_pairs"] = None if prob.conflicts is None else len(prob.conflicts)
    return SitingOutcome(proposals, solved, summary)


def _street_groups(
    result: Audit, options: SitingOptions, frame: gpd.GeoDataFrame
) -> tuple[list[Any] | None, list[Any] | None]:
    """Street of each candidate and the streets that need a new street centre."""
    per_street = options.one_centre_per_street
    if per_street is None:
        per_street = options.kind == "street_centre"
    if not (per_street and options.kind == "street_centre"):
        return None, None
    streets = result.streets
    without = streets.loc[~streets["has_street_centre"].astype(bool), "street_id"].tolist()
    if not without or not streets.geometry.notna().any():
        return None, None
    joined = gpd.sjoin(
        frame[["geometry"]], streets[["street_id", "geometry"]], how="left", predicate="within"
    )
    group = joined[~joined.index.duplicated()]["street_id"].tolist()
    return group, [s for s in without if s in set(group)]


def _summary(
    result: Audit,
    options: SitingOptions,
    tier: Any,
    frame: gpd.GeoDataFrame,
    solved: SitingSolution,
    proposals: gpd.GeoDataFrame,
    covered_before: np.ndarray,
) -> dict[str, Any]:
    """Return what ``summary.json`` records under ``siting`` (the console prints the same)."""
    estates = result.estates
    weights = estates["households"].to_numpy(float)
    total = float(weights.sum())
    before = float(weights[covered_before].sum())
    after = before + float(proposals["households_new"].sum()) if len(proposals) else before
    capacitated = "capacity_households" in frame
    caps = frame["capacity_households"].to_numpy(float) if capacitated else np.zeros(0)
    ok_before = int((estates["verdict"] == "ok").sum())
    new_ok = int(proposals["estates_compliant_new"].sum()) if len(proposals) else 0
    return {
        "kind": options.kind,
        "tier": tier.name,
        "distance_m": tier.distance_m,
        "objective": "maximal_coverage" if options.n_new is not None else "set_cover",
        "n_new_requested": options.n_new,
        "target_coverage": options.target_coverage,
        "candidates": len(frame),
        "candidate_source": str(frame["source"].iloc[0]),
        "selected": len(solved.selected),
        "new_sites": solved.n_new,
        "method": solved.method,
        "status": solved.status,
        "objective_value": float(solved.objective),
        "bound": float(solved.bound),
        "gap": float(solved.gap),
        "bound_source": solved.details.get("bound_source"),
        "solve_time_s": round(float(solved.time_s), 3),
        "time_limit_s": options.time_limit_s,
        "capacitated": capacitated,
        "capacity_households": float(caps[0]) if caps.size and np.all(caps == caps[0]) else None,
        "min_spacing_m": options.min_spacing_m,
        "spacing_measured": None if options.min_spacing_m is None else "straight line",
        "before": {
            "households_covered": round(before),
            "coverage": round(before / total, 4) if total else None,
            "estates_ok": ok_before,
        },
        "after": {
            "households_covered": round(after),
            "coverage": round(after / total, 4) if total else None,
            "estates_ok": ok_before + new_ok,
        },
    }


def _proposals(
    frame: gpd.GeoDataFrame,
    solved: SitingSolution,
    coverage: sp.csr_array,
    estates: pd.DataFrame,
    covered_before: np.ndarray,
    options: SitingOptions,
) -> gpd.GeoDataFrame:
    """One row per selected site, in rank order, with what it newly covers (or serves)."""
    weights = estates["households"].to_numpy(float)
    only_circle = (estates["verdict"] == "outside_circle").to_numpy()
    selected = np.asarray(solved.selected, dtype=np.int64)
    if solved.assignment is not None:
        served = solved.assignment.tocsc()[:, selected].toarray()
        households = (served * weights[:, None]).sum(axis=0)
        reached = (served > 1e-9).sum(axis=0)
        # a fully served estate counts once, for the site serving most of it
        full = served.sum(axis=1) >= 1 - 1e-6
        owner = np.argmax(served, axis=1)
        compliant = np.bincount(owner[full & only_circle], minlength=selected.size)
    else:
        covered = covered_before.copy()
        csc = coverage.tocsc()
        households = np.zeros(selected.size)
        reached = np.zeros(selected.size, dtype=np.int64)
        compliant = np.zeros(selected.size, dtype=np.int64)
        for k, column in enumerate(selected):
            rows = csc.indices[csc.indptr[column] : csc.indptr[column + 1]]
            new = rows[~covered[rows]]
            covered[new] = True
            households[k], reached[k] = weights[new].sum(), new.size
            compliant[k] = only_circle[new].sum()
    pick = frame.iloc[selected] if selected.size else frame.iloc[:0]
    out = gpd.GeoDataFrame(
        {
            # 选址方案编号: unique across layers (no estate, gate or facility id starts so)
            "proposal_id": [f"{PROPOSAL_PREFIX}{k:03d}" for k in range(1, selected.size + 1)],
            "candidate_id": pick["candidate_id"].astype(str).to_numpy(),
            "name": pick["name"].astype(str).to_numpy() if "name" in pick else "",
            "rank": np.arange(1, selected.size + 1),
            "kind": options.kind,
            "floor_m2": pick["floor_m2"].to_numpy(float) if "floor_m2" in pick else np.nan,
            "capacity_households": (
                np.round(pick["capacity_households"].to_numpy(float), 1)
                if "capacity_households" in pick
                else np.nan
            ),
            "required": pick["required"].to_numpy(bool),
            "estates_newly_covered": reached.astype(np.int64),
            "households_new": np.round(households).astype(np.int64),
            "estates_compliant_new": compliant.astype(np.int64),
            "cumulative_coverage": np.round(solved.cumulative_coverage, 4),
            # the whole answer's proof, repeated so that the file says what the console says
            "status": solved.status,
            "bound": float(solved.bound),
            "gap": round(float(solved.gap), 6),
        },
        geometry=pick.geometry.to_numpy(),
        crs=frame.crs,
    )
    if len(out):
        lonlat = out.geometry.to_crs(4326)
        out["lon"] = lonlat.x.round(6)
        out["lat"] = lonlat.y.round(6)
    return out
