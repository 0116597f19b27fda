from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from planning._errors import InputDataError
from planning.cli.flags import render
from planning.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    local_metric_crs,
    out_of_china,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# --------------------------------------------------------------------------- reference values


def _reference_wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Scalar transcription of the published formula (math module), independent of numpy."""
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lon - 105.0, lat - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    d_lon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    d_lon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    rad = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(rad) ** 2
    d_lat = (d_lat * 180.0) / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    d_lon = (d_lon * 180.0) / (a / math.sqrt(magic) * math.cos(rad) * math.pi)
    return lon + d_lon, lat + d_lat


# Published values (coordtransform-rs test suite; eviltransform test suite uses an earth radius
# of 6378137 instead of 6378245 in one place, which moves results by < 2 cm → 2e-7°).
FORWARD_GCJ = [
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164), 1e-9),  # coordtransform-rs
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597), 2e-7),  # eviltransform SH
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766), 2e-7),  # eviltransform SZ
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069), 2e-7),  # eviltransform BJ
]


@pytest.mark.parametrize(("wgs", "gcj", "tol"), FORWARD_GCJ)
def test_wgs84_to_gcj02_published_values(wgs, gcj, tol) -> None:
    lon, lat = wgs84_to_gcj02(*wgs)
    assert abs(float(lon) - gcj[0]) < tol
    assert abs(float(lat) - gcj[1]) < tol


def test_gcj02_to_bd09_published_values() -> None:
    # coordtransform-rs: gcj02_to_bd09(116.404, 39.915)
    lon, lat = gcj02_to_bd09(116.404, 39.915)
    assert float(lon) == pytest.approx(116.41036949371029, abs=1e-12)
    assert float(lat) == pytest.approx(39.92133699351021, abs=1e-12)
    # gcoord: GCJ02 → BD09 of (123, 45)
    lon, lat = gcj02_to_bd09(123.0, 45.0)
    assert float(lon) == pytest.approx(123.00636499, abs=1e-8)
    assert float(lat) == pytest.approx(45.00636899, abs=1e-8)


def test_inverses_agree_with_published_approximate_inverses() -> None:
    # The published one-step inverses are accurate to ~1e-6°; ours is exact, so allow 2e-6°.
    lon, lat = gcj02_to_wgs84(116.404, 39.915)  # coordtransform-rs
    assert abs(float(lon) - 116.39775550083061) < 2e-6
    assert abs(float(lat) - 39.91359571849836) < 2e-6
    lon, lat = bd09_to_gcj02(116.404, 39.915)  # coordtransform-rs
    assert abs(float(lon) - 116.39762729119315) < 2e-6
    assert abs(float(lat) - 39.90865673957631) < 2e-6
    lon, lat = gcj02_to_wgs84(123.0, 45.0)  # gcoord
    assert abs(float(lon) - 122.99395597) < 2e-6
    assert abs(float(lat) - 44.99804071) < 2e-6


def test_tiananmen_reference_point() -> None:
    wgs = (116.391265, 39.907339)
    expected = _reference_wgs84_to_gcj02(*wgs)
    lon, lat = wgs84_to_gcj02(*wgs)
    assert float(lon) == pytest.approx(expected[0], abs=1e-12)
    assert float(lat) == pytest.approx(expected[1], abs=1e-12)
    # The GCJ-02 shift in Beijing is about 0.0062° east and 0.0014° north (≈ 530 m, 155 m).
    assert 0.0058 < float(lon) - wgs[0] < 0.0066
    assert 0.0010 < float(lat) - wgs[1] < 0.0018
    back = gcj02_to_wgs84(lon, lat)
    assert abs(float(back[0]) - wgs[0]) < 1e-8
    assert abs(float(back[1]) - wgs[1]) < 1e-8


def test_outside_china_gcj02_is_wgs84() -> None:
    lon, lat = wgs84_to_gcj02([2.35, 139.0], [48.85, 35.0])  # Paris; Tokyo is outside 137.8°E
    np.testing.assert_array_equal(lon, [2.35, 139.0])
    np.testing.assert_array_equal(lat, [48.85, 35.0])
    lon, lat = gcj02_to_wgs84(2.35, 48.85)
    assert (float(lon), float(lat)) == (2.35, 48.85)
    assert out_of_china([2.35, 116.4], [48.85, 39.9]).tolist() == [True, False]


def test_vectorised_shapes_and_dispatch() -> None:
    lon = np.array([[116.0, 117.0], [114.3, 121.5]])
    lat = np.array([[39.0, 40.0], [30.6, 31.2]])
    out = wgs84_to_bd09(lon, lat)
    assert out[0].shape == (2, 2)
    assert out[1].shape == (2, 2)
    for i in range(2):
        for j in range(2):
            one = wgs84_to_bd09(lon[i, j], lat[i, j])
            assert float(one[0]) == out[0][i, j]
    w = to_wgs84(*out, "BD-09")
    np.testing.assert_allclose(w[0], lon, atol=1e-8)
    np.testing.assert_allclose(to_wgs84(lon, lat, "wgs84")[0], lon)
    with pytest.raises(InputDataError, match="bd09"):
        to_wgs84(lon, lat, "baidu-mercator")


def _metres(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    geod = pyproj.Geod(ellps="WGS84")
    return float(geod.inv(lon0, lat0, lon1, lat1)[2])


china_lon = st.floats(min_value=73.6, max_value=134.7, allow_nan=False)
china_lat = st.floats(min_value=18.2, max_value=53.5, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_gcj02_round_trip_under_half_a_metre(lon: float, lat: float) -> None:
    g = wgs84_to_gcj02(lon, lat)
    w = gcj02_to_wgs84(*g)
    assert _metres(lon, lat, float(w[0]), float(w[1])) < 0.5
    # and the forward transform matches the scalar reference
    ref = _reference_wgs84_to_gcj02(lon, lat)
    assert abs(float(g[0]) - ref[0]) < 1e-9
    assert abs(float(g[1]) - ref[1]) < 1e-9


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_bd09_round_trip_under_half_a_metre(lon: float, lat: float) -> None:
    b = wgs84_to_bd09(lon, lat)
    w = bd09_to_wgs84(*b)
    assert _metres(lon, lat, float(w[0]), float(w[1])) < 0.5
    g = gcj02_to_bd09(lon, lat)
    back = bd09_to_gcj02(*g)
    assert _metres(lon, lat, float(back[0]), float(back[1])) < 0.5


def test_unknown_system_names_the_parameter() -> None:
    with pytest.raises(InputDataError) as info:
        to_wgs84(114.3, 30.6, "baidu")
    assert str(info.value).startswith('coords="baidu": unknown coordinate system')
    assert render(info.value.raw_message).startswith("--coords baidu: unknown")
    assert "bd09 for Baidu" in str(info.value)


# --------------------------------------------------------------------------- metric CRS


def _points(crs: int | str, xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in xy], crs=crs)


def test_local_metric_crs_wgs84_gives_utm_zone() -> None:
    # Wuhan (114.3°E) lies in UTM zone 50N (114–120°E) → EPSG:32650.
    crs = local_metric_crs(_points(4326, [(114.3, 30.6), (114.35, 30.55)]))
    assert crs.to_epsg() == 32650
    # Beijing 116.4°E → zone 50 too; Chengdu 104.07°E → zone 48 (102–108°E).
    assert local_metric_crs(_points(4326, [(104.07, 30.67)])).to_epsg() == 32648


def test_local_metric_crs_cgcs2000_geographic_treated_as_wgs84() -> None:
    assert local_metric_crs(_points(4490, [(121.47, 31.23)])).to_epsg() == 32651


def test_local_metric_crs_keeps_projected() -> None:
    gk = _points(4547, [(500000.0, 3400000.0)])  # CGCS2000 / 3-degree GK CM 114E
    assert local_metric_crs(gk).to_epsg() == 4547
    utm = _points(32650, [(240000.0, 3395000.0)])
    assert local_metric_crs(utm).to_epsg() == 32650


def test_local_metric_crs_uses_median_not_mean() -> None:
    # One far outlier (Xinjiang) must not move Wuhan data into another zone.
    pts = [(114.3, 30.6)] * 20 + [(87.6, 43.8)]
    assert local_metric_crs(_points(4326, pts)).to_epsg() == 32650


def test_local_metric_crs_bounds_and_southern_hemisphere() -> None:
    assert local_metric_crs((114.0, 30.0, 115.0, 31.0)).to_epsg() == 32650
    assert local_metric_crs((150.0, -34.0, 151.5, -33.0)).to_epsg() == 32756
    assert local_metric_crs((0, 0, 1, 1), crs=4547).to_epsg() == 4547


def test_local_metric_crs_feet_projection_replaced() -> None:
    feet = _points(2263, [(990000.0, 200000.0)])  # NY Long Island, US survey feet
    assert local_metric_crs(feet).to_epsg() == 32618


def test_local_metric_crs_errors() -> None:
    with pytest.raises(InputDataError, match="no coordinate reference system") as info:
        local_metric_crs(gpd.GeoDataFrame(geometry=[Point(1, 2)]))
    assert 'crs="EPSG:4326"' in str(info.value)
    assert "--crs EPSG:4326" in render(info.value.raw_message)
    with pytest.raises(InputDataError, match="No geometry"):
        local_metric_crs(gpd.GeoDataFrame(geometry=[None], crs=4326))
