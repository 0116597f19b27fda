"""Service circles (5/10/15-minute 养老服务圈): nearest qualifying facility per estate and coverage.

Array functions: distances come from the walking-network engine; here they are reduced to estates
(an estate with several gates takes its best gate) and to streets (share of households and of
elderly residents covered).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray


def best_per_group(
    distance: NDArray[np.float64],
    target: NDArray[np.int64],
    group: NDArray[np.int64],
    n_groups: int,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Reduce per-origin nearest distances to per-group minima (an estate's best gate).

    Parameters
    ----------
    distance : ndarray
        Distance per origin (``inf`` when nothing is within reach).
    target : ndarray of int
        Index of the nearest target per origin (-1 when none).
    group : ndarray of int
        Group (estate) index per origin, in ``range(n_groups)``.
    n_groups : int
        Number of groups.

    Returns
    -------
    distance, target : ndarray
        Per group: the smallest distance (``inf`` for none) and its target (-1 for none).

    Examples
    --------
    >>> d, t = best_per_group(np.array([5.0, 3.0, np.inf]), np.array([1, 2, -1]),
    ...                       np.array([0, 0, 1]), 2)
    >>> d.tolist(), t.tolist()
    ([3.0, inf], [2, -1])
    """
    distance = np.asarray(distance, dtype=float)
    group = np.asarray(group, dtype=np.int64)
    best = np.full(n_groups, np.inf)
    best_target = np.full(n_groups, -1, dtype=np.int64)
    if distance.size == 0:
        return best, best_target
    # Sort by (group, distance, target) so the first row of each group is its best gate, with
    # ties broken by the lower target index for reproducible output.
    order = np.lexsort((np.asarray(target), distance, group))
    first = np.ones(order.size, dtype=bool)
    first[1:] = group[order][1:] != group[order][:-1]
    chosen = order[first]
    best[group[chosen]] = distance[chosen]
    best_target[group[chosen]] = np.where(np.isfinite(distance[chosen]), target[chosen], -1)
    return best, best_target


def coverage_share(
    covered: NDArray[np.bool_],
    weight: NDArray[np.float64],
    group: Sequence[object] | NDArray[np.object_] | None = None,
) -> pd.DataFrame:
    """Share of weight (households, elderly) covered, overall or per group (街道).

    Parameters
    ----------
    covered : ndarray of bool
        Whether each estate is covered.
    weight : ndarray
        Households (or elderly residents) per estate; NaN counts as unknown and is left out.
    group : sequence, optional
        Group label per estate (street); ``None`` gives one row labelled ``"all"``.

    Returns
    -------
    DataFrame
        Index: group labels; columns ``total``, ``covered``, ``share`` (NaN when total is 0).

    Examples
    --------
    >>> coverage_share(np.array([True, False]), np.array([300.0, 100.0]))["share"].tolist()
    [0.75]
    """
    weight = np.asarray(weight, dtype=float)
    known = np.isfinite(weight)
    labels = (
        np.array(["all"] * len(weight), dtype=object)
        if group is None
        else np.asarray(group, dtype=object)
    )
    frame = pd.DataFrame(
        {
            "group": labels[known],
            "total": weight[known],
            "covered": np.where(np.asarray(covered, dtype=bool)[known], weight[known], 0.0),
        }
    )
    out = frame.groupby("group", sort=True)[["total", "covered"]].sum()
    out["share"] = np.where(
        out["total"] > 0, out["covered"] / out["total"].where(out["total"] > 0), np.nan
    )
    return out


def speed_sensitivity(
    walk_m: NDArray[np.float64],
    households: NDArray[np.float64],
    minutes: float,
    speeds_m_per_s: Sequence[float],
) -> pd.DataFrame:
    """Household coverage of a time-based circle at several walking speeds (老年人步速敏感性).

    Parameters
    ----------
    walk_m : ndarray
        Walking distance from each estate to its nearest qualifying facility (``inf`` for none).
    households : ndarray
        Households per estate.
    minutes : float
        Circle size in minutes (15 for the 一刻钟 circle).
    speeds_m_per_s : sequence of float
        Walking speeds to test, e.g. 0.67, 0.8, 1.0, 1.1 m/s.

    Returns
    -------
    DataFrame
        One row per speed: ``speed_m_per_s``, ``distance_m`` (minutes × 60 × speed),
        ``households_covered``, ``coverage``.

    Examples
    --------
    >>> t = speed_sensitivity(np.array([650.0, 950.0]), np.array([100.0, 100.0]), 15, [0.8, 1.1])
    >>> t["distance_m"].tolist(), t["coverage"].tolist()
    ([720.0, 990.0], [0.5, 1.0])
    """
    walk_m = np.asarray(walk_m, dtype=float)
    households = np.asarray(households, dtype=float)
    total = float(np.nansum(households))
    rows = []
    for speed in speeds_m_per_s:
        distance = round(minutes * 60.0 * float(speed), 6)
        covered = float(np.nansum(np.where(walk_m <= distance, households, 0.0)))
        rows.append(
            {
                "speed_m_per_s": float(speed),
                "distance_m": distance,
                "households_covered": covered,
                "coverage": covered / total if total > 0 else float("nan"),
            }
        )
    return pd.DataFrame(rows)
