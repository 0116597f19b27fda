"""Shared pieces of the new-estate review: verdict vocabulary, citations, estate origins."""

from __future__ import annotations

from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from planning.rules import Rule

#: Verdict of one check: meets the rule, fails it, or reported without a pass/fail judgement.
Verdict = Literal["pass", "fail", "report"]


def citation_dict(rule: Rule | None) -> dict[str, str]:
    """Return a rule's citation (依据) as plain strings; empty strings when there is no rule."""
    if rule is None:
        return {"document": "", "article": "", "quote_zh": "", "evidence": "", "note": ""}
    c = rule.citation
    return {
        "document": c.document,
        "article": c.article,
        "quote_zh": c.quote_zh,
        "evidence": c.evidence,
        "note": c.note,
    }


def origins_of(
    estates: gpd.GeoDataFrame, gates: gpd.GeoDataFrame | None
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Gates (出入口) of each estate where it has them, its representative point otherwise.

    Returns
    -------
    origins : GeoDataFrame
        Columns ``gate_id`` (None for representative points), ``geometry``.
    groups : array of int
        Estate row of every origin.
    """
    position = pd.Series(np.arange(len(estates)), index=estates["estate_id"].astype(str))
    position = position[~position.index.duplicated()]
    points: list[Any] = []
    ids: list[str | None] = []
    groups: list[int] = []
    has_gate = np.zeros(len(estates), dtype=bool)
    if gates is not None and len(gates):
        linked = gates[gates["estate_id"].astype("string").isin(position.index)]
        for gid, eid, geom in zip(
            linked["gate_id"].astype(str),
            linked["estate_id"].astype(str),
            linked.geometry,
            strict=True,
        ):
            row = int(position[eid])
            points.append(geom)
            ids.append(gid)
            groups.append(row)
            has_gate[row] = True
    for rest in np.flatnonzero(~has_gate):
        points.append(estates.geometry.iloc[int(rest)].representative_point())
        ids.append(None)
        groups.append(int(rest))
    frame = gpd.GeoDataFrame({"gate_id": ids}, geometry=points, crs=estates.crs)
    return frame, np.asarray(groups, dtype=np.int64)
