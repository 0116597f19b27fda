"""Rules on admin units and facility attributes.

- street-centre coverage (街道/乡镇综合养老服务中心覆盖率 ≥ 60 %),
- at least one institution per county (每个县（区）至少1所特困人员供养服务机构),
- nursing-bed share (护理型床位占比 ≥ 55 % / 60 %),
- presence in every unit of a level (乡（镇）有“院（所）”、村有“点”), the tiers of a network per
  county (县、乡、村三级养老服务网络) and the floor area of single sites (单处建筑面积).

Each check returns a :class:`RuleCheck` with the figures and the facilities behind it; where
facility attributes are unknown, the figures come with bounds (:mod:`planning.analysis.selection`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from planning.analysis.selection import Bounds, unit_counts


@dataclass(frozen=True)
class RuleCheck:
    """The verdict of one rule on the whole study area.

    Attributes
    ----------
    rule_id : str
        The ruleset's rule id.
    verdict : str
        ``"pass"``, ``"fail"``, ``"report"`` (report-only rule, no threshold) or ``"no_data"``.
    value : float or None
        The measured value in the rule's unit (a percentage for ``pct``).
    threshold : float or None
        The rule's minimum.
    unit : str
        The rule's unit.
    detail : str
        One line for people: what was counted.
    facility_ids : list of str
        The facilities behind the figure.
    failing : list of str
        Admin units (or estates) that fail, where the rule is per unit.
    basis : str
        Why the rule judges or only reports (:data:`planning.vocabulary.RULE_BASES`).
    """

    rule_id: str
    verdict: str
    value: float | None
    threshold: float | None
    unit: str
    detail: str
    facility_ids: list[str] = field(default_factory=list)
    failing: list[str] = field(default_factory=list)
    basis: str = ""


def judge(value: float | None, minimum: float | None, report_only: bool) -> str:
    """Turn a value and a minimum into a verdict.

    Parameters
    ----------
    value : float or None
        Measured value; None or NaN when the data is missing.
    minimum : float or None
        Threshold; None for report-only rules.
    report_only : bool
        Whether the rule only reports (no target in the plan).

    Returns
    -------
    str
        ``"no_data"``, ``"report"``, ``"pass"`` or ``"fail"``.

    Examples
    --------
    >>> judge(66.7, 60, False), judge(50.0, 60, False), judge(50.0, None, True)
    ('pass', 'fail', 'report')
    """
    if value is None or not np.isfinite(value):
        return "no_data"
    if report_only or minimum is None:
        return "report"
    return "pass" if value >= minimum - 1e-9 else "fail"


def street_centre_coverage(
    streets: pd.DataFrame,
    facilities: pd.DataFrame,
    kinds: Sequence[str],
) -> tuple[float, pd.Series, list[str]]:
    """Share of streets (街道/乡镇) with at least one facility of the given kinds.

    Parameters
    ----------
    streets : DataFrame
        With ``street_id``.
    facilities : DataFrame
        With ``facility_id``, ``kind`` and ``street_id`` (the street it lies in; None outside all).
    kinds : sequence of str
        Facility kinds that count (e.g. ``["street_centre"]``).

    Returns
    -------
    share_pct, counts, facility_ids
        Percentage of streets with one, the count per street (indexed by ``street_id``), and the
        counted facilities.

    Examples
    --------
    >>> s = pd.DataFrame({"street_id": ["A", "B", "C"]})
    >>> f = pd.DataFrame({"facility_id": ["F1"], "kind": ["street_centre"], "street_id": ["B"]})
    >>> share, counts, ids = street_centre_coverage(s, f, ["street_centre"])
    >>> round(share, 2), counts.tolist(), ids
    (33.33, [0, 1, 0], ['F1'])
    """
    qualifying = facilities[facilities["kind"].isin(list(kinds)) & facilities["street_id"].notna()]
    counts = (
        qualifying.groupby("street_id")
        .size()
        .reindex(streets["street_id"], fill_value=0)
        .astype(int)
    )
    share = 100.0 * float((counts > 0).mean()) if len(counts) else float("nan")
    return share, counts, qualifying["facility_id"].astype(str).tolist()


def count_per_unit(
    units: pd.Series,
    facilities: pd.DataFrame,
    kinds: Sequence[str],
    unit_column: str = "county",
) -> pd.Series:
    """Count qualifying facilities in each admin unit (e.g. 县/区).

    Parameters
    ----------
    units : Series
        The unit labels that must each have facilities.
    facilities : DataFrame
        With ``kind`` and the ``unit_column``.
    kinds : sequence of str
        Facility kinds that count.
    unit_column : str
        Column of ``facilities`` naming the unit.

    Returns
    -------
    Series
        Count per unit label.
    """
    qualifying = facilities[facilities["kind"].isin(list(kinds))]
    return (
        qualifying.groupby(unit_column)
        .size()
        .reindex(pd.Index(units.unique()), fill_value=0)
        .astype(int)
    )


def nursing_bed_share(facilities: pd.DataFrame, kinds: Sequence[str]) -> tuple[float, list[str]]:
    """Nursing-type beds as a percentage of all beds (护理型床位占比).

    Only facilities of the given kinds with a known, positive bed count are counted; a facility
    whose nursing beds are unknown counts as 0 nursing beds.

    Parameters
    ----------
    facilities : DataFrame
        With ``facility_id``, ``kind``, ``beds``, ``nursing_beds``.
    kinds : sequence of str
        Facility kinds that count (institutions, street centres).

    Returns
    -------
    share_pct, facility_ids
        The share (NaN when no beds are known) and the facilities counted.

    Examples
    --------
    >>> f = pd.DataFrame({"facility_id": ["a", "b"], "kind": ["institution"] * 2,
    ...                   "beds": [100.0, 50.0], "nursing_beds": [60.0, np.nan]})
    >>> nursing_bed_share(f, ["institution"])
    (40.0, ['a', 'b'])
    """
    rows = facilities[facilities["kind"].isin(list(kinds))]
    rows = rows[rows["beds"].fillna(0) > 0]
    beds = float(rows["beds"].sum())
    nursing = float(rows["nursing_beds"].fillna(0).sum())
    share = 100.0 * nursing / beds if beds > 0 else float("nan")
    return share, rows["facility_id"].astype(str).tolist()


def presence_bounds(status: pd.Series) -> Bounds:
    """Share (%) of units that have what a rule asks, from :func:`unit_counts` statuses.

    ``low`` counts the units known to have it, ``high`` adds those that depend on unknown
    attributes.

    Examples
    --------
    >>> b = presence_bounds(pd.Series(["met", "unknown", "unmet", "met"]))
    >>> b.strict, b.low, b.high, b.unknown
    (50.0, 50.0, 75.0, 1)
    """
    n = len(status)
    if n == 0:
        return Bounds(float("nan"), float("nan"), float("nan"), 0)
    met = int((status == "met").sum())
    unknown = int((status == "unknown").sum())
    return Bounds(100.0 * met / n, 100.0 * met / n, 100.0 * (met + unknown) / n, unknown)


def tier_table(
    counties: Sequence[object],
    county_of: npt.ArrayLike,
    states: Mapping[str, npt.ArrayLike],
) -> pd.DataFrame:
    """Which tiers of a network (县、乡、村) each county has (三级养老服务网络).

    Parameters
    ----------
    counties : sequence
        The counties (县/区) that must each have every tier.
    county_of : array-like
        The county of each facility (None when unknown).
    states : mapping
        Tier name → :func:`~planning.analysis.selection.match_state` of each facility for that
        tier (1 at that level, -1 level unknown, 0 not).

    Returns
    -------
    DataFrame
        One row per county, one column per tier with ``met``/``unmet``/``unknown``, and
        ``tiers_met`` / ``tiers_possible`` (counts).

    Examples
    --------
    >>> t = tier_table(["X", "Y"], ["X", "X", "Y"], {"county": [1, 0, -1], "village": [0, 1, 0]})
    >>> t.to_dict("index")["Y"]
    {'county': 'unknown', 'village': 'unmet', 'tiers_met': 0, 'tiers_possible': 1}
    """
    table = pd.DataFrame(index=pd.Index(list(dict.fromkeys(counties)), dtype=object))
    for tier, state in states.items():
        table[tier] = unit_counts(list(table.index), county_of, state)["status"]
    tiers = list(states)
    table["tiers_met"] = (table[tiers] == "met").sum(axis=1).astype(int)
    table["tiers_possible"] = (table[tiers] != "unmet").sum(axis=1).astype(int)
    return table


def site_floors(floor_m2: npt.ArrayLike, state: npt.ArrayLike, minimum: float) -> dict[str, Any]:
    """Check each counted site's floor area against a minimum (单处建筑面积).

    A floor area of 0 means "unknown" (the loader writes 0 where the source has none).

    Returns
    -------
    dict
        ``smallest`` (m², NaN when no known site), ``below`` / ``unknown`` / ``counted``
        (positions), ``verdict`` (``fail`` when a known site is below, ``pass`` when every
        counted site is known and meets it, else ``no_data``).

    Examples
    --------
    >>> site_floors([400.0, 120.0, 0.0], [1, 1, 1], 350)["verdict"]
    'fail'
    >>> site_floors([400.0, 0.0], [1, 1], 350)["verdict"]
    'no_data'
    """
    floor = np.nan_to_num(np.asarray(floor_m2, dtype=float))
    st = np.asarray(state)
    counted = np.flatnonzero(st != 0)
    known = counted[floor[counted] > 0]
    unknown = counted[floor[counted] <= 0]
    below = known[floor[known] < minimum - 1e-9]
    maybe = np.flatnonzero(st == -1)
    if len(below):
        verdict = "fail" if np.isin(below, np.flatnonzero(st == 1)).any() else "no_data"
    elif len(known) and not len(unknown) and not len(maybe):
        verdict = "pass"
    else:
        verdict = "no_data"
    return {
        "smallest": float(floor[known].min()) if len(known) else float("nan"),
        "below": below.tolist(),
        "unknown": unknown.tolist(),
        "counted": counted.tolist(),
        "verdict": verdict,
    }
