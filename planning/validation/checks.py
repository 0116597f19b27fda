"""Structural checks shared by all layers (结构性检查).

Missing/invalid geometry, duplicate ids, geocoding outliers far outside the study area and links
between layers. Each check records its problems in a :class:`ValidationReport` and drops rows
only together with a problem naming them. Frames passed in carry a ``source_row`` column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning import settings
from planning.validation.report import ValidationReport

__all__ = [
    "StudyArea",
    "check_duplicate_ids",
    "check_geometries",
    "check_links",
    "drop_rows",
    "flag_outliers",
    "study_area",
]


def _ids(frame: pd.DataFrame, id_column: str | None, mask: Any) -> list[object]:
    if id_column is None or id_column not in frame.columns:
        return []
    return list(frame.loc[mask, id_column])


def drop_rows(
    frame: gpd.GeoDataFrame,
    mask: Any,
    report: ValidationReport,
    code: str,
    *,
    file: str,
    layer: str,
    id_column: str | None = None,
    **params: Any,
) -> gpd.GeoDataFrame:
    """Drop the rows where ``mask`` is true, recording problem ``code`` naming them.

    ``frame`` must have a ``source_row`` column. Returns the remaining rows (new RangeIndex).
    """
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return frame
    report.add(
        code,
        file=file,
        layer=layer,
        rows=frame.loc[mask, "source_row"],
        ids=_ids(frame, id_column, mask),
        count=int(mask.sum()),
        **params,
    )
    report.record_drop(layer, code, int(mask.sum()))
    return frame.loc[~mask].reset_index(drop=True)


def check_duplicate_ids(
    frame: gpd.GeoDataFrame,
    id_column: str,
    report: ValidationReport,
    *,
    file: str,
    layer: str,
) -> gpd.GeoDataFrame:
    """Drop exact duplicate rows (warning) and flag ids shared by different rows (error)."""
    compare = [c for c in frame.columns if c != "source_row"]
    keys = pd.DataFrame(frame[compare]).copy()
    if "geometry" in keys.columns:
        keys["geometry"] = shapely.to_wkb(np.asarray(frame.geometry.values), hex=True)
    exact = keys.astype(str).duplicated(keep="first").to_numpy()
    frame = drop_rows(
        frame, exact, report, "duplicate_row", file=file, layer=layer, id_column=id_column
    )
    dup = frame[id_column].duplicated(keep=False).to_numpy()
    if dup.any():
        report.add(
            "duplicate_id",
            file=file,
            layer=layer,
            rows=frame.loc[dup, "source_row"],
            ids=frame.loc[dup, id_column],
        )
    return frame


_POLYGONAL = {"Polygon", "MultiPolygon"}
_ACTION_ZH = {"dropped": "已剔除", "replaced by a point inside the shape": "已改用图形内一点"}


def check_geometries(
    frame: gpd.GeoDataFrame,
    report: ValidationReport,
    *,
    file: str,
    layer: str,
    allowed: str,
    id_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Drop missing/empty geometries, repair invalid ones, enforce the geometry type.

    Parameters
    ----------
    frame : GeoDataFrame
        With a ``source_row`` column.
    report : ValidationReport
        Receives the problems.
    file, layer : str
        For the messages.
    allowed : {"polygon", "point", "any"}
        ``"polygon"``: polygons only (others dropped); ``"point"``: points (polygons replaced by
        a representative point inside them, lines dropped); ``"any"``: polygons or points
        (lines dropped).
    id_column : str, optional
        Column of ids named in the messages.

    Returns
    -------
    GeoDataFrame
        The usable rows.
    """
    geoms = frame.geometry
    missing = (geoms.isna() | geoms.is_empty).to_numpy()
    frame = drop_rows(
        frame, missing, report, "geometry_missing", file=file, layer=layer, id_column=id_column
    )
    if frame.empty:
        return frame
    values = np.asarray(frame.geometry.values)
    invalid = ~shapely.is_valid(values)
    if invalid.any():
        repaired = values.copy()
        fixed = shapely.make_valid(values[invalid])
        # make_valid may return collections; keep their polygonal (or point) parts.
        keep = np.array([_polygonal_part(g) for g in fixed], dtype=object)
        repaired[invalid] = keep
        failed = np.zeros(len(values), dtype=bool)
        failed[np.flatnonzero(invalid)] = shapely.is_empty(keep)
        ok = invalid & ~failed
        if ok.any():
            report.add(
                "geometry_repaired",
                file=file,
                layer=layer,
                rows=frame.loc[ok, "source_row"],
                ids=_ids(frame, id_column, ok),
            )
        frame = frame.copy()
        frame["geometry"] = gpd.GeoSeries(repaired, index=frame.index, crs=frame.crs)
        frame = frame.set_geometry("geometry")
        frame = drop_rows(
            frame,
            failed,
            report,
            "geometry_unrepairable",
            file=file,
            layer=layer,
            id_column=id_column,
        )
    gtype = frame.geom_type.to_numpy()
    polygonal = np.isin(gtype, list(_POLYGONAL))
    pointy = gtype == "Point"
    if allowed == "polygon":
        bad = ~polygonal
        expected = "Polygon/MultiPolygon"
    elif allowed == "point":
        bad = ~pointy & ~polygonal
        expected = "Point"
        if polygonal.any():
            found = ", ".join(sorted(set(gtype[polygonal])))
            action = "replaced by a point inside the shape"
            report.add(
                "geometry_type",
                file=file,
                layer=layer,
                rows=frame.loc[polygonal, "source_row"],
                ids=_ids(frame, id_column, polygonal),
                found=found,
                expected=expected,
                action=action,
                action_zh=_ACTION_ZH[action],
            )
            frame = frame.copy()
            points = frame.geometry.copy()
            points[polygonal] = frame.geometry[polygonal].representative_point()
            frame["geometry"] = points
    else:
        bad = ~pointy & ~polygonal
        expected = "Polygon/MultiPolygon/Point"
    if bad.any():
        found = ", ".join(sorted(set(gtype[bad])))
        frame = drop_rows(
            frame,
            bad,
            report,
            "geometry_type",
            file=file,
            layer=layer,
            id_column=id_column,
            found=found,
            expected=expected,
            action="dropped",
            action_zh=_ACTION_ZH["dropped"],
        )
    return frame


