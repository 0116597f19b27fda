"""Turning source columns into the canonical columns of each layer (字段值标准化).

Each ``normalise_<layer>`` function takes a frame with the source columns, a ``source_row``
column and geometry, plus the ``canonical → source column`` mapping from
:func:`planning.schema.resolve_columns`, parses the values, reports every problem to the
:class:`~planning.validation.ValidationReport`, drops rows that cannot be used (with the reason)
and returns the canonical columns (dtypes of ``docs/architecture.md``) followed by
``source_row``, the unused source columns and ``geometry``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planning.io.areas import unit_types, village_columns, zone_columns
from planning.io.attributes import facility_attributes
from planning.io.kinds import classify_kinds, kind_notes
from planning.schema import (
    SCHEMAS,
    is_missing,
    kind_help,
    normalise_estate_status,
    normalise_facility_status,
    parse_number,
    parse_year,
)
from planning.validation import ValidationReport, drop_rows

__all__ = ["ID_PREFIX", "assign_ids", "normalise_layer"]

#: Prefix of generated ids per layer (E0001, F0001, G0001, S0001).
ID_PREFIX = {"estates": "E", "facilities": "F", "gates": "G", "streets": "S", "zones": "Z",
             "villages": "V"}  # fmt: skip
_ID_COLUMN = {
    "estates": "estate_id",
    "facilities": "facility_id",
    "gates": "gate_id",
    "streets": "street_id",
    "zones": "zone_id",
    "villages": "village_id",
}


@dataclass
class _Ctx:
    layer: str
    file: str
    report: ValidationReport
    mapping: Mapping[str, str]

    def add(self, code: str, frame: pd.DataFrame, mask: Any, **params: Any) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            id_col = _ID_COLUMN[self.layer]
            if id_col not in frame.columns:
                id_col = "_id"
            ids = frame.loc[mask, id_col] if id_col in frame.columns else ()
            self.report.add(
                code,
                file=self.file,
                layer=self.layer,
                rows=frame.loc[mask, "source_row"],
                ids=ids,
                **params,
            )


def _id_string(value: object) -> str | None:
    if is_missing(value):
        return None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _text(series: pd.Series) -> pd.Series:
    values = [None if is_missing(v) else (str(v).strip() or None) for v in series]
    return pd.Series(values, index=series.index, dtype=object)


def _column(frame: pd.DataFrame, ctx: _Ctx, field: str) -> pd.Series | None:
    source = ctx.mapping.get(field)
    return None if source is None else frame[source]


def _text_field(frame: pd.DataFrame, ctx: _Ctx, field: str) -> pd.Series | None:
    """Return a text field as str/None values, or ``None`` when the file lacks it."""
    source = _column(frame, ctx, field)
    return None if source is None else _text(source)


def _optional_text(frame: pd.DataFrame, ctx: _Ctx, field: str) -> pd.Series:
    """Return a text field as str/None values (all None when the file lacks it)."""
    values = _text_field(frame, ctx, field)
    if values is None:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return values


def _names(frame: pd.DataFrame, ctx: _Ctx, ids: pd.Series) -> pd.Series:
    """Return names, falling back to the ids where a name is missing."""
    names = _text_field(frame, ctx, "name")
    return (ids if names is None else names.fillna(ids)).astype("str")


def assign_ids(
    layer: str,
    frame: gpd.GeoDataFrame,
    mapping: Mapping[str, str],
    report: ValidationReport,
    *,
    file: str,
) -> gpd.GeoDataFrame:
    """Return ``frame`` with a text column ``_id``: the layer's ids, generated where missing.

    Without an id column, ids ``E0001``, ``F0001``, ``G0001``, ``S0001``… are generated in file
    order (reported as info); empty ids get a generated one (warning).
    """
    ctx = _Ctx(layer, file, report, mapping)
    return frame.assign(_id=_make_ids(frame, ctx))


def _make_ids(frame: pd.DataFrame, ctx: _Ctx) -> pd.Series:
    id_col = _ID_COLUMN[ctx.layer]
    prefix = ID_PREFIX[ctx.layer]
    width = max(4, len(str(len(frame))))
    source = _column(frame, ctx, id_col)
    if source is None:
        ids = [f"{prefix}{i:0{width}d}" for i in range(1, len(frame) + 1)]
        if ids:
            ctx.report.add(
                "id_generated", file=ctx.file, layer=ctx.layer, count=len(ids), first=ids[0]
            )
        return pd.Series(ids, index=frame.index, dtype="str")
    values = [_id_string(v) for v in source]
    empty = np.array([v is None for v in values])
    if empty.any():
        taken = {v for v in values if v is not None}
        counter = 0
        for i in np.flatnonzero(empty):
            while True:
                counter += 1
                candidate = f"{prefix}{counter:0{width}d}"
                if candidate not in taken:
                    break
            values[i] = candidate
            taken.add(candidate)
        ctx.add("id_missing", frame, empty)
    return pd.Series(values, index=frame.index, dtype="str")


def _numbers(
    frame: pd.DataFrame, ctx: _Ctx, field: str, *, negative_ok: bool = False
) -> np.ndarray:
    """Parse a numeric field; invalid or negative values become NaN with a warning."""
    source = _column(frame, ctx, field)
    if source is None:
        return np.full(len(frame), np.nan)
    parsed = [parse_number(v) for v in source]
    values = np.array([np.nan if v is None else v for v in parsed], dtype=float)
    present = ~np.array([is_missing(v) for v in source], dtype=bool)
    invalid = present & np.isnan(values)
    if not negative_ok:
        invalid |= values < 0
    if invalid.any():
        label = next(s.label_zh for s in SCHEMAS[ctx.layer] if s.name == field)
        example = str(source.to_numpy()[np.flatnonzero(invalid)[0]])
        ctx.add("number_invalid", frame, invalid, field=field, label=label, example=example)
        values[invalid] = np.nan
    return values


def _drop_by_reason(
    frame: gpd.GeoDataFrame, reasons: np.ndarray, ctx: _Ctx, codes: Mapping[str, dict[str, Any]]
) -> gpd.GeoDataFrame:
    frame = frame.assign(_reason=reasons)
    for code, params in codes.items():
        frame = drop_rows(
            frame,
            frame["_reason"].to_numpy() == code,
            ctx.report,
            code,
            file=ctx.file,
            layer=ctx.layer,
            id_column="_id",
            **params,
        )
    return frame.drop(columns="_reason")


def _households(frame: gpd.GeoDataFrame, ctx: _Ctx) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Parse households; drop (with the reason) rows whose households are unusable."""
    source = _column(frame, ctx, "households")
    if source is None:
        _report_missing_column(frame, ctx, "households", "户数")
        return frame, np.zeros(len(frame), dtype=np.int64)
    raw = source.to_numpy()
    values = np.array([np.nan if (p := parse_number(v)) is None else p for v in raw], dtype=float)
    missing = np.array([is_missing(v) for v in raw], dtype=bool)
    reasons = np.full(len(frame), "", dtype=object)
    reasons[missing] = "households_missing"
    reasons[~missing & np.isnan(values)] = "households_invalid"
    reasons[values < 0] = "households_negative"
    reasons[values == 0] = "households_zero"
    if len(frame) and (reasons != "").all():
        ctx.report.add("households_all_missing", file=ctx.file, layer=ctx.layer, count=len(frame))
    invalid_example = next(
        (str(v) for v, r in zip(raw, reasons, strict=True) if r == "households_invalid"), ""
    )
    frame = _drop_by_reason(
        frame.assign(_households=values),
        reasons,
        ctx,
        {
            "households_missing": {},
            "households_invalid": {"example": invalid_example},
            "households_negative": {},
            "households_zero": {},
        },
    )
    values = frame["_households"].to_numpy(dtype=float)
    frame = frame.drop(columns="_households")
    ctx.add("households_non_integer", frame, values != np.round(values))
    return frame, np.round(values).astype(np.int64)


