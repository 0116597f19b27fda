"""Columns of the area layers: planning zones, villages/communities, types of streets (分区与村社).

* zones 规划分区 — polygons with a ``zone`` (主城区 → ``main_urban_area``, 中心城区, 乡镇 …). A
  rule limited to a zone (双鸭山: 城市主城区全覆盖) is judged over the estates inside it. A file
  holding just the 主城区 boundary may have no zone column: the zone is then read from the
  polygon's name, or from the file name (``主城区.gpkg``).
* villages 村/社区 — polygons of villages (村) and communities (社区) with ``unit_type``,
  ``township`` (所属乡镇) and ``county``, for rules such as 村有“点”.
* streets 街道/乡镇 — ``unit_type`` (街道 or 乡镇) from a type column or the name's ending, so
  乡（镇）有“院（所）” counts townships and not streets.

Each function takes the layer with its source columns (and ``_id``, ``source_row``), the
``canonical → source column`` mapping and ``add(code, rows, mask, **params)`` to record problems
(:meth:`planning.io.normalise` passes its reporter); it returns the canonical columns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from planning.schema.attributes import (
    parse_unit_type,
    parse_zone,
    unit_type_from_name,
)
from planning.schema.values import is_missing
from planning.vocabulary import ZONES

__all__ = ["unit_types", "village_columns", "zone_columns"]

#: ``add(code, rows, mask, **params)``: records a problem for the rows of ``rows`` in ``mask``.
Reporter = Callable[..., None]


def _text(frame: pd.DataFrame, mapping: Mapping[str, str], field: str) -> pd.Series:
    source = mapping.get(field)
    if source is None:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    values = [None if is_missing(v) else (str(v).strip() or None) for v in frame[source]]
    return pd.Series(values, index=frame.index, dtype=object)


def unit_types(
    rows: pd.DataFrame, frame: pd.DataFrame, mapping: Mapping[str, str], add: Reporter
) -> pd.Series:
    """Return each unit's type (``street``, ``township``, ``village``, ``community`` or None).

    From the type column where it says, else from the name's ending (XX镇 → township, XX街道 →
    street, XX村 → village, XX社区 → community). Units of unknown type are reported (info).
    ``rows`` holds the units' ``name``, id and ``source_row``.
    """
    names = rows["name"]
    given = [parse_unit_type(v) for v in _text(frame, mapping, "unit_type")]
    types = [
        t if t is not None else unit_type_from_name(n) for t, n in zip(given, names, strict=True)
    ]
    unknown = np.array([t is None for t in types], dtype=bool)
    if unknown.any():
        example = str(names.to_numpy()[np.flatnonzero(unknown)[0]])
        add("unit_type_unknown", rows, unknown, example=example)
    return pd.Series(types, index=frame.index, dtype=object)


def zone_columns(
    frame: pd.DataFrame, mapping: Mapping[str, str], file: str, add: Reporter
) -> pd.DataFrame:
    """Return ``zone_id``, ``name``, ``zone`` and ``source_row`` of the zones layer (规划分区).

    The zone comes from the zone column; without one, from the name (``双鸭山市主城区``), else
    from the file name when it names a known zone (``主城区.gpkg``). Zones the vocabulary does
    not know stay as written (``高新区``), so a user ruleset can name them.
    """
    names = _text(frame, mapping, "name")
    zones = [parse_zone(v) for v in _text(frame, mapping, "zone")]
    if "zone" not in mapping:
        stem = parse_zone(Path(file).stem) if not file.endswith(")") else None
        from_file = stem if stem in ZONES else None
        zones = [parse_zone(n) if n is not None else from_file for n in names]
        known = sorted({z for z in zones if z is not None})
        if known:
            source = ("the names", "名称") if names.notna().any() else ("the file name", "文件名")
            add(
                "zone_from_name",
                frame,
                np.array([z is not None for z in zones], dtype=bool),
                source=source[0],
                source_zh=source[1],
                zones=", ".join(known),
            )
    zone = pd.Series(zones, index=frame.index, dtype=object)
    missing = zone.isna().to_numpy()
    if missing.any():
        add("zone_missing", frame, missing)
    out = pd.DataFrame(index=frame.index)
    out["zone_id"] = frame["_id"].astype("str")
    out["name"] = names.fillna(zone).fillna(out["zone_id"]).astype("str")
    out["zone"] = zone
    out["source_row"] = frame["source_row"]
    return out


def village_columns(
    frame: pd.DataFrame, mapping: Mapping[str, str], file: str, add: Reporter
) -> pd.DataFrame:
    """Return ``village_id``, ``name``, ``unit_type``, ``township``, ``county``, ``source_row``."""
    out = pd.DataFrame(index=frame.index)
    out["village_id"] = frame["_id"].astype("str")
    out["name"] = _text(frame, mapping, "name").fillna(out["village_id"]).astype("str")
    out["source_row"] = frame["source_row"]
    out["unit_type"] = unit_types(out, frame, mapping, add)
    out["township"] = _text(frame, mapping, "township")
    out["county"] = _text(frame, mapping, "county")
    return out
