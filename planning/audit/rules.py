"""Street tables, rule verdicts and headline totals of the audit (街道汇总与规则结论).

Pure functions over the per-estate table the audit computed: each street's households, floor area
and coverage; one :class:`~planning.analysis.admin_rules.RuleCheck` per rule of the ruleset (the
per-estate and circle rules here, over the rule's zone when it has one; the admin-unit and
facility rules in :mod:`planning.audit.unit_rules`); the totals written to ``summary.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planning.analysis.admin_rules import RuleCheck, judge
from planning.analysis.coverage import coverage_share
from planning.audit.scope import zone_members, zone_names
from planning.audit.tiers import MeasuredTier
from planning.audit.unit_rules import UNIT_CHECKS, UnitTables
from planning.rules import Rule, Ruleset
from planning.vocabulary import UNITS, label


def street_table(
    streets: gpd.GeoDataFrame,
    estates: pd.DataFrame,
    facilities: pd.DataFrame,
    tiers: list[MeasuredTier],
) -> gpd.GeoDataFrame:
    """Summarise estates per street (街道): households, floor area, centres, coverage per tier.

    Parameters
    ----------
    streets : GeoDataFrame
        Streets with ``street_id`` (and ``name``, ``county``).
    estates : DataFrame
        The audited estates with ``street_id``.
    facilities : DataFrame
        The facilities counted today, with ``street_id``.
    tiers : list of MeasuredTier
        The service-circle tiers.

    Returns
    -------
    GeoDataFrame
        One row per street, columns of :data:`planning.audit.columns.STREET_COLUMNS`.
    """
    streets = streets.copy()
    sid = estates["street_id"]
    grouped = estates.groupby(sid, dropna=True)
    streets = streets.set_index("street_id", drop=False)
    streets["estates"] = grouped.size().reindex(streets.index, fill_value=0).astype(int)
    streets["households"] = (
        grouped["households"].sum().reindex(streets.index, fill_value=0).astype(int)
    )
    streets["elderly"] = grouped["elderly"].sum(min_count=1).reindex(streets.index)
    for column in ("required_m2", "provided_m2", "shortfall_m2"):
        streets[column] = grouped[column].sum(min_count=1).reindex(streets.index).round(2)
    failing = _failing(estates, "area")
    streets["estates_area_failing"] = (
        failing.groupby(sid).sum().reindex(streets.index, fill_value=0).astype(int)
    )
    if len(facilities):
        centres = facilities[facilities["kind"].eq("street_centre")].groupby("street_id").size()
    else:
        centres = pd.Series(dtype=int)
    streets["street_centres"] = centres.reindex(streets.index, fill_value=0).astype(int)
    streets["has_street_centre"] = streets["street_centres"] > 0
    for tier in tiers:
        covered = estates[f"covered_{tier.name}"].to_numpy(bool)
        hh = coverage_share(covered, estates["households"].to_numpy(float), sid.to_numpy())
        el = coverage_share(covered, estates["elderly"].to_numpy(float), sid.to_numpy())
        streets[f"households_covered_{tier.name}"] = (
            hh["covered"].reindex(streets.index).fillna(0).astype(int)
        )
        streets[f"coverage_{tier.name}"] = hh["share"].reindex(streets.index).round(4)
        streets[f"elderly_coverage_{tier.name}"] = el["share"].reindex(streets.index).round(4)
    return streets.reset_index(drop=True)


def _pct(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 2)


@dataclass(frozen=True)
class _Tables:
    """What the rule checks read: the audited estates, counted facilities, streets and areas."""

    tiers: list[MeasuredTier]
    estates: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    streets: pd.DataFrame
    zones: gpd.GeoDataFrame | None = None
    villages: gpd.GeoDataFrame | None = None


def _no_data(rule: Rule, why: str) -> RuleCheck:
    return RuleCheck(rule.id, "no_data", None, rule.minimum, rule.unit, why)


def _in_zone(rule: Rule, t: _Tables) -> tuple[np.ndarray, str] | str:
    """Return the estates a rule is judged over and how to say so, or why it cannot be."""
    if not rule.zone:
        return np.ones(len(t.estates), dtype=bool), ""
    members = zone_members(t.estates, t.zones, rule.zone)
    if isinstance(members, str):
        return members
    households = int(t.estates.loc[members, "households"].sum())
    scope = f"over {zone_names(rule.zone)}: {int(members.sum())} estates, {households:,} households"
    if not members.any():
        return f"no estate lies in {zone_names(rule.zone)}; not judged elsewhere"
    return members, scope


def _per_estate(rule: Rule, t: _Tables) -> RuleCheck:
    """Floor area or land per estate: the share of estates of the rule's status that meet it."""
    floor = rule.kind == "floor_area_per_households"
    column, ok_column = ("area_rule_id", "area_ok") if floor else ("land_rule_id", "land_ok")
    zone = _in_zone(rule, t)
    if isinstance(zone, str):
        return _no_data(rule, zone)
    inside, scope = zone
    rows = t.estates[t.estates[column].eq(rule.id).fillna(False).to_numpy() & inside]
    if not len(rows):
        return _no_data(rule, "no estate of this status" + (f" {scope}" if scope else ""))
    bad = rows[rows[ok_column].eq(False).fillna(False)]
    share = 100.0 * (1 - len(bad) / len(rows))
    detail = (
        f"{len(rows) - len(bad)} of {len(rows)} {rule.applies_to} estates meet "
        f"≥ {rule.minimum:g} {_unit(rule.unit)}"
    )
    return RuleCheck(
        rule.id,
        "report" if rule.report_only else ("pass" if bad.empty else "fail"),
        _pct(share),
        100.0,
        "pct_estates",
        detail + (f", {scope}" if scope else ""),
        failing=bad["estate_id"].astype(str).tolist(),
    )


