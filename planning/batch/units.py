"""Units of a batch (分片): who belongs where, and how far each unit's network must reach.

A province is split into units (counties 区县, or streets 街道) like a dask-geopandas frame into
spatial partitions. Unlike a spatial join, an audit needs what lies *across* a border: an estate
near it walks to facilities in the next county. Each unit therefore gets a halo, as in
``dask.array.map_overlap``: its region is the hull of its own estates, gates and facilities,
buffered by the longest walking distance the audit measures plus the snapping limit. Every path
the audit can count from the unit's estates stays inside that region (a path is never shorter
than the straight line), so the clipped network gives the same distances as the whole one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from planning import settings
from planning._errors import InputFileError, OptionError, param
from planning.audit import AuditOptions, measured_tiers
from planning.io import Inputs
from planning.network import WalkNetwork
from planning.rules import Ruleset

#: Radius of the nearest-facility search (不限距离最近设施) when neither the options nor
#: ``planning.settings`` give one (metres); the halo covers it so those columns stay exact too.
DEFAULT_SEARCH_RADIUS_M = 3000.0

#: Input layer names a split may name instead of a file.
SPLIT_LAYERS = ("streets",)


@dataclass(frozen=True)
class Unit:
    """One unit of a batch: a county, a street, or one entry of a manifest.

    Attributes
    ----------
    unit_id : str
        Its id (the split field's value, ``street_id``, or the manifest's ``id``).
    name : str
        Its name for people (名称).
    geometry : shapely geometry or None
        Its polygon in the working CRS; None when only its files define it.
    """

    unit_id: str
    name: str
    geometry: BaseGeometry | None = None


def unit_key(unit_id: str) -> str:
    """Return a folder name for a unit id (Chinese kept, path separators replaced).

    Examples
    --------
    >>> unit_key("哈尔滨/道里区")
    '哈尔滨_道里区'
    >>> unit_key("..")
    '_..'
    """
    key = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", str(unit_id)).strip() or "_"
    return "_" + key if key.startswith(".") else key


def parse_split(text: str) -> tuple[str, str | None]:
    """Split ``LAYER[:FIELD]`` into the layer (an input layer name or a file) and the field.

    Examples
    --------
    >>> parse_split("streets:county")
    ('streets', 'county')
    >>> parse_split("streets")
    ('streets', None)
    >>> parse_split("县界.gpkg:code")
    ('县界.gpkg', 'code')
    """
    if Path(text).exists():
        return text, None
    layer, sep, field = text.rpartition(":")
    # A drive letter ("C:\\data\\县界.shp") is no field.
    if not sep or not layer or "/" in field or "\\" in field:
        return text, None
    return layer, field.strip() or None


def read_split_layer(layer: str, inputs: Inputs) -> gpd.GeoDataFrame:
    """Return the polygons to split by: an input layer (``streets``) or a polygon file.

    Parameters
    ----------
    layer : str
        ``streets``, or a file (GeoPackage, Shapefile, GeoJSON), optionally ``file#layer``.
    inputs : Inputs
        The loaded inputs; polygons from a file are projected to their CRS.

    Returns
    -------
    GeoDataFrame
        In the inputs' CRS.
    """
    if layer in SPLIT_LAYERS:
        frame = getattr(inputs, layer)
        if frame is None or not len(frame):
            raise OptionError(
                f"{param('split', layer)}: no {layer} layer was given; pass "
                f"{param(layer)} or split by a polygon file.",
                "split",
            )
        return frame
    path, _, name = layer.partition("#")
    if not Path(path).exists():
        raise InputFileError(
            f"{path}: split layer not found; name an input layer ({', '.join(SPLIT_LAYERS)}) or "
            'a polygon file, e.g. split="县界.gpkg:code".'
        )
    frame = pyogrio.read_dataframe(path, layer=name or None)
    if frame.crs is None:
        raise InputFileError(f"{path}: the split polygons have no CRS; add a .prj or set one.")
    kinds = set(frame.geometry.geom_type.dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise InputFileError(f"{path}: split units must be polygons, found {sorted(kinds)}.")
    return frame.to_crs(inputs.crs)


def units_from_frame(frame: gpd.GeoDataFrame, field: str | None) -> list[Unit]:
    """Return one unit per value of ``field`` (polygons dissolved), or one per feature.

    Without a field, a streets layer gives one unit per ``street_id`` and other layers one per
    feature (id: an ``id``/``code``/``name`` column, else the 1-based feature number).

    Examples
    --------
    >>> f = gpd.GeoDataFrame({"county": ["A", "B", "A"]},
    ...     geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(0, 1, 1, 2)])
    >>> [(u.unit_id, u.geometry.area) for u in units_from_frame(f, "county")]
    [('A', 2.0), ('B', 1.0)]
    """
    if field is not None:
        if field not in frame.columns:
            fields = ", ".join(str(c) for c in frame.columns if c != frame.geometry.name)
            raise OptionError(
                f"{param('split', f'…:{field}')}: the split layer has no field {field!r}; "
                f"its fields: {fields}.",
                "split",
            )
        keys = frame[field].astype("string").fillna("未注明").str.strip()
        units = []
        for key, rows in frame.groupby(keys.to_numpy(), sort=True):
            geometry = shapely.union_all(rows.geometry.to_numpy())
            units.append(Unit(str(key), str(key), geometry))
        return units
    id_column = next((c for c in ("street_id", "id", "code", "name") if c in frame.columns), None)
    names = frame["name"].astype(str) if "name" in frame.columns else None
    units = []
    for i, geometry in enumerate(frame.geometry.to_numpy()):
        unit_id = str(frame[id_column].iloc[i]) if id_column else str(i + 1)
        units.append(Unit(unit_id, unit_id if names is None else names.iloc[i], geometry))
    ids = [u.unit_id for u in units]
    if len(set(ids)) != len(ids):
        raise OptionError(
            f"{param('split')}: unit ids repeat in the split layer ({id_column}); name the field "
            'to group by, e.g. split="streets:county".',
            "split",
        )
    return units


def assign(geometries: gpd.GeoSeries, units: list[Unit]) -> npt.NDArray[np.int64]:
    """Return the unit of every geometry: the first holding its representative point.

    Geometries outside every unit go to the nearest one, so none is left out of the batch.

    Examples
    --------
    >>> units = [Unit("a", "a", shapely.box(0, 0, 10, 10)), Unit("b", "b", shapely.box(10, 0, 20, 10))]
    >>> assign(gpd.GeoSeries([shapely.Point(15, 5), shapely.Point(-3, 5)]), units).tolist()
    [1, 0]
    """
    n = len(geometries)
    out = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return out
    polygons = np.array([u.geometry for u in units], dtype=object)
    points = geometries.representative_point().to_numpy()
    tree = shapely.STRtree(polygons)
    point_i, unit_i = tree.query(points, predicate="within")
    order = np.lexsort((unit_i, point_i))
    point_i, unit_i = point_i[order], unit_i[order]
    first = np.unique(point_i, return_index=True)[1]
    out[point_i[first]] = unit_i[first]
    left = np.flatnonzero(out < 0)
    if len(left):
        near_point, near_unit = tree.query_nearest(points[left], all_matches=False)
        out[left[near_point]] = near_unit
    return out


def halo_radius_m(ruleset: Ruleset, options: AuditOptions) -> float:
    """Longest walking distance the audit measures from an estate (metres).

    The largest service circle, the walking-speed sensitivity circles, the sharing distance
    (调剂) and the nearest-facility search radius.

    Examples
    --------
    >>> from planning.rules import load_ruleset
    >>> halo_radius_m(load_ruleset("national"), AuditOptions())
    3000.0
    """
    tiers = measured_tiers(ruleset, options.measure, options.walk_speed_m_per_s)
    largest = max(tiers, key=lambda t: t.distance_m)
    speeds = ruleset.parameters.walk_speed_sensitivity
    distances = [t.distance_m for t in tiers]
    distances += [largest.minutes * 60.0 * float(s) for s in speeds]
    for status in ("new", "existing"):
        policy = ruleset.sharing_policy(status)
        if policy.allowed:
            distances.append(float(policy.distance_m))
    search: Any = options.search_radius_m or getattr(
        settings, "search_radius_m", DEFAULT_SEARCH_RADIUS_M
    )
    distances.append(float(search))
    return float(max(distances))


def region_of(unit: Unit, parts: list[npt.NDArray[np.object_]], radius_m: float) -> BaseGeometry:
    """Return the unit's region: its polygon and the hull of its own geometries, buffered.

    Parameters
    ----------
    unit : Unit
        The unit (its polygon, when it has one, is part of the region).
    parts : list of arrays of shapely geometries
        The unit's estates, gates and facilities.
    radius_m : float
        The halo: the audit's longest walking distance plus the snapping limit.

    Returns
    -------
    shapely geometry
    """
    geoms = [g for arr in parts for g in arr if g is not None and not g.is_empty]
    hull = shapely.convex_hull(shapely.GeometryCollection(geoms)) if geoms else None
    pieces = [g for g in (unit.geometry, hull) if g is not None and not g.is_empty]
    if not pieces:
        raise InputFileError(f"Unit {unit.unit_id!r} has no estates and no polygon to audit.")
    core = shapely.union_all(pieces) if len(pieces) > 1 else pieces[0]
    return shapely.buffer(core, radius_m, quad_segs=4)


def clip_network(net: WalkNetwork, region: BaseGeometry) -> WalkNetwork:
    """Return the network's edges that touch ``region`` (whole edges, node order kept)."""
    keep = np.zeros(net.n_edges, dtype=bool)
    keep[net.tree.query(region, predicate="intersects")] = True
    clip = net.subset_edges(keep)
    barriers = net.barrier_polygons
    if barriers is not None and len(barriers):
        clip.barrier_polygons = barriers[barriers.intersects(region)].reset_index(drop=True)
    else:
        clip.barrier_polygons = barriers
    return clip


def within_region(frame: gpd.GeoDataFrame | None, region: BaseGeometry) -> npt.NDArray[np.bool_]:
    """Mask of the rows of ``frame`` that touch ``region``."""
    if frame is None or not len(frame):
        return np.zeros(0, dtype=bool)
    mask = np.zeros(len(frame), dtype=bool)
    mask[frame.sindex.query(region, predicate="intersects")] = True
    return mask
