"""The compliance audit (合规评估).

Floor area per 100 households and service circles, per estate and per street, plus the
admin-unit and facility rules of the ruleset.

:func:`run_audit` computes everything in memory and returns an :class:`AuditResult`;
:mod:`planning.audit_output` writes it. The command line calls both.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from planning import __version__, network
from planning.analysis.admin_rules import RuleCheck
from planning.analysis.coverage import best_per_group, speed_sensitivity
from planning.analysis.floor_area import Allocation, allocate_area
from planning.audit_rules import rule_checks, street_table
from planning.audit_rules import totals as totals_of
from planning.io import Inputs
from planning.rules import Rule, Ruleset

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]

#: Units as people read them in reports.
UNIT_TEXT = {
    "m2_per_100hh": "m²/100 households (每百户)",
    "m2_per_person": "m² per resident (人均)",
}


@dataclass
class AuditOptions:
    """Choices that change the figures (recorded in ``summary.json``).

    Attributes
    ----------
    walk_speed_m_per_s : float or None
        Elderly walking speed for the time-based circle; the ruleset's value when None.
    measure : str or None
        ``"distance"`` (GB 50180 metres) or ``"time"`` (minutes × walking speed); ruleset default
        when None.
    include_planned : bool
        Count planned facilities (规划) in the service circles; floor area always counts them,
        because the per-100-household rule is about the space an estate plans.
    """

    walk_speed_m_per_s: float | None = None
    measure: str | None = None
    include_planned: bool = False


@dataclass
class Tier:
    """A service-circle tier as measured in this audit."""

    name: str
    minutes: float
    distance_m: float
    facility_kinds: tuple[str, ...]
    rule: Rule | None
    target_pct: float | None


@dataclass
class AuditResult:
    """Everything the audit computed; written by :func:`planning.audit_output.write_results`."""

    ruleset: Ruleset
    options: AuditOptions
    tiers: list[Tier]
    estates: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    service_areas: gpd.GeoDataFrame
    network_edges: gpd.GeoDataFrame
    barriers: gpd.GeoDataFrame | None
    sensitivity: pd.DataFrame
    checks: list[RuleCheck]
    totals: dict[str, Any]
    inputs: dict[str, str]
    #: The estates' attachment points (gates, else representative points) and the estate row of
    #: each, kept so siting measures from the same points without snapping again.
    origins: network.Snapped
    origin_groups: np.ndarray
    parameters: dict[str, Any] = field(default_factory=dict)
    proposals: gpd.GeoDataFrame | None = None
    siting: dict[str, Any] | None = None


def _tiers(ruleset: Ruleset, options: AuditOptions) -> list[Tier]:
    """Return the ruleset's tiers with the distance this audit measures (metres or time)."""
    tiers = []
    for tier in ruleset.circle_tiers():
        distance = ruleset.circle_distance_m(
            tier,
            measure=options.measure,  # type: ignore[arg-type]
            walk_speed=options.walk_speed_m_per_s,
        )
        rule = ruleset.rule(tier.rule_id) if tier.rule_id else None
        tiers.append(
            Tier(
                tier.name,
                tier.minutes,
                float(distance),
                tuple(tier.facility_kinds),
                rule,
                tier.target_pct,
            )
        )
    return tiers


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


