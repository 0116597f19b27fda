"""Walking networks from the planning bureau's road centre-lines (道路中心线).

Steps: multi-part lines are split; line ends closer than the join tolerance are joined (to each
other, or onto a nearby line: an undershooting T-junction); the lines are noded at every crossing;
nodes are the distinct segment ends. Bridges (attribute ``bridge`` = yes/true/1/是) are not
joined to the streets they pass over, only at their ends, and survive barrier removal.

A road-class column (道路等级) decides who may walk where: classes the table maps to ``no``
(高速公路, 快速路, 匝道 by default) are removed before noding, so an expressway neither carries
walks nor makes junctions with the streets it passes over; classes mapped to ``walk`` (台阶) stay
walkable but not step-free (:func:`planning.network.walkability.road_class_table`).
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from planning import settings
from planning._errors import InputFileError, NetworkError, param
from planning.io.sources import LayerRef, resolve_layer
from planning.network._crs import resolve_crs
from planning.network.barriers import barrier_cache_key, finish_network
from planning.network.cache import cached, hash_inputs
from planning.network.fragments import build_key
from planning.network.graph import BuildReport, WalkNetwork
from planning.network.report import tally
from planning.network.walkability import road_class_table

logger = logging.getLogger(__name__)

_TRUE = {"yes", "true", "1", "y", "t", "是", "桥", "bridge", "viaduct"}
#: Ends closer than this (metres) are one node.
_NODE_EPS = 1e-3


def _bridge_flags(gdf: gpd.GeoDataFrame, column: str | None) -> npt.NDArray[np.bool_]:
    if column is None:
        return np.zeros(len(gdf), dtype=bool)
    cols = {str(c).lower(): c for c in gdf.columns}
    col = cols.get(column.lower())
    if col is None:
        return np.zeros(len(gdf), dtype=bool)
    vals = gdf[col].astype(str).str.strip().str.lower()
    return vals.isin(_TRUE).to_numpy()


def _cluster(points: npt.NDArray[np.float64], radius: float) -> npt.NDArray[np.int64]:
    """Label points so that points within ``radius`` (transitively) share a label."""
    n = len(points)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    pairs = cKDTree(points).query_pairs(radius, output_type="ndarray")
    adj = coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(adj, directed=False)
    return labels.astype(np.int64)


def _set_ends(lines: npt.NDArray[np.object_], ends: npt.NDArray[np.float64]) -> Any:
    """Return lines whose first/last coordinates are replaced by ``ends`` (2 rows per line)."""
    coords, idx = shapely.get_coordinates(lines, return_index=True)
    counts = np.bincount(idx, minlength=len(lines))
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    coords[start] = ends[0::2]
    coords[start + counts - 1] = ends[1::2]
    return shapely.linestrings(coords, indices=idx)


def _join_ends(
    lines: npt.NDArray[np.object_], tol: float
) -> tuple[npt.NDArray[np.object_], int, npt.NDArray[np.float64]]:
    """Join line ends within ``tol``; return lines, number of moved ends, T-junction points."""
    first = shapely.get_coordinates(shapely.get_point(lines, 0))
    last = shapely.get_coordinates(shapely.get_point(lines, -1))
    ends = np.empty((2 * len(lines), 2))
    ends[0::2], ends[1::2] = first, last
    labels = _cluster(ends, tol) if tol > 0 else np.arange(len(ends))
    sizes = np.bincount(labels)
    cx = np.bincount(labels, ends[:, 0]) / sizes
    cy = np.bincount(labels, ends[:, 1]) / sizes
    joined = sizes[labels] > 1
    moved = joined & ((cx[labels] != ends[:, 0]) | (cy[labels] != ends[:, 1]))
    ends[joined, 0], ends[joined, 1] = cx[labels[joined]], cy[labels[joined]]
    # lone ends within tol of another line (undershoot at a T-junction): move onto that line
    lone = np.flatnonzero(~joined)
    tees: list[tuple[float, float]] = []
    if tol > 0 and len(lone):
        tree = shapely.STRtree(lines)
        pts = shapely.points(ends[lone])
        qi, ti = tree.query(pts, predicate="dwithin", distance=tol)
        own = lone[qi] // 2
        keep = ti != own
        qi, ti = qi[keep], ti[keep]
        done: set[int] = set()
        for q, t in zip(qi, ti, strict=True):
            k = int(lone[q])
            if k in done:
                continue
            p = shapely.get_coordinates(
                shapely.line_interpolate_point(
                    lines[t], shapely.line_locate_point(lines[t], pts[q])
                )
            )[0]
            if np.hypot(*(p - ends[k])) > 0:
                moved[k] = True
            ends[k] = p
            tees.append((float(p[0]), float(p[1])))
            done.add(k)
    out = _set_ends(lines, ends)
    return np.asarray(out, dtype=object), int(moved.sum()), np.asarray(tees).reshape(-1, 2)


def _split_at(
    segs: npt.NDArray[np.object_], points: npt.NDArray[np.float64]
) -> npt.NDArray[np.object_]:
    """Split segments at the given points where they lie in a segment's interior."""
    if len(points) == 0 or len(segs) == 0:
        return segs
    from shapely.ops import substring

    tree = shapely.STRtree(segs)
    pts = shapely.points(points)
    qi, ti = tree.query(pts, predicate="dwithin", distance=_NODE_EPS)
    cuts: dict[int, list[float]] = {}
    for q, t in zip(qi, ti, strict=True):
        pos = float(shapely.line_locate_point(segs[t], pts[q]))
        if _NODE_EPS < pos < float(shapely.length(segs[t])) - _NODE_EPS:
            cuts.setdefault(int(t), []).append(pos)
    if not cuts:
        return segs
    keep = np.ones(len(segs), dtype=bool)
    extra = []
    for t, positions in cuts.items():
        keep[t] = False
        stops = [0.0, *sorted(set(positions)), float(shapely.length(segs[t]))]
        extra += [substring(segs[t], a, b) for a, b in itertools.pairwise(stops)]
    return np.concatenate([segs[keep], np.asarray(extra, dtype=object)])


