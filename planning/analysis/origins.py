"""The points an estate is measured from (测距起点): its gates, else a point inside it."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd


def estate_origins(
    estates: gpd.GeoDataFrame, gates: gpd.GeoDataFrame | None
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Return the points estates are measured from and each one's estate row.

    Gates (小区出入口) where an estate has them, its representative point otherwise; gates of
    unknown estates are left out.

    Parameters
    ----------
    estates : GeoDataFrame
        Estates with ``estate_id``.
    gates : GeoDataFrame or None
        Gates with ``gate_id`` and ``estate_id``.

    Returns
    -------
    origins : GeoDataFrame
        Columns ``gate_id`` (missing for representative points) and ``geometry``.
    groups : ndarray of int
        Estate row of every origin.

    Examples
    --------
    >>> import shapely
    >>> estates = gpd.GeoDataFrame({"estate_id": ["A", "B"]},
    ...     geometry=[shapely.box(0, 0, 10, 10), shapely.box(20, 0, 30, 10)])
    >>> gates = gpd.GeoDataFrame({"gate_id": ["g1"], "estate_id": ["B"]},
    ...     geometry=[shapely.Point(20, 5)])
    >>> origins, groups = estate_origins(estates, gates)
    >>> origins["gate_id"].isna().tolist(), groups.tolist()
    ([False, True], [1, 0])
    """
    position = pd.Series(np.arange(len(estates)), index=estates["estate_id"].astype(str))
    position = position[~position.index.duplicated()]
    has_gate = np.zeros(len(estates), dtype=bool)
    gate_ids: list[Any] = []
    points: list[Any] = []
    gate_rows = np.zeros(0, dtype=np.int64)
    if gates is not None and len(gates):
        linked = gates[gates["estate_id"].astype(str).isin(position.index)]
        gate_rows = position.loc[linked["estate_id"].astype(str)].to_numpy(dtype=np.int64)
        gate_ids = linked["gate_id"].astype(str).tolist()
        points = list(linked.geometry.to_numpy())
        has_gate[gate_rows] = True
    rest = np.flatnonzero(~has_gate)
    points += list(estates.geometry.iloc[rest].representative_point().to_numpy())
    frame = gpd.GeoDataFrame(
        {"gate_id": gate_ids + [None] * len(rest)}, geometry=points, crs=estates.crs
    )
    return frame, np.concatenate([gate_rows, rest]).astype(np.int64)
