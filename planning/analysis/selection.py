"""Which facilities a rule counts, when some attributes are unknown (按属性筛选设施).

A rule may count only 特困 institutions of county level, or only 公办 ones. A facility matches,
does not match, or — when an attribute it needs is unknown — *may* match. Rather than guess, the
checks work out the figure both ways: with the unknown facilities left out (the strict figure)
and with them counted as the worst and best cases. When the verdict is the same either way it
stands; when it is not, the data decides nothing and the rule says so ("no data").

Examples
--------
>>> f = pd.DataFrame({"kind": ["institution"] * 3, "serves_tekun": pd.array([True, None, False])})
>>> match_state(f, ["institution"], {"serves_tekun": True}).tolist()
[1, -1, 0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

#: Facility matches (1), does not (0), or might: an attribute it needs is unknown (-1).
YES, NO, UNKNOWN = 1, 0, -1


def _accepts(wanted: object) -> set[object]:
    return set(wanted) if isinstance(wanted, tuple | list) else {wanted}


def match_state(
    facilities: pd.DataFrame, kinds: Sequence[str], select: Mapping[str, object]
) -> npt.NDArray[np.int8]:
    """Return 1 / 0 / -1 per facility: counts, does not, or might (an attribute is unknown).

    A facility counts when its kind is one of ``kinds`` and every selected attribute has a
    wanted value; it might when an attribute is missing and the others do not rule it out.

    Parameters
    ----------
    facilities : DataFrame
        With ``kind`` and the selected attribute columns (a missing column means unknown).
    kinds : sequence of str
        Facility kinds that count (all kinds when empty).
    select : mapping
        Attribute → wanted value, or a tuple of accepted values.

    Returns
    -------
    ndarray of int8
    """
    n = len(facilities)
    state = np.full(n, YES, dtype=np.int8)
    if kinds:
        state[~facilities["kind"].isin(list(kinds)).to_numpy()] = NO
    for field, wanted in select.items():
        if field not in facilities.columns:
            state[state == YES] = UNKNOWN
            continue
        values = facilities[field].astype(object).to_numpy()
        known = ~pd.isna(facilities[field]).to_numpy()
        accepted = _accepts(wanted)
        ok = np.array([v in accepted for v in values], dtype=bool)
        state[known & ~ok] = NO
        state[~known & (state == YES)] = UNKNOWN
    return state


@dataclass(frozen=True)
class Bounds:
    """A share over the matching facilities: strict (known ones only), lowest and highest.

    ``low``/``high`` are the extremes over every choice of which unknown facilities match; NaN
    when no facility could count at all.
    """

    strict: float
    low: float
    high: float
    unknown: int

    def verdict(self, minimum: float | None, report_only: bool) -> str:
        """``pass``/``fail`` when both extremes agree, ``no_data`` when they do not.

        A report-only rule reports its figure when the unknown facilities cannot change it.
        """
        if not np.isfinite(self.high) or not np.isfinite(self.strict):
            return "no_data"  # no facility is known to count: nothing to judge
        if report_only or minimum is None:
            settled = np.isfinite(self.strict) and self.high - self.low <= 1e-9
            return "report" if settled else "no_data"
        if self.low >= minimum - 1e-9:
            return "pass"
        if self.high < minimum - 1e-9:
            return "fail"
        return "no_data"


def _extreme(num: float, den: float, items: list[tuple[float, float]], best: bool) -> float:
    """Max (or min) of (num + Σa) / (den + Σb) over subsets of ``items``: a sorted prefix."""
    ordered = sorted(items, key=lambda ab: ab[0] / ab[1], reverse=best)
    values = [num / den] if den > 0 else []
    for a, b in ordered:
        num, den = num + a, den + b
        values.append(num / den)
    if not values:
        return float("nan")
    return max(values) if best else min(values)


def share_bounds(
    numerator: npt.ArrayLike, denominator: npt.ArrayLike, state: npt.ArrayLike
) -> Bounds:
    """Return the share Σ numerator / Σ denominator (in %) over matching facilities, with bounds.

    Only facilities with a positive denominator count; unknown numerators count as 0.

    Examples
    --------
    >>> b = share_bounds([60, 10, 90], [100, 100, 100], [1, -1, -1])
    >>> round(b.strict, 1), round(b.low, 1), round(b.high, 1), b.unknown
    (60.0, 35.0, 75.0, 2)
    """
    num = np.nan_to_num(np.asarray(numerator, dtype=float))
    den = np.nan_to_num(np.asarray(denominator, dtype=float))
    st = np.asarray(state)
    usable = den > 0
    known = usable & (st == YES)
    maybe = usable & (st == UNKNOWN)
    base_num, base_den = float(num[known].sum()), float(den[known].sum())
    items = list(zip(num[maybe].tolist(), den[maybe].tolist(), strict=True))
    strict = 100.0 * base_num / base_den if base_den > 0 else float("nan")
    low = 100.0 * _extreme(base_num, base_den, items, best=False)
    high = 100.0 * _extreme(base_num, base_den, items, best=True)
    return Bounds(strict, low, high, int(maybe.sum()))


def unit_counts(
    units: Sequence[object], unit_of: npt.ArrayLike, state: npt.ArrayLike, need: int = 1
) -> pd.DataFrame:
    """Count matching facilities per admin unit and say whether each unit has enough.

    Parameters
    ----------
    units : sequence
        The units that must each have ``need`` facilities.
    unit_of : array-like
        The unit of each facility (None outside all).
    state : array-like
        :func:`match_state` of each facility.
    need : int
        Facilities each unit needs.

    Returns
    -------
    DataFrame
        Indexed by unit: ``definite`` (matching), ``possible`` (matching or unknown) and
        ``status``: ``met`` (enough definite ones), ``unmet`` (too few even counting the unknown
        ones) or ``unknown``.

    Examples
    --------
    >>> unit_counts(["A", "B", "C"], ["A", "B", None], [1, -1, 1])["status"].tolist()
    ['met', 'unknown', 'unmet']
    """
    frame = pd.DataFrame({"unit": pd.Series(unit_of, dtype=object), "state": np.asarray(state)})
    frame = frame[frame["unit"].notna() & (frame["state"] != NO)]
    index = pd.Index(list(dict.fromkeys(units)), dtype=object)
    definite = frame[frame["state"] == YES].groupby("unit").size().reindex(index, fill_value=0)
    possible = frame.groupby("unit").size().reindex(index, fill_value=0)
    status = np.where(definite >= need, "met", np.where(possible < need, "unmet", "unknown"))
    return pd.DataFrame(
        {"definite": definite.astype(int), "possible": possible.astype(int), "status": status},
        index=index,
    )