def _report_missing_column(frame: pd.DataFrame, ctx: _Ctx, field: str, label: str) -> None:
    """Report a required column that is absent, listing the columns the planner's file has."""
    columns = ", ".join(str(c) for c in frame.columns if c not in ("geometry", "source_row", "_id"))
    ctx.report.add(
        "column_missing",
        file=ctx.file,
        layer=ctx.layer,
        count=len(frame),
        field=field,
        label=label,
        columns=columns,
    )


def _estates(frame: gpd.GeoDataFrame, ctx: _Ctx, cutoff: int | None) -> gpd.GeoDataFrame:
    frame, households = _households(frame, ctx)
    out = pd.DataFrame(index=frame.index)
    out["estate_id"] = frame["_id"].astype("str")
    out["name"] = _names(frame, ctx, out["estate_id"])
    out["source_row"] = frame["source_row"]
    # built_year
    years = pd.array([pd.NA] * len(frame), dtype="Int64")
    year_source = _column(frame, ctx, "built_year")
    if year_source is not None:
        parsed = [parse_year(v) for v in year_source]
        years = pd.array(parsed, dtype="Int64")
        bad = np.array(
            [(p is None) and not is_missing(v) for p, v in zip(parsed, year_source, strict=True)]
        )
        if bad.any():
            ctx.add(
                "built_year_invalid",
                out,
                bad,
                example=str(year_source.to_numpy()[np.flatnonzero(bad)[0]]),
            )
    out["built_year"] = years
    # status
    by_year = np.full(len(frame), None, dtype=object)
    if cutoff is not None and year_source is not None:
        yr = out["built_year"]
        by_year = np.array(
            [None if pd.isna(y) else ("new" if y >= cutoff else "existing") for y in yr],
            dtype=object,
        )
    status_source = _column(frame, ctx, "status")
    if status_source is None:
        status = by_year.copy()
        if cutoff is not None and year_source is not None:
            ctx.report.add(
                "status_derived", file=ctx.file, layer=ctx.layer, count=len(frame), cutoff=cutoff
            )
    else:
        parsed_status = [normalise_estate_status(v) for v in status_source]
        status = np.array(parsed_status, dtype=object)
        bad = np.array(
            [
                p is None and not is_missing(v)
                for p, v in zip(parsed_status, status_source, strict=True)
            ]
        )
        if bad.any():
            ctx.add(
                "status_invalid",
                out,
                bad,
                example=str(status_source.to_numpy()[np.flatnonzero(bad)[0]]),
                default="existing (既有) unless the build year says new",
                accepted="新建 (new) or 既有 (existing)",
            )
        status = np.where(status == None, by_year, status)  # noqa: E711
    unknown = np.array([s is None for s in status])
    if year_source is None:
        why, why_zh = "and no build year (建成年代)", "且无建成年代"
    elif cutoff is None:
        why, why_zh = "and no new-estate cut-off year was given", "且未指定新建小区年份界限"
    else:
        why, why_zh = "and no build year (建成年代)", "且无建成年代"
    ctx.add("status_unknown", out, unknown, why=why, why_zh=why_zh)
    out["status"] = pd.Series(np.where(unknown, "existing", status), index=frame.index, dtype="str")
    pop = _numbers(frame, ctx, "population")
    eld = _numbers(frame, ctx, "elderly")
    ctx.add("elderly_exceeds_population", out, eld > pop)
    out["population"] = pop
    out["elderly"] = eld
    out["street"] = _optional_text(frame, ctx, "street")
    out["households"] = households
    return _assemble(out, frame, ctx)


