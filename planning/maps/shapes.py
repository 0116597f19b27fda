"""Geometry made ready for the web map (地图几何): simplified, small holes filled, lon/lat.

Service areas are simplified part by part with a tolerance that grows with their size, estates
and streets barely, the network by a metre; everything ends in WGS-84 longitude/latitude
(shifted to GCJ-02 for 高德 tiles) for :mod:`planning.maps.encode`.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from planning.maps import encode
from planning.maps.basemaps import CoordShift

#: Simplification tolerances (metres) per layer: small enough to be invisible on the map.
ESTATE_TOLERANCE_M = 0.5
AREA_TOLERANCE_M = 1.0
NETWORK_TOLERANCE_M = 1.0
#: Vertex budget of one merged service-area polygon; larger ones are simplified harder.
AREA_VERTEX_BUDGET = 60_000
#: Holes in a service area smaller than this (m²) are filled on the map: at 50 m street buffers
#: they are slivers, not places anyone lives.
MIN_HOLE_M2 = 2_500.0


def without_small_holes(geom: Any) -> Any:
    """Fill holes smaller than :data:`MIN_HOLE_M2` (slivers between buffered streets)."""
    if geom is None or geom.is_empty:
        return geom
    polygons = []
    for part in shapely.get_parts(geom):
        holes = [r for r in part.interiors if shapely.Polygon(r).area >= MIN_HOLE_M2]
        polygons.append(shapely.Polygon(part.exterior, holes))
    return shapely.MultiPolygon(polygons) if len(polygons) > 1 else polygons[0]


def simplified_areas(rows: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Simplify service areas fast and validly, harder for city-wide merged polygons.

    The tolerance grows with the square root of the vertex count beyond the budget: 1 m for a
    district, a few metres for a 500k-node city, still far below what the map shows.
    """
    simplified = []
    for geom in rows.geometry.to_numpy():
        parts = shapely.get_parts(without_small_holes(geom))
        vertices = max(int(shapely.get_num_coordinates(parts).sum()), 1)
        tolerance = AREA_TOLERANCE_M * max(1.0, (vertices / AREA_VERTEX_BUDGET) ** 0.5)
        # Part by part: GEOS simplifies thousands of small polygons far faster than one
        # multipolygon holding them all (seconds instead of minutes for a city).
        parts = shapely.simplify(parts, tolerance, preserve_topology=True)
        simplified.append(
            shapely.multipolygons(parts) if len(parts) > 1 else parts[0] if len(parts) else geom
        )
    return gpd.GeoDataFrame(geometry=simplified, crs=rows.crs)


def tier_areas(areas: gpd.GeoDataFrame, tier: str, shift: CoordShift | None) -> np.ndarray | None:
    """Return a tier's merged service area as polygon parts, in lon/lat."""
    tiers = areas["tier"].astype(str)
    rows = areas[(tiers == tier) & areas["merged"].astype(bool)]
    if rows.empty:
        rows = areas[tiers == tier]
        if rows.empty:
            return None
        rows = gpd.GeoDataFrame(
            geometry=[shapely.union_all(rows.geometry.to_numpy())], crs=areas.crs
        )
    lonlat = encode.to_lonlat(simplified_areas(rows), tolerance_m=0, shift=shift)
    parts = shapely.get_parts(lonlat)
    return parts[shapely.get_type_id(parts) == 3]