def _read(source: Any, layer: str | None) -> tuple[gpd.GeoDataFrame, str, list[Any]]:
    if isinstance(source, gpd.GeoDataFrame | gpd.GeoSeries):
        gdf = source if isinstance(source, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=source)
        wkb = shapely.to_wkb(np.asarray(gdf.geometry.values, dtype=object))
        key = [b"".join(w for w in wkb if w is not None), str(gdf.crs)]
        for col in gdf.columns:
            if str(col).lower() == "bridge":
                key.append(tuple(gdf[col].astype(str)))
        return gdf, "GeoDataFrame", key
    p = Path(source)
    if not p.exists():
        raise InputFileError(f"Centre-line file not found: {p}. Check the path.")
    layer = resolve_layer(LayerRef(p, layer), "network", "layer").layer
    try:
        gdf = gpd.read_file(p, layer=layer)
    except Exception as exc:
        raise InputFileError(
            f"{p}: cannot read the road centre-lines ({type(exc).__name__}: {exc}). Use a "
            "Shapefile, GeoPackage or GeoJSON of LineStrings."
        ) from exc
    return gdf, str(p), [p, layer]


#: Column names recognised as the road class when none is named (case-insensitive).
ROAD_CLASS_NAMES = ("road_class", "道路等级", "道路级别")


def _class_column(gdf: gpd.GeoDataFrame, column: str | None, name: str) -> str | None:
    """Return the road-class column: the one named (must exist), else one by its usual name."""
    columns = {str(c).lower(): str(c) for c in gdf.columns if c != gdf.geometry.name}
    if column is None:
        return next((columns[n] for n in ROAD_CLASS_NAMES if n in columns), None)
    found = columns.get(column.lower())
    if found is None:
        raise InputFileError(
            f"{name}: no column {column!r} for {param('fields.road_class', column)}; the "
            f"centre-lines have: {', '.join(columns.values()) or 'no attribute columns'}."
        )
    return found