def _unit(code: str) -> str:
    """Return a unit as people read it, e.g. ``m² per 100 households (㎡/百户)``."""
    english = label(UNITS, code, "en")
    return english if code not in UNITS else f"{english} ({label(UNITS, code, 'zh')})"


def _service_circle(rule: Rule, t: _Tables) -> RuleCheck:
    """Share of households within the tier (in the rule's zone), against the plan's target."""
    tier = next((x for x in t.tiers if x.rule is not None and x.rule.id == rule.id), None)
    if tier is None:
        return _no_data(rule, "tier not measured")
    zone = _in_zone(rule, t)
    if isinstance(zone, str):
        return _no_data(rule, zone)
    inside, scope = zone
    estates = t.estates[inside]
    covered = estates[f"covered_{tier.name}"].to_numpy(bool)
    overall = coverage_share(covered, estates["households"].to_numpy(float))
    value = 100.0 * float(overall["share"].iloc[0]) if len(overall) else float("nan")
    detail = f"households within {tier.distance_m:.0f} m of {', '.join(tier.facility_kinds)}"
    return RuleCheck(
        rule.id,
        judge(value, tier.target_pct, tier.target_pct is None),
        _pct(value),
        tier.target_pct,
        "pct",
        detail + (f", {scope}" if scope else ""),
        facility_ids=sorted(set(estates[f"nearest_{tier.name}_id"].dropna().astype(str))),
        failing=estates.loc[~covered, "estate_id"].astype(str).tolist(),
    )


_CHECKS = {
    "floor_area_per_households": _per_estate,
    "land_per_capita": _per_estate,
    "service_circle": _service_circle,
}


def rule_checks(
    ruleset: Ruleset,
    tiers: list[MeasuredTier],
    estates: pd.DataFrame,
    facilities: pd.DataFrame,
    streets: pd.DataFrame,
    *,
    zones: gpd.GeoDataFrame | None = None,
    villages: gpd.GeoDataFrame | None = None,
) -> list[RuleCheck]:
    """Judge every rule of the ruleset on the audited tables.

    Parameters
    ----------
    ruleset : Ruleset
        The rules; each check carries the rule's :attr:`~planning.rules.Rule.basis`.
    tiers : list of MeasuredTier
        The measured service-circle tiers.
    estates, facilities, streets : DataFrame
        The audited estates (with geometry), the facilities counted today (with ``street_id``)
        and the streets.
    zones, villages : GeoDataFrame, optional
        规划分区 (for rules limited to a zone) and 村/社区 polygons (rules per village).

    Returns
    -------
    list of RuleCheck
        In the ruleset's order; rules that need data the inputs lack give ``no_data``.
    """
    tables = _Tables(tiers, estates, facilities, streets, zones, villages)
    units = UnitTables(facilities, streets, villages)
    checks = []
    for rule in ruleset.rules:
        if rule.kind in _CHECKS:
            check = _CHECKS[rule.kind](rule, tables)
        elif rule.kind in UNIT_CHECKS:
            check = UNIT_CHECKS[rule.kind](rule, units)
        else:
            check = _no_data(rule, "not evaluated: needs data the inputs do not carry")
        checks.append(replace(check, basis=rule.basis))
    return checks


def _failing(estates: pd.DataFrame, prefix: str) -> pd.Series:
    """Estates below the figure of a rule that judges (``area`` or ``land``)."""
    below = estates[f"{prefix}_ok"].eq(False).fillna(False)
    return below & estates[f"{prefix}_judged"].astype(bool)


def totals(
    estates: pd.DataFrame, tiers: list[MeasuredTier], sensitivity: pd.DataFrame
) -> dict[str, Any]:
    """Return the headline figures written to ``summary.json`` (``totals``)."""
    households = estates["households"].to_numpy(float)
    covered = {
        t.name: int(households[estates[f"covered_{t.name}"].to_numpy(bool)].sum()) for t in tiers
    }
    total = int(households.sum())
    elderly = estates["elderly"].to_numpy(float)
    known = np.isfinite(elderly)
    return {
        "estates": len(estates),
        "households": total,
        "elderly": float(elderly[known].sum()) if known.any() else None,
        "households_covered": covered,
        "coverage": {k: round(v / total, 4) if total else None for k, v in covered.items()},
        "elderly_coverage": {
            t.name: round(
                float(
                    elderly[known & estates[f"covered_{t.name}"].to_numpy(bool)].sum()
                    / elderly[known].sum()
                ),
                4,
            )
            if known.any() and elderly[known].sum() > 0
            else None
            for t in tiers
        },
        "estates_area_failing": int(_failing(estates, "area").sum()),
        "estates_land_failing": int(_failing(estates, "land").sum()),
        "estates_area_below_figure": int(estates["area_ok"].eq(False).fillna(False).sum()),
        "required_m2": round(float(np.nansum(estates["required_m2"])), 2),
        "provided_m2": round(float(np.nansum(estates["provided_m2"])), 2),
        "shortfall_m2": round(float(np.nansum(estates["shortfall_m2"])), 2),
        "estates_unreachable": int((~estates["reachable"].astype(bool)).sum()),
        "verdicts": {k: int(v) for k, v in estates["verdict"].value_counts().sort_index().items()},
        "walk_speed_sensitivity": sensitivity.round(4).to_dict(orient="records"),
    }
