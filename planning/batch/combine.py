"""Gathering the units into one province (汇总): the same figures as one audit of the whole area.

Walking distances, circles and streets come from the units unchanged (each estate belongs to
one unit and its unit's network holds every path it can count). Floor area is different: a
facility's surplus is split among *all* short estates that reach it, whichever unit they lie
in. So the units only measure who reaches what (estate × facility pairs within the sharing
distance), and :func:`allocate` shares floor area and land once, over the gathered pairs, with
the audit's own :class:`~planning.audit.provision.Provision`: no square metre counts twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from planning.analysis.admin_rules import RuleCheck
from planning.audit import MeasuredTier
from planning.audit.provision import Provision, floor_area, land
from planning.audit.rules import rule_checks, street_table
from planning.audit.rules import totals as totals_of
from planning.audit.run import estate_verdicts
from planning.batch.task import UnitMeasure
from planning.rules import Ruleset


def gather_estates(measures: Sequence[UnitMeasure]) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Return the units' estates in province order (the input layer's), and their input rows."""
    frames = [m.estates for m in measures]
    rows = np.concatenate([m.estate_rows for m in measures])
    estates = pd.concat(frames, ignore_index=True)
    estates = gpd.GeoDataFrame(estates, geometry=frames[0].geometry.name, crs=frames[0].crs)
    order = np.argsort(rows, kind="stable")
    return estates.iloc[order].reset_index(drop=True), rows[order]


def gather_reach(
    measures: Sequence[UnitMeasure], estate_rows: np.ndarray, n_facilities: int
) -> sp.csr_array:
    """Return the estate × facility matrix within the sharing distance, over the gathered estates."""
    position = np.full(int(estate_rows.max()) + 1 if len(estate_rows) else 0, -1, np.int64)
    position[estate_rows] = np.arange(len(estate_rows))
    rows = np.concatenate([m.reach_rows for m in measures]) if measures else np.zeros(0, int)
    cols = np.concatenate([m.reach_cols for m in measures]) if measures else np.zeros(0, int)
    values = np.concatenate([m.reach_values for m in measures]) if measures else np.zeros(0)
    return sp.csr_array((values, (position[rows], cols)), shape=(len(estate_rows), n_facilities))


def allocate(
    estates: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    ruleset: Ruleset,
    reach: sp.csr_array | None,
    tiers: list[MeasuredTier],
) -> None:
    """Share floor area and land once over the gathered pairs; set the verdicts (in place)."""
    provision = Provision.from_reach(estates, facilities, ruleset, reach)
    floor_area(estates, ruleset, provision)
    land(estates, ruleset, provision)
    estates["verdict"] = estate_verdicts(estates, max(tiers, key=lambda t: t.distance_m))


def counted(facilities: gpd.GeoDataFrame, include_planned: bool) -> gpd.GeoDataFrame:
    """Return the facilities the street and county rules count: existing ones (or all)."""
    if not len(facilities) or include_planned:
        return facilities
    return facilities[facilities["status"].eq("existing").to_numpy()]


def summarise(
    estates: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
    ruleset: Ruleset,
    tiers: list[MeasuredTier],
    include_planned: bool,
    sensitivity: pd.DataFrame,
) -> tuple[gpd.GeoDataFrame, list[RuleCheck], dict[str, Any]]:
    """Return the street table, rule verdicts and headline totals (the audit's own steps)."""
    count = counted(facilities, include_planned)
    table = street_table(streets, estates, count, tiers)
    checks = rule_checks(ruleset, tiers, estates, count, table)
    return table, checks, totals_of(estates, tiers, sensitivity)


def add_sensitivity(tables: Sequence[pd.DataFrame], households: float) -> pd.DataFrame:
    """Return the speed sensitivity of the whole area from the units' household counts.

    Examples
    --------
    >>> a = pd.DataFrame({"speed_m_per_s": [0.8], "distance_m": [720.0],
    ...                   "households_covered": [30.0], "coverage": [0.3]})
    >>> add_sensitivity([a, a], 200.0)["coverage"].tolist()
    [0.3]
    """
    first = tables[0]
    covered = sum(t["households_covered"].to_numpy(float) for t in tables)
    out = first[["speed_m_per_s", "distance_m"]].copy()
    out["households_covered"] = covered
    out["coverage"] = covered / households if households > 0 else np.nan
    return out.reset_index(drop=True)


