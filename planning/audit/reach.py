"""How far each estate is from care, beyond the circles (可达性与缺口距离).

The circles say *whether* an estate is covered; planners also ask *how far* an uncovered estate is
from its nearest facility, and why an estate cannot be measured at all. This module measures, on
one walking network:

- the nearest facility of the largest circle's kinds at any distance up to the search radius
  (不限距离最近设施, default ``settings.search_radius_m``);
- why an estate is unreachable (``too_far`` from every kept street, or ``only_fragment``: only a
  stray fragment of the network within the snap limit);
- the distance distribution of the uncovered households (1–1.5 km, 1.5–2 km, 2–3 km, beyond);
- the coverage of each circle on a second profile's network (step-free 无障碍).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from planning import network
from planning.analysis.coverage import best_per_group
from planning.audit.tiers import MeasuredTier
from planning.vocabulary import UNREACHABLE_REASONS

#: Band edges of the gap distribution, as multiples of the largest circle's distance (then the
#: search radius): 1–1.5 km, 1.5–2 km, 2–3 km for a 1,000 m circle and a 3,000 m radius.
GAP_BAND_FACTORS = (1.5, 2.0)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Reach:
    """Distances of every estate on one network.

    Attributes
    ----------
    tiers : dict
        Tier name → (distance, facility row) per estate within the tier's distance (inf, -1).
    any_m, any_target : array
        Nearest facility of the largest tier's kinds within the search radius (inf, -1).
    sensitivity_m : array
        The same without the radius cap, up to the sensitivity cutoff (walking speeds).
    reachable : array of bool
        An estate with at least one point attached to the network.
    reason : array of object
        ``None`` for reachable estates, else ``too_far`` or ``only_fragment``.
    radius_m : float
        The search radius used (never below the largest tier's distance).
    """

    tiers: dict[str, tuple[FloatArray, IntArray]]
    any_m: FloatArray
    any_target: IntArray
    sensitivity_m: FloatArray
    reachable: npt.NDArray[np.bool_]
    reason: npt.NDArray[np.object_]
    radius_m: float


def estate_reasons(
    origins: network.Snapped, groups: npt.ArrayLike, n_estates: int
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.object_]]:
    """Return whether each estate is on the network and, if not, why.

    An estate is reachable when any of its points (gates) is attached; otherwise
    ``only_fragment`` when one of them is within the snap limit of a stray fragment, else
    ``too_far``.

    Examples
    --------
    >>> s = network.Snapped(np.array([0, -1, -1]), np.zeros(3), np.array([1.0, 500, 500]),
    ...                     np.array([True, False, False]), np.zeros(3), np.zeros(3), 300.0,
    ...                     np.array([np.inf, 50.0, np.inf]))
    >>> estate_reasons(s, [0, 1, 2], 3)[1].tolist()
    [None, 'only_fragment', 'too_far']
    """
    codes = np.asarray(groups, dtype=np.int64)
    reachable = np.zeros(n_estates, dtype=bool)
    np.logical_or.at(reachable, codes, origins.ok)
    near_fragment = np.zeros(n_estates, dtype=bool)
    np.logical_or.at(near_fragment, codes, origins.reasons() == "only_fragment")
    reason = np.full(n_estates, None, dtype=object)
    reason[~reachable] = "too_far"
    reason[~reachable & near_fragment] = "only_fragment"
    return reachable, reason


def measure(
    net: network.WalkNetwork,
    origins: network.Snapped,
    groups: npt.ArrayLike,
    n_estates: int,
    facilities: network.Snapped,
    masks: dict[str, npt.NDArray[np.bool_]],
    tiers: list[MeasuredTier],
    radius_m: float,
    sensitivity_cutoff_m: float = 0.0,
) -> Reach:
    """Measure every tier, the nearest facility at any distance and reachability on one network.

    Parameters
    ----------
    net : WalkNetwork
        The network both sides were snapped to.
    origins, facilities : Snapped
        Estate points (gates) and facilities on ``net``.
    groups : array of int
        Estate row of every origin.
    n_estates : int
        Number of estates.
    masks : dict
        Tier name → facilities counted by the tier (kind, status, attached).
    tiers : list of MeasuredTier
        The circles.
    radius_m : float
        Search radius for the nearest facility at any distance.
    sensitivity_cutoff_m : float
        Longest distance the walking-speed sensitivity needs.

    Returns
    -------
    Reach
    """
    codes = np.asarray(groups, dtype=np.int64)
    by_tier: dict[str, tuple[FloatArray, IntArray]] = {}
    for tier in tiers:
        dist, target = network.nearest(
            net, origins, facilities, tier.distance_m, target_mask=masks[tier.name]
        )
        by_tier[tier.name] = best_per_group(dist, target, codes, n_estates)
    largest = max(tiers, key=lambda t: t.distance_m)
    radius = max(float(radius_m), largest.distance_m)
    cutoff = max(radius, float(sensitivity_cutoff_m))
    dist, target = network.nearest(
        net, origins, facilities, cutoff, target_mask=masks[largest.name]
    )
    best, best_target = best_per_group(dist, target, codes, n_estates)
    within = best <= radius
    reachable, reason = estate_reasons(origins, codes, n_estates)
    return Reach(
        tiers=by_tier,
        any_m=np.where(within, best, np.inf),
        any_target=np.where(within, best_target, -1),
        sensitivity_m=best,
        reachable=reachable,
        reason=reason,
        radius_m=radius,
    )


def gap_distribution(
    covered: npt.ArrayLike,
    any_m: npt.ArrayLike,
    reachable: npt.ArrayLike,
    households: npt.ArrayLike,
    circle_m: float,
    radius_m: float,
) -> dict[str, Any]:
    """Return how far the uncovered households are from their nearest facility (缺口距离分布).

    Parameters
    ----------
    covered : array of bool
        Covered by the largest circle.
    any_m : array of float
        Walk to the nearest facility within the search radius (inf beyond).
    reachable : array of bool
        On the walking network.
    households : array of float
        Households per estate.
    circle_m, radius_m : float
        The largest circle's distance and the search radius.

    Returns
    -------
    dict
        ``bands``: one record per band (``from_m``, ``to_m`` — None for beyond the radius —,
        ``estates``, ``households``), for reachable uncovered estates; ``unreachable``: the
        uncovered estates off the network; ``uncovered_households`` in all.

    Examples
    --------
    >>> d = gap_distribution([True, False, False, False], [300, 1200, 2500, np.inf],
    ...                      [True, True, True, True], [10, 20, 30, 40], 1000, 3000)
    >>> [(b["from_m"], b["to_m"], b["households"]) for b in d["bands"]]
    [(1000, 1500, 20), (1500, 2000, 0), (2000, 3000, 30), (3000, None, 40)]
    """
    covered = np.asarray(covered, dtype=bool)
    walk = np.asarray(any_m, dtype=float)
    on_net = np.asarray(reachable, dtype=bool)
    hh = np.nan_to_num(np.asarray(households, dtype=float))
    edges = [circle_m, *(f * circle_m for f in GAP_BAND_FACTORS if f * circle_m < radius_m)]
    edges.append(radius_m)
    gap = ~covered & on_net
    bands = []
    for low, high in itertools.pairwise(edges):
        inside = gap & (walk > low) & (walk <= high)
        bands.append(_band(low, high, inside, hh))
    bands.append(_band(radius_m, None, gap & ~(walk <= radius_m), hh))
    off = ~covered & ~on_net
    return {
        "circle_m": round(float(circle_m), 1),
        "search_radius_m": round(float(radius_m), 1),
        "uncovered_households": int(hh[~covered].sum()),
        "bands": bands,
        "unreachable": {"estates": int(off.sum()), "households": int(hh[off].sum())},
    }


def _band(
    low: float, high: float | None, inside: npt.NDArray[np.bool_], hh: FloatArray
) -> dict[str, Any]:
    return {
        "from_m": round(low),
        "to_m": None if high is None else round(high),
        "estates": int(inside.sum()),
        "households": int(hh[inside].sum()),
    }


def profile_totals(
    reach: Reach, tiers: list[MeasuredTier], households: npt.ArrayLike
) -> dict[str, Any]:
    """Headline figures of one profile: households covered per tier, unreachable estates, gaps.

    Returns
    -------
    dict
        ``households_covered`` and ``coverage`` per tier, ``estates_unreachable``,
        ``uncovered_by_distance`` (see :func:`gap_distribution`).
    """
    hh = np.nan_to_num(np.asarray(households, dtype=float))
    total = float(hh.sum())
    covered = {
        t.name: np.isfinite(reach.tiers[t.name][0]) & (reach.tiers[t.name][0] <= t.distance_m)
        for t in tiers
    }
    largest = max(tiers, key=lambda t: t.distance_m)
    return {
        "households_covered": {k: int(hh[c].sum()) for k, c in covered.items()},
        "coverage": {
            k: round(float(hh[c].sum()) / total, 4) if total else None for k, c in covered.items()
        },
        "estates_unreachable": int((~reach.reachable).sum()),
        "uncovered_by_distance": gap_distribution(
            covered[largest.name],
            reach.any_m,
            reach.reachable,
            hh,
            largest.distance_m,
            reach.radius_m,
        ),
    }


def unreachable_counts(reason: npt.ArrayLike) -> dict[str, int]:
    """Count unreachable estates by reason (``too_far``, ``only_fragment``)."""
    values = np.asarray(reason, dtype=object)
    return {code: int(np.sum(values == code)) for code in UNREACHABLE_REASONS}
