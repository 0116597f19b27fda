"""Network-traced service areas (服务圈)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from planning._errors import NetworkError
from planning.network import WalkNetwork, service_areas, snap
from planning.network.synthetic import random_points, street_grid

X0, Y0 = 500_000.0, 3_400_000.0


def cross() -> WalkNetwork:
    """A 1 km east-west street and a 1 km north-south street meeting at (500, 0)."""
    x = np.array([0, 1000, 500, 500, 500]) + X0
    y = np.array([0, 0, -500, 500, 0]) + Y0
    return WalkNetwork.from_lines(x, y, [0, 4, 2, 4], [4, 1, 4, 3], 32651)


def test_area_follows_the_streets_up_to_the_cutoff() -> None:
    net = cross()
    t = snap(net, np.array([[X0 + 300, Y0 - 10]]))  # 10 m connector, 300 m from the west end
    gdf = service_areas(net, t, [300.0], buffer_m=20.0, target_ids=["F1"])
    assert gdf["kind"].tolist() == ["target", "merged"]
    assert gdf["target_id"].tolist() == ["F1", None]
    poly = gdf.geometry.iloc[0]
    # reach 290 m along the streets: west to x=10, east to the crossing (200 m) and 90 m beyond
    inside = [(15, 0), (585, 0), (500, 85), (500, -85), (300, -10)]
    outside = [(-15, 0), (615, 0), (500, 115), (500, -115), (300, 40), (700, 300)]
    for x, y in inside:
        assert poly.contains(Point(X0 + x, Y0 + y)), (x, y)
    for x, y in outside:
        assert not poly.contains(Point(X0 + x, Y0 + y)), (x, y)
    # no convex hull: the corner between the streets stays out
    assert not poly.contains(Point(X0 + 560, Y0 + 60))
    assert gdf.geometry.iloc[1].equals_exact(poly, tolerance=1e-6) or gdf.geometry.iloc[
        1
    ].symmetric_difference(poly).area == pytest.approx(0.0, abs=1e-3)


def test_tiers_nest_and_unreached_targets_are_empty() -> None:
    net = cross()
    t = snap(net, np.array([[X0 + 300, Y0 - 10], [X0 + 300, Y0 - 900]]), max_snap_m=300)
    gdf = service_areas(net, t, [500.0, 100.0], buffer_m=20.0)
    per = gdf[gdf.kind == "target"]
    assert per["cutoff_m"].tolist() == [100.0, 500.0]  # only the attached target
    small, large = per.geometry.tolist()
    assert large.contains(small.buffer(-1e-6))
    assert large.area > small.area
    short = service_areas(net, t, [5.0], buffer_m=20.0, merge=False)
    assert short.geometry.iloc[0].is_empty  # the connector alone is longer than 5 m


def test_merged_equals_union_of_targets() -> None:
    net = street_grid(900, seed=4)
    t = snap(net, random_points(net, 12, seed=9))
    gdf = service_areas(net, t, [250.0, 600.0], buffer_m=30.0)
    for cut in (250.0, 600.0):
        rows = gdf[gdf.cutoff_m == cut]
        union = shapely.union_all(rows[rows.kind == "target"].geometry.to_numpy())
        merged = rows[rows.kind == "merged"].geometry.iloc[0]
        assert merged.symmetric_difference(union).area < 1e-3 * union.area


def test_bad_cutoffs_raise() -> None:
    net = cross()
    t = snap(net, np.array([[X0 + 300, Y0]]))
    with pytest.raises(NetworkError):
        service_areas(net, t, [])
    with pytest.raises(NetworkError, match="target_ids"):
        service_areas(net, t, [100.0], target_ids=["a", "b"])


def test_raster_method_agrees_with_exact() -> None:
    net = street_grid(900, seed=4)
    t = snap(net, random_points(net, 6, seed=9))
    exact = service_areas(net, t, [400.0], buffer_m=30.0, method="exact", merge=True)
    raster = service_areas(net, t, [400.0], buffer_m=30.0, method="raster", cell_m=2.0)
    assert set(exact["method"]) == {"exact"}
    assert set(raster["method"]) == {"raster"}
    for kind, a, b in zip(exact.kind, exact.geometry, raster.geometry, strict=True):
        assert b.is_valid
        assert a.symmetric_difference(b).area < 0.02 * a.area
        step = 2.0 if kind == "target" else 4.0  # merged areas use twice the cell
        extra = shapely.get_coordinates(b.difference(a))
        assert max(a.distance(Point(p)) for p in extra) <= 0.6 * step


def test_auto_switches_to_raster_for_large_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    import planning.network.service_area as sa

    net = cross()
    t = snap(net, np.array([[X0 + 300, Y0 - 10]]))
    assert service_areas(net, t, [300.0])["method"].iloc[0] == "exact"
    monkeypatch.setattr(sa, "AUTO_RASTER_PIECES", 0)
    assert service_areas(net, t, [300.0])["method"].iloc[0] == "raster"


def test_worker_processes_give_the_same_polygons() -> None:
    net = street_grid(900, seed=4)
    t = snap(net, random_points(net, 10, seed=3))
    one = service_areas(net, t, [300.0], buffer_m=30.0, merge=False, method="exact", workers=1)
    two = service_areas(net, t, [300.0], buffer_m=30.0, merge=False, method="exact", workers=2)
    for a, b in zip(one.geometry, two.geometry, strict=True):
        assert a.equals_exact(b, tolerance=1e-9)
    r1 = service_areas(net, t, [300.0], buffer_m=30.0, merge=False, method="raster", workers=1)
    r2 = service_areas(net, t, [300.0], buffer_m=30.0, merge=False, method="raster", workers=2)
    assert all(a.equals(b) for a, b in zip(r1.geometry, r2.geometry, strict=True))


def _two_targets() -> tuple[WalkNetwork, object]:
    """The cross with A 10 m south of the east-west street at x=300 and B 5 m east of x=500,
    y=400 on the north-south street."""
    net = cross()
    return net, snap(net, np.array([[X0 + 300, Y0 - 10], [X0 + 505, Y0 + 400]]))


def _lines(*coords: tuple[tuple[float, float], ...]) -> np.ndarray:
    return np.array(
        [shapely.LineString([(X0 + x, Y0 + y) for x, y in line]) for line in coords], dtype=object
    )


def test_merged_only_is_exactly_the_reached_street_parts_buffered() -> None:
    net, t = _two_targets()
    gdf = service_areas(net, t, [250.0], buffer_m=20.0, per_target=False, method="exact")
    assert gdf["kind"].tolist() == ["merged"]
    # By hand, 250 m on foot: A walks its 10 m connector, then 240 m west to x=60 and east to
    # the crossing (200 m) and 40 m beyond it east, north and south. B walks 5 m, then 100 m
    # north to the dead end at y=500 and 245 m south to y=155.
    reached = _lines(
        ((60, 0), (540, 0)),
        ((500, -40), (500, 40)),
        ((500, 155), (500, 500)),
        ((300, -10), (300, 0)),
        ((505, 400), (500, 400)),
    )
    expected = shapely.union_all(shapely.buffer(reached, 20.0, quad_segs=4))
    got = gdf.geometry.iloc[0]
    assert got.symmetric_difference(expected).area < 1e-6 * expected.area
    # and it is the union of the targets' own areas
    both = service_areas(net, t, [250.0], buffer_m=20.0, method="exact")
    own = shapely.union_all(both[both.kind == "target"].geometry.to_numpy())
    assert got.symmetric_difference(own).area < 1e-6 * own.area
    assert both[both.kind == "merged"].geometry.iloc[0].equals(got)


def test_merged_only_raster_follows_the_exact_outline() -> None:
    net = street_grid(900, seed=4)
    t = snap(net, random_points(net, 12, seed=9))
    exact = service_areas(net, t, [400.0], buffer_m=30.0, per_target=False, method="exact")
    raster = service_areas(net, t, [400.0], buffer_m=30.0, per_target=False, method="raster",
                           cell_m=2.0)  # fmt: skip
    a, b = exact.geometry.iloc[0], raster.geometry.iloc[0]
    assert b.is_valid
    assert a.symmetric_difference(b).area < 0.02 * a.area
    extra = shapely.get_coordinates(b.difference(a))
    assert max(a.distance(Point(p)) for p in extra) <= 0.6 * 4.0  # merged: twice the cell


def test_merged_only_auto_switches_by_the_merged_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    import planning.network.service_area as sa

    net, t = _two_targets()
    assert service_areas(net, t, [250.0], per_target=False)["method"].iloc[0] == "exact"
    monkeypatch.setattr(sa, "AUTO_RASTER_MERGED_PIECES", 3)
    assert service_areas(net, t, [250.0], per_target=False)["method"].iloc[0] == "raster"


def test_no_polygon_at_all_is_refused() -> None:
    net, t = _two_targets()
    with pytest.raises(NetworkError, match="per_target"):
        service_areas(net, t, [250.0], merge=False, per_target=False)
