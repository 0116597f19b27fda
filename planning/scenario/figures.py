"""The per-estate figures of a live scenario, recomputed from estate × facility walking distances.

:class:`~planning.scenario.live.LiveAudit` keeps, for every estate and every facility within the
longest distance the audit looks (the search radius, the speed-sensitivity reach, the sharing
distance), the best-gate walking distance. From those pairs this module recomputes exactly what
:func:`planning.audit.run_audit` computes — nearest facility per circle, nearest at any distance,
floor area and land with sharing, verdicts, street table and totals — for the estates a change
touches, reusing the audit's own functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from planning.analysis.coverage import best_per_group, speed_sensitivity
from planning.audit.provision import Provision, floor_area, land
from planning.audit.reach import gap_distribution, unreachable_counts
from planning.audit.rules import street_table
from planning.audit.rules import totals as totals_of
from planning.audit.run import estate_verdicts
from planning.audit.tiers import MeasuredTier
from planning.rules import Ruleset

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Reaches:
    """What the audit measures, as distances: which facilities count where, and how far."""

    tiers: list[MeasuredTier]
    radius_m: float
    sensitivity_m: float
    sharing_m: float
    speeds: tuple[float, ...]

    @property
    def largest(self) -> MeasuredTier:
        """The largest circle (the 15-minute one)."""
        return max(self.tiers, key=lambda t: t.distance_m)

    @property
    def cutoff_m(self) -> float:
        """Longest walk any figure needs."""
        return max(self.radius_m, self.sensitivity_m, self.sharing_m, self.largest.distance_m)


def nearest_columns(
    estates: pd.DataFrame,
    rows: BoolArray,
    pairs: tuple[IntArray, IntArray, FloatArray],
    facilities: pd.DataFrame,
    counted: BoolArray,
    reaches: Reaches,
    sensitivity: FloatArray,
    any_m: FloatArray,
) -> None:
    """Rewrite the nearest-facility columns of the estates in ``rows`` (in place).

    Parameters
    ----------
    estates : DataFrame
        The audited estates (all of them).
    rows : array of bool
        The estates to recompute.
    pairs : tuple of arrays
        Estate row, facility slot and walking distance of every pair within reach.
    facilities : DataFrame
        Every facility slot (``facility_id``, ``name``, ``kind``).
    counted : array of bool
        Per slot: counts in the circles (open, existing or counted as planned).
    reaches : Reaches
        The circles and distances.
    sensitivity : array of float
        Per estate: distance to the nearest facility of the largest circle up to the
        sensitivity reach (updated in place for ``rows``).
    any_m : array of float
        Per estate: the same within the search radius, inf beyond (updated in place).
    """
    e, f, d = pairs
    keep = rows[e] & counted[f]
    e, f, d = e[keep], f[keep], d[keep]
    n = len(estates)
    index = np.flatnonzero(rows)
    ids = facilities["facility_id"].astype(str).to_numpy()
    names = facilities["name"].astype(str).to_numpy()
    kinds = facilities["kind"].astype(str).to_numpy()

    def best(kind_set: tuple[str, ...], limit: float) -> tuple[FloatArray, IntArray]:
        m = np.isin(kinds[f], kind_set) & (d <= limit)
        return best_per_group(d[m], f[m], e[m], n)

    for tier in reaches.tiers:
        dist, target = best(tier.facility_kinds, tier.distance_m)
        _put(estates, f"nearest_{tier.name}_id", index, _ids(ids, target[index]))
        _put(estates, f"walk_{tier.name}_m", index, _rounded(dist[index]))
        _put(estates, f"covered_{tier.name}", index, np.isfinite(dist[index]))
    largest = reaches.largest
    name = largest.name
    _put(estates, "nearest_facility_id", index, estates[f"nearest_{name}_id"].to_numpy()[index])
    _put(estates, "nearest_facility_name", index, _ids(names, _target_of(ids, estates, index)))
    _put(estates, "walk_m", index, estates[f"walk_{name}_m"].to_numpy()[index])
    radius = max(reaches.radius_m, largest.distance_m)
    dist, target = best(largest.facility_kinds, max(radius, reaches.sensitivity_m))
    sensitivity[index] = dist[index]
    within = dist[index] <= radius
    target = np.where(within, target[index], -1)
    any_m[index] = np.where(within, dist[index], np.inf)
    _put(estates, "nearest_any_id", index, _ids(ids, target))
    _put(estates, "nearest_any_name", index, _ids(names, target))
    _put(estates, "walk_any_m", index, _rounded(np.where(within, dist[index], np.inf)))


def _target_of(ids: np.ndarray, estates: pd.DataFrame, index: IntArray) -> IntArray:
    """Slot of each estate's nearest facility of the largest circle (-1 for none)."""
    position = {value: i for i, value in enumerate(ids)}
    nearest = estates["nearest_facility_id"].to_numpy()[index]
    return np.array([position.get(v, -1) if v is not None else -1 for v in nearest], np.int64)


