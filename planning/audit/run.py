"""The compliance audit (合规评估).

Floor area per 100 households and service circles, per estate and per street, plus the
admin-unit and facility rules of the ruleset.

:func:`run_audit` computes everything in memory and returns an :class:`~planning.audit.Audit`;
:mod:`planning.audit.output` writes it. The command line calls both.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planning import __version__, network, settings
from planning._errors import NetworkError, param
from planning.analysis.coverage import speed_sensitivity
from planning.analysis.origins import estate_origins
from planning.audit.horizon import Horizon, elderly_in, horizon_totals, occupied, open_facilities
from planning.audit.provision import Provision, floor_area, land
from planning.audit.reach import Reach, measure, profile_totals, unreachable_counts
from planning.audit.result import Audit, AuditOptions
from planning.audit.rules import rule_checks, street_table
from planning.audit.rules import totals as totals_of
from planning.audit.tiers import MeasuredTier, measured_tiers
from planning.io import Inputs
from planning.io.parallel import Job, run_jobs
from planning.rules import Ruleset

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]


def _no_facilities(crs: Any) -> gpd.GeoDataFrame:
    """Return an empty facilities layer with the canonical columns (estates audited alone)."""
    columns: dict[str, Any] = {
        "facility_id": pd.Series(dtype=str),
        "name": pd.Series(dtype=str),
        "kind": pd.Series(dtype=str),
        "floor_m2": pd.Series(dtype=float),
        "land_m2": pd.Series(dtype=float),
        "beds": pd.Series(dtype=float),
        "nursing_beds": pd.Series(dtype=float),
        "estate_id": pd.Series(dtype=object),
        "status": pd.Series(dtype=str),
        "street": pd.Series(dtype=object),
        "county": pd.Series(dtype=object),
    }
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs=crs))


def _assign_streets(
    estates: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, given: gpd.GeoDataFrame | None
) -> tuple[gpd.GeoDataFrame, pd.Series, pd.Series]:
    """Return the streets layer (given, or built from estate attributes) and each row's street."""
    if given is not None and len(given):
        streets = given.copy()
        est_pts = gpd.GeoDataFrame(
            geometry=estates.geometry.representative_point(), crs=estates.crs
        )
        joined = gpd.sjoin(
            est_pts, streets[["street_id", "geometry"]], how="left", predicate="within"
        )
        est_street = joined[~joined.index.duplicated()]["street_id"]
        by_name = pd.Series(streets["street_id"].to_numpy(), index=streets["name"].astype(str))
        by_name = by_name[~by_name.index.duplicated()]
        named = estates["street"].astype("string").map(by_name)
        est_street = est_street.fillna(named)
        fac_street = pd.Series([None] * len(facilities), index=facilities.index, dtype=object)
        if len(facilities):
            fac_pts = gpd.GeoDataFrame(
                geometry=facilities.geometry.representative_point(), crs=facilities.crs
            )
            fj = gpd.sjoin(
                fac_pts, streets[["street_id", "geometry"]], how="left", predicate="within"
            )
            fac_street = fj[~fj.index.duplicated()]["street_id"]
        return streets, est_street, fac_street
    names = estates["street"].astype("string").fillna("未注明街道")
    streets = gpd.GeoDataFrame(
        {"street_id": sorted(names.unique()), "name": sorted(names.unique()), "county": None},
        geometry=gpd.GeoSeries([None] * names.nunique(), crs=estates.crs),
    )
    if "street" in facilities:
        fac_street = facilities["street"].astype("string")
    else:
        fac_street = pd.Series([None] * len(facilities), index=facilities.index, dtype=object)
    return streets, names, fac_street


