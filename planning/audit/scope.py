"""What a rule is judged over: zones, admin units and the facilities it counts (规则适用范围).

* zones — a rule limited to a planning zone (双鸭山: 城市主城区全覆盖) is judged over the estates
  whose representative point lies in a polygon of that zone (:func:`zone_members`);
* admin units — counties (县/区) from the streets' or facilities' county, townships and streets
  from the streets layer's ``unit_type``, villages and communities from the villages layer
  (:func:`units_of_level`);
* facilities — :func:`planning.analysis.selection.match_state` on the rule's kinds and
  ``select``; :func:`attribute_notes` says which attributes were unknown or read from names, so
  a verdict never rests silently on a stand-in.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from planning.analysis.selection import UNKNOWN, YES
from planning.rules import Rule
from planning.vocabulary import ADMIN_UNIT_TYPES, ZONES, label

#: The study area as one county when no county names are known.
STUDY_AREA = "研究区"

_ATTRIBUTE_ZH = {
    "ownership": "举办性质",
    "serves_tekun": "特困供养",
    "medical_care": "医养结合",
    "level": "设施层级",
    "role": "设施职能",
    "meal_service": "助餐",
}


def zone_names(codes: tuple[str, ...]) -> str:
    """Return zones as people read them, e.g. ``主城区 (main_urban_area)``."""
    return ", ".join(f"{label(ZONES, c, 'zh')} ({c})" if c in ZONES else c for c in codes)


def zone_members(
    estates: gpd.GeoDataFrame, zones: gpd.GeoDataFrame | None, wanted: tuple[str, ...]
) -> npt.NDArray[np.bool_] | str:
    """Return which estates lie in the wanted zones, or why that cannot be said.

    Parameters
    ----------
    estates : GeoDataFrame
        The audited estates (their representative points are tested).
    zones : GeoDataFrame or None
        The zones layer (``zone`` codes), None when not given.
    wanted : tuple of str
        Zone codes of the rule (``main_urban_area`` …).

    Returns
    -------
    ndarray of bool, or str
        The mask over ``estates``, or a sentence for a "no data" verdict.
    """
    names = zone_names(wanted)
    if zones is None or not len(zones):
        return f"needs a zones layer (规划分区, zones) with {names}; not judged over the whole area"
    polygons = zones[zones["zone"].isin(list(wanted))]
    if not len(polygons):
        found = ", ".join(sorted(str(z) for z in zones["zone"].dropna().unique())) or "none"
        return f"the zones layer has no {names} (zones in it: {found}); not judged elsewhere"
    points = gpd.GeoSeries(estates.geometry.representative_point().to_numpy(), crs=estates.crs)
    inside = points.sindex.query(polygons.geometry.to_numpy(), predicate="contains")[1]
    mask = np.zeros(len(estates), dtype=bool)
    mask[np.unique(inside)] = True
    return mask


def county_of_facilities(
    streets: pd.DataFrame, facilities: pd.DataFrame
) -> tuple[list[object], npt.NDArray[np.object_]]:
    """Return the counties (县/区) and each facility's county.

    A facility's own ``county`` wins; else the county of its street. Without any county name
    the study area is one county (研究区).
    """
    county = (
        streets["county"].fillna(STUDY_AREA)
        if "county" in streets
        else pd.Series([STUDY_AREA] * len(streets), dtype=object)
    )
    by_street = dict(zip(streets["street_id"], county, strict=False))
    street_ids = facilities.get("street_id", pd.Series([None] * len(facilities), dtype=object))
    of_fac = street_ids.map(by_street).to_numpy(dtype=object)
    if "county" in facilities and facilities["county"].notna().any():
        own = facilities["county"].to_numpy(dtype=object)
        of_fac = np.where(pd.notna(own), own, of_fac)
    counties = list(dict.fromkeys(county.tolist()))
    if not counties or set(counties) == {STUDY_AREA}:
        of_fac = np.where(pd.isna(of_fac), STUDY_AREA, of_fac)
        counties = counties or [STUDY_AREA]
    return counties, of_fac


@dataclass(frozen=True)
class Units:
    """The admin units of a level and the unit each facility lies in."""

    ids: list[str]
    names: dict[str, str]
    unit_of: npt.NDArray[np.object_]
    untyped: int


def _within(
    facilities: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, ids: pd.Series
) -> npt.NDArray[np.object_]:
    """Return the id of the polygon each facility's representative point lies in (or None)."""
    out = np.full(len(facilities), None, dtype=object)
    if not len(facilities) or not len(polygons):
        return out
    points = facilities.geometry.representative_point().to_numpy()
    hit_point, hit_poly = gpd.GeoSeries(polygons.geometry.to_numpy()).sindex.query(
        points, predicate="within"
    )
    values = ids.to_numpy(dtype=object)
    for poly, point in sorted(zip(hit_poly, hit_point, strict=True), reverse=True):
        out[point] = values[poly]  # the first polygon wins when they overlap
    return out


