"""Rules on admin units and facility attributes.

- street-centre coverage (街道/乡镇综合养老服务中心覆盖率 ≥ 60 %),
- at least one institution per county (每个县（区）至少1所特困人员供养服务机构),
- nursing-bed share (护理型床位占比 ≥ 55 % / 60 %).

Each check returns a :class:`RuleCheck` with the figures and the facilities behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


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
    """

    rule_id: str
    verdict: str
    value: float | None
    threshold: float | None
    unit: str
    detail: str
    facility_ids: list[str] = field(default_factory=list)
    failing: list[str] = field(default_factory=list)


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