def run_audit(
    inputs: Inputs,
    ruleset: Ruleset,
    net: network.WalkNetwork,
    *,
    options: AuditOptions | None = None,
    barriers: gpd.GeoDataFrame | None = None,
    progress: Progress | None = None,
    other_profiles: Mapping[str, network.WalkNetwork] | None = None,
    horizon: Horizon | None = None,
) -> Audit:
    """Audit estates and facilities against a ruleset on a walking network.

    Parameters
    ----------
    inputs : Inputs
        Validated layers in one metric CRS (:func:`planning.io.load_inputs`).
    ruleset : Ruleset
        The jurisdiction's rules (:func:`planning.rules.load_ruleset`).
    net : WalkNetwork
        The walking network in the same CRS.
    options : AuditOptions, optional
        Walking speed, measure and whether planned facilities count in the circles.
    barriers : GeoDataFrame, optional
        Rivers etc., only carried through to the map.
    progress : callable, optional
        Called with a short message at each step.
    other_profiles : mapping, optional
        Networks of other walkability profiles (``{"step_free": net}``) whose circle coverage
        is reported beside this one's (``totals["by_profile"]``).
    horizon : Horizon, optional
        A horizon year (规划期): coverage of the estates occupied and the facilities open then,
        with the elderly projected to it, beside today's (``totals["horizon"]``).

    Returns
    -------
    Audit
    """
    options = options or AuditOptions()
    say = progress or (lambda message: None)
    params = ruleset.parameters
    estates = inputs.estates.reset_index(drop=True).copy()
    facilities = (
        inputs.facilities.reset_index(drop=True).copy()
        if inputs.facilities is not None
        else _no_facilities(estates.crs)
    )
    if net.crs is not None and estates.crs is not None and not net.crs.equals(estates.crs):
        raise NetworkError(
            f"The walking network is in {net.crs.name} but the inputs are in {estates.crs.name}; "
            f"build it in the inputs' CRS ({param('crs')} of the network loader, e.g. "
            "crs=inputs.crs)."
        )
    tiers = measured_tiers(ruleset, options.measure, options.walk_speed_m_per_s)
    n_estates = len(estates)

    say(f"Snapping {n_estates} estates and {len(facilities)} facilities to the walking network")
    origin_points, groups = estate_origins(inputs.estates, inputs.gates)
    origin_snaps = network.snap(net, origin_points.geometry, options.max_snap_m)
    fac_snaps = network.snap(net, facilities.geometry, options.max_snap_m)
    if len(facilities) and (~fac_snaps.ok).any():
        ids = facilities.loc[~fac_snaps.ok, "facility_id"].astype(str).tolist()
        logger.warning(
            "%d facilities are off the walking network and reach nobody: %s",
            len(ids),
            _listed(ids),
        )

    active = (
        facilities["status"].eq("existing").to_numpy() if len(facilities) else np.zeros(0, bool)
    )
    if options.include_planned:
        active = np.ones(len(facilities), dtype=bool)

    say("Measuring service circles " + ", ".join(f"{t.name} ({t.distance_m:.0f} m)" for t in tiers))
    largest = max(tiers, key=lambda t: t.distance_m)
    speeds = list(params.walk_speed_sensitivity)
    sens_cutoff = max([largest.distance_m] + [largest.minutes * 60.0 * s for s in speeds])
    radius = float(options.search_radius_m or settings.search_radius_m)
    reach = _measure(net, origin_snaps, groups, n_estates, facilities, fac_snaps, active, tiers,
                     radius, sens_cutoff)  # fmt: skip
    facility_ids = facilities["facility_id"].astype(str).to_numpy()
    for tier in tiers:
        best, best_target = reach.tiers[tier.name]
        estates[f"nearest_{tier.name}_id"] = _ids(facility_ids, best_target)
        estates[f"walk_{tier.name}_m"] = np.where(np.isfinite(best), np.round(best, 1), np.nan)
        estates[f"covered_{tier.name}"] = np.isfinite(best) & (best <= tier.distance_m)

    sensitivity = speed_sensitivity(
        reach.sensitivity_m, estates["households"].to_numpy(float), largest.minutes, speeds
    )
    estates["nearest_facility_id"] = estates[f"nearest_{largest.name}_id"]
    name_of = dict(zip(facility_ids, facilities["name"].astype(str), strict=False))
    estates["nearest_facility_name"] = estates["nearest_facility_id"].map(name_of)
    estates["walk_m"] = estates[f"walk_{largest.name}_m"]
    # the nearest facility at any distance up to the search radius (不限距离最近设施)
    estates["nearest_any_id"] = _ids(facility_ids, reach.any_target)
    estates["nearest_any_name"] = estates["nearest_any_id"].map(name_of)
    estates["walk_any_m"] = np.where(np.isfinite(reach.any_m), np.round(reach.any_m, 1), np.nan)
    estates["reachable"] = reach.reachable
    estates["unreachable_reason"] = reach.reason
    _warn_unreachable(estates, radius)

    say("Checking floor area per 100 households (每百户配建面积)")
    provision = Provision.build(estates, facilities, ruleset, net, origin_snaps, groups, fac_snaps)
    floor_area(estates, ruleset, provision)
    land(estates, ruleset, provision)

    estates["verdict"] = estate_verdicts(estates, largest)

    say("Summarising by street (街道)")
    streets, est_street, fac_street = _assign_streets(estates, facilities, inputs.streets)
    estates["street_id"] = est_street.to_numpy()
    facilities["street_id"] = fac_street.to_numpy() if len(facilities) else []
    # Admin-unit and bed rules count what exists today (planned ones with --include-planned).
    counted = facilities[active] if len(facilities) else facilities
    streets = street_table(streets, estates, counted, tiers)
    checks = rule_checks(
        ruleset, tiers, estates, counted, streets, zones=inputs.zones, villages=inputs.villages
    )

    say("Tracing service areas")
    service = _service_areas(net, facilities, fac_snaps, active, tiers, options.service_areas)

    totals = totals_of(estates, tiers, sensitivity)
    households = estates["households"].to_numpy(float)
    here = profile_totals(reach, tiers, households)
    totals["estates_unreachable_by_reason"] = unreachable_counts(reach.reason)
    totals["uncovered_by_distance"] = here["uncovered_by_distance"]
    if horizon is not None:
        say(f"Counting the horizon year {horizon.year} (规划期)")
        open_then = open_facilities(facilities, horizon)
        h_reach = _measure(net, origin_snaps, groups, n_estates, facilities, fac_snaps,
                           open_then, tiers, radius)  # fmt: skip
        totals["horizon"] = horizon_totals(
            horizon,
            tiers,
            {t.name: h_reach.tiers[t.name][0] <= t.distance_m for t in tiers},
            occupied(estates, horizon.year),
            households,
            elderly_in(estates, streets, horizon, float(params.persons_per_household)),
            int(sum(_measure_masks(facilities, open_then & fac_snaps.ok, tiers))),
        )
    if other_profiles:
        by_profile = {net.profile: here}
        for name, other in other_profiles.items():
            say(f"Measuring the circles on the {name} network")
            o_snaps = network.snap(other, origin_points.geometry, options.max_snap_m)
            f_snaps = network.snap(other, facilities.geometry, options.max_snap_m)
            o_reach = _measure(other, o_snaps, groups, n_estates, facilities, f_snaps, active,
                               tiers, radius)  # fmt: skip
            by_profile[name] = profile_totals(o_reach, tiers, households)
        totals["by_profile"] = by_profile
    return Audit(
        ruleset=ruleset,
        options=options,
        tiers=tiers,
        estates=estates,
        facilities=facilities,
        streets=streets,
        service_areas=service,
        network_edges=net.edges_gdf()[["length_m", "bridge", "geometry"]],
        barriers=barriers,
        sensitivity=sensitivity,
        checks=checks,
        totals=totals,
        inputs=dict(inputs.source_files),
        origins=origin_snaps,
        origin_groups=groups,
        network=net,
        parameters={
            "version": __version__,
            "measure": options.measure or params.circle_measure,
            "walk_speed_m_per_s": options.walk_speed_m_per_s or params.walk_speed_m_per_s,
            "include_planned": options.include_planned,
            "max_snap_m": options.max_snap_m,
            "search_radius_m": reach.radius_m,
            "profile": net.profile,
            "profiles": [net.profile, *(other_profiles or {})],
            "tiers_m": {t.name: t.distance_m for t in tiers},
            "crs": str(estates.crs),
            "horizon_year": None if horizon is None else horizon.year,
            "service_areas": options.service_areas,
        },
    )