def _polygonal_part(geom: Any) -> Any:
    """Return the polygonal part of a repaired geometry (or the geometry when it has none)."""
    if geom is None:
        return shapely.Polygon()
    if geom.geom_type == "GeometryCollection":
        polys = [g for g in shapely.get_parts(geom) if g.geom_type in _POLYGONAL]
        if polys:
            return shapely.union_all(polys)
        points = [g for g in shapely.get_parts(geom) if g.geom_type == "Point"]
        return points[0] if points else shapely.Polygon()
    return geom


@dataclass(frozen=True)
class StudyArea:
    """Where the data are expected to be (used to find geocoding outliers).

    Parameters
    ----------
    core : shapely geometry
        Convex hull of the core estates (those within a robust radius of the median location).
    streets : shapely geometry or None
        Union of the streets layer (街道/乡镇) when given.
    distance_m : float
        A row is an outlier when it lies farther than this from ``core`` **and** from
        ``streets`` (when given).
    """

    core: Any
    streets: Any
    distance_m: float

    def outliers(self, geometries: gpd.GeoSeries) -> np.ndarray:
        """Return a boolean mask of the geometries that lie far outside the study area."""
        values = np.asarray(geometries.values)
        far = shapely.distance(values, self.core) > self.distance_m
        if self.streets is not None:
            far &= shapely.distance(values, self.streets) > self.distance_m
        return np.asarray(far, dtype=bool)


def study_area(
    points: gpd.GeoSeries,
    streets: gpd.GeoDataFrame | None = None,
    distance_m: float | None = None,
) -> StudyArea:
    """Build the :class:`StudyArea` from estate locations (metric CRS) and optional streets.

    The core is robust against outliers: take the distance of every location from the
    coordinate-wise median; the core is every location within ``3 × the 90th percentile`` of
    those distances, capped at ``20 × their median`` (but not below ``distance_m``). So a few
    rows 1,000 km away cannot stretch the core even when they are more than 10 % of a small
    layer, while the towns of a county up to 20 times farther out than the typical estate stay
    in. Its convex hull is the core area. A location is then an outlier when it lies farther than ``distance_m`` (default
    ``settings.outlier_distance_m``) outside that hull and, when a streets layer is given, also
    outside the streets.
    """
    distance = settings.outlier_distance_m if distance_m is None else float(distance_m)
    pts = np.asarray(points.representative_point().values)
    xy = shapely.get_coordinates(pts)
    if len(xy) == 0:
        core: Any = shapely.Polygon()
    else:
        centre = np.median(xy, axis=0)
        d = np.hypot(xy[:, 0] - centre[0], xy[:, 1] - centre[1])
        cap = max(20.0 * float(np.median(d)), distance)  # many rows at one point: no zero cap
        radius = min(3.0 * float(np.quantile(d, 0.9)), cap)
        core = shapely.convex_hull(shapely.MultiPoint(xy[d <= radius]))
    union = None
    if streets is not None and len(streets):
        union = shapely.union_all(np.asarray(streets.geometry.values))
    return StudyArea(core=core, streets=union, distance_m=distance)


def flag_outliers(
    frame: gpd.GeoDataFrame,
    area: StudyArea,
    report: ValidationReport,
    *,
    file: str,
    layer: str,
    id_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Drop (with a warning) the rows lying far outside ``area``."""
    if frame.empty or area.core.is_empty:
        return frame
    mask = area.outliers(frame.geometry)
    return drop_rows(
        frame,
        mask,
        report,
        "outlier",
        file=file,
        layer=layer,
        id_column=id_column,
        distance_km=area.distance_m / 1000.0,
    )


def check_links(
    frame: gpd.GeoDataFrame,
    estate_ids: Iterable[object],
    report: ValidationReport,
    *,
    file: str,
    layer: str,
) -> gpd.GeoDataFrame:
    """Check ``estate_id`` references of gates (dropped) or facilities (warning only).

    Gates without an estate id or with an unknown one are dropped; facilities whose
    ``estate_id`` (配建所属小区) matches no estate keep their row and get a warning.
    """
    known = {str(i) for i in estate_ids}
    values = frame["estate_id"]
    empty = values.isna().to_numpy()
    unknown = ~empty & ~values.astype(str).isin(known).to_numpy()
    if layer == "gates":
        frame = drop_rows(
            frame, empty, report, "gate_estate_missing", file=file, layer=layer, id_column="gate_id"
        )
        values = frame["estate_id"]
        unknown = ~values.astype(str).isin(known).to_numpy()
        return drop_rows(
            frame,
            unknown,
            report,
            "gate_estate_unknown",
            file=file,
            layer=layer,
            id_column="gate_id",
        )
    if unknown.any():
        report.add(
            "facility_estate_unknown",
            file=file,
            layer=layer,
            rows=frame.loc[unknown, "source_row"],
            ids=frame.loc[unknown, "facility_id"],
        )
    return frame
