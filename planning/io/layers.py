"""Loading the input layers into the canonical data model (加载输入图层).

:func:`load_inputs` reads estates (居住小区), facilities (养老服务设施), gates (小区出入口) and
streets (街道/乡镇), converts Chinese map coordinates (GCJ-02/BD-09) to WGS-84, projects every
layer into one local metric CRS (:func:`planning.coords.local_metric_crs` of the estates), and
checks everything, collecting all problems in one :class:`~planning.validation.ValidationReport`.
The single-layer loaders (:func:`load_estates`, …) do the same for one file.

Order of the checks per layer: columns → values (rows without households, unknown facility
kinds … dropped) → CRS and coordinates → geometry (missing dropped, invalid repaired) → duplicate
ids → geocoding outliers (far outside the study area) → links between layers (gates and
facilities pointing at estates).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from planning.coords import local_metric_crs, transform_function
from planning.io.fields import layer_fields, own_fields, shared_fields
from planning.io.normalise import assign_ids, normalise_layer
from planning.io.readers import RawTable, read_raw
from planning.schema import LAYERS, resolve_columns
from planning.validation import (
    StudyArea,
    ValidationReport,
    check_duplicate_ids,
    check_geometries,
    check_links,
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
_ID_COLUMN = {
    "estates": "estate_id",
    "facilities": "facility_id",
    "gates": "gate_id",
    "streets": "street_id",
}
_GEOMETRY = {"estates": "any", "facilities": "any", "gates": "point", "streets": "polygon"}
_SIDECARS = (".dbf", ".shx", ".prj", ".cpg")


@dataclass
class Inputs:
    """All input layers in one local metric CRS.

    Attributes
    ----------
    estates : GeoDataFrame
        居住小区 (canonical columns, see ``docs/architecture.md``).
    facilities, gates, streets : GeoDataFrame or None
        养老服务设施, 小区出入口, 街道/乡镇; ``None`` when not given.
    crs : pyproj.CRS or None
        The common projected CRS (metres); ``None`` only when no layer had a usable CRS (the
        report is then unusable).
    source_files : dict
        ``path → sha256`` of every file read (shapefile sidecars included), for reproducibility.
    report : ValidationReport or None
        Every problem found while loading (set by :func:`planning.load_inputs`).
    """

    estates: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame | None = None
    gates: gpd.GeoDataFrame | None = None
    streets: gpd.GeoDataFrame | None = None
    crs: pyproj.CRS | None = None
    source_files: dict[str, str] = field(default_factory=dict)
    report: ValidationReport | None = None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _hash_sources(path: PathLike) -> dict[str, str]:
    p = Path(path)
    files = [p]
    if p.suffix.lower() == ".shp":
        files += [p.with_suffix(s) for s in _SIDECARS if p.with_suffix(s).exists()]
    return {str(f): _sha256(f) for f in files if f.is_file()}


@dataclass
class _Staged:
    """A layer read and renamed, with ids and geometry (in its source CRS or WGS-84)."""

    layer: str
    file: str
    frame: gpd.GeoDataFrame
    mapping: dict[str, str]


def _stage(
    layer: str,
    path: PathLike,
    report: ValidationReport,
    *,
    fields: Mapping[str, str],
    coords: str | None,
    crs: Any,
    raw: RawTable,
) -> _Staged:
    """Resolve columns, assign ids and build the geometry of one layer."""
    file = str(path)
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
    geo = _geometry(layer, raw, report, file=file, coords=coords, crs=crs)
    data = pd.DataFrame(frame[attributes]).copy()
    data["source_row"] = np.asarray(frame.index, dtype=np.int64) + raw.row_base
    gdf = gpd.GeoDataFrame(data, geometry=geo.values, crs=geo.crs).reset_index(drop=True)
    gdf = assign_ids(layer, gdf, mapping, report, file=file)
    return _Staged(layer, file, gdf, mapping)


def _geometry(
    layer: str,
    raw: RawTable,
    report: ValidationReport,
    *,
    file: str,
    coords: str | None,
    crs: Any,
) -> gpd.GeoSeries:
    """Return the geometry of ``raw`` with its CRS, converted from GCJ-02/BD-09 when asked."""
    frame = raw.frame
    given = pyproj.CRS.from_user_input(crs) if crs is not None else None
    if not isinstance(frame, gpd.GeoDataFrame):
        columns = ", ".join(str(c) for c in frame.columns)
        report.add("no_geometry", file=file, layer=layer, count=len(frame), columns=columns)
        return gpd.GeoSeries([None] * len(frame), index=frame.index)
    geoms = frame.geometry.copy()
    source = frame.crs
    if raw.xy is not None:
        x_col, y_col, _ = raw.xy
        if given is not None:
            source = given
        elif not raw.xy_geographic:
            report.add(
                "xy_needs_crs",
                file=file,
                layer=layer,
                count=len(frame),
                x=x_col,
                y=y_col,
                example=raw.xy_example,
            )
            return gpd.GeoSeries(geoms.values, index=frame.index, crs=None)
        elif coords in (None, "wgs84"):
            report.add(
                "coords_assumed_wgs84", file=file, layer=layer, count=len(frame), x=x_col, y=y_col
            )
    elif source is None:
        if given is None:
            report.add("crs_missing", file=file, layer=layer, count=len(frame))
            return gpd.GeoSeries(geoms.values, index=frame.index, crs=None)
        source = given
    elif given is not None and pyproj.CRS.from_user_input(source) != given:
        report.add(
            "crs_ignored",
            file=file,
            layer=layer,
            count=len(frame),
            given=given.to_string(),
            crs=pyproj.CRS(source).to_string(),
        )
    source = pyproj.CRS.from_user_input(source)
    geoms = gpd.GeoSeries(geoms.values, index=frame.index, crs=source)
    if coords is not None and coords.lower().replace("-", "") not in ("wgs84",):
        convert = transform_function(coords)
        if not source.is_geographic:
            report.add(
                "coords_ignored",
                file=file,
                layer=layer,
                count=len(frame),
                system=coords,
                crs=source.to_string(),
            )
            return geoms

        def _transform(xy: np.ndarray) -> np.ndarray:
            lon, lat = convert(xy[:, 0], xy[:, 1])
            return np.column_stack([lon, lat])

        converted = shapely.transform(np.asarray(geoms.values), _transform)
        report.add(
            "coords_converted", file=file, layer=layer, count=len(frame), system=coords.upper()
        )
        # CGCS2000 (EPSG:4490) and WGS-84 differ by centimetres: the result is WGS-84.
        geoms = gpd.GeoSeries(converted, index=frame.index, crs="EPSG:4326")
    return geoms


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
    if area is not None and layer != "streets" and frame.crs is not None:
        frame = flag_outliers(frame, area, report, file=file, layer=layer, id_column="_id")
    frame = normalise_layer(
        layer, frame, staged.mapping, report, file=file, new_estate_cutoff_year=cutoff
    )
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
    estates: PathLike,
    facilities: PathLike | None = None,
    gates: PathLike | None = None,
    streets: PathLike | None = None,
    *,
    fields: Mapping[str, str] | None = None,
    coords: str | Mapping[str, str | None] | None = None,
    new_estate_cutoff_year: int | None = None,
    crs: Any = None,
    layers: Mapping[str, str] | None = None,
) -> tuple[Inputs, ValidationReport]:
    """Load and check all input layers.

    Parameters
    ----------
    estates : path-like
        居住小区 file (polygons or points; CSV/XLSX with coordinates).
    facilities, gates, streets : path-like, optional
        养老服务设施, 小区出入口 and 街道/乡镇 files.
    fields : mapping, optional
        ``--field`` mappings ``canonical → source column``; keys may be qualified with the layer
        (``"facilities.name"``). Unqualified keys apply to every layer that has that field and
        whose file has that column.
    coords : {None, "wgs84", "gcj02", "bd09"} or mapping, optional
        Coordinate system of longitude/latitude data (one value for all layers, or per layer,
        e.g. ``{"estates": "bd09", "facilities": "gcj02"}``); converted to WGS-84 before
        projecting. ``None``: WGS-84/CGCS2000.
    new_estate_cutoff_year : int, optional
        Estates built in or after this year are new (新建) when there is no status column.
    crs : CRS-like or mapping, optional
        CRS of files that lack one (or of x/y columns); one value or per layer.
    layers : mapping, optional
        GeoPackage layer / XLSX sheet per input layer.

    Returns
    -------
    inputs : Inputs
        The layers in one metric CRS (ready for analysis only when ``report.usable``).
    report : ValidationReport
        Every problem found; call :meth:`~ValidationReport.raise_if_unusable`.

    Raises
    ------
    InputFileError
        When a file cannot be read at all.
    InputDataError
        When ``fields`` names unknown fields or missing columns.
    """
    report = ValidationReport()
    paths = {"estates": estates, "facilities": facilities, "gates": gates, "streets": streets}
    given = {layer: p for layer, p in paths.items() if p is not None}
    raws = {layer: read_raw(p, _per_layer(layers, layer)) for layer, p in given.items()}
    columns = {layer: [str(c) for c in raw.frame.columns] for layer, raw in raws.items()}
    shared = shared_fields(fields, columns)
    staged: dict[str, _Staged] = {
        layer: _stage(
            layer,
            given[layer],
            report,
            fields={**shared[layer], **layer_fields(fields, layer)},
            coords=_coords_for(coords, layer),
            crs=_per_layer(crs, layer),
            raw=raws[layer],
        )
        for layer in ("estates", "facilities", "gates", "streets")
        if layer in given
    }
    target = _target_crs(staged)
    located = {layer: _locate(st, report, target) for layer, st in staged.items()}
    result: dict[str, gpd.GeoDataFrame | None] = dict.fromkeys(LAYERS)
    if "streets" in staged:
        result["streets"] = _complete(
            staged["streets"], located["streets"], report, cutoff=None, area=None
        )
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
    sources: dict[str, str] = {}
    for p in given.values():
        sources.update(_hash_sources(p))
    inputs = Inputs(
        estates=estates_frame,
        facilities=result["facilities"],
        gates=result["gates"],
        streets=result["streets"],
        crs=target,
        source_files=sources,
        report=report,
    )
    return inputs, report


def _load_one(
    layer: str,
    path: PathLike,
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
    raw = read_raw(path, layer_name)
    flat = {**own_fields(fields, layer), **layer_fields(fields, layer)}
    staged = _stage(layer, path, report, fields=flat, coords=coords, crs=crs, raw=raw)
    target = (
        pyproj.CRS.from_user_input(target_crs)
        if target_crs is not None
        else _target_crs({layer: staged})
    )
    located = _locate(staged, report, target)
    area = _area(located, None) if layer != "streets" else None
    frame = _complete(staged, located, report, cutoff=cutoff, area=area)
    if layer == "estates":
        _check_estates_left(frame, report)
    return frame, report


def load_estates(
    path: PathLike,
    *,
    fields: Mapping[str, str] | None = None,
    coords: str | None = None,
    layer: str | None = None,
    new_estate_cutoff_year: int | None = None,
    crs: Any = None,
    target_crs: Any = None,
    report: ValidationReport | None = None,
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    """Load and check an estates file (居住小区) on its own.

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
    path: PathLike,
    *,
    fields: Mapping[str, str] | None = None,
    coords: str | None = None,
    layer: str | None = None,
    crs: Any = None,
    target_crs: Any = None,
    report: ValidationReport | None = None,
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    """Load and check a facilities file (养老服务设施) on its own (see :func:`load_estates`).

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
    path: PathLike,
    *,
    fields: Mapping[str, str] | None = None,
    coords: str | None = None,
    layer: str | None = None,
    crs: Any = None,
    target_crs: Any = None,
    report: ValidationReport | None = None,
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    """Load and check a gates file (小区出入口) on its own (see :func:`load_estates`).

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
    path: PathLike,
    *,
    fields: Mapping[str, str] | None = None,
    coords: str | None = None,
    layer: str | None = None,
    crs: Any = None,
    target_crs: Any = None,
    report: ValidationReport | None = None,
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    """Load and check a streets file (街道/乡镇 boundaries) on its own (see :func:`load_estates`)."""
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
