"""Floor area and land per estate (每百户配建面积, 人均用地): who owns and who shares what.

Each estate needs ``households × rate / 100`` m² of community elderly-care floor area (and land
per resident where a ruleset says so). Facilities inside an estate, or linked to it by
``estate_id``, count for that estate; existing estates may also count shared facilities
(调剂/统筹) within the ruleset's sharing distance on the walking network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from planning import network
from planning.analysis.floor_area import Allocation, allocate_area
from planning.rules import Rule, Ruleset


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
class Provision:
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
    ) -> Provision:
        """Find each facility's owner estate and, where sharing is allowed, who reaches it."""
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

    @classmethod
    def from_reach(
        cls,
        estates: gpd.GeoDataFrame,
        facilities: gpd.GeoDataFrame,
        ruleset: Ruleset,
        reach: sp.csr_array | None,
    ) -> Provision:
        """Like :meth:`build`, with the estate × facility reach measured elsewhere.

        A batch (``planning.batch``) measures reach per unit on clipped networks and allocates
        once over the gathered matrix, so surplus shared across unit borders counts once.
        ``reach`` holds ``distance + 1`` within the sharing distance, as :meth:`build` stores it.
        """
        owner = (
            _owner_of_facilities(estates, facilities) if len(facilities) else np.zeros(0, np.int64)
        )
        policy = ruleset.sharing_policy("existing")
        may_share = estates["status"].eq("existing").to_numpy() & bool(policy.allowed)
        if not (may_share.any() and len(facilities)):
            reach = None
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


def floor_area(estates: gpd.GeoDataFrame, ruleset: Ruleset, provision: Provision) -> None:
    """Add the floor-area columns in place.

    ``area_ok`` says whether the estate meets the figure; ``area_judged`` whether its rule gives a
    verdict (a report-only rule shows the figure, never 不达标).
    """
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
    estates["area_judged"] = _judged(rule_id, rules)


def land(estates: gpd.GeoDataFrame, ruleset: Ruleset, provision: Provision) -> None:
    """Add the land-per-resident columns (required, provided, ``land_ok``) in place."""
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
    estates["land_judged"] = _judged(rule_id, rules)


def _judged(rule_id: np.ndarray, rules: list[Rule]) -> np.ndarray:
    """Whether each estate's rule gives a verdict (达标/不达标) rather than only its figure."""
    judging = {rule.id for rule in rules if rule.judges}
    return np.array([rid in judging for rid in rule_id], dtype=bool)