def from_centrelines(
    source: str | Path | gpd.GeoDataFrame | gpd.GeoSeries,
    crs: Any = None,
    *,
    join_tolerance_m: float | None = None,
    bridge_column: str | None = "bridge",
    road_class_column: str | None = None,
    road_classes: str | Path | dict[str, str] | None = None,
    profile: str = "walk",
    layer: str | None = None,
    barriers: Any = None,
    barriers_layer: str | None = None,
    largest_component: bool = False,
    drop_fragments: bool = True,
    use_cache: bool = True,
) -> WalkNetwork:
    """Build the walking network from road centre-lines (道路中心线).

    Parameters
    ----------
    source : path or GeoDataFrame
        Shapefile / GeoPackage / GeoJSON of (Multi)LineStrings, or a GeoDataFrame. Must have a
        CRS.
    crs : pyproj.CRS, str, int, optional
        Target projected CRS. Default: the data's own CRS when projected, else its UTM zone.
    join_tolerance_m : float, optional
        Line ends closer than this are joined (default
        ``settings.centreline_join_tolerance_m``).
    bridge_column : str or None, default "bridge"
        Column (case-insensitive) flagging bridges (yes/true/1/是).
    road_class_column : str, optional
        Column of the road class (道路等级); by default one called ``road_class``, ``道路等级``
        or ``道路级别`` when there is one. Without it every line is walkable and step-free.
    road_classes : path or mapping, optional
        A TOML table (or mapping) of road classes overriding the defaults
        (:func:`planning.network.walkability.road_class_table`).
    profile : {"walk", "step_free"}, default "walk"
        Walkability profile (步行 / 无障碍).
    layer : str, optional
        Layer of a multi-layer file (GeoPackage); by default the one called ``roads``,
        ``network``, ``edges``, ``道路`` or ``道路中心线`` (or the only one).
    barriers, barriers_layer, largest_component, drop_fragments, use_cache
        As for :func:`planning.network.osm.from_osm_file`.

    Returns
    -------
    WalkNetwork
        Node ids are ``0..n-1``; ``report`` lists components, dangling ends (断头路) and the
        lines each road class removed.
    """
    tol = float(
        settings.centreline_join_tolerance_m if join_tolerance_m is None else join_tolerance_m
    )
    gdf, name, key_parts = _read(source, layer)
    column = _class_column(gdf, road_class_column, name)
    table = road_class_table(road_classes) if column is not None else {}
    if column is not None and name == "GeoDataFrame":
        key_parts.append(tuple(gdf[column].astype(str)))
    key = hash_inputs(
        ["centrelines", *key_parts, str(crs), tol, bridge_column, largest_component,
         barrier_cache_key(barriers, barriers_layer), column, sorted(table.items()),
         build_key(profile, drop_fragments)]
    )  # fmt: skip

    def build() -> WalkNetwork:
        net = _build(gdf, name, crs, tol, bridge_column, column, table)
        return finish_network(net, barriers, largest_component, barriers_layer,
                              profile=profile, fragments=drop_fragments)  # fmt: skip

    return cached(key, build, use_cache)


def _classes(
    gdf: gpd.GeoDataFrame, column: str | None, table: dict[str, str], report: BuildReport
) -> tuple[gpd.GeoDataFrame, npt.NDArray[np.bool_]]:
    """Drop the lines of classes that are not walkable; return the rest and their step-free flags."""
    if column is None:
        return gdf, np.ones(len(gdf), dtype=bool)
    report.filter_unit = "lines"
    names = gdf[column].astype("string").str.strip().fillna("")
    codes = names.map(lambda c: table.get(c, "step_free") if c else "step_free")
    metres = shapely.length(np.asarray(gdf.geometry.values, dtype=object))
    removed: dict[tuple[str, str], list[float]] = {}
    not_free: dict[tuple[str, str], list[float]] = {}
    for cls, code, m in zip(names, codes, metres, strict=True):
        if code != "step_free":
            target = removed if code == "no" else not_free
            entry = target.setdefault(("road_class" if code == "no" else "road_class_steps", cls),
                                      [0, 0.0])  # fmt: skip
            entry[0], entry[1] = entry[0] + 1, entry[1] + float(np.nan_to_num(m))
    report.removed, report.not_step_free = tally(removed), tally(not_free)
    unknown = sorted({c for c in names if c and c not in table})
    if unknown:
        report.notes.append(
            f"road classes not in the table, taken as walkable and step-free: "
            f"{', '.join(unknown[:20])}{' …' if len(unknown) > 20 else ''} (add them to a "
            f"{param('road_classes')} table)"
        )
    keep = (codes != "no").to_numpy()
    return gdf[keep], (codes[keep] == "step_free").to_numpy()


