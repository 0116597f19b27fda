"""Walking networks from the planning bureau's road centre-lines (道路中心线).

Steps: multi-part lines are split; line ends closer than the join tolerance are joined (to each
other, or onto a nearby line: an undershooting T-junction); the lines are noded at every crossing;
nodes are the distinct segment ends. Bridges (attribute ``bridge`` = yes/true/1/是) are not
joined to the streets they pass over, only at their ends, and survive barrier removal.
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
from planning._errors import InputFileError, NetworkError
from planning.io.sources import LayerRef, resolve_layer
from planning.network._crs import resolve_crs
from planning.network.barriers import barrier_cache_key, finish_network
from planning.network.cache import cached, hash_inputs
from planning.network.graph import BuildReport, WalkNetwork

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


def from_centrelines(
    source: str | Path | gpd.GeoDataFrame | gpd.GeoSeries,
    crs: Any = None,
    *,
    join_tolerance_m: float | None = None,
    bridge_column: str | None = "bridge",
    layer: str | None = None,
    barriers: Any = None,
    barriers_layer: str | None = None,
    largest_component: bool = False,
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
    layer : str, optional
        Layer of a multi-layer file (GeoPackage); by default the one called ``roads``,
        ``network``, ``edges``, ``道路`` or ``道路中心线`` (or the only one).
    barriers, barriers_layer, largest_component, use_cache
        As for :func:`planning.network.osm.from_osm_file`.

    Returns
    -------
    WalkNetwork
        Node ids are ``0..n-1``; ``report`` lists components and dangling ends (断头路).
    """
    tol = float(
        settings.centreline_join_tolerance_m if join_tolerance_m is None else join_tolerance_m
    )
    gdf, name, key_parts = _read(source, layer)
    key = hash_inputs(
        ["centrelines", *key_parts, str(crs), tol, bridge_column, largest_component,
         barrier_cache_key(barriers, barriers_layer)]
    )  # fmt: skip

    def build() -> WalkNetwork:
        net = _build(gdf, name, crs, tol, bridge_column)
        return finish_network(net, barriers, largest_component, barriers_layer)

    return cached(key, build, use_cache)


def _build(
    gdf: gpd.GeoDataFrame, name: str, crs: Any, tol: float, bridge_column: str | None
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
        raise NetworkError(f"{name}: no usable LineStrings in the centre-lines.")
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
        bridge=seg_bridge, report=report,
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
