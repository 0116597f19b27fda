"""Building walking networks: centre-lines, barriers, cache, downloads refused, dispatch."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, box

from planning import settings
from planning._errors import DownloadNotAllowedError, InputFileError, NetworkError, param
from planning.network import (
    from_bbox,
    from_centrelines,
    from_place,
    load_network,
    nearest,
    remove_barrier_crossings,
    snap,
)
from planning.network.osm import osm_cache_path

X0, Y0 = 500_000.0, 3_400_000.0
CRS = "EPSG:32651"


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    monkeypatch.setattr(settings, "allow_download", False)


def lines(*coords: list[tuple[float, float]], **cols: list[object]) -> gpd.GeoDataFrame:
    geoms = [LineString([(X0 + x, Y0 + y) for x, y in c]) for c in coords]
    return gpd.GeoDataFrame(cols, geometry=geoms, crs=CRS)


def test_two_crossing_lines_become_four_edges() -> None:
    net = from_centrelines(lines([(0, 50), (100, 50)], [(50, 0), (50, 100)]), use_cache=False)
    assert net.n_edges == 4
    assert net.n_nodes == 5
    assert sorted(net.length.tolist()) == pytest.approx([50.0] * 4)
    centre = np.flatnonzero((net.node_x == X0 + 50) & (net.node_y == Y0 + 50))
    assert len(centre) == 1
    assert net.degree()[centre[0]] == 4
    assert net.report.n_components == 1
    assert len(net.report.dangling_ends) == 4


def test_endpoints_half_a_metre_apart_are_joined() -> None:
    gdf = lines([(0, 0), (100, 0)], [(100.5, 0), (200, 0)])
    net = from_centrelines(gdf, join_tolerance_m=1.0, use_cache=False)
    assert net.n_nodes == 3
    assert net.n_edges == 2
    assert net.report.n_components == 1
    assert net.report.n_joined_endpoints == 2
    assert len(net.report.dangling_ends) == 2


def test_endpoints_two_metres_apart_are_not_joined() -> None:
    gdf = lines([(0, 0), (100, 0)], [(102, 0), (200, 0)])
    net = from_centrelines(gdf, join_tolerance_m=1.0, use_cache=False)
    assert net.n_nodes == 4
    assert net.report.n_components == 2
    assert net.report.component_sizes == [2, 2]
    ends = sorted((round(x - X0, 3), round(y - Y0, 3)) for x, y in net.report.dangling_ends)
    assert ends == [(0.0, 0.0), (100.0, 0.0), (102.0, 0.0), (200.0, 0.0)]
    kept = from_centrelines(gdf, largest_component=True, use_cache=False)
    assert kept.n_edges == 1
    assert kept.report.dropped_components == 1
    assert kept.report.dropped_nodes == 2
    assert kept.report.dropped_edges == 1


def test_undershooting_t_junction_is_joined_onto_the_line() -> None:
    gdf = lines([(0, 0), (200, 0)], [(100, 0.6), (100, 100)])
    net = from_centrelines(gdf, join_tolerance_m=1.0, use_cache=False)
    assert net.n_edges == 3
    assert net.report.n_components == 1
    assert sorted(net.length.tolist()) == pytest.approx([100.0, 100.0, 100.0])


def test_multipart_lines_are_split_and_bad_rows_reported() -> None:
    multi = MultiLineString([[(X0, Y0), (X0 + 10, Y0)], [(X0 + 50, Y0), (X0 + 60, Y0)]])
    gdf = gpd.GeoDataFrame(geometry=[multi, shapely.Point(X0, Y0)], crs=CRS)
    net = from_centrelines(gdf, use_cache=False)
    assert net.n_edges == 2
    assert net.report.n_parts_split == 1
    assert any("rows [1]" in n for n in net.report.notes)


def test_centrelines_without_crs_are_refused() -> None:
    gdf = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 1)])])
    with pytest.raises(NetworkError, match="no CRS"):
        from_centrelines(gdf, use_cache=False)


def test_geographic_centrelines_are_projected_to_utm() -> None:
    gdf = gpd.GeoDataFrame(
        geometry=[LineString([(121.47, 31.23), (121.48, 31.23)])], crs="EPSG:4326"
    )
    net = from_centrelines(gdf, use_cache=False)
    assert net.crs.to_epsg() == 32651
    assert net.length[0] == pytest.approx(952.0, rel=0.01)  # 0.01° of longitude at 31.23° N


def river_town() -> gpd.GeoDataFrame:
    """Streets at y=0 and y=200 joined at x=100 (plain) and x=900 (bridge) across a river."""
    return lines(
        [(0, 0), (1000, 0)],
        [(0, 200), (1000, 200)],
        [(100, 0), (100, 200)],
        [(900, 0), (900, 200)],
        bridge=["no", "no", "no", "yes"],
    )


def test_river_with_one_bridge() -> None:
    river = gpd.GeoDataFrame(geometry=[box(X0 - 50, Y0 + 80, X0 + 1050, Y0 + 120)], crs=CRS)
    open_net = from_centrelines(river_town(), use_cache=False)
    a = snap(open_net, np.array([[X0 + 100, Y0 - 5]]))
    b = snap(open_net, np.array([[X0 + 100, Y0 + 205]]))
    assert nearest(open_net, a, b, 5000)[0][0] == pytest.approx(210.0, abs=0.01)
    cut = remove_barrier_crossings(open_net, river)
    assert cut.report.barrier_edges_removed == 1
    assert cut.report.barrier_bridges_kept == 1
    a, b = snap(cut, a_xy := np.array([[X0 + 100, Y0 - 5]])), snap(cut, a_xy + np.array([0, 210]))
    # 5 + 800 east + 200 over the bridge + 800 west + 5
    assert nearest(cut, a, b, 5000)[0][0] == pytest.approx(1810.0, abs=0.01)
    built = from_centrelines(river_town(), barriers=river, use_cache=False)
    assert built.report.barrier_edges_removed == 1
    assert built.n_edges == cut.n_edges


def test_cache_hit_returns_identical_arrays(tmp_path: Path) -> None:
    path = tmp_path / "roads.gpkg"
    river_town().to_file(path)
    first = load_network(path)
    second = load_network(path)
    assert not first.report.cache_hit
    assert second.report.cache_hit
    assert first.report.cache_key == second.report.cache_key
    assert second.arrays_equal(first)
    assert second.report.dangling_ends == first.report.dangling_ends
    files = list((tmp_path / "cache" / "networks").glob("*.npz"))
    assert len(files) == 1
    with np.load(files[0], allow_pickle=False) as z:  # no pickled objects inside
        assert "coords" in z.files
    third = load_network(path, join_tolerance_m=5.0)  # other parameters: other key
    assert not third.report.cache_hit


def test_download_refused_without_permission() -> None:
    with pytest.raises(DownloadNotAllowedError, match="download=") as refused:
        from_place("静安区, 上海市, 中国")
    # the message names the Python parameter, never a command-line flag
    assert param("download", True) in refused.value.raw_message
    assert "--download" not in str(refused.value)
    with pytest.raises(DownloadNotAllowedError, match="allow_download"):
        from_bbox((121.46, 31.22, 121.49, 31.24))
    with pytest.raises(DownloadNotAllowedError):
        load_network("place:黄浦区, 上海市")


def tiny_osmnx_graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(crs="epsg:4326")
    g.add_node(1, x=121.470, y=31.230)
    g.add_node(2, x=121.471, y=31.230)
    g.add_node(3, x=121.471, y=31.231)
    for a, b in [(1, 2), (2, 1), (2, 3), (3, 2)]:
        g.add_edge(a, b, osmid=10 + a + b, length=100.0, highway="footway", oneway=False)
    return g


def test_place_download_cache_is_read_offline() -> None:
    import osmnx as ox

    place = "Test town"
    path = osm_cache_path("place", place)
    path.parent.mkdir(parents=True)
    ox.save_graphml(tiny_osmnx_graph(), path)
    net = from_place(place)
    assert net.n_nodes == 3
    assert net.n_edges == 2
    assert sorted(net.node_id.tolist()) == [1, 2, 3]
    assert net.crs.to_epsg() == 32651
    assert net.length.sum() == pytest.approx(95.2 + 111.0, rel=0.01)


def test_load_network_rejects_unknown_sources(tmp_path: Path) -> None:
    odd = tmp_path / "roads.txt"
    odd.write_text("x")
    with pytest.raises(InputFileError, match="unknown network source"):
        load_network(odd)
    with pytest.raises(InputFileError, match="not found"):
        load_network(tmp_path / "missing.osm")
    with pytest.raises(NetworkError, match="bbox"):
        load_network("bbox:1,2,3")
