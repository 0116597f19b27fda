"""Street tables, rule verdicts and headline totals of the audit (街道汇总与规则结论).

Pure functions over the per-estate table the audit computed: each street's households, floor area
and coverage; one :class:`~planning.analysis.admin_rules.RuleCheck` per rule of the ruleset; the
totals written to ``summary.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planning.analysis.admin_rules import (
    RuleCheck,
    count_per_unit,
    judge,
    nursing_bed_share,
    street_centre_coverage,
)
from planning.analysis.coverage import coverage_share
from planning.audit.tiers import MeasuredTier
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
    failing = estates["area_ok"].eq(False).fillna(False)
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
    """What the rule checks read: the audited estates and the counted facilities and streets."""

    tiers: list[MeasuredTier]
    estates: pd.DataFrame
    facilities: pd.DataFrame
    streets: pd.DataFrame


def _judged(rule: Rule, value: float | None, detail: str, **lists: list[str]) -> RuleCheck:
    """Judge one figure against the rule's own minimum."""
    figure = None if value is None else _pct(value) if rule.unit == "pct" else value
    verdict = judge(value, rule.minimum, rule.report_only)
    return RuleCheck(rule.id, verdict, figure, rule.minimum, rule.unit, detail, **lists)


def _no_data(rule: Rule, why: str) -> RuleCheck:
    return RuleCheck(rule.id, "no_data", None, rule.minimum, rule.unit, why)


def _per_estate(rule: Rule, t: _Tables) -> RuleCheck:
    """Floor area or land per estate: the share of estates of the rule's status that meet it."""
    floor = rule.kind == "floor_area_per_households"
    column, ok_column = ("area_rule_id", "area_ok") if floor else ("land_rule_id", "land_ok")
    rows = t.estates[t.estates[column].eq(rule.id).fillna(False)]
    if not len(rows):
        return _no_data(rule, "no estate of this status")
    bad = rows[rows[ok_column].eq(False).fillna(False)]
    share = 100.0 * (1 - len(bad) / len(rows))
    return RuleCheck(
        rule.id,
        "report" if rule.report_only else ("pass" if bad.empty else "fail"),
        _pct(share),
        100.0,
        "pct_estates",
        f"{len(rows) - len(bad)} of {len(rows)} {rule.applies_to} estates meet "
        f"≥ {rule.minimum:g} {_unit(rule.unit)}",
        failing=bad["estate_id"].astype(str).tolist(),
    )


def _unit(code: str) -> str:
    """Return a unit as people read it, e.g. ``m² per 100 households (㎡/百户)``."""
    english = label(UNITS, code, "en")
    return english if code not in UNITS else f"{english} ({label(UNITS, code, 'zh')})"


def _service_circle(rule: Rule, t: _Tables) -> RuleCheck:
    """Share of households within the tier, against the plan's coverage target if any."""
    tier = next((x for x in t.tiers if x.rule is not None and x.rule.id == rule.id), None)
    if tier is None:
        return _no_data(rule, "tier not measured")
    covered = t.estates[f"covered_{tier.name}"].to_numpy(bool)
    overall = coverage_share(covered, t.estates["households"].to_numpy(float))
    value = 100.0 * float(overall["share"].iloc[0]) if len(overall) else float("nan")
    return RuleCheck(
        rule.id,
        judge(value, tier.target_pct, tier.target_pct is None),
        _pct(value),
        tier.target_pct,
        "pct",
        f"households within {tier.distance_m:.0f} m of {', '.join(tier.facility_kinds)}",
        facility_ids=sorted(set(t.estates[f"nearest_{tier.name}_id"].dropna().astype(str))),
        failing=t.estates.loc[~covered, "estate_id"].astype(str).tolist(),
    )


def _admin_unit_coverage(rule: Rule, t: _Tables) -> RuleCheck:
    """Share of streets (街道/乡镇) with a facility of the counted kinds."""
    street_ids = t.facilities.get("street_id", pd.Series(dtype=object))
    if t.streets["geometry"].isna().all() and not street_ids.notna().any():
        # Rendered now: the detail is written into summary.json, the workbook and the report.
        return _no_data(rule, "no streets layer and no street names on the facilities")
    share, counts, ids = street_centre_coverage(t.streets, t.facilities, rule.facility_kinds)
    return _judged(
        rule,
        share,
        f"{int((counts > 0).sum())} of {len(counts)} streets have one",
        facility_ids=ids,
        failing=counts[counts == 0].index.astype(str).tolist(),
    )