def units_of_level(
    level: str,
    streets: pd.DataFrame,
    villages: gpd.GeoDataFrame | None,
    facilities: gpd.GeoDataFrame,
) -> Units | str:
    """Return the units of a level (街道, 乡镇, 村, 社区) and each facility's unit, or why not."""
    word = f"{label(ADMIN_UNIT_TYPES, level, 'zh')} ({level})"
    if level in ("street", "township"):
        if "unit_type" not in streets or streets["geometry"].isna().all():
            return f"needs a streets layer (街道/乡镇, streets) to find the {word} units"
        layer, id_column = streets, "street_id"
        unit_of = facilities.get("street_id", pd.Series([None] * len(facilities))).to_numpy(
            dtype=object
        )
    else:
        if villages is None or not len(villages):
            return f"needs a villages layer (村/社区, villages) to find the {word} units"
        layer, id_column = villages, "village_id"
        unit_of = _within(facilities, villages, villages["village_id"])
    chosen = layer[layer["unit_type"].eq(level).fillna(False)]
    untyped = int(layer["unit_type"].isna().sum())
    if not len(chosen):
        endings = {"street": "街道", "township": "镇 or 乡", "village": "村", "community": "社区"}
        return (
            f"no {word} among the {len(layer)} units (give a type column 类型 or names ending in "
            f"{endings.get(level, level)})"
        )
    ids = chosen[id_column].astype(str).tolist()
    names = dict(zip(ids, chosen["name"].astype(str), strict=True))
    return Units(ids, names, unit_of, untyped)


def attribute_notes(
    rule: Rule, facilities: pd.DataFrame, state: npt.ArrayLike, fields: list[str] | None = None
) -> list[str]:
    """Sentences about attributes behind a check: unknown ones, ones read from names, unchecked.

    Parameters
    ----------
    rule : Rule
        The rule (its ``select`` and ``params.unchecked_zh``).
    facilities : DataFrame
        The counted facilities (``attributes_inferred`` when loaded by :mod:`planning.io`).
    state : array-like
        :func:`~planning.analysis.selection.match_state` of each facility.
    fields : list of str, optional
        The attributes the check selects on; the rule's ``select`` keys by default.

    Returns
    -------
    list of str
    """
    st = np.asarray(state)
    fields = list(rule.select) if fields is None else fields
    notes = []
    unknown = int((st == UNKNOWN).sum())
    if unknown:
        named = " or ".join(f"{f} ({_ATTRIBUTE_ZH.get(f, f)})" for f in fields)
        notes.append(
            f"{unknown} facilities of the counted kinds lack {named}; the figure leaves them "
            "out and a verdict is given only where they cannot change it"
        )
    inferred = facilities.get("attributes_inferred")
    if inferred is not None and fields and (st == YES).any():
        read = [set(str(v).split(",")) & set(fields) for v in inferred.to_numpy()[st == YES] if v]
        n = sum(1 for r in read if r)
        if n:
            which = sorted(set().union(*read))
            notes.append(
                f"⚠ stand-in: {', '.join(which)} of {n} counted facilities read from their "
                "names or kinds, not from a column"
            )
    unchecked = rule.params.get("unchecked_zh")
    if unchecked:
        notes.append(f"⚠ not checked (no field in the data): {unchecked}")
    return notes
