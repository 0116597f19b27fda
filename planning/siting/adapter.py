"""Siting new centres on the audit's results (选址建议).

The GeoDataFrame adapter of :mod:`planning.siting`.

Demand is the estates (weighted by households), measured from their gates on the walking network;
candidates come from a file (vacant lots, idle public buildings 闲置国有资产) or are generated on the
network over uncovered estates. Estates already inside the service circle of an existing facility
of the chosen kind add nothing when covered again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from planning import network
from planning._errors import InputDataError, OptionError, param
from planning._options import check_choice, check_number
from planning.audit import Audit
from planning.siting.candidates import grid_candidates
from planning.siting.core import maximal_coverage, set_cover
from planning.siting.greedy import greedy_maximal_coverage
from planning.siting.problem import SitingSolution

logger = logging.getLogger(__name__)

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
        Floor area of each new centre; caps the households it serves (capacitated).
    spacing_m : float
        Grid spacing of generated candidates (m).
    tier : str or None
        Tier to cover; the largest one counting ``kind`` when None.
    time_limit_s : float
        Solver time limit (s).
    method : {"auto", "milp", "greedy"}
        ``auto`` uses the exact MILP unless the instance is very large.
    one_centre_per_street : bool or None
        At most one new street centre per street without one (default: for street centres).

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


def read_candidates(
    path: Path | str | pd.DataFrame,
    *,
    layer: str | None = None,
    crs: Any,
    coords: str | None = None,
) -> gpd.GeoDataFrame:
    """Read candidate sites (候选点: vacant lots, idle public buildings) as points in ``crs``.

    Parameters
    ----------
    path : path, GeoDataFrame or DataFrame
        GeoPackage, Shapefile, GeoJSON, CSV or XLSX (with lon/lat columns), or a frame (not
        modified).
    layer : str, optional
        Layer or sheet.
    crs : CRS-like
        The project's metric CRS.
    coords : {None, "wgs84", "gcj02", "bd09"}
        System of longitude/latitude, converted to WGS-84 by the one point reader
        (:func:`planning.io.points.locate`; projected data is left as it is).

    Returns
    -------
    GeoDataFrame
        With ``candidate_id`` (from an id column, else generated), ``required`` and ``excluded``.
    """
    from planning.io import read_table
    from planning.io.points import locate

    if isinstance(path, pd.DataFrame):
        kind = "GeoDataFrame" if isinstance(path, gpd.GeoDataFrame) else "DataFrame"
        name = f"candidates ({kind})"
        frame = locate(path, coords, name=name)
    else:
        name = str(path)
        frame = locate(read_table(path, layer)[0], coords, name=name)
    if frame.geometry.isna().all():
        raise InputDataError(
            f"{name}: candidate sites need geometry or lon/lat columns (经度/纬度); none found."
        )
    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.any():
        rows = (np.flatnonzero(empty.to_numpy()) + 1).tolist()
        raise InputDataError(
            f"{name}: candidate row(s) {rows[:10]} have no location; fix or delete them."
        )
    frame = frame.to_crs(crs)
    lower = {str(c).lower(): c for c in frame.columns}
    id_column = next(
        (lower[c] for c in ("candidate_id", "id", "编号", "候选点编号") if c in lower), None
    )
    out = gpd.GeoDataFrame(
        {
            "candidate_id": frame[id_column].astype(str)
            if id_column
            else [f"C{i + 1:04d}" for i in range(len(frame))],
            "name": frame[lower["name"]].astype(str) if "name" in lower else "",
        },
        geometry=frame.geometry.representative_point().to_numpy(),
        crs=frame.crs,
    )
    for flag, names in (("required", ("required", "必选")), ("excluded", ("excluded", "排除"))):
        column = next((lower[n] for n in names if n in lower), None)
        values = frame[column] if column else pd.Series([False] * len(frame))
        out[flag] = (
            values.astype(str)
            .str.strip()
            .str.lower()
            .isin(["1", "true", "yes", "y", "是"])
            .to_numpy()
        )
    return out


def _candidate_frame(
    candidates: gpd.GeoDataFrame | None, result: Audit, options: SitingOptions, tier_name: str
) -> gpd.GeoDataFrame:
    crs = result.estates.crs
    if candidates is not None:
        frame = candidates.to_crs(crs).reset_index(drop=True).copy()
        if "candidate_id" not in frame:
            frame["candidate_id"] = [f"C{i + 1:04d}" for i in range(len(frame))]
        for flag in ("required", "excluded"):
            frame[flag] = frame[flag].fillna(False).astype(bool) if flag in frame else False
        frame["source"] = "file"
        return frame
    uncovered = result.estates[~result.estates[f"covered_{tier_name}"].astype(bool)]
    pts = uncovered.geometry.representative_point()
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()]) if len(pts) else np.zeros((0, 2))
    centres = grid_candidates(xy, options.spacing_m)
    return gpd.GeoDataFrame(
        {
            "candidate_id": [f"G{i + 1:04d}" for i in range(len(centres))],
            "required": False,
            "excluded": False,
            "source": "grid",
        },
        geometry=gpd.points_from_xy(centres[:, 0], centres[:, 1]) if len(centres) else [],
        crs=crs,
    )


def _capacity(result: Audit, options: SitingOptions, n: int) -> np.ndarray | None:
    if options.floor_m2 is None:
        return None
    rule = result.ruleset.floor_area_rule("existing") or result.ruleset.floor_area_rule("new")
    if rule is None or not rule.minimum:
        raise InputDataError(
            f"{param('floor_m2')} needs a floor-area rule to turn m² into households, and "
            f"ruleset {result.ruleset.id} has none; leave {param('floor_m2')} out or choose "
            "another ruleset."
        )
    return np.full(n, options.floor_m2 * 100.0 / rule.minimum)


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
        ``n_new`` (maximal coverage) or ``target_coverage`` (fewest centres), kind, capacity.
    candidates : GeoDataFrame, optional
        Candidate sites with optional ``candidate_id``, ``required`` and ``excluded`` columns;
        generated on a grid over uncovered estates when None.

    Returns
    -------
    SitingOutcome
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
    frame = _candidate_frame(candidates, result, options, tier.name)
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
    weights = estates["households"].to_numpy(float)
    covered_before = estates[f"covered_{tier.name}"].to_numpy(bool)
    capacity = _capacity(result, options, len(frame))
    per_street = options.one_centre_per_street
    if per_street is None:
        per_street = options.kind == "street_centre"
    group = groups_required = None
    if per_street and options.kind == "street_centre":
        streets = result.streets
        without = streets.loc[~streets["has_street_centre"].astype(bool), "street_id"].tolist()
        if without and streets.geometry.notna().any():
            joined = gpd.sjoin(
                frame[["geometry"]],
                streets[["street_id", "geometry"]],
                how="left",
                predicate="within",
            )
            group = joined[~joined.index.duplicated()]["street_id"].tolist()
            groups_required = [s for s in without if s in set(group)]
    common: dict[str, Any] = {
        "already_covered": covered_before,
        "required": frame["required"].to_numpy(bool),
        "excluded": frame["excluded"].to_numpy(bool),
        "capacity_households": capacity,
        "group": group,
        "groups_required": groups_required,
        "time_limit_s": options.time_limit_s,
    }
    method = options.method
    if method == "auto":
        method = "greedy" if coverage.nnz > MILP_PAIR_LIMIT else "milp"
    if options.target_coverage is not None:
        solved = set_cover(coverage, weights, options.target_coverage, **common)
    elif method == "greedy":
        solved = greedy_maximal_coverage(
            coverage, weights, options.n_new or 0, already_covered=covered_before,
            required=common["required"], excluded=common["excluded"], time_limit_s=options.time_limit_s,
        )  # fmt: skip
    else:
        solved = maximal_coverage(coverage, weights, options.n_new or 0, **common)

    proposals = _proposals(frame, solved, coverage, estates, covered_before, tier.name, options)
    total = float(weights.sum())
    covered_after = covered_before.copy()
    if len(solved.selected):
        covered_after |= np.asarray(coverage[:, solved.selected].sum(axis=1)).ravel() > 0
    summary = {
        "kind": options.kind,
        "tier": tier.name,
        "distance_m": tier.distance_m,
        "objective": "maximal_coverage" if options.n_new is not None else "set_cover",
        "n_new_requested": options.n_new,
        "target_coverage": options.target_coverage,
        "candidates": len(frame),
        "candidate_source": str(frame["source"].iloc[0]),
        "selected": len(solved.selected),
        "method": solved.method,
        "status": solved.status,
        "gap": float(solved.gap),
        "bound": float(solved.bound),
        "solve_time_s": round(float(solved.time_s), 3),
        "capacity_households": None if capacity is None else float(capacity[0]),
        "before": {
            "households_covered": int(weights[covered_before].sum()),
            "coverage": round(float(weights[covered_before].sum() / total), 4) if total else None,
            "estates_ok": int((estates["verdict"] == "ok").sum()),
        },
        "after": {
            "households_covered": int(weights[covered_after].sum()),
            "coverage": round(float(weights[covered_after].sum() / total), 4) if total else None,
            "estates_ok": int(
                (estates["verdict"] == "ok").sum() + proposals["estates_compliant_new"].sum()
            ),
        },
    }
    return SitingOutcome(proposals, solved, summary)


def _proposals(
    frame: gpd.GeoDataFrame,
    solved: SitingSolution,
    coverage: sp.csr_array,
    estates: pd.DataFrame,
    covered_before: np.ndarray,
    tier_name: str,
    options: SitingOptions,
) -> gpd.GeoDataFrame:
    """One row per selected site, in rank order, with what it newly covers."""
    weights = estates["households"].to_numpy(float)
    only_circle = (estates["verdict"] == "outside_circle").to_numpy()
    covered = covered_before.copy()
    rows = []
    csc = coverage.tocsc()
    for rank, column in enumerate(solved.selected, start=1):
        reached = csc.indices[csc.indptr[column] : csc.indptr[column + 1]]
        new = reached[~covered[reached]]
        covered[new] = True
        rows.append(
            {
                "candidate_id": str(frame["candidate_id"].iloc[column]),
                "rank": rank,
                "kind": options.kind,
                "floor_m2": options.floor_m2,
                "required": bool(frame["required"].iloc[column]),
                "estates_newly_covered": len(new),
                "households_new": int(weights[new].sum()),
                "estates_compliant_new": int(only_circle[new].sum()),
                "cumulative_coverage": round(float(solved.cumulative_coverage[rank - 1]), 4),
            }
        )
    geometry = frame.geometry.iloc[list(solved.selected)].to_numpy() if len(solved.selected) else []
    out = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=list(geometry), crs=frame.crs)
    if len(out):
        lonlat = out.geometry.to_crs(4326)
        out["lon"] = lonlat.x.round(6)
        out["lat"] = lonlat.y.round(6)
    return out