def gather_streets(
    given: gpd.GeoDataFrame | None, measures: Sequence[UnitMeasure]
) -> gpd.GeoDataFrame:
    """Return the streets layer: the one given, else the streets named by the estates (sorted)."""
    if given is not None and len(given):
        return given.reset_index(drop=True).copy()
    frames = [m.streets for m in measures]
    streets = pd.concat(frames, ignore_index=True).drop_duplicates("street_id")
    streets = streets.sort_values("street_id", kind="stable").reset_index(drop=True)
    return gpd.GeoDataFrame(streets, geometry=frames[0].geometry.name, crs=frames[0].crs)


def facility_streets(
    facilities: gpd.GeoDataFrame, measures: Sequence[UnitMeasure]
) -> gpd.GeoDataFrame:
    """Return the facilities with the street each lies in, from the unit it belongs to."""
    facilities = facilities.reset_index(drop=True).copy()
    street = np.full(len(facilities), None, dtype=object)
    for m in measures:
        core = m.core_facility
        street[m.facility_rows[core]] = m.facility_street[core]
    facilities["street_id"] = street
    return facilities


def service_areas(measures: Sequence[UnitMeasure], crs: Any) -> gpd.GeoDataFrame:
    """Return each facility's service areas from its own unit; merged areas unioned per tier."""
    frames = [m.service_areas for m in measures if len(m.service_areas)]
    if not frames:
        return gpd.GeoDataFrame({"tier": [], "facility_id": [], "merged": []}, geometry=[], crs=crs)
    areas = pd.concat(frames, ignore_index=True)
    merged = areas["merged"].astype(bool)
    own = areas[~merged]
    unions = (
        gpd.GeoDataFrame(areas[merged], crs=crs)
        .dissolve(by="tier", as_index=False, sort=False)
        .assign(facility_id="", merged=True)
    )
    out = pd.concat([own, unions[own.columns]], ignore_index=True)
    tier_order = {t: i for i, t in enumerate(dict.fromkeys(areas["tier"]))}
    out = out.iloc[np.lexsort((out["merged"].to_numpy(), out["tier"].map(tier_order)))]
    return gpd.GeoDataFrame(out.reset_index(drop=True), crs=crs)


class _NotAdditive(ValueError):
    """Figures of the units that do not add up to the province's (shares, different values)."""


def _add(values: list[Any], key: str = "") -> Any:
    first = values[0]
    # Distances (``…_m``: band bounds, radii) are the same in every unit, never summed.
    if key.endswith("_m") or not all(
        isinstance(v, int | dict | list) and not isinstance(v, bool) for v in values
    ):
        if all(v == first for v in values):
            return first
        raise _NotAdditive(repr(values[:2]))
    if all(isinstance(v, int) for v in values):
        return sum(values)
    if all(isinstance(v, dict) for v in values) and all(v.keys() == first.keys() for v in values):
        return {k: _add([v[k] for v in values], k) for k in first}
    if all(isinstance(v, list) for v in values) and len({len(v) for v in values}) == 1:
        return [_add(list(items), key) for items in zip(*values, strict=True)]
    raise _NotAdditive(repr(values[:2]))


def add_counts(base: dict[str, Any], units: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Add the units' headline counts the province totals lack (e.g. gap-distance bands).

    Only figures that add up are carried over: whole counts are summed; distances (``…_m``)
    and other values are kept when every unit has the same; a figure holding shares or
    distances that differ between units is left out.

    Examples
    --------
    >>> add_counts({"estates": 3}, [{"estates": 1, "far": {"n": 1, "to_m": 3000}},
    ...                             {"estates": 2, "far": {"n": 4, "to_m": 3000}}])
    {'estates': 3, 'far': {'n': 5, 'to_m': 3000}}
    >>> add_counts({}, [{"share": 0.5}, {"share": 0.25}])
    {}
    """
    out = dict(base)
    for key in units[0] if units else ():
        if key in out or any(key not in u for u in units):
            continue
        try:
            out[key] = _add([u[key] for u in units])
        except _NotAdditive:
            continue
    return out