def estate_verdicts(estates: pd.DataFrame, largest: MeasuredTier) -> np.ndarray:
    """Each estate's verdict from its floor-area, land and largest-circle columns.

    Only rules that judge make an estate fail; report-only figures stay in the tables.
    """
    area_fail = (estates["area_ok"].eq(False).fillna(False).to_numpy() & estates["area_judged"]) | (
        estates["land_ok"].eq(False).fillna(False).to_numpy() & estates["land_judged"]
    )
    outside = ~estates[f"covered_{largest.name}"].astype(bool)
    return np.select(
        [area_fail & outside, area_fail, outside],
        ["both", "area_shortfall", "outside_circle"],
        "ok",
    )


def _measure(
    net: network.WalkNetwork,
    origins: network.Snapped,
    groups: np.ndarray,
    n_estates: int,
    facilities: gpd.GeoDataFrame,
    fac_snaps: network.Snapped,
    active: np.ndarray,
    tiers: list[MeasuredTier],
    radius: float,
    sensitivity_cutoff: float = 0.0,
) -> Reach:
    """Measure the circles and the nearest facility at any distance on one network."""
    kinds = facilities["kind"]
    masks = {t.name: kinds.isin(t.facility_kinds).to_numpy() & active & fac_snaps.ok for t in tiers}
    return measure(net, origins, groups, n_estates, fac_snaps, masks, tiers, radius,
                   sensitivity_cutoff)  # fmt: skip