def estate_origins(
    estates: gpd.GeoDataFrame, gates: gpd.GeoDataFrame | None
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Return the points estates are measured from and each one's estate row.

    Gates (小区出入口) where an estate has them, its representative point otherwise; gates of
    unknown estates are left out.

    Returns
    -------
    origins : GeoDataFrame
        Columns ``gate_id`` (None for representative points) and ``geometry``.
    groups : ndarray of int
        Estate row of every origin.
    """
    position = pd.Series(np.arange(len(estates)), index=estates["estate_id"].astype(str))
    position = position[~position.index.duplicated()]
    has_gate = np.zeros(len(estates), dtype=bool)
    gate_ids: list[Any] = []
    points: list[Any] = []
    gate_rows = np.zeros(0, dtype=np.int64)
    if gates is not None and len(gates):
        linked = gates[gates["estate_id"].astype(str).isin(position.index)]
        gate_rows = position.loc[linked["estate_id"].astype(str)].to_numpy(dtype=np.int64)
        gate_ids = linked["gate_id"].astype(str).tolist()
        points = list(linked.geometry.to_numpy())
        has_gate[gate_rows] = True
    rest = np.flatnonzero(~has_gate)
    points += list(estates.geometry.iloc[rest].representative_point().to_numpy())
    frame = gpd.GeoDataFrame(
        {"gate_id": gate_ids + [None] * len(rest)}, geometry=points, crs=estates.crs
    )
    return frame, np.concatenate([gate_rows, rest]).astype(np.int64)


def _owner_of_facilities(estates: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame) -> np.ndarray:
    """Estate row owning each facility: its ``estate_id`` link, else the polygon it lies in."""
    position = pd.Series(np.arange(len(estates)), index=estates["estate_id"].astype(str))
    linked = facilities["estate_id"].astype("string").map(position)
    owner = linked.fillna(-1).to_numpy(dtype=np.int64)
    polygons = estates.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    unlinked = np.flatnonzero(owner < 0)
    if unlinked.size and polygons.any():
        pts = facilities.geometry.iloc[unlinked].representative_point()
        tree_index = np.flatnonzero(polygons)
        hits = gpd.GeoSeries(estates.geometry.iloc[tree_index].to_numpy()).sindex.query(
            pts.to_numpy(), predicate="within"
        )
        # A point inside overlapping estates goes to the first one, deterministically.
        for point_pos, estate_pos in zip(*hits, strict=True):
            if owner[unlinked[point_pos]] < 0:
                owner[unlinked[point_pos]] = tree_index[estate_pos]
    return owner


def _reach_matrix(
    net: network.WalkNetwork,
    origin_snaps: network.Snapped,
    groups: np.ndarray,
    n_estates: int,
    fac_snaps: network.Snapped,
    cutoff_m: float,
) -> sp.csr_array:
    """Estate × facility matrix of best-gate walking distances within ``cutoff_m`` (+1 m offset).

    Stored values are ``distance + 1`` so a facility at 0 m is still an entry.
    """
    od = network.od_sparse(net, origin_snaps, fac_snaps, cutoff_m)
    frame = pd.DataFrame({"e": groups[od.rows], "f": od.cols, "d": od.dist})
    best = frame.groupby(["e", "f"], sort=True)["d"].min().reset_index()
    return sp.csr_array(
        (best["d"].to_numpy() + 1.0, (best["e"].to_numpy(), best["f"].to_numpy())),
        shape=(n_estates, len(fac_snaps.ok)),
    )


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
) -> AuditResult:
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

    Returns
    -------
    AuditResult
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
    tiers = _tiers(ruleset, options)
    n_estates = len(estates)

    say(f"Snapping {n_estates} estates and {len(facilities)} facilities to the walking network")
    origin_points, groups = estate_origins(inputs.estates, inputs.gates)
    origin_snaps = network.snap(net, origin_points.geometry)
    fac_snaps = network.snap(net, facilities.geometry)
    reachable = np.zeros(n_estates, dtype=bool)
    np.logical_or.at(reachable, groups, origin_snaps.ok)
    if (~reachable).any():
        ids = estates.loc[~reachable, "estate_id"].astype(str).tolist()
        logger.warning(
            "%d estates are farther than max_snap_m from the walking network and count as not "
            "covered: %s",
            len(ids),
            ", ".join(ids[:10]) + (" …" if len(ids) > 10 else ""),
        )
    if len(facilities) and (~fac_snaps.ok).any():
        ids = facilities.loc[~fac_snaps.ok, "facility_id"].astype(str).tolist()
        logger.warning(
            "%d facilities are off the walking network and reach nobody: %s",
            len(ids),
            ", ".join(ids[:10]),
        )

    active = (
        facilities["status"].eq("existing").to_numpy() if len(facilities) else np.zeros(0, bool)
    )
    if options.include_planned:
        active = np.ones(len(facilities), dtype=bool)

    say("Measuring service circles " + ", ".join(f"{t.name} ({t.distance_m:.0f} m)" for t in tiers))
    for tier in tiers:
        mask = facilities["kind"].isin(tier.facility_kinds).to_numpy() & active & fac_snaps.ok
        dist, target = network.nearest(
            net, origin_snaps, fac_snaps, tier.distance_m, target_mask=mask
        )
        best, best_target = best_per_group(dist, target, groups, n_estates)
        ids = (
            np.where(
                best_target >= 0,
                facilities["facility_id"].astype(str).to_numpy()[np.maximum(best_target, 0)],
                None,
            )
            if len(facilities)
            else np.full(n_estates, None)
        )
        estates[f"nearest_{tier.name}_id"] = ids
        estates[f"walk_{tier.name}_m"] = np.where(np.isfinite(best), np.round(best, 1), np.nan)
        estates[f"covered_{tier.name}"] = np.isfinite(best) & (best <= tier.distance_m)

    largest = max(tiers, key=lambda t: t.distance_m)
    speeds = list(params.walk_speed_sensitivity)
    sens_cutoff = max([largest.distance_m] + [largest.minutes * 60.0 * s for s in speeds])
    mask = facilities["kind"].isin(largest.facility_kinds).to_numpy() & active & fac_snaps.ok
    dist, target = network.nearest(net, origin_snaps, fac_snaps, sens_cutoff, target_mask=mask)
    sens_best, _ = best_per_group(dist, target, groups, n_estates)
    sensitivity = speed_sensitivity(
        sens_best, estates["households"].to_numpy(float), largest.minutes, speeds
    )
    estates["nearest_facility_id"] = estates[f"nearest_{largest.name}_id"]
    name_of = dict(
        zip(facilities["facility_id"].astype(str), facilities["name"].astype(str), strict=False)
    )
    estates["nearest_facility_name"] = estates["nearest_facility_id"].map(name_of)
    estates["walk_m"] = estates[f"walk_{largest.name}_m"]
    estates["reachable"] = reachable

    say("Checking floor area per 100 households (每百户配建面积)")
    provision = _Provision.build(estates, facilities, ruleset, net, origin_snaps, groups, fac_snaps)
    _floor_area(estates, ruleset, provision)
    _land(estates, ruleset, provision)

    area_fail = ~estates["area_ok"].fillna(True).astype(bool) | ~estates["land_ok"].fillna(
        True
    ).astype(bool)
    outside = ~estates[f"covered_{largest.name}"].astype(bool)
    estates["verdict"] = np.select(
        [area_fail & outside, area_fail, outside],
        ["both", "area_shortfall", "outside_circle"],
        "ok",
    )

    say("Summarising by street (街道)")
    streets, est_street, fac_street = _assign_streets(estates, facilities, inputs.streets)
    estates["street_id"] = est_street.to_numpy()
    facilities["street_id"] = fac_street.to_numpy() if len(facilities) else []
    # Admin-unit and bed rules count what exists today (planned ones with --include-planned).
    counted = facilities[active] if len(facilities) else facilities
    streets = street_table(streets, estates, counted, tiers)
    checks = rule_checks(ruleset, tiers, estates, counted, streets)

    say("Tracing service areas")
    service = _service_areas(net, facilities, fac_snaps, active, tiers)

    totals = totals_of(estates, tiers, sensitivity)
    return AuditResult(
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
        parameters={
            "version": __version__,
            "measure": options.measure or params.circle_measure,
            "walk_speed_m_per_s": options.walk_speed_m_per_s or params.walk_speed_m_per_s,
            "include_planned": options.include_planned,
            "tiers_m": {t.name: t.distance_m for t in tiers},
            "crs": str(estates.crs),
        },
    )


def _rate_and_rule(
    estates: pd.DataFrame, rule_for: Callable[[str], Rule | None]
) -> tuple[np.ndarray, np.ndarray, list[Rule]]:
    """Per-estate threshold and rule id for a status-dependent rule (new/existing)."""
    rate = np.full(len(estates), np.nan)
    rule_id = np.full(len(estates), None, dtype=object)
    used: list[Rule] = []
    for status in ("new", "existing"):
        rule = rule_for(status)
        if rule is None or rule.minimum is None:
            continue
        rows = estates["status"].eq(status).to_numpy()
        rate[rows] = rule.minimum
        rule_id[rows] = rule.id
        used.append(rule)
    return rate, rule_id, used


@dataclass
class _Provision:
    """What the floor-area and land checks share: who owns which facility, and who reaches it."""

    estates: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    owner: np.ndarray
    may_share: np.ndarray
    reach: sp.csr_array | None

    @classmethod
    def build(
        cls,
        estates: gpd.GeoDataFrame,
        facilities: gpd.GeoDataFrame,
        ruleset: Ruleset,
        net: network.WalkNetwork,
        origin_snaps: network.Snapped,
        groups: np.ndarray,
        fac_snaps: network.Snapped,
    ) -> _Provision:
        owner = (
            _owner_of_facilities(estates, facilities) if len(facilities) else np.zeros(0, np.int64)
        )
        # Existing estates may count shared facilities (调剂/统筹) within the sharing distance.
        policy = ruleset.sharing_policy("existing")
        may_share = estates["status"].eq("existing").to_numpy() & bool(policy.allowed)
        reach = None
        if may_share.any() and len(facilities):
            reach = _reach_matrix(
                net, origin_snaps, groups, len(estates), fac_snaps, float(policy.distance_m)
            )
        return cls(estates, facilities, owner, may_share, reach)

    def allocate(self, required: np.ndarray, amount_column: str, rules: list[Rule]) -> Allocation:
        """Allocate the ``amount_column`` of the facility kinds the rules count."""
        kinds = sorted({k for r in rules for k in r.facility_kinds})
        amount = np.zeros(len(self.facilities))
        if len(self.facilities):
            counts = self.facilities["kind"].isin(kinds).to_numpy()
            amount = np.where(counts, self.facilities[amount_column].to_numpy(float), 0.0)
        households = self.estates["households"].to_numpy(float)
        return allocate_area(required, amount, self.owner, households, self.may_share, self.reach)


def _floor_area(estates: gpd.GeoDataFrame, ruleset: Ruleset, provision: _Provision) -> None:
    rate, rule_id, rules = _rate_and_rule(estates, ruleset.floor_area_rule)
    estates["area_rule_id"] = rule_id
    estates["rate_m2_per_100hh"] = rate
    alloc = provision.allocate(
        estates["households"].to_numpy(float) * rate / 100.0, "floor_m2", rules
    )
    has_rule = np.isfinite(rate)
    for column, values in (
        ("required_m2", alloc.required),
        ("onsite_m2", alloc.onsite),
        ("shared_m2", alloc.shared),
        ("provided_m2", alloc.provided),
        ("shortfall_m2", alloc.shortfall),
    ):
        estates[column] = np.where(has_rule, np.round(values, 2), np.nan)
    estates["area_ok"] = pd.Series(alloc.ok, index=estates.index, dtype="boolean").mask(~has_rule)


def _land(estates: gpd.GeoDataFrame, ruleset: Ruleset, provision: _Provision) -> None:
    rate, rule_id, rules = _rate_and_rule(estates, ruleset.land_rule)
    estates["land_rule_id"] = rule_id
    # Residents: the estate's population, else households × persons per household (cited).
    residents = estates["population"].to_numpy(float)
    pph = float(ruleset.parameters.persons_per_household)
    residents = np.where(
        np.isfinite(residents), residents, estates["households"].to_numpy(float) * pph
    )
    alloc = provision.allocate(residents * rate, "land_m2", rules)
    has_rule = np.isfinite(rate)
    estates["land_required_m2"] = np.where(has_rule, np.round(alloc.required, 2), np.nan)
    estates["land_provided_m2"] = np.where(has_rule, np.round(alloc.provided, 2), np.nan)
    estates["land_ok"] = pd.Series(alloc.ok, index=estates.index, dtype="boolean").mask(~has_rule)


def _service_areas(
    net: network.WalkNetwork,
    facilities: gpd.GeoDataFrame,
    fac_snaps: network.Snapped,
    active: np.ndarray,
    tiers: list[Tier],
) -> gpd.GeoDataFrame:
    frames = []
    for tier in tiers:
        mask = (
            facilities["kind"].isin(tier.facility_kinds).to_numpy() & active & fac_snaps.ok
            if len(facilities)
            else np.zeros(0, bool)
        )
        if not mask.any():
            continue
        subset = fac_snaps.subset(mask)
        areas = network.service_areas(
            net,
            subset,
            [tier.distance_m],
            target_ids=facilities.loc[mask, "facility_id"].astype(str).tolist(),
        )
        frames.append(
            gpd.GeoDataFrame(
                {
                    "tier": tier.name,
                    "facility_id": np.where(
                        areas["kind"].eq("merged"), "", areas["target_id"].astype(str)
                    ),
                    "merged": areas["kind"].eq("merged").to_numpy(),
                    "distance_m": areas["cutoff_m"].to_numpy(float),
                },
                geometry=areas.geometry.to_numpy(),
                crs=net.crs,
            )
        )
    if not frames:
        return gpd.GeoDataFrame(
            {"tier": [], "facility_id": [], "merged": []}, geometry=[], crs=net.crs
        )
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=net.crs)
