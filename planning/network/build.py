"""Choosing a network source (路网来源).

:func:`load_network` dispatches on the file extension (or a ``place:`` / ``bbox:`` spec) to the
builders in :mod:`planning.network.osm` and :mod:`planning.network.centrelines`; barriers are
handled by :mod:`planning.network.barriers`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd

from planning._errors import InputFileError, NetworkError
from planning.network import centrelines, osm
from planning.network.graph import WalkNetwork

logger = logging.getLogger(__name__)

_OSM_EXT = (".osm", ".xml", ".osm.xml", ".pbf", ".osm.pbf")
_LINE_EXT = (".gpkg", ".shp", ".geojson", ".json", ".fgb")


def is_centreline_source(source: str | Path) -> bool:
    """Whether a path names road centre-lines (GeoPackage, Shapefile, GeoJSON …), not OSM data.

    Examples
    --------
    >>> is_centreline_source("道路中心线.gpkg"), is_centreline_source("city.osm.pbf")
    (True, False)
    """
    spec = str(source)
    if spec.startswith(("place:", "bbox:")):
        return False
    return Path(spec).name.lower().endswith(_LINE_EXT)


def load_network(
    path_or_spec: str | Path | gpd.GeoDataFrame,
    crs: Any = None,
    barriers: Any = None,
    barriers_layer: str | None = None,
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
        Barrier polygons: a GeoDataFrame, geometries or a file (see
        :func:`planning.network.barriers.remove_barrier_crossings`).
    barriers_layer : str, optional
        Layer of a multi-layer barriers file (GeoPackage); by default the layer called
        ``river``, ``rivers``, ``barriers``, ``河流`` or ``水系``, else an error listing the
        layers.
    **kwargs
        Passed to the builder (e.g. ``profile="step_free"``, ``largest_component=True``,
        ``use_cache=False``; ``road_class_column`` and ``road_classes`` for centre-lines).

    Returns
    -------
    WalkNetwork
    """
    kwargs["barriers"] = barriers
    kwargs["barriers_layer"] = barriers_layer
    if isinstance(path_or_spec, gpd.GeoDataFrame | gpd.GeoSeries):
        return centrelines.from_centrelines(path_or_spec, crs, **kwargs)
    spec = str(path_or_spec)
    if spec.startswith("place:"):
        return osm.from_place(spec[6:].strip(), crs, **kwargs)
    if spec.startswith("bbox:"):
        try:
            w, s, e, n = (float(x) for x in spec[5:].split(","))
        except ValueError as exc:
            raise NetworkError(
                f"{spec!r}: write a box as 'bbox:west,south,east,north' in degrees."
            ) from exc
        return osm.from_bbox((w, s, e, n), crs, **kwargs)
    name = Path(spec).name.lower()
    if name.endswith(_OSM_EXT):
        return osm.from_osm_file(spec, crs, **kwargs)
    if name.endswith(".graphml"):
        return osm.from_graphml(spec, crs, **kwargs)
    if name.endswith(_LINE_EXT):
        return centrelines.from_centrelines(spec, crs, **kwargs)
    raise InputFileError(
        f"{spec}: unknown network source. Give an OpenStreetMap file (.osm, .osm.pbf), a "
        "GraphML file (.graphml), road centre-lines (.gpkg, .shp, .geojson), "
        "'place:<name>' or 'bbox:west,south,east,north'."
    )
