"""Loading the input layers into the canonical data model (加载输入图层).

:func:`load_inputs` reads estates (居住小区), facilities (养老服务设施), gates (小区出入口) and
streets (街道/乡镇) — files, GeoDataFrames or DataFrames with lon/lat columns
(:mod:`planning.io.frames`) — converts Chinese map coordinates (GCJ-02/BD-09) to WGS-84, projects every
layer into one local metric CRS (:func:`planning.coords.local_metric_crs` of the estates), and
checks everything, collecting all problems in one :class:`~planning.validation.ValidationReport`.
The single-layer loaders (:func:`load_estates`, …) do the same for one layer.

Order of the checks per layer: columns → values (rows without households, unknown facility
kinds … dropped) → CRS and coordinates → geometry (missing dropped, invalid repaired) → duplicate
ids → geocoding outliers (far outside the study area) → links between layers (gates and
facilities pointing at estates).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from planning.coords import local_metric_crs
from planning.io.fields import layer_fields, own_fields, shared_fields
from planning.io.frames import Source, open_source
from planning.io.georeference import layer_geometry
from planning.io.hygiene import STRICT_CODES, check_fixes, clean_controls, swapped_coordinates
from planning.io.normalise import assign_ids, normalise_layer
from planning.schema import LAYERS, resolve_columns
from planning.validation import (
    StudyArea,
    ValidationReport,
    check_duplicate_ids,
    check_geometries,
    check_links,
    check_plausible,
    flag_outliers,
    study_area,
)

__all__ = [
    "Inputs",
    "load_estates",
    "load_facilities",
    "load_gates",
    "load_inputs",
    "load_streets",
]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]
#: One input layer: a file, a GeoDataFrame (any CRS) or a DataFrame with lon/lat columns.
LayerSource = PathLike | pd.DataFrame
_ID_COLUMN = {
    "estates": "estate_id",
    "facilities": "facility_id",
    "gates": "gate_id",
    "streets": "street_id",
    "zones": "zone_id",
    "villages": "village_id",
}
_GEOMETRY = {"estates": "any", "facilities": "any", "gates": "point", "streets": "polygon",
             "zones": "polygon", "villages": "polygon"}  # fmt: skip
_AREAS = ("streets", "zones", "villages")  # boundaries: no outlier check, loaded before estates


@dataclass
class Inputs:
    """All input layers in one local metric CRS.

    Attributes
    ----------
    estates : GeoDataFrame
        居住小区 (canonical columns, see ``docs/architecture.md``).
    facilities, gates, streets : GeoDataFrame or None
        养老服务设施, 小区出入口, 街道/乡镇; ``None`` when not given.
    zones, villages : GeoDataFrame or None
        规划分区 (``zone``: 主城区 …) and 村/社区 polygons, for rules limited to a zone or
        counted per village; ``None`` when not given.
    crs : pyproj.CRS or None
        The common projected CRS (metres); ``None`` only when no layer had a usable CRS (the
        report is then unusable).
    source_files : dict
        ``path → sha256`` of every file read (shapefile sidecars included), and
        ``"<layer> (GeoDataFrame)" → sha256`` of the content of every frame given (equal content,
        equal hash), for reproducibility.
    report : ValidationReport or None
        Every problem found while loading (set by :func:`planning.load_inputs`).
    """

    estates: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame | None = None
    gates: gpd.GeoDataFrame | None = None
    streets: gpd.GeoDataFrame | None = None
    crs: pyproj.CRS | None = None
    zones: gpd.GeoDataFrame | None = None
    villages: gpd.GeoDataFrame | None = None
    source_files: dict[str, str] = field(default_factory=dict)
    report: ValidationReport | None = None


@dataclass
class _Staged:
    """A layer read and renamed, with ids and geometry (in its source CRS or WGS-84)."""

    layer: str
    file: str
    frame: gpd.GeoDataFrame
    mapping: dict[str, str]


def _stage(
    layer: str,
    source: Source,
    report: ValidationReport,
    *,
    fields: Mapping[str, str],
    coords: str | None,
    crs: Any,
    fixes: frozenset[str] = frozenset(),
) -> _Staged:
    """Resolve columns, assign ids and build the geometry of one layer."""
    raw, file = source.raw, source.name
    clean_controls(raw, report, file=file, layer=layer)  # escape codes, zero-width spaces …
    frame = raw.frame
    report.files[layer] = file
    report.rows_read[layer] = len(frame) + raw.blank_rows
    if raw.blank_rows:
        report.record_drop(layer, "blank_row", raw.blank_rows)
        report.add("blank_rows", file=file, layer=layer, count=raw.blank_rows)
    attributes = [c for c in frame.columns if c != getattr(frame, "_geometry_column_name", None)]
    mapping = resolve_columns(attributes, layer, fields, file=file)
    if raw.encoding_detected and raw.encoding is not None:
        code = "encoding_detected" if raw.encoding_certain else "encoding_unknown"
        report.add(code, file=file, layer=layer, count=len(frame), encoding=raw.encoding)
    geo = layer_geometry(layer, raw, report, file=file, coords=coords, crs=crs)
    data = pd.DataFrame(frame[attributes]).copy()
    data["source_row"] = np.asarray(frame.index, dtype=np.int64) + raw.row_base
    gdf = gpd.GeoDataFrame(data, geometry=geo.values, crs=geo.crs).reset_index(drop=True)
    gdf = assign_ids(layer, gdf, mapping, report, file=file)
    gdf = swapped_coordinates(gdf, raw, report, file=file, layer=layer, fixes=fixes)
    return _Staged(layer, file, gdf, mapping)


def _locate(
    staged: _Staged, report: ValidationReport, target: pyproj.CRS | None
) -> gpd.GeoDataFrame:
    """Project into ``target`` and check the geometry (missing dropped, invalid repaired).

    Without a target (no layer has a usable CRS) the geometry is checked where it is.
    """
    frame = staged.frame
    if frame.crs is not None and target is not None:
        frame = frame.to_crs(target)
    return check_geometries(
        frame,
        report,
        file=staged.file,
        layer=staged.layer,
        allowed=_GEOMETRY[staged.layer],
        id_column="_id",
    )


def _complete(
    staged: _Staged,
    frame: gpd.GeoDataFrame,
    report: ValidationReport,
    *,
    cutoff: int | None,
    area: StudyArea | None,
    estate_ids: pd.Series | None = None,
) -> gpd.GeoDataFrame:
    """Drop outliers, parse the values, check ids and links; record the rows kept."""
    layer, file = staged.layer, staged.file
    if area is not None and layer not in _AREAS and frame.crs is not None:
        frame = flag_outliers(frame, area, report, file=file, layer=layer, id_column="_id")
    frame = normalise_layer(
        layer, frame, staged.mapping, report, file=file, new_estate_cutoff_year=cutoff
    )
    check_plausible(layer, frame, report, file=file)
    frame = check_duplicate_ids(frame, _ID_COLUMN[layer], report, file=file, layer=layer)
    if estate_ids is not None and layer in ("facilities", "gates"):
        frame = check_links(frame, estate_ids, report, file=file, layer=layer)
    frame = frame.reset_index(drop=True)
    report.rows_kept[layer] = len(frame)
    return frame


def _area(estates: gpd.GeoDataFrame, streets: gpd.GeoDataFrame | None) -> StudyArea | None:
    if estates.crs is None or not estates.crs.is_projected or len(estates) == 0:
        return None
    return study_area(estates.geometry, streets)


def _target_crs(staged: Mapping[str, _Staged]) -> pyproj.CRS | None:
    for layer in ("estates", "facilities", "gates", "streets"):
        frame = staged[layer].frame if layer in staged else None
        if frame is None or frame.crs is None:
            continue
        usable = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
        if len(usable):
            return local_metric_crs(usable)
    return None


def _coords_for(coords: str | Mapping[str, str | None] | None, layer: str) -> str | None:
    if coords is None or isinstance(coords, str):
        return coords
    return coords.get(layer)


def _per_layer(value: Any, layer: str) -> Any:
    if isinstance(value, Mapping):
        return value.get(layer)
    return value


def _check_estates_left(estates: gpd.GeoDataFrame, report: ValidationReport) -> None:
    if len(estates) == 0 and not any(p.layer == "estates" for p in report.errors):
        report.add("no_estates", file=report.files.get("estates", ""), layer="estates", count=0)


def load_inputs(
    estates: LayerSource,
    facilities: LayerSource | None = None,
    gates: LayerSource | None = None,
    streets: LayerSource | None = None,
    *,
    fields: Mapping[str, str] | None = None,
    coords: str | Mapping[str, str | None] | None = None,
    new_estate_cutoff_year: int | None = None,
    crs: Any = None,
    layers: Mapping[str, str] | None = None,
    zones: LayerSource | None = None,
    villages: LayerSource | None = None,
    strict: bool = False,
    fix: Collection[str] | None = None,
) -> tuple[Inputs, ValidationReport]:
    """Load and check all input layers.

    Parameters
    ----------
    estates : path-like, GeoDataFrame or DataFrame
        居住小区: a file (polygons or points; CSV/XLSX with coordinate columns), a GeoDataFrame
        in any CRS, or a DataFrame with lon/lat (经度/纬度, x/y) columns. Frames are read like
        files (same checks and messages, rows numbered from 1) and never modified.
    facilities, gates, streets : path-like, GeoDataFrame or DataFrame, optional
        养老服务设施, 小区出入口 and 街道/乡镇, given the same ways.
    fields : mapping, optional
        Mappings ``canonical → source column``; keys may be qualified with the layer
        (``"facilities.name"``). Unqualified keys apply to every layer that has that field and
        whose data has that column.
    coords : {None, "wgs84", "gcj02", "bd09"} or mapping, optional
        Coordinate system of longitude/latitude data (one value for all layers, or per layer,
        e.g. ``{"estates": "bd09", "facilities": "gcj02"}``); converted to WGS-84 before
        projecting. ``None``: WGS-84/CGCS2000.
    new_estate_cutoff_year : int, optional
        Estates built in or after this year are new (新建) when there is no status column.
    crs : CRS-like or mapping, optional
        CRS of data that lacks one (or of x/y columns); one value or per layer.
    layers : mapping, optional
        GeoPackage layer / XLSX sheet per input layer.
    zones, villages : path-like, GeoDataFrame or DataFrame, optional
        规划分区 polygons with a ``zone`` (主城区, 中心城区, 乡镇 …) and 村/社区 polygons.
    strict : bool
        Implausible values, rows far from the rest and swapped coordinates are errors, not
        warnings (see :data:`planning.io.hygiene.STRICT_CODES`).
    fix : collection of str, optional
        Repairs to make: ``"swapped-coords"`` swaps back longitude/latitude swapped per row.

    Returns
    -------
    inputs : Inputs
        The layers in one metric CRS (ready for analysis only when ``report.usable``).
    report : ValidationReport
        Every problem found; call :meth:`~ValidationReport.raise_if_unusable`.

    Raises
    ------
    OptionError
        When an input is neither a path nor a frame.
    InputFileError
        When a file cannot be read at all.
    InputDataError
        When ``fields`` names unknown fields or missing columns, or a GeoDataFrame has no CRS.
    """
    report, fixes = ValidationReport(), check_fixes(fix)
    values = {"estates": estates, "facilities": facilities, "gates": gates, "streets": streets,
              "zones": zones, "villages": villages}  # fmt: skip
    sources = {
        layer: open_source(value, layer, _per_layer(layers, layer), crs=_per_layer(crs, layer))
        for layer, value in values.items()
        if value is not None
    }
    columns = {layer: [str(c) for c in src.raw.frame.columns] for layer, src in sources.items()}
    shared = shared_fields(fields, columns)
    staged: dict[str, _Staged] = {
        layer: _stage(
            layer,
            sources[layer],
            report,
            fields={**shared[layer], **layer_fields(fields, layer)},
            coords=_coords_for(coords, layer),
            crs=_per_layer(crs, layer),
            fixes=fixes,
        )
        for layer in LAYERS
        if layer in sources
    }
    target = _target_crs(staged)
    located = {layer: _locate(st, report, target) for layer, st in staged.items()}
    result: dict[str, gpd.GeoDataFrame | None] = dict.fromkeys(LAYERS)
    for layer in (a for a in _AREAS if a in staged):
        result[layer] = _complete(staged[layer], located[layer], report, cutoff=None, area=None)
    area = _area(located["estates"], result["streets"])
    estates_frame = _complete(
        staged["estates"], located["estates"], report, cutoff=new_estate_cutoff_year, area=area
    )
    for layer in ("facilities", "gates"):
        if layer in staged:
            result[layer] = _complete(
                staged[layer],
                located[layer],
                report,
                cutoff=None,
                area=area,
                estate_ids=estates_frame["estate_id"],
            )
    _check_estates_left(estates_frame, report)
    if strict:
        report.escalate(STRICT_CODES)
    hashes: dict[str, str] = {}
    for src in sources.values():
        hashes.update(src.hashes)
    inputs = Inputs(
        estates=estates_frame,
        facilities=result["facilities"],
        gates=result["gates"],
        streets=result["streets"],
        zones=result["zones"],
        villages=result["villages"],
        crs=target,
        source_files=hashes,
        report=report,
    )
    return inputs, report


def _load_one(
    layer: str,
    value: LayerSource,
    *,
    fields: Mapping[str, str] | None,
    coords: str | None,
    layer_name: str | None,
    crs: Any,
    cutoff: int | None,
    target_crs: Any,
    report: ValidationReport | None,
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    report = report if report is not None else ValidationReport()
    source = open_source(value, layer, layer_name, crs=crs)
    flat = {**own_fields(fields, layer), **layer_fields(fields, layer)}
    staged = _stage(layer, source, report, fields=flat, coords=coords, crs=crs)
    target = (
        pyproj.CRS.from_user_input(target_crs)
        if target_crs is not None
        else _target_crs({layer: staged})
    )
    located = _locate(staged, report, target)
    area = _area(located, None) if layer not in _AREAS else None
    frame = _complete(staged, located, report, cutoff=cutoff, area=area)
    if layer == "estates":
        _check_estates_left(frame, report)
    return frame, report


def load_estates(
    path: LayerSource,
    *,
    fields: Mapping[str, str] | None = None,
    coords: str | None = None,
    layer: str | None = None,
    new_estate_cutoff_year: int | None = None,
    crs: Any = None,
    target_crs: Any = None,
    report: ValidationReport | None = None,
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    """Load and check estates (居住小区) on their own: a file, a GeoDataFrame or a DataFrame.

    Parameters are those of :func:`load_inputs` for one layer, plus ``target_crs`` (project
    into this CRS instead of choosing one) and ``report`` (append the problems to it). Outliers
    are judged against the estates' own core area.

    Returns
    -------
    estates : GeoDataFrame
        Canonical estate columns in a metric CRS.
    report : ValidationReport
        The problems found.
    """
    return _load_one(
        "estates",
        path,
        fields=fields,
        coords=coords,
        layer_name=layer,
        crs=crs,
        cutoff=new_estate_cutoff_year,
        target_crs=target_crs,
        report=report,
    )


def load_facilities(
    path: LayerSource,
    *,
    fields: Mapping[str, str] | None = None,
    coords: str | None = None,
    layer: str | None = None,
    crs: Any = None,
    target_crs: Any = None,
    report: ValidationReport | None = None,
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    """Load and check facilities (养老服务设施) on their own (see :func:`load_estates`).

    Links to estates (``estate_id``) are only checked by :func:`load_inputs`.
    """
    return _load_one(
        "facilities",
        path,
        fields=fields,
        coords=coords,
        layer_name=layer,
        crs=crs,
        cutoff=None,
        target_crs=target_crs,
        report=report,
    )


def load_gates(
    path: LayerSource,
    *,
    fields: Mapping[str, str] | None = None,
    coords: str | None = None,
    layer: str | None = None,
    crs: Any = None,
    target_crs: Any = None,
    report: ValidationReport | None = None,
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    """Load and check gates (小区出入口) on their own (see :func:`load_estates`).

    Links to estates (``estate_id``) are only checked by :func:`load_inputs`.
    """
    return _load_one(
        "gates",
        path,
        fields=fields,
        coords=coords,
        layer_name=layer,
        crs=crs,
        cutoff=None,
        target_crs=target_crs,
        report=report,
    )


def load_streets(
    path: LayerSource,
    *,
    fields: Mapping[str, str] | None = None,
    coords: str | None = None,
    layer: str | None = None,
    crs: Any = None,
    target_crs: Any = None,
    report: ValidationReport | None = None,
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    """Load and check streets (街道/乡镇 boundaries) on their own (see :func:`load_estates`)."""
    return _load_one(
        "streets",
        path,
        fields=fields,
        coords=coords,
        layer_name=layer,
        crs=crs,
        cutoff=None,
        target_crs=target_crs,
        report=report,
    )
