"""Barriers that cut the walking network (河流、铁路、快速路), and finishing a built network.

:func:`remove_barrier_crossings` removes every edge that crosses a barrier polygon (or line)
unless it is a bridge (桥). The builders in :mod:`planning.network.osm` and
:mod:`planning.network.centrelines` end with :func:`finish_network` (barriers, stray fragments,
the walkability profile, then the largest component) and key their cache with
:func:`barrier_cache_key` (and :func:`planning.network.fragments.build_key`).

A barriers file with several layers (a project GeoPackage) is read from the layer named by
``barriers_layer``, else from the one called ``river``, ``rivers``, ``barriers``, ``河流`` or
``水系`` (:func:`planning.io.sources.resolve_layer`); never silently from its first layer.
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

from planning._errors import InputFileError, NetworkError, param
from planning.io.sources import LayerRef, resolve_layer
from planning.network.fragments import drop_fragments, for_profile
from planning.network.graph import WalkNetwork

logger = logging.getLogger(__name__)

#: Geometry types that can block walking: areas (rivers, rail yards) and lines (rail tracks).
_BLOCKING = {
    shapely.GeometryType.POLYGON,
    shapely.GeometryType.MULTIPOLYGON,
    shapely.GeometryType.LINESTRING,
    shapely.GeometryType.MULTILINESTRING,
    shapely.GeometryType.LINEARRING,
    shapely.GeometryType.GEOMETRYCOLLECTION,
}


def read_barriers(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read barrier polygons from a file, choosing the layer of a multi-layer file by its name.

    Parameters
    ----------
    path : str or Path
        Shapefile, GeoJSON or GeoPackage of polygons (or lines).
    layer : str, optional
        Layer of a multi-layer file; by the usual names (``river``, ``barriers``, ``河流`` ...)
        when None.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    InputFileError
        The file is missing or unreadable, or it holds several layers and none is named or has
        a barriers name (the message lists them and asks for ``barriers_layer``).
    """
    return _read(path, layer)[0]


def _read(path: str | Path, layer: str | None) -> tuple[gpd.GeoDataFrame, str]:
    """Barriers file → (GeoDataFrame, how to name it in messages)."""
    ref = resolve_layer(LayerRef(Path(path), layer), "barriers", "barriers_layer")
    if not ref.path.exists():
        raise InputFileError(f"{ref.path}: barriers file not found ({param('barriers')}).")
    try:
        gdf = gpd.read_file(ref.path, layer=ref.layer)
    except Exception as exc:  # pyogrio raises several kinds for unreadable files
        raise InputFileError(
            f"{ref.path}: cannot read the barrier polygons ({type(exc).__name__}: {exc})."
        ) from exc
    return gdf, f"{ref.path}" + ("" if ref.layer is None else f" layer {ref.layer!r}")


def _barrier_geoms(barriers: Any, crs: CRS, layer: str | None) -> npt.NDArray[np.object_]:
    """Barrier geometries (none missing or empty) as a shapely array in ``crs``."""
    name, from_file = "barriers", isinstance(barriers, str | Path)
    if isinstance(barriers, str | Path):
        barriers, name = _read(barriers, layer)
    if isinstance(barriers, gpd.GeoDataFrame):
        barriers = barriers.geometry
    if isinstance(barriers, gpd.GeoSeries):
        if barriers.crs is not None and CRS.from_user_input(barriers.crs) != crs:
            barriers = barriers.to_crs(crs)
        geoms = np.asarray(barriers.values, dtype=object)
    elif isinstance(barriers, shapely.Geometry):
        geoms = np.asarray([barriers], dtype=object)
    else:
        geoms = np.asarray(barriers, dtype=object).ravel()
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    kinds = {shapely.GeometryType(int(k)) for k in np.unique(shapely.get_type_id(geoms))}
    if kinds - _BLOCKING:
        found = ", ".join(sorted(k.name.title() for k in kinds))
        fix = (
            f"name the layer of the barrier polygons with {param('barriers_layer')}"
            if from_file
            else f"pass polygons or lines as {param('barriers')}"
        )
        raise NetworkError(
            f"{name}: barriers must be polygons (rivers, rail yards) or lines (rail tracks), "
            f"found {found}; {fix}."
        )
    return geoms


def barrier_cache_key(barriers: Any, layer: str | None = None) -> Any:
    """Describe barriers as a hashable value for the build cache key.

    Parameters
    ----------
    barriers : GeoDataFrame, GeoSeries, path, shapely geometry, array of geometries or None
        As for :func:`remove_barrier_crossings`.
    layer : str, optional
        Layer of a multi-layer barriers file.

    Returns
    -------
    object
        None without barriers; the file's bytes and layer for a path; the CRS and WKB of the
        geometries otherwise.
    """
    if barriers is None:
        return None
    if isinstance(barriers, str | Path):
        p = Path(barriers)
        return (p.read_bytes() if p.is_file() else str(p), layer)
    crs = getattr(barriers, "crs", None)
    geoms = (
        np.asarray(barriers.geometry.values, dtype=object)
        if isinstance(barriers, gpd.GeoDataFrame | gpd.GeoSeries)
        else np.asarray([barriers] if isinstance(barriers, shapely.Geometry) else barriers)
    )
    wkb = shapely.to_wkb(geoms.ravel())
    return (str(crs), b"".join(w for w in wkb if w is not None))


def remove_barrier_crossings(
    net: WalkNetwork, barriers: Any, *, barriers_layer: str | None = None
) -> WalkNetwork:
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
    barriers_layer : str, optional
        Layer of a multi-layer barriers file (see :func:`read_barriers`).

    Returns
    -------
    WalkNetwork
        A new network; ``report.barrier_edges_removed`` and ``report.barrier_bridges_kept``
        say what happened.

    Raises
    ------
    InputFileError
        A barriers file cannot be read or its layer cannot be chosen.
    NetworkError
        The barriers are not polygons or lines (e.g. points).
    """
    geoms = _barrier_geoms(barriers, net.crs, barriers_layer)
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


def finish_network(
    net: WalkNetwork,
    barriers: Any,
    largest_component: bool,
    barriers_layer: str | None = None,
    *,
    profile: str = "walk",
    fragments: bool = True,
) -> WalkNetwork:
    """Last step of every builder: barriers, stray fragments, the profile, the largest component.

    Parameters
    ----------
    net : WalkNetwork
        The freshly built walk network.
    barriers : optional
        As for :func:`remove_barrier_crossings`; None skips the step.
    largest_component : bool
        Keep only the largest connected component (after the barriers cut it).
    barriers_layer : str, optional
        Layer of a multi-layer barriers file.
    profile : {"walk", "step_free"}
        ``step_free`` then removes the edges that are not step-free (and the fragments left).
    fragments : bool, default True
        Remove stray fragments (:func:`planning.network.fragments.drop_fragments`).

    Returns
    -------
    WalkNetwork
    """
    if barriers is not None:
        net = remove_barrier_crossings(net, barriers, barriers_layer=barriers_layer)
    if fragments:
        net = drop_fragments(net)
    if profile != "walk":
        net = for_profile(net, profile) if fragments else net.subset_edges(net.step_free)
        net.report.profile = profile
    if largest_component:
        net = net.largest_component()
    return net