def _put(estates: pd.DataFrame, column: str, index: IntArray, values: Any) -> None:
    data = estates[column].to_numpy(copy=True)
    if data.dtype != object and np.asarray(values).dtype == object:
        data = data.astype(object)
    data[index] = values
    estates[column] = data


def _ids(values: np.ndarray, rows: IntArray) -> np.ndarray:
    out = np.full(len(rows), None, dtype=object)
    found = rows >= 0
    out[found] = values[rows[found]]
    return out


def _rounded(dist: FloatArray) -> FloatArray:
    return np.where(np.isfinite(dist), np.round(dist, 1), np.nan)


def floor_area_columns(
    estates: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    pairs: tuple[IntArray, IntArray, FloatArray],
    slots: IntArray,
    ruleset: Ruleset,
    reaches: Reaches,
) -> None:
    """Rewrite the floor-area and land columns and the verdicts (in place).

    The allocation (own estate first, then surplus shared by households) is one vectorised pass
    over the estate × facility pairs within the sharing distance, so it is exactly the audit's.

    Parameters
    ----------
    estates : GeoDataFrame
        The audited estates.
    facilities : GeoDataFrame
        The facilities open in the scenario (rows in ``slots`` order).
    pairs : tuple of arrays
        Estate row, facility slot and distance of every pair within reach.
    slots : array of int
        Slot of each row of ``facilities``.
    ruleset : Ruleset
        The rules.
    reaches : Reaches
        The sharing distance.
    """
    e, f, d = pairs
    column = np.full(int(max(f.max(initial=-1), slots.max(initial=-1))) + 1, -1, np.int64)
    column[slots] = np.arange(len(slots))
    keep = (d <= reaches.sharing_m) & (column[f] >= 0)
    reach = sp.csr_array(
        (d[keep] + 1.0, (e[keep], column[f[keep]])), shape=(len(estates), len(slots))
    )
    provision = Provision.from_reach(estates, facilities, ruleset, reach)
    floor_area(estates, ruleset, provision)
    land(estates, ruleset, provision)
    estates["verdict"] = estate_verdicts(estates, reaches.largest)


def figures(
    estates: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
    counted: pd.DataFrame,
    reaches: Reaches,
    sensitivity: FloatArray,
    any_m: FloatArray,
) -> tuple[dict[str, Any], gpd.GeoDataFrame]:
    """Return the headline totals (as in ``summary.json``) and the street table."""
    table = street_table(streets, estates, counted, reaches.tiers)
    largest = reaches.largest
    households = estates["households"].to_numpy(float)
    sens = speed_sensitivity(sensitivity, households, largest.minutes, list(reaches.speeds))
    totals = totals_of(estates, reaches.tiers, sens)
    totals["estates_unreachable_by_reason"] = unreachable_counts(
        estates["unreachable_reason"].to_numpy(object)
    )
    totals["uncovered_by_distance"] = gap_distribution(
        estates[f"covered_{largest.name}"].to_numpy(bool),
        any_m,
        estates["reachable"].to_numpy(bool),
        households,
        largest.distance_m,
        max(reaches.radius_m, largest.distance_m),
    )
    return totals, table