def _count_per_admin_unit(rule: Rule, t: _Tables) -> RuleCheck:
    """At least n facilities per county (县/区); without county names the study area is one."""
    study_area = "研究区"
    streets, facilities = t.streets, t.facilities
    county = (
        streets["county"].fillna(study_area)
        if "county" in streets
        else pd.Series([study_area] * len(streets))
    )
    county_of_street = dict(zip(streets["street_id"], county, strict=False))
    fac = facilities.assign(
        county=facilities.get("street_id", pd.Series(dtype=object)).map(county_of_street)
    )
    if "county" in facilities and facilities["county"].notna().any():
        fac["county"] = facilities["county"].fillna(fac["county"])
    if county.eq(study_area).all():
        fac["county"] = fac["county"].fillna(study_area)
    counts = count_per_unit(county, fac, rule.facility_kinds)
    need = rule.minimum or 1
    value = float(counts.min()) if len(counts) else float("nan")
    return RuleCheck(
        rule.id,
        judge(value, need, rule.report_only),
        value,
        need,
        rule.unit,
        f"fewest per county: {value:.0f} (counties: {len(counts)})",
        facility_ids=fac[fac["kind"].isin(rule.facility_kinds)]["facility_id"].astype(str).tolist(),
        failing=counts[counts < need].index.astype(str).tolist(),
    )


def _attribute_share(rule: Rule, t: _Tables) -> RuleCheck:
    """Judge a share of two facility attributes, e.g. nursing-type beds / beds (护理型床位占比)."""
    if not rule.evaluable:
        return _no_data(rule, "not evaluated: needs data the inputs do not carry")
    numerator = str(rule.params.get("numerator", "nursing_beds"))
    denominator = str(rule.params.get("denominator", "beds"))
    share, ids = float("nan"), list[str]()
    if len(t.facilities) and {numerator, denominator} <= set(t.facilities.columns):
        share, ids = nursing_bed_share(
            t.facilities.rename(columns={numerator: "nursing_beds", denominator: "beds"}),
            rule.facility_kinds,
        )
    return _judged(rule, share, f"{numerator} / {denominator}", facility_ids=ids)


_CHECKS = {
    "floor_area_per_households": _per_estate,
    "land_per_capita": _per_estate,
    "service_circle": _service_circle,
    "admin_unit_coverage": _admin_unit_coverage,
    "count_per_admin_unit": _count_per_admin_unit,
    "attribute_share": _attribute_share,
}


def rule_checks(
    ruleset: Ruleset,
    tiers: list[MeasuredTier],
    estates: pd.DataFrame,
    facilities: pd.DataFrame,
    streets: pd.DataFrame,
) -> list[RuleCheck]:
    """Judge every rule of the ruleset on the audited tables.

    Returns
    -------
    list of RuleCheck
        In the ruleset's order; rules that need data the inputs lack give ``no_data``.
    """
    tables = _Tables(tiers, estates, facilities, streets)
    checks = []
    for rule in ruleset.rules:
        check = _CHECKS.get(rule.kind)
        if check is None:
            checks.append(_no_data(rule, "not evaluated: needs data the inputs do not carry"))
        else:
            checks.append(check(rule, tables))
    return checks


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
        "estates_area_failing": int(estates["area_ok"].eq(False).fillna(False).sum()),
        "estates_land_failing": int(estates["land_ok"].eq(False).fillna(False).sum()),
        "required_m2": round(float(np.nansum(estates["required_m2"])), 2),
        "provided_m2": round(float(np.nansum(estates["provided_m2"])), 2),
        "shortfall_m2": round(float(np.nansum(estates["shortfall_m2"])), 2),
        "estates_unreachable": int((~estates["reachable"].astype(bool)).sum()),
        "verdicts": {k: int(v) for k, v in estates["verdict"].value_counts().sort_index().items()},
        "walk_speed_sensitivity": sensitivity.round(4).to_dict(orient="records"),
    }
