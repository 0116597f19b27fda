"""Attaching points to the walking network (接入路网).

Every origin (estate gate, estate centroid) and target (facility) is attached to the nearest
point of the nearest edge geometry. The straight connector from the point to the network counts
in every distance. Points farther than ``max_snap_m`` are *not* attached (``ok`` False): the
caller reports them with their ids instead of silently snapping them across a block, with the
reason (:meth:`Snapped.reasons`): ``too_far`` from every street, or ``only_fragment`` when the only
street within reach is a stray fragment the network dropped (路网碎片).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS

from planning import settings
from planning._errors import NetworkError

if TYPE_CHECKING:
    from planning.network.graph import WalkNetwork

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapped:
    """Points attached to a :class:`~planning.network.graph.WalkNetwork`.

    Attributes
    ----------
    edge : array of int
        Edge index of the attachment (-1 where ``ok`` is False).
    offset_m : array of float
        Distance from the edge's ``u`` node along the edge geometry to the attachment point
        (NaN where ``ok`` is False).
    connector_m : array of float
        Straight distance from the point to the network (接入距离). Where ``ok`` is False it is
        the distance to the nearest edge (longer than the limit), or inf for empty geometries.
    ok : array of bool
        Whether the point is attached (connector ≤ ``max_snap_m``).
    x, y : array of float
        Coordinates of the points that were attached (representative points of polygons).
    max_snap_m : float
        The limit used.
    fragment_m : array of float, optional
        For points not attached: distance to the nearest stray fragment (inf when none or
        attached); None when the network dropped no fragments.
    """

    edge: npt.NDArray[np.int64]
    offset_m: npt.NDArray[np.float64]
    connector_m: npt.NDArray[np.float64]
    ok: npt.NDArray[np.bool_]
    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    max_snap_m: float = float("inf")
    fragment_m: npt.NDArray[np.float64] | None = None

    def __len__(self) -> int:
        return len(self.edge)

    @property
    def n_failed(self) -> int:
        """Number of points that could not be attached."""
        return int((~self.ok).sum())

    def failed(self) -> npt.NDArray[np.int64]:
        """Positions of the points that could not be attached (for the caller's id report)."""
        return np.flatnonzero(~self.ok)

    def subset(self, index: npt.ArrayLike) -> Snapped:
        """Return the attachments of the points at ``index`` (positions or boolean mask)."""
        idx = np.asarray(index)
        return Snapped(
            self.edge[idx],
            self.offset_m[idx],
            self.connector_m[idx],
            self.ok[idx],
            self.x[idx],
            self.y[idx],
            self.max_snap_m,
            None if self.fragment_m is None else self.fragment_m[idx],
        )

    def reasons(self) -> npt.NDArray[np.object_]:
        """Why each point is not attached: ``""`` (attached), ``too_far`` or ``only_fragment``.

        ``only_fragment``: a stray fragment of the network (removed, see
        :func:`planning.network.fragments.drop_fragments`) lies within the snap limit, but no
        kept street does.
        """
        out = np.where(self.ok, "", "too_far").astype(object)
        if self.fragment_m is not None:
            out[~self.ok & (self.fragment_m <= self.max_snap_m)] = "only_fragment"
        return out


def _as_points(geometries: Any, net_crs: CRS) -> npt.NDArray[np.object_]:
    """Turn a GeoSeries / GeoDataFrame / shapely array / Nx2 array into shapely points."""
    import geopandas as gpd

    if isinstance(geometries, gpd.GeoDataFrame):
        geometries = geometries.geometry
    if isinstance(geometries, gpd.GeoSeries):
        if geometries.crs is not None and CRS.from_user_input(geometries.crs) != net_crs:
            geometries = geometries.to_crs(net_crs)
        geoms = np.asarray(geometries.values, dtype=object)
    else:
        arr = np.asarray(geometries)
        if arr.dtype != object:
            arr = np.asarray(arr, dtype=np.float64)
            if arr.ndim != 2 or arr.shape[1] != 2:
                raise NetworkError(
                    f"snap: coordinates must be an N×2 array of x, y; got shape {arr.shape}."
                )
            return np.asarray(shapely.points(arr), dtype=object)
        geoms = arr.ravel()
    geoms = np.where(shapely.is_missing(geoms), shapely.Point(), geoms)
    not_point = shapely.get_type_id(geoms) != shapely.GeometryType.POINT
    if not_point.any():
        reps = shapely.point_on_surface(geoms[not_point])
        geoms = geoms.copy()
        geoms[not_point] = reps
    return np.asarray(geoms, dtype=object)


def snap(
    net: WalkNetwork,
    geometries: Any,
    max_snap_m: float | None = None,
) -> Snapped:
    """Attach points (or polygons, by their representative point) to the walking network.

    Parameters
    ----------
    net : WalkNetwork
        The network.
    geometries : GeoSeries, GeoDataFrame, array of shapely geometries or N×2 array
        Points to attach. A GeoSeries in another CRS is reprojected to the network's CRS;
        plain arrays must already be in it. Polygons use their representative point
        (shapely ``point_on_surface``).
    max_snap_m : float, optional
        Longest allowed connector (接入距离上限); ``planning.settings.max_snap_m`` by default.

    Returns
    -------
    Snapped
        One entry per input geometry, in input order.
    """
    limit = float(settings.max_snap_m if max_snap_m is None else max_snap_m)
    pts = _as_points(geometries, net.crs)
    n = len(pts)
    edge = np.full(n, -1, dtype=np.int64)
    offset = np.full(n, np.nan)
    conn = np.full(n, np.inf)
    xy = np.full((n, 2), np.nan)
    valid = ~shapely.is_empty(pts)
    if valid.any():
        xy[valid] = shapely.get_coordinates(pts[valid])[:, :2]
    if n == 0 or net.n_edges == 0:
        ok0 = np.zeros(n, dtype=bool)
        return Snapped(edge, offset, conn, ok0, xy[:, 0], xy[:, 1], limit,
                       _fragment_m(net, pts, valid))  # fmt: skip
    tree = net.tree
    vidx = np.flatnonzero(valid)
    (qi, ti), dist = tree.query_nearest(
        pts[vidx], max_distance=limit, return_distance=True, all_matches=False
    )
    hit = vidx[qi]
    edge[hit] = ti
    conn[hit] = dist
    offset[hit] = shapely.line_locate_point(net.geometry[ti], pts[hit])
    # offsets are measured along the geometry; rescale in case lengths differ from it
    glen = shapely.length(net.geometry[ti])
    scale = np.divide(net.length[ti], glen, out=np.ones_like(glen), where=glen > 0)
    offset[hit] = np.clip(offset[hit] * scale, 0.0, net.length[ti])
    ok = np.zeros(n, dtype=bool)
    ok[hit] = True
    missed = vidx[~np.isin(vidx, hit)]
    if len(missed):
        (qi2, _), dist2 = tree.query_nearest(pts[missed], return_distance=True, all_matches=False)
        conn[missed[qi2]] = dist2
        logger.info(
            "%d of %d points are farther than %.0f m from the network", len(missed), n, limit
        )
    return Snapped(edge, offset, conn, ok, xy[:, 0], xy[:, 1], limit,
                   _fragment_m(net, pts, valid & ~ok))  # fmt: skip


def _fragment_m(
    net: WalkNetwork, pts: npt.NDArray[np.object_], which: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64] | None:
    """Distance from the points in ``which`` to the nearest stray fragment (inf elsewhere)."""
    if not len(net.fragments):
        return None
    out = np.full(len(pts), np.inf)
    idx = np.flatnonzero(which)
    if len(idx):
        (qi, _), dist = shapely.STRtree(net.fragments).query_nearest(
            pts[idx], return_distance=True, all_matches=False
        )
        out[idx[qi]] = dist
    return out
