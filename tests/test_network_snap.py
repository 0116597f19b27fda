"""Attaching points and polygons to the walking network."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from planning import settings
from planning._errors import NetworkError
from planning.network import WalkNetwork, snap

X0, Y0 = 500_000.0, 3_400_000.0


def street() -> WalkNetwork:
    """One 200 m street along y=0 with a bend in the middle."""
    geom = shapely.LineString([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100)])
    return WalkNetwork.from_lines([X0, X0 + 100], [Y0, Y0 + 100], [0], [1], 32651, [geom])


def test_offset_follows_the_geometry_and_connector_counts() -> None:
    s = snap(street(), np.array([[X0 + 40, Y0 - 30], [X0 + 130, Y0 + 70]]))
    assert s.ok.all()
    assert s.edge.tolist() == [0, 0]
    assert s.offset_m.tolist() == pytest.approx([40.0, 170.0])
    assert s.connector_m.tolist() == pytest.approx([30.0, 30.0])


def test_beyond_max_snap_is_not_attached(monkeypatch: pytest.MonkeyPatch) -> None:
    pts = np.array([[X0 + 40, Y0 - 299], [X0 + 40, Y0 - 301]])
    s = snap(street(), pts, max_snap_m=300)
    assert s.ok.tolist() == [True, False]
    assert s.edge[1] == -1
    assert np.isnan(s.offset_m[1])
    assert s.connector_m[1] == pytest.approx(301.0)  # reported, not snapped
    assert s.failed().tolist() == [1]
    assert s.n_failed == 1
    monkeypatch.setattr(settings, "max_snap_m", 100.0)
    assert snap(street(), pts).ok.tolist() == [False, False]


def test_polygons_use_a_point_inside_and_series_are_reprojected() -> None:
    estate = box(X0 + 20, Y0 - 60, X0 + 60, Y0 - 20)
    gs = gpd.GeoSeries([estate, None, Point(X0 + 50, Y0 - 10)], crs=32651).to_crs(4326)
    s = snap(street(), gs)
    assert s.ok.tolist() == [True, False, True]
    assert estate.contains(Point(s.x[0], s.y[0]))
    assert s.offset_m[2] == pytest.approx(50.0, abs=1e-6)
    assert s.connector_m[2] == pytest.approx(10.0, abs=1e-6)
    sub = s.subset([2])
    assert len(sub) == 1
    assert sub.edge[0] == 0


def test_bad_coordinates_raise() -> None:
    with pytest.raises(NetworkError, match="N×2"):
        snap(street(), np.zeros((3, 3)))