def _measure_masks(
    facilities: gpd.GeoDataFrame, counted: np.ndarray, tiers: list[MeasuredTier]
) -> np.ndarray:
    """Facilities counted by any tier (kind and ``counted``), one flag per facility."""
    kinds = {k for t in tiers for k in t.facility_kinds}
    if not len(facilities):
        return np.zeros(0, dtype=bool)
    return facilities["kind"].isin(kinds).to_numpy() & counted


def _ids(facility_ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Facility ids of the given rows (None where -1)."""
    if not len(facility_ids):
        return np.full(len(rows), None, dtype=object)
    out = np.full(len(rows), None, dtype=object)
    found = rows >= 0
    out[found] = facility_ids[rows[found]]
    return out


def _listed(ids: list[str]) -> str:
    """Return the first ten ids for a log line, with an ellipsis when there are more."""
    return ", ".join(ids[:10]) + (" …" if len(ids) > 10 else "")


def _warn_unreachable(estates: gpd.GeoDataFrame, radius: float) -> None:
    """Log the estates off the network, by reason (the table carries the reason per estate).

    Estates on the network that reach no facility within the search radius are named too: their
    blank ``walk_any_m`` means "farther, or on a part of the network no facility is on".
    """
    for code, why in (
        ("too_far", "farther than max_snap_m from every street"),
        ("only_fragment", "near only a stray fragment of the network (路网碎片)"),
    ):
        ids = estates.loc[estates["unreachable_reason"].eq(code), "estate_id"].astype(str).tolist()
        if ids:
            logger.warning(
                "%d estates are %s and count as not covered: %s",
                len(ids),
                why,
                _listed(ids),
            )
    alone = estates["reachable"].astype(bool) & estates["walk_any_m"].isna()
    if alone.any():
        ids = estates.loc[alone, "estate_id"].astype(str).tolist()
        logger.warning(
            "%d estates on the network reach no facility within %.0f m (the search radius, "
            "search_radius_m / --search-radius-m): it is farther, or on a part of the network "
            "without one: %s",
            len(ids),
            radius,
            _listed(ids),
        )


#: Networks with at least this many edges trace the tiers' service areas side by side in worker
#: processes (smaller ones finish before the workers would start).
PARALLEL_TIERS_MIN_EDGES = 50_000


def _service_areas(
    net: network.WalkNetwork,
    facilities: gpd.GeoDataFrame,
    fac_snaps: network.Snapped,
    active: np.ndarray,
    tiers: list[MeasuredTier],
    mode: str = "merged",
) -> gpd.GeoDataFrame:
    """Service-area polygons per tier: merged (one multi-source run), per facility, or none.

    Columns ``tier``, ``facility_id`` ("" for a merged polygon), ``merged``, ``distance_m``.
    """
    kinds = facilities["kind"] if len(facilities) else pd.Series([], dtype=object)
    masks = {
        t.name: kinds.isin(t.facility_kinds).to_numpy() & active & fac_snaps.ok
        for t in tiers
        if mode != "none" and len(facilities)
    }
    todo = [t for t in tiers if t.name in masks and masks[t.name].any()]
    # Merged tiers are independent city-wide jobs: one worker each. Per-facility polygons are
    # spread over the workers inside each tier instead.
    side_by_side = mode == "merged" and net.n_edges >= PARALLEL_TIERS_MIN_EDGES and len(todo) > 1

    def trace(tier: MeasuredTier) -> dict[str, Any]:
        mask = masks[tier.name]
        areas = network.service_areas(
            net,
            fac_snaps.subset(mask),
            [tier.distance_m],
            target_ids=facilities.loc[mask, "facility_id"].astype(str).tolist(),
            per_target=mode == "per-facility",
            workers=1 if side_by_side else None,
        )
        merged = areas["kind"].eq("merged").to_numpy()
        frame = gpd.GeoDataFrame(
            {
                "tier": tier.name,
                "facility_id": np.where(merged, "", areas["target_id"].astype(str)),
                "merged": merged,
                "distance_m": areas["cutoff_m"].to_numpy(float),
            },
            geometry=areas.geometry.to_numpy(),
            crs=net.crs,
        )
        return {tier.name: frame}

    jobs = [Job(t.name, partial(trace, t), cost=t.distance_m) for t in todo]
    traced = run_jobs(jobs, workers=None if side_by_side else 1)
    frames = [traced[t.name] for t in todo]
    if not frames:
        return gpd.GeoDataFrame(
            {"tier": [], "facility_id": [], "merged": []}, geometry=[], crs=net.crs
        )
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=net.crs)
