"""Building walking networks: centre-lines, barriers, cache, downloads refused, dispatch."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
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
from planning.network.graph import WalkNetwork
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
    # two 2-node pieces: keep both to see the gap (by default the smaller is a stray fragment)
    net = from_centrelines(gdf, join_tolerance_m=1.0, drop_fragments=False, use_cache=False)
    assert net.n_nodes == 4
    assert net.report.n_components == 2
    assert net.report.component_sizes == [2, 2]
    ends = sorted((round(x - X0, 3), round(y - Y0, 3)) for x, y in net.report.dangling_ends)
    assert ends == [(0.0, 0.0), (100.0, 0.0), (102.0, 0.0), (200.0, 0.0)]
    kept = from_centrelines(gdf, largest_component=True, drop_fragments=False, use_cache=False)
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
    net = from_centrelines(gdf, drop_fragments=False, use_cache=False)
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


# ---------------------------------------------------------------------------- barriers files
def edge_set(net: WalkNetwork) -> set[tuple[tuple[float, float], ...]]:
    """Edges as sorted end points relative to (X0, Y0), for hand-checked comparisons."""
    out = set()
    for a, b in zip(net.u, net.v, strict=True):
        ends = sorted(
            [
                (round(net.node_x[a] - X0, 3), round(net.node_y[a] - Y0, 3)),
                (round(net.node_x[b] - X0, 3), round(net.node_y[b] - Y0, 3)),
            ]
        )
        out.add(tuple(ends))
    return out


#: The 8 edges of river_town(): each street split where the cross streets meet it.
TOWN_EDGES = {
    ((0.0, 0.0), (100.0, 0.0)), ((100.0, 0.0), (900.0, 0.0)), ((900.0, 0.0), (1000.0, 0.0)),
    ((0.0, 200.0), (100.0, 200.0)), ((100.0, 200.0), (900.0, 200.0)),
    ((900.0, 200.0), (1000.0, 200.0)),
    ((100.0, 0.0), (100.0, 200.0)), ((900.0, 0.0), (900.0, 200.0)),
}  # fmt: skip


@pytest.fixture
def project_gpkg(tmp_path: Path) -> Path:
    """A project GeoPackage: estates first (as a planner's file has them), roads, then river."""
    path = tmp_path / "project.gpkg"
    estates = gpd.GeoDataFrame(
        {"estate_id": ["E1", "E2"]},
        # E1 covers the west end of the street y=0, E2 the middle of the street y=200
        geometry=[
            box(X0 - 50, Y0 - 50, X0 + 50, Y0 + 50),
            box(X0 + 500, Y0 + 150, X0 + 600, Y0 + 250),
        ],
        crs=CRS,
    )
    river = gpd.GeoDataFrame(geometry=[box(X0 - 50, Y0 + 80, X0 + 1050, Y0 + 120)], crs=CRS)
    estates.to_file(path, layer="estates")
    river_town().to_file(path, layer="roads")
    river.to_file(path, layer="river")
    return path


def test_multi_layer_barriers_file_uses_the_river_layer(project_gpkg: Path) -> None:
    full = load_network(project_gpkg, use_cache=False)  # the network layer is "roads"
    assert edge_set(full) == TOWN_EDGES
    net = load_network(project_gpkg, barriers=project_gpkg, use_cache=False)
    # the river (y 80..120) crosses both cross streets; x=900 is a bridge and stays
    assert net.report.barrier_edges_removed == 1
    assert net.report.barrier_bridges_kept == 1
    assert edge_set(net) == TOWN_EDGES - {((100.0, 0.0), (100.0, 200.0))}
    # naming the estates layer cuts the two streets the estates cover, and only those
    cut = load_network(
        project_gpkg, barriers=project_gpkg, barriers_layer="estates", use_cache=False
    )
    assert cut.report.barrier_edges_removed == 2
    assert edge_set(cut) == TOWN_EDGES - {
        ((0.0, 0.0), (100.0, 0.0)),
        ((100.0, 200.0), (900.0, 200.0)),
    }
    direct = remove_barrier_crossings(full, project_gpkg)
    assert edge_set(direct) == edge_set(net)


def test_barriers_file_cached_with_its_layer(project_gpkg: Path) -> None:
    river = load_network(project_gpkg, barriers=project_gpkg)
    estates = load_network(project_gpkg, barriers=project_gpkg, barriers_layer="estates")
    assert not estates.report.cache_hit  # another layer is another network
    assert estates.report.barrier_edges_removed == 2
    again = load_network(project_gpkg, barriers=project_gpkg)
    assert again.report.cache_hit
    assert again.arrays_equal(river)


def test_barriers_file_with_unnamed_layers_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "layers.gpkg"
    poly = gpd.GeoDataFrame(geometry=[box(X0 - 50, Y0 + 80, X0 + 1050, Y0 + 120)], crs=CRS)
    poly.to_file(path, layer="a")
    poly.to_file(path, layer="b")
    net = from_centrelines(river_town(), use_cache=False)
    with pytest.raises(InputFileError) as refused:
        remove_barrier_crossings(net, path)
    message = str(refused.value)
    assert "(a, b)" in message
    assert 'barriers_layer="a"' in message
    assert "⟦barriers_layer=a⟧" in refused.value.raw_message
    with pytest.raises(InputFileError, match=r"\(a, b\)"):
        from_centrelines(river_town(), barriers=path, use_cache=False)
    named = remove_barrier_crossings(net, path, barriers_layer="b")
    assert named.report.barrier_edges_removed == 1
    with pytest.raises(InputFileError, match="no layer 'c'"):
        remove_barrier_crossings(net, path, barriers_layer="c")


def test_point_barriers_are_an_error(tmp_path: Path) -> None:
    path = tmp_path / "wells.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 100, Y0 + 100)], crs=CRS).to_file(path)
    net = from_centrelines(river_town(), use_cache=False)
    with pytest.raises(NetworkError, match="found Point") as refused:
        remove_barrier_crossings(net, path)
    assert "barriers_layer=" in str(refused.value)
    with pytest.raises(NetworkError, match="polygons or lines"):
        remove_barrier_crossings(net, [shapely.Point(X0, Y0), box(X0, Y0, X0 + 1, Y0 + 1)])
    with pytest.raises(InputFileError, match="barriers file not found"):
        remove_barrier_crossings(net, tmp_path / "missing.geojson")


# ---------------------------------------------------------------------------- module layout
NETWORK = Path(__file__).resolve().parents[1] / "planning" / "network"


def _sibling(node: ast.Import | ast.ImportFrom) -> list[tuple[str, list[str]]]:
    """Network modules an import statement reaches, with the names it takes from each."""
    modules = {p.stem for p in NETWORK.glob("*.py")}
    out: list[tuple[str, list[str]]] = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            parts = alias.name.split(".")
            if parts[:2] == ["planning", "network"]:
                out.append((parts[2] if len(parts) > 2 else "__init__", []))
        return out
    base = (node.module or "").split(".")
    if base[:2] != ["planning", "network"]:
        return out
    if len(base) > 2:
        return [(base[2], [a.name for a in node.names])]
    for alias in node.names:  # from planning.network import osm (a module) or load_network
        out.append((alias.name, []) if alias.name in modules else ("__init__", [alias.name]))
    return out


def _network_imports() -> dict[str, dict[str, list[str]]]:
    """Module → {sibling imported at module level: names taken}, for every network module."""
    graph: dict[str, dict[str, list[str]]] = {}
    for path in sorted(NETWORK.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        deps: dict[str, list[str]] = {}
        for stmt in ast.walk(tree):
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = [n for n in ast.walk(stmt) if isinstance(n, ast.Import | ast.ImportFrom)]
                lazy = [mod for n in inner for mod, _ in _sibling(n)]
                assert not lazy, f"{path.name}:{stmt.name} imports {lazy} inside the function"
        top = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
        for node in top:
            for mod, names in _sibling(node):
                deps.setdefault(mod, []).extend(names)
        graph[path.stem] = deps
    return graph


def test_network_modules_form_no_import_cycle() -> None:
    graph = _network_imports()
    order = list(TopologicalSorter({m: set(d) for m, d in graph.items()}).static_order())
    assert order.index("graph") < order.index("barriers") < order.index("osm")
    assert order.index("osm") < order.index("build")
    # the builders import only lower modules; the dispatcher imports the builders
    low = {"_crs", "barriers", "cache", "graph", "fragments"}
    assert set(graph["osm"]) == low | {"osm_filter", "walkability"}
    assert set(graph["centrelines"]) == low | {"report", "walkability"}
    assert order.index("walkability") < order.index("fragments") < order.index("barriers")
    assert {"osm", "centrelines"} <= set(graph["build"])
    assert set(graph["route"]) == {"graph", "paths", "snap"}
    # no module takes a private name of a sibling (private modules' own names are fine)
    private = [
        f"{m} ← {d}.{name}"
        for m, deps in graph.items()
        for d, names in deps.items()
        for name in names
        if name.startswith("_")
    ]
    assert private == []


def test_a_cycle_would_be_seen() -> None:
    graph = {m: set(d) for m, d in _network_imports().items()}
    graph["graph"].add("build")  # build → osm → graph → build
    with pytest.raises(CycleError):
        list(TopologicalSorter(graph).static_order())


@pytest.mark.parametrize("path", sorted(NETWORK.glob("*.py")), ids=lambda p: p.name)
def test_network_module_is_short(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 500


def test_pbf_without_the_extra_names_it(tmp_path, monkeypatch):
    import sys

    import planning
    from planning.network.osm import from_osm_file

    monkeypatch.setitem(sys.modules, "osmium", None)  # "import osmium" now raises ImportError
    path = tmp_path / "town.osm.pbf"
    path.write_bytes(b"not really a pbf")
    with pytest.raises(planning.MissingDependencyError, match=r"\[pbf\]") as caught:
        from_osm_file(path, "EPSG:32650", use_cache=False)
    assert "eldercare-planning[pbf]" in str(caught.value)