def _kinds(frame: gpd.GeoDataFrame, ctx: _Ctx) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Classify facility kinds (from the type column, else the name); drop unknown kinds."""
    names = _text_field(frame, ctx, "name")
    kind_source = _column(frame, ctx, "kind")
    if kind_source is None and len(frame):
        ctx.report.add("kind_from_name", file=ctx.file, layer=ctx.layer, count=len(frame))
    classified = classify_kinds(None if kind_source is None else list(kind_source), names)
    for code, mask, values in kind_notes(classified, kind_source, names):
        ctx.add(code, frame, mask, **values)  # type and name disagree (幼儿园 named 敬老院)
    kinds = classified.kinds
    unknown = np.array([k is None for k in kinds], dtype=bool)
    example = ""
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        shown = kind_source if kind_source is not None else names
        example = "" if shown is None else str(shown.iloc[i])
    frame = _drop_by_reason(
        frame.assign(_kind=[k or "" for k in kinds]),
        np.where(unknown, "kind_unknown", ""),
        ctx,
        {"kind_unknown": {"example": example, "accepted": kind_help()}},
    )
    result = [str(k) for k in frame["_kind"]]
    return frame.drop(columns="_kind"), result


def _facilities(frame: gpd.GeoDataFrame, ctx: _Ctx) -> gpd.GeoDataFrame:
    frame, kinds = _kinds(frame, ctx)
    out = pd.DataFrame(index=frame.index)
    out["facility_id"] = frame["_id"].astype("str")
    out["name"] = _names(frame, ctx, out["facility_id"])
    out["source_row"] = frame["source_row"]
    out["kind"] = pd.Series(kinds, index=frame.index, dtype="str")
    floor = _numbers(frame, ctx, "floor_m2", negative_ok=True)
    negative = floor < 0
    ctx.add("floor_area_negative", out, negative)
    missing = np.isnan(floor)
    ctx.add("floor_area_missing", out, missing)
    out["floor_m2"] = np.where(negative | missing, 0.0, floor)
    out["land_m2"] = _numbers(frame, ctx, "land_m2")
    out["beds"] = _numbers(frame, ctx, "beds")
    out["nursing_beds"] = _numbers(frame, ctx, "nursing_beds")
    ctx.add("nursing_beds_exceed_beds", out, out["nursing_beds"] > out["beds"])
    link = _column(frame, ctx, "estate_id")
    links = [None] * len(frame) if link is None else [_id_string(v) for v in link]
    out["estate_id"] = pd.Series(links, index=frame.index, dtype=object)
    status_source = _column(frame, ctx, "status")
    status: list[str]
    if status_source is None:
        status = ["existing"] * len(frame)
    else:
        parsed = [normalise_facility_status(v) for v in status_source]
        bad = np.array(
            [p is None and not is_missing(v) for p, v in zip(parsed, status_source, strict=True)]
        )
        if bad.any():
            ctx.add(
                "status_invalid",
                out,
                bad,
                example=str(status_source.to_numpy()[np.flatnonzero(bad)[0]]),
                default="existing (现状)",
                accepted="现状 (existing) or 规划 (planned)",
            )
        status = [p or "existing" for p in parsed]
    out["status"] = pd.Series(status, index=frame.index, dtype="str")
    for field in ("street", "county"):
        out[field] = _optional_text(frame, ctx, field)
    # 举办性质, 特困供养, 医养结合, 层级, 职能, 助餐: columns, else names (planning.io.attributes)
    out = out.assign(**facility_attributes(out, frame, ctx.mapping, ctx.add))
    return _assemble(out, frame, ctx)


def _gates(frame: gpd.GeoDataFrame, ctx: _Ctx) -> gpd.GeoDataFrame:
    out = pd.DataFrame(index=frame.index)
    out["gate_id"] = frame["_id"].astype("str")
    link = _column(frame, ctx, "estate_id")
    if link is None:
        _report_missing_column(frame, ctx, "estate_id", "所属小区编号")
        values: list[str | None] = [None] * len(frame)
    else:
        values = [_id_string(v) for v in link]
    out["estate_id"] = pd.Series(values, index=frame.index, dtype=object)
    out["source_row"] = frame["source_row"]
    return _assemble(out, frame, ctx)


def _streets(frame: gpd.GeoDataFrame, ctx: _Ctx) -> gpd.GeoDataFrame:
    out = pd.DataFrame(index=frame.index)
    out["street_id"] = frame["_id"].astype("str")
    out["name"] = _names(frame, ctx, out["street_id"])
    out["county"] = _optional_text(frame, ctx, "county")
    out["unit_type"] = unit_types(out, frame, ctx.mapping, ctx.add)
    out["source_row"] = frame["source_row"]
    return _assemble(out, frame, ctx)


def _areas(frame: gpd.GeoDataFrame, ctx: _Ctx) -> gpd.GeoDataFrame:
    """Zones (规划分区) and villages (村/社区): columns from :mod:`planning.io.areas`."""
    columns = zone_columns if ctx.layer == "zones" else village_columns
    return _assemble(columns(frame, ctx.mapping, ctx.file, ctx.add), frame, ctx)


def _assemble(out: pd.DataFrame, frame: gpd.GeoDataFrame, ctx: _Ctx) -> gpd.GeoDataFrame:
    """Order canonical columns, then ``source_row``, unused source columns and geometry."""
    canonical = [s.name for s in SCHEMAS[ctx.layer]]
    used = set(ctx.mapping.values()) | {"geometry", "source_row", "_id"}
    extras = {}
    for col in frame.columns:
        if col in used:
            continue
        name = f"{col}_source" if col in canonical or col in ("source_row", "geometry") else col
        extras[name] = frame[col]
    columns = {c: out[c] for c in canonical}
    columns["source_row"] = out["source_row"].astype(np.int64)
    columns.update(extras)
    result = pd.DataFrame(columns, index=frame.index)
    return gpd.GeoDataFrame(result, geometry=frame.geometry.values, crs=frame.crs).reset_index(
        drop=True
    )


_NORMALISERS: dict[str, Callable[..., gpd.GeoDataFrame]] = {
    "facilities": _facilities,
    "gates": _gates,
    "streets": _streets,
    "zones": _areas,
    "villages": _areas,
}


def normalise_layer(
    layer: str,
    frame: gpd.GeoDataFrame,
    mapping: Mapping[str, str],
    report: ValidationReport,
    *,
    file: str,
    new_estate_cutoff_year: int | None = None,
) -> gpd.GeoDataFrame:
    """Return the canonical columns of ``layer`` parsed from ``frame`` (see module docstring).

    Parameters
    ----------
    layer : str
        ``estates``, ``facilities``, ``gates`` or ``streets``.
    frame : GeoDataFrame
        Source columns, ``source_row`` and geometry (possibly all missing).
    mapping : mapping
        ``canonical → source column``.
    report : ValidationReport
        Receives the problems and drop counts.
    file : str
        File name for the messages.
    new_estate_cutoff_year : int, optional
        Estates built in or after this year are ``new`` (新建) when there is no status column.

    Returns
    -------
    GeoDataFrame
        Canonical columns, ``source_row``, unused source columns, ``geometry``; RangeIndex.
    """
    ctx = _Ctx(layer, file, report, mapping)
    if layer == "estates":
        return _estates(frame, ctx, new_estate_cutoff_year)
    return _NORMALISERS[layer](frame, ctx)