def _segment_flags(
    segs: npt.NDArray[np.object_], parts: npt.NDArray[np.object_], flags: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:
    """Step-free flag of each noded segment: that of a line it lies on (any step-free one wins)."""
    if flags.all():
        return np.ones(len(segs), dtype=bool)
    mids = shapely.line_interpolate_point(segs, 0.5, normalized=True)
    qi, ti = shapely.STRtree(parts).query(mids, predicate="dwithin", distance=_NODE_EPS)
    out = np.zeros(len(segs), dtype=bool)
    np.logical_or.at(out, qi, flags[ti])
    out[np.setdiff1d(np.arange(len(segs)), qi)] = True
    return out


def _build(
    gdf: gpd.GeoDataFrame,
    name: str,
    crs: Any,
    tol: float,
    bridge_column: str | None,
    class_column: str | None = None,
    table: dict[str, str] | None = None,
) -> WalkNetwork:
    if gdf.crs is None:
        raise NetworkError(
            f"{name}: the centre-lines have no CRS (坐标系). Save them with their projection "
            "(.prj for Shapefiles) or set it with GeoDataFrame.set_crs()."
        )
    target = resolve_crs(crs, gdf)
    if target != gdf.crs:
        gdf = gdf.to_crs(target)
    report = BuildReport(source=name, n_input_lines=len(gdf))
    gdf, row_step_free = _classes(gdf, class_column, table or {}, report)
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    bridge_in = _bridge_flags(gdf, bridge_column)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    is_line = shapely.get_type_id(parts) == shapely.GeometryType.LINESTRING
    bad_rows = np.unique(owner[~is_line])
    if len(bad_rows):
        report.notes.append(
            f"ignored non-line geometries in rows {bad_rows[:20].tolist()}"
            + (" …" if len(bad_rows) > 20 else "")
        )
    parts, owner = parts[is_line], owner[is_line]
    keep = shapely.length(parts) > 0
    parts, owner = parts[keep], owner[keep]
    if len(parts) == 0:
        why = " of a walkable road class" if report.removed else ""
        raise NetworkError(f"{name}: no usable LineStrings{why} in the centre-lines.")
    report.n_parts_split = int(len(parts) - len(np.unique(owner)))
    parts, report.n_joined_endpoints, tees = _join_ends(parts, tol)
    bridge = bridge_in[owner]
    # node the ordinary streets at every crossing; bridges stay whole
    streets = shapely.get_parts(shapely.union_all(parts[~bridge])) if (~bridge).any() else []
    streets = np.asarray(streets, dtype=object)
    bridges = parts[bridge]
    b_ends = shapely.get_coordinates(
        np.concatenate([shapely.get_point(bridges, 0), shapely.get_point(bridges, -1)])
    )
    streets = _split_at(streets, np.concatenate([b_ends, tees]))
    segs = np.concatenate([streets, bridges])
    seg_bridge = np.concatenate([np.zeros(len(streets), bool), np.ones(len(bridges), bool)])
    ok = shapely.length(segs) > _NODE_EPS
    segs, seg_bridge = segs[ok], seg_bridge[ok]
    seg_step_free = _segment_flags(segs, parts, row_step_free[owner])
    first = shapely.get_coordinates(shapely.get_point(segs, 0))
    last = shapely.get_coordinates(shapely.get_point(segs, -1))
    ends = np.concatenate([first, last])
    labels = _cluster(ends, _NODE_EPS)
    n_nodes = int(labels.max()) + 1
    node_xy = np.zeros((n_nodes, 2))
    node_xy[labels] = ends
    m = len(segs)
    u, v = labels[:m], labels[m:]
    net = WalkNetwork(
        node_xy[:, 0], node_xy[:, 1], u, v, shapely.length(segs), segs, gdf.crs,
        bridge=seg_bridge, report=report, step_free=seg_step_free,
    )  # fmt: skip
    net.refresh_report()
    logger.info(
        "centre-lines %s: %d edges, %d nodes, %d components, %d dangling ends",
        name,
        net.n_edges,
        net.n_nodes,
        report.n_components,
        len(report.dangling_ends),
    )
    return net
