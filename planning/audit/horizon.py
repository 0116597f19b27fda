"""The horizon year (规划期): who lives where, what is open and who is covered in, say, 2035.

Today's audit counts the estates as they are and the facilities that exist. A plan asks about a
year ahead: estates still being built (``built_year`` — 竣工/入住年份 — after today) are occupied
from their year, planned facilities (规划) open in theirs (a planned facility with no year is
taken as open by the horizon year), and the elderly share of residents (老龄化) grows. With an
:class:`ElderlyProjection` (per street or county, by year) the audit reports the elderly
residents covered in the horizon year beside today's figures (``summary.json`` ``totals.horizon``).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from planning._errors import OptionError, param
from planning.audit.tiers import MeasuredTier

ProjectionUnit = Literal["street", "county"]

#: Years a horizon may name (a plan's 规划期).
YEARS = (1990, 2100)


def check_year(name: str, value: Any) -> int:
    """Return ``value`` as a year in :data:`YEARS`, or raise :class:`OptionError` naming it.

    Examples
    --------
    >>> check_year("horizon_year", 2035)
    2035
    >>> check_year("horizon_year", 35)
    Traceback (most recent call last):
    ...
    planning._errors.OptionError: horizon_year=35: give a year between 1990 and 2100, e.g. horizon_year=2035.
    """
    ok = isinstance(value, int | np.integer) and not isinstance(value, bool)
    if not ok or not YEARS[0] <= int(value) <= YEARS[1]:
        raise OptionError(
            f"{param(name, value)}: give a year between {YEARS[0]} and {YEARS[1]}, e.g. "
            f"{param(name, 2035)}.",
            name,
        )
    return int(value)


@dataclass(frozen=True)
class ElderlyProjection:
    """Projected share of residents aged 60 and over (老年人口占比预测), by year.

    Attributes
    ----------
    by : {"street", "county"}
        Whether ``units`` are streets (街道, by id or name) or counties/districts (区县).
    default : dict
        Year → share for every estate whose unit has no series of its own.
    units : dict
        Unit (street id or name, county name) → year → share.

    Examples
    --------
    Between two given years the share is interpolated, beyond them held:

    >>> p = ElderlyProjection(default={2020: 0.20, 2030: 0.30})
    >>> round(p.share(None, 2025), 3), p.share(None, 2040), p.share("其他街道", 2010)
    (0.25, 0.3, 0.2)
    """

    by: ProjectionUnit = "street"
    default: dict[int, float] = field(default_factory=dict)
    units: dict[str, dict[int, float]] = field(default_factory=dict)

    def share(self, unit: str | None, year: int) -> float | None:
        """Return the share of 60+ residents of ``unit`` in ``year`` (None when unknown)."""
        series = self.units.get(str(unit), self.default) if unit is not None else self.default
        if not series:
            return None
        years = sorted(series)
        if year <= years[0]:
            return float(series[years[0]])
        if year >= years[-1]:
            return float(series[years[-1]])
        right = bisect.bisect_left(years, year)
        y0, y1 = years[right - 1], years[right]
        s0, s1 = float(series[y0]), float(series[y1])
        return s0 + (s1 - s0) * (year - y0) / (y1 - y0)


@dataclass(frozen=True)
class Horizon:
    """The year a plan looks at, and what counts then.

    Attributes
    ----------
    year : int
        The horizon year (规划期末年), e.g. 2035.
    projection : ElderlyProjection or None
        The elderly share by year; without it the elderly of today are carried forward.
    facility_years : dict
        Facility id → the year a planned facility opens (规划设施投用年份).
    """

    year: int
    projection: ElderlyProjection | None = None
    facility_years: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "year", check_year("horizon_year", self.year))


def occupied(estates: pd.DataFrame, year: int) -> np.ndarray:
    """Estates lived in by ``year``: no ``built_year``, or one no later than it."""
    built = pd.to_numeric(estates["built_year"], errors="coerce").to_numpy(float)
    return ~(np.isfinite(built) & (built > year))


def open_facilities(facilities: pd.DataFrame, horizon: Horizon) -> np.ndarray:
    """Facilities open in the horizon year: existing ones, and planned ones due by then."""
    if not len(facilities):
        return np.zeros(0, dtype=bool)
    ids = facilities["facility_id"].astype(str)
    due = ids.map(horizon.facility_years).astype(float).to_numpy()
    planned = facilities["status"].eq("planned").to_numpy()
    return ~planned | ~np.isfinite(due) | (due <= horizon.year)


def elderly_in(
    estates: pd.DataFrame,
    streets: pd.DataFrame,
    horizon: Horizon,
    persons_per_household: float,
) -> np.ndarray:
    """Elderly residents of each estate in the horizon year (NaN where unknown).

    With a projection: residents (``population``, else households × persons per household) ×
    the share of the estate's street or county; without one, today's ``elderly``.
    """
    if horizon.projection is None:
        return estates["elderly"].to_numpy(float).copy()
    projection = horizon.projection
    residents = estates["population"].to_numpy(float)
    households = estates["households"].to_numpy(float)
    residents = np.where(np.isfinite(residents), residents, households * persons_per_household)
    sid = estates["street_id"].astype("string")
    by_id = streets.set_index(streets["street_id"].astype(str))
    if projection.by == "county":
        county = by_id["county"] if "county" in by_id else pd.Series(dtype=object)
        keys: list[list[str | None]] = [[_text(v)] for v in sid.map(county)]
    else:
        names = by_id["name"] if "name" in by_id else pd.Series(dtype=object)
        keys = [[_text(i), _text(n)] for i, n in zip(sid, sid.map(names), strict=True)]
    shares = np.array(
        [_first_share(projection, candidates, horizon.year) for candidates in keys], dtype=float
    )
    return residents * shares


def _text(value: Any) -> str | None:
    return None if value is None or value is pd.NA or value != value else str(value)


def _first_share(projection: ElderlyProjection, candidates: list[str | None], year: int) -> float:
    for unit in candidates:
        if unit is not None and unit in projection.units:
            share = projection.share(unit, year)
            return np.nan if share is None else share
    share = projection.share(None, year)
    return np.nan if share is None else share


def horizon_totals(
    horizon: Horizon,
    tiers: list[MeasuredTier],
    covered: dict[str, np.ndarray],
    lived_in: np.ndarray,
    households: np.ndarray,
    elderly: np.ndarray,
    facilities_open: int,
) -> dict[str, Any]:
    """Return the horizon year's headline figures (``totals.horizon`` of ``summary.json``).

    Parameters
    ----------
    horizon : Horizon
        The year and its projection.
    tiers : list of MeasuredTier
        The circles.
    covered : dict
        Tier name → whether each estate is covered by the facilities open in that year.
    lived_in : array of bool
        Estates occupied by then.
    households, elderly : array of float
        Per estate; elderly in the horizon year (NaN where unknown).
    facilities_open : int
        Facilities counted in the circles that year.

    Returns
    -------
    dict
        ``year``, ``estates``, ``households``, ``households_covered`` and ``coverage`` per
        tier, ``elderly``, ``elderly_covered`` and ``elderly_coverage`` per tier, ``projection``.

    Examples
    --------
    >>> from planning.rules import load_ruleset
    >>> from planning.audit.tiers import measured_tiers
    >>> tiers = measured_tiers(load_ruleset("national"))
    >>> cov = {t.name: np.array([True, False, True]) for t in tiers}
    >>> t = horizon_totals(Horizon(2035), tiers, cov, np.array([True, True, False]),
    ...                    np.array([100.0, 300.0, 50.0]), np.array([30.0, 60.0, 10.0]), 2)
    >>> t["households"], t["coverage"]["15min"], t["elderly_coverage"]["15min"]
    (400, 0.25, 0.3333)
    """
    hh = np.where(lived_in, np.nan_to_num(households), 0.0)
    total = float(hh.sum())
    known = lived_in & np.isfinite(elderly)
    old = np.where(known, elderly, 0.0)
    old_total = float(old.sum())
    out: dict[str, Any] = {
        "year": horizon.year,
        "estates": int(lived_in.sum()),
        "households": round(total),
        "facilities_open": int(facilities_open),
        "households_covered": {},
        "coverage": {},
        "elderly": round(old_total, 1) if known.any() else None,
        "elderly_covered": {},
        "elderly_coverage": {},
        "projection": None if horizon.projection is None else horizon.projection.by,
    }
    for tier in tiers:
        inside = covered[tier.name] & lived_in
        got = float(hh[inside].sum())
        out["households_covered"][tier.name] = round(got)
        out["coverage"][tier.name] = round(got / total, 4) if total else None
        old_got = float(old[inside].sum())
        out["elderly_covered"][tier.name] = round(old_got, 1) if known.any() else None
        out["elderly_coverage"][tier.name] = round(old_got / old_total, 4) if old_total else None
    return out
