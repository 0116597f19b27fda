"""Choosing a network source and removing barrier crossings (路网来源与障碍物).

:func:`load_network` dispatches on the file extension (or a ``place:`` / ``bbox:`` spec) to the
builders in :mod:`planning.network.osm` and :mod:`planning.network.centrelines`.
:func:`remove_barrier_crossings` cuts every edge that crosses a river, railway or expressway
polygon unless it is a bridge.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS

from planning._errors import InputFileError, NetworkError
from planning.network.graph import WalkNetwork

logger = logging.getLogger(__name__)

_OSM_EXT = (".osm", ".xml", ".osm.xml", ".pbf", ".osm.pbf")
_LINE_EXT = (".gpkg", ".shp", ".geojson", ".json", ".fgb")


def _barrier_geoms(barriers: Any, crs: CRS) -> npt.NDArray[np.object_]:
    """Barrier geometries as a shapely array in ``crs``."""
    if isinstance(barriers, str | Path):
        p = Path(barriers)
        try:
            barriers = gpd.read_file(p)
        except Exception as exc:
            raise InputFileError(
                f"{p}: cannot read the barrier polygons ({type(exc).__name__}: {exc})."
            ) from exc
    if isinstance(barriers, gpd.GeoDataFrame):
        barriers = barriers.geometry
    if isinstance(barriers, gpd.GeoSeries):
        if barriers.crs is not None and CRS.from_user_input(barriers.crs) != crs:
            barriers = barriers.to_crs(crs)
        return np.asarray(barriers.values, dtype=object)
    if isinstance(barriers, shapely.Geometry):
        return np.asarray([barriers], dtype=object)
    return np.asarray(barriers, dtype=object).ravel()


def barrier_cache_key(barriers: Any) -> Any:
    """Describe barriers as a hashable value for the build cache key."""
    if barriers is None:
        return None
    if isinstance(barriers, str | Path):
        return Path(barriers).read_bytes() if Path(barriers).is_file() else str(barriers)
    crs = getattr(barriers, "crs", None)
    geoms = (
        np.asarray(barriers.geometry.values, dtype=object)
        if isinstance(barriers, gpd.GeoDataFrame | gpd.GeoSeries)
        else np.asarray([barriers] if isinstance(barriers, shapely.Geometry) else barriers)
    )
    wkb = shapely.to_wkb(geoms.ravel())
    return (str(crs), b"".join(w for w in wkb if w is not None))


def remove_barrier_crossings(net: WalkNetwork, barriers: Any) -> WalkNetwork:
    """Remove the edges that cross barrier polygons (河流、铁路、快速路), except bridges.

    An edge crosses a barrier when its geometry intersects it. Edges flagged as bridges
    (OSM ``bridge`` tag, centre-line attribute ``bridge``) are kept.

    Parameters
    ----------
    net : WalkNetwork
        The network.
    barriers : GeoDataFrame, GeoSeries, path, shapely geometry or array of geometries
        Barrier polygons (lines work too). A GeoDataFrame/GeoSeries in another CRS is
        reprojected; plain geometries must be in the network CRS.

    Returns
    -------
    WalkNetwork
        A new network; ``report.barrier_edges_removed`` and ``report.barrier_bridges_kept``
        say what happened.
    """
    geoms = _barrier_geoms(barriers, net.crs)
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    if len(geoms) == 0:
        return net
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    _, hit = net.tree.query(geoms, predicate="intersects")
    crossing = np.zeros(net.n_edges, dtype=bool)
    crossing[hit] = True
    removed = crossing & ~net.bridge
    kept_bridges = int((crossing & net.bridge).sum())
    out = net.subset_edges(~removed, drop_isolated=True)
    out.report.barrier_edges_removed += int(removed.sum())
    out.report.barrier_bridges_kept += kept_bridges
    logger.info(
        "barriers removed %d crossing edges (%d bridges kept)", int(removed.sum()), kept_bridges
    )
    return out


def load_network(
    path_or_spec: str | Path | gpd.GeoDataFrame,
    crs: Any = None,
    barriers: Any = None,
    **kwargs: Any,
) -> WalkNetwork:
    """Build a walking network from whatever the planner has.

    Parameters
    ----------
    path_or_spec : str, Path or GeoDataFrame
        - ``.osm`` / ``.xml`` / ``.osm.pbf``: OpenStreetMap file (:func:`from_osm_file`);
        - ``.graphml``: osmnx GraphML (:func:`from_graphml`);
        - ``.gpkg`` / ``.shp`` / ``.geojson`` / ``.json`` / ``.fgb`` or a GeoDataFrame: road
          centre-lines (:func:`from_centrelines`);
        - ``"place:<name>"``: OpenStreetMap download of a place (:func:`from_place`);
        - ``"bbox:west,south,east,north"``: OpenStreetMap download of a box (:func:`from_bbox`).
    crs : pyproj.CRS, str, int, optional
        Target projected CRS.
    barriers : optional
        Barrier polygons (see :func:`remove_barrier_crossings`).
    **kwargs
        Passed to the builder (e.g. ``largest_component=True``, ``use_cache=False``).

    Returns
    -------
    WalkNetwork
    """
    from planning.network import centrelines, osm

    if isinstance(path_or_spec, gpd.GeoDataFrame | gpd.GeoSeries):
        return centrelines.from_centrelines(path_or_spec, crs, barriers=barriers, **kwargs)
    spec = str(path_or_spec)
    if spec.startswith("place:"):
        return osm.from_place(spec[6:].strip(), crs, barriers=barriers, **kwargs)
    if spec.startswith("bbox:"):
        try:
            w, s, e, n = (float(x) for x in spec[5:].split(","))
        except ValueError as exc:
            raise NetworkError(
                f"{spec!r}: write a box as 'bbox:west,south,east,north' in degrees."
            ) from exc
        return osm.from_bbox((w, s, e, n), crs, barriers=barriers, **kwargs)
    name = Path(spec).name.lower()
    if name.endswith(_OSM_EXT):
        return osm.from_osm_file(spec, crs, barriers=barriers, **kwargs)
    if name.endswith(".graphml"):
        return osm.from_graphml(spec, crs, barriers=barriers, **kwargs)
    if name.endswith(_LINE_EXT):
        return centrelines.from_centrelines(spec, crs, barriers=barriers, **kwargs)
    raise InputFileError(
        f"{spec}: unknown network source. Give an OpenStreetMap file (.osm, .osm.pbf), a "
        "GraphML file (.graphml), road centre-lines (.gpkg, .shp, .geojson), "
        "'place:<name>' or 'bbox:west,south,east,north'."
    )
