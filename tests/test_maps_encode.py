"""Compact coordinate encoding of the gap map (planning.maps.encode)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from planning.maps import encode


def decode_ring(flat: list[int], origin: tuple[int, int]) -> list[tuple[int, int]]:
    """Python twin of the page's decoder: absolute micro-degree vertices."""
    out, x, y = [], 0, 0
    for i in range(0, len(flat), 2):
        x += flat[i]
        y += flat[i + 1]
        out.append((x + origin[0], y + origin[1]))
    return out


def test_square_is_delta_encoded_without_closing_vertex():
    sq = shapely.Polygon([(1, 1), (1.000002, 1), (1.000002, 1.000003), (1, 1.000003)])
    got = encode.encode_polygons(np.array([sq]), (0, 0))
    assert got == [[[[1_000_000, 1_000_000, 2, 0, 0, 3, -2, 0]]]]
    got = encode.encode_polygons(np.array([sq]), (1_000_000, 1_000_000))
    assert got == [[[[0, 0, 2, 0, 0, 3, -2, 0]]]]


def test_vertices_equal_after_rounding_are_dropped():
    poly = shapely.Polygon(
        [(0, 0), (0.000002, 0), (0.0000021, 0), (0.000002, 0.000002), (0, 0.000002)]
    )
    got = encode.encode_polygons(np.array([poly]), (0, 0))
    assert got == [[[[0, 0, 2, 0, 0, 2, -2, 0]]]]


def test_ring_collapsing_to_fewer_than_three_vertices_is_dropped():
    tiny = shapely.Polygon([(0, 0), (1e-8, 0), (1e-8, 1e-8), (0, 1e-8)])
    big = shapely.box(0, 0, 0.00001, 0.00001)
    got = encode.encode_polygons(np.array([tiny, big]), (0, 0))
    assert got[0] == []
    assert len(got[1]) == 1


def test_hole_and_multipolygon_structure():
    outer = shapely.box(0, 0, 0.00001, 0.00001)
    with_hole = shapely.Polygon(
        outer.exterior.coords, [shapely.box(0.000004, 0.000004, 0.000006, 0.000006).exterior.coords]
    )
    multi = shapely.MultiPolygon([shapely.box(0, 0, 0.000001, 0.000001), outer])
    got = encode.encode_polygons(np.array([with_hole, multi]), (0, 0))
    assert len(got[0]) == 1
    assert len(got[0][0]) == 2
    assert len(got[1]) == 2  # two polygons
    hole = decode_ring(got[0][0][1], (0, 0))
    assert sorted(hole) == [(4, 4), (4, 6), (6, 4), (6, 6)]


def test_lines_and_points():
    lines = np.array(
        [
            shapely.LineString([(0, 0), (0.000001, 0), (0.000001, 0.000005)]),
            shapely.MultiLineString([[(0, 0), (0, 0.000002)], [(0.000003, 0), (0.000003, 0)]]),
        ]
    )
    got = encode.encode_lines(lines, (0, 0))
    # the zero-length part of the multi-line is dropped
    assert got == [[0, 0, 1, 0, 0, 5], [0, 0, 0, 2]]
    pts = encode.encode_points(np.array([shapely.Point(1.5, 2.25)]), (1_000_000, 2_000_000))
    assert pts == [[500_000, 250_000]]


def test_estate_geometry_mixes_points_and_polygons():
    geoms = np.array([shapely.Point(0.000001, 0.000002), shapely.box(0, 0, 0.00001, 0.00001)])
    got = encode.encode_estate_geometry(geoms, (0, 0))
    assert got[0] == [1, 2]
    assert isinstance(got[1][0][0], list)


def test_to_lonlat_projects_simplifies_and_shifts():
    # a line from UTM 51N with a 0.2 m kink that a 0.5 m tolerance removes
    gdf = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(354000, 3456000), (354050, 3456000.2), (354100, 3456000)])],
        crs="EPSG:32651",
    )
    out = encode.to_lonlat(gdf, tolerance_m=0.5, shift=None)
    coords = shapely.get_coordinates(out)
    assert len(coords) == 2
    lon, lat = Transformer.from_crs("EPSG:32651", "EPSG:4326", always_xy=True).transform(
        354000, 3456000
    )
    assert coords[0] == pytest.approx([lon, lat], abs=1e-9)
    shifted = encode.to_lonlat(gdf, tolerance_m=0.5, shift=lambda xy: xy + np.array([0.001, 0.002]))
    assert shapely.get_coordinates(shifted)[0] == pytest.approx([lon + 0.001, lat + 0.002])


def test_bounds_and_origin():
    geoms = np.array([shapely.Point(121.0, 31.0), shapely.Point(121.5, 31.2)])
    assert encode.bounds_latlng(geoms) == [[31.0, 121.0], [31.2, 121.5]]
    assert encode.origin_of(geoms) == (121_250_000, 31_100_000)
    assert encode.bounds_latlng(np.array([], dtype=object)) is None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(120.0, 122.0, allow_nan=False), st.floats(30.0, 32.0, allow_nan=False)),
        min_size=3,
        max_size=12,
    )
)
def test_roundtrip_within_rounding(points):
    poly = shapely.Polygon(points).convex_hull
    if poly.geom_type != "Polygon" or poly.area < 1e-10:
        return
    origin = (121_000_000, 31_000_000)
    got = encode.encode_polygons(np.array([poly]), origin)
    assert len(got[0]) == 1
    decoded = decode_ring(got[0][0][0], origin)
    expected = np.rint(np.asarray(poly.exterior.coords)[:-1] * 1e6).astype(np.int64)
    dedup = [tuple(expected[0])]
    for p in expected[1:]:
        if tuple(p) != dedup[-1]:
            dedup.append(tuple(p))
    assert decoded == [(int(x), int(y)) for x, y in dedup]
