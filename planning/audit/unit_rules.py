"""Rules counted over admin units and single facilities (按行政单元与单处设施核查的规则).

* ``count_per_admin_unit`` — at least n qualifying facilities per county (每个县（区）至少1所
  县级特困人员供养服务机构);
* ``admin_unit_coverage`` — share of streets/townships with a qualifying facility (≥ 60 %);
* ``presence_per_admin_unit`` — every unit of a level has one (乡（镇）有“院（所）”、村有“点”);
* ``tier_completeness`` — every county has each tier of a network (县、乡、村三级养老服务网络);
* ``min_site_floor_m2`` — each counted site has at least the floor area (单处 ≥ 350 ㎡);
* ``attribute_share`` — e.g. nursing-type beds / beds (护理型床位占比) of the facilities selected.

Facilities count when their kind and the rule's ``select`` attributes match
(:func:`planning.analysis.selection.match_state`); where an attribute is unknown the verdict
stands only if it holds either way, and the detail says what was missing or read from names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from planning.analysis.admin_rules import (
    RuleCheck,
    presence_bounds,
    site_floors,
    tier_table,
)
from planning.analysis.selection import NO, YES, Bounds, match_state, share_bounds, unit_counts
from planning.audit.scope import Units, attribute_notes, county_of_facilities, units_of_level
from planning.rules import Rule
from planning.vocabulary import FACILITY_LEVELS, label

#: Facility levels (设施层级) that make up each tier of a network; 村（社区）is one tier.
TIER_LEVELS = {
    "county": ("county",),
    "township": ("township",),
    "village": ("village", "community"),
    "community": ("community",),
}


@dataclass(frozen=True)
class UnitTables:
    """What these checks read: the counted facilities, the streets and the villages."""

    facilities: gpd.GeoDataFrame
    streets: pd.DataFrame
    villages: gpd.GeoDataFrame | None


def _round(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 2)


def _detail(main: str, notes: list[str]) -> str:
    return "; ".join([main, *notes])


def _ids(facilities: pd.DataFrame, mask: np.ndarray) -> list[str]:
    return facilities.loc[mask, "facility_id"].astype(str).tolist() if len(facilities) else []


def _need(rule: Rule) -> int:
    """Facilities each unit needs (``params.min_per_unit``, 1 by default)."""
    value = rule.params.get("min_per_unit", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


def _bounded(
    rule: Rule,
    bounds: Bounds,
    main: str,
    notes: list[str],
    facility_ids: list[str],
    failing: list[str] | None = None,
) -> RuleCheck:
    """Return the check whose verdict stands only when unknown facilities cannot change it."""
    verdict = bounds.verdict(rule.minimum, rule.report_only)
    value = _round(bounds.strict)
    if verdict == "no_data" and np.isfinite(bounds.high):
        if bounds.high - bounds.low > 1e-9:
            main += f" (between {bounds.low:.4g} and {bounds.high:.4g} depending on unknown data)"
        else:
            main += f" ({bounds.high:.4g} if the facilities with unknown attributes count)"
        value = None
    return RuleCheck(
        rule.id, verdict, value, rule.minimum, rule.unit, _detail(main, notes),
        facility_ids=facility_ids, failing=failing or [],
    )  # fmt: skip


def admin_unit_coverage(rule: Rule, t: UnitTables) -> RuleCheck:
    """Share of streets (街道/乡镇) with a qualifying facility."""
    street_ids = t.facilities.get("street_id", pd.Series(dtype=object))
    if t.streets["geometry"].isna().all() and not street_ids.notna().any():
        # Rendered now: the detail is written into summary.json, the workbook and the report.
        return RuleCheck(rule.id, "no_data", None, rule.minimum, rule.unit,
                         "no streets layer and no street names on the facilities")  # fmt: skip
    state = match_state(t.facilities, rule.facility_kinds, rule.select)
    units = t.streets["street_id"].tolist()
    counts = unit_counts(units, street_ids.to_numpy(dtype=object), state, _need(rule))
    bounds = presence_bounds(counts["status"])
    main = f"{int((counts['status'] == 'met').sum())} of {len(counts)} streets have one"
    return _bounded(
        rule, bounds, main, attribute_notes(rule, t.facilities, state),
        facility_ids=_ids(t.facilities, (state == YES) & street_ids.notna().to_numpy()),
        failing=counts.index[counts["status"] == "unmet"].astype(str).tolist(),
    )  # fmt: skip


def count_per_admin_unit(rule: Rule, t: UnitTables) -> RuleCheck:
    """At least n qualifying facilities per county (县/区); the study area is one without names."""
    counties, county_of = county_of_facilities(t.streets, t.facilities)
    state = match_state(t.facilities, rule.facility_kinds, rule.select)
    need = int(rule.minimum or 1)
    counts = unit_counts(counties, county_of, state, need)
    low, high = float(counts["definite"].min()), float(counts["possible"].min())
    bounds = Bounds(low, low, high, int((state == -1).sum()))
    main = f"fewest per county: {low:.0f} (counties: {len(counts)})"
    return _bounded(
        rule, bounds, main, attribute_notes(rule, t.facilities, state),
        facility_ids=_ids(t.facilities, state == YES),
        failing=counts.index[counts["status"] == "unmet"].astype(str).tolist(),
    )  # fmt: skip


def presence_per_admin_unit(rule: Rule, t: UnitTables) -> RuleCheck:
    """Every unit of a level (乡镇, 村 …) has a qualifying facility; the share that does."""
    level = str(rule.params.get("level", "township"))
    if level == "county":
        counties, county_of = county_of_facilities(t.streets, t.facilities)
        units: Units | str = Units([str(c) for c in counties], {}, county_of, 0)
    else:
        units = units_of_level(level, t.streets, t.villages, t.facilities)
    if isinstance(units, str):
        return RuleCheck(rule.id, "no_data", None, rule.minimum, rule.unit, units)
    state = match_state(t.facilities, rule.facility_kinds, rule.select)
    counts = unit_counts(units.ids, units.unit_of, state, _need(rule))
    bounds = presence_bounds(counts["status"])
    missing = counts.index[counts["status"] == "unmet"].astype(str).tolist()
    word = label(FACILITY_LEVELS, level, "zh") if level in FACILITY_LEVELS else level
    main = (
        f"{int((counts['status'] == 'met').sum())} of {len(counts)} {level} units ({word}) have one"
    )
    if missing:
        shown = ", ".join(units.names.get(u, u) for u in missing[:5])
        main += f"; without: {shown}" + (" …" if len(missing) > 5 else "")
    notes = attribute_notes(rule, t.facilities, state)
    if units.untyped:
        notes.append(f"{units.untyped} units of unknown type (街道/乡镇/村/社区) left out")
    inside = pd.Series(units.unit_of).isin(units.ids).to_numpy()
    return _bounded(rule, bounds, main, notes, facility_ids=_ids(t.facilities, (state == YES) & inside),
                    failing=missing)  # fmt: skip


def tier_completeness(rule: Rule, t: UnitTables) -> RuleCheck:
    """Each county has a facility at every tier (县、乡、村三级养老服务网络)."""
    counties, county_of = county_of_facilities(t.streets, t.facilities)
    tiers = [str(x) for x in rule.params.get("tiers", ())]  # type: ignore[union-attr]
    states = {
        tier: match_state(
            t.facilities, rule.facility_kinds, {**rule.select, "level": TIER_LEVELS[tier]}
        )
        for tier in tiers
    }
    table = tier_table(counties, county_of, states)
    low, high = float(table["tiers_met"].min()), float(table["tiers_possible"].min())
    unknown = int(sum(int((s == -1).sum()) for s in states.values()))
    lacking = []
    for county, row in table.to_dict("index").items():
        gaps = [f"{tier} {row[tier]}" for tier in tiers if row[tier] != "met"]
        if gaps:
            lacking.append(f"{county}: {', '.join(gaps)}")
    main = f"fewest tiers present in a county: {low:.0f} of {len(tiers)} ({', '.join(tiers)})"
    if lacking:
        main += "; " + "; ".join(lacking[:5])
    stack = np.vstack([np.asarray(v) for v in states.values()]) if states else np.zeros((1, 0))
    # A facility counts when it is at some tier, might when its level (or another attribute)
    # is unknown.
    combined = np.where(
        (stack == YES).any(axis=0), YES, np.where((stack == -1).any(axis=0), -1, NO)
    )
    notes = attribute_notes(rule, t.facilities, combined, [*rule.select, "level"])
    failing = table.index[table["tiers_possible"] < len(tiers)].astype(str).tolist()
    return _bounded(rule, Bounds(low, low, high, unknown), main, notes,
                    facility_ids=_ids(t.facilities, combined == YES), failing=failing)  # fmt: skip


def min_site_floor(rule: Rule, t: UnitTables) -> RuleCheck:
    """Each counted site has at least the floor area (单处建筑面积 ≥ minimum)."""
    state = match_state(t.facilities, rule.facility_kinds, rule.select)
    minimum = float(rule.minimum or 0.0)
    floors = t.facilities["floor_m2"].to_numpy(float) if len(t.facilities) else np.zeros(0)
    result = site_floors(floors, state, minimum)
    ids = t.facilities["facility_id"].astype(str).to_numpy() if len(t.facilities) else []
    counted = len(result["counted"])
    if not counted:
        return RuleCheck(rule.id, "no_data", None, rule.minimum, rule.unit,
                         f"no facility of the kinds {', '.join(rule.facility_kinds)}")  # fmt: skip
    below = [str(ids[i]) for i in result["below"]]
    main = (
        f"{counted - len(below) - len(result['unknown'])} of {counted} sites have ≥ {minimum:g} m²"
    )
    if np.isfinite(result["smallest"]):
        main += f"; smallest {result['smallest']:g} m²"
    if result["unknown"]:
        main += f"; {len(result['unknown'])} without a floor area (建筑面积)"
    verdict = result["verdict"]
    if rule.report_only:
        verdict = "report" if np.isfinite(result["smallest"]) else "no_data"
    notes = attribute_notes(rule, t.facilities, state)
    return RuleCheck(rule.id, verdict, _round(result["smallest"]), rule.minimum, rule.unit,
                     _detail(main, notes), facility_ids=[str(ids[i]) for i in result["counted"]],
                     failing=below)  # fmt: skip


def attribute_share(rule: Rule, t: UnitTables) -> RuleCheck:
    """Check a share of two attributes of the selected facilities, e.g. 护理型床位 / 床位."""
    if not rule.evaluable:
        return RuleCheck(rule.id, "no_data", None, rule.minimum, rule.unit,
                         "not evaluated: needs data the inputs do not carry")  # fmt: skip
    numerator = str(rule.params.get("numerator", "nursing_beds"))
    denominator = str(rule.params.get("denominator", "beds"))
    facilities = t.facilities
    if not len(facilities) or not {numerator, denominator} <= set(facilities.columns):
        return RuleCheck(rule.id, "no_data", None, rule.minimum, rule.unit,
                         f"{numerator} / {denominator}: no facility carries them")  # fmt: skip
    state = match_state(facilities, rule.facility_kinds, rule.select)
    den = facilities[denominator].to_numpy(float)
    bounds = share_bounds(facilities[numerator].to_numpy(float), den, state)
    counted = (state == YES) & (np.nan_to_num(den) > 0)
    scope = str(rule.params.get("scope_zh", ""))
    main = f"{numerator} / {denominator} of {int(counted.sum())} facilities" + (
        f" ({scope})" if scope else ""
    )
    notes = attribute_notes(rule, facilities, np.where(np.nan_to_num(den) > 0, state, NO))
    return _bounded(rule, bounds, main, notes, facility_ids=_ids(facilities, counted))


#: Check of each rule kind handled here.
UNIT_CHECKS: dict[str, Callable[[Rule, UnitTables], RuleCheck]] = {
    "admin_unit_coverage": admin_unit_coverage,
    "count_per_admin_unit": count_per_admin_unit,
    "presence_per_admin_unit": presence_per_admin_unit,
    "tier_completeness": tier_completeness,
    "min_site_floor_m2": min_site_floor,
    "attribute_share": attribute_share,
}
