"""The real OpenStreetMap export of central Shanghai (a *drive* network) as a walking network."""

from __future__ import annotations

import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from planning import settings
from planning.network import from_osm_file, load_network, od_sparse, snap

OSM = Path(__file__).resolve().parents[2] / "shared" / "real" / "shanghai-central" / "network.osm"


# Skip before any fixture reads the file (the module-scoped osmnx graph would error first).
pytestmark = pytest.mark.skipif(not OSM.is_file(), reason=f"real OSM file not found at {OSM}")


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")


@pytest.fixture(scope="module")
def osmnx_graph() -> nx.MultiGraph:
    """The same file read by osmnx directly, projected and undirected."""
    import osmnx as ox

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        g = ox.graph_from_xml(OSM, bidirectional=True, simplify=True, retain_all=True)
    return ox.convert.to_undirected(ox.project_graph(g, to_crs="EPSG:32651"))


def test_drive_export_loads_without_dropping_streets(osmnx_graph: nx.MultiGraph) -> None:
    net = from_osm_file(OSM)
    assert net.crs.to_epsg() == 32651  # UTM 51N chosen from the data
    connected = {n for n in osmnx_graph.nodes if osmnx_graph.degree(n) > 0}
    assert net.n_nodes == len(connected)
    assert net.n_edges == osmnx_graph.number_of_edges()
    # simplification merges chains of degree-2 nodes but loses no street length
    full = from_osm_file(OSM, simplify=False, use_cache=False)
    assert full.n_nodes == 2958 - 500
    assert full.n_edges == 2583
    assert net.n_edges == full.n_edges - (full.n_nodes - net.n_nodes)
    assert net.length.sum() == pytest.approx(full.length.sum(), rel=1e-9)
    assert net.length.sum() > 90_000
    assert set(net.node_id.tolist()) == connected
    assert any("500 OSM nodes" in note for note in net.report.notes)  # nodes of no street
    assert net.bridge.any()  # the file has bridge=yes ways
    # the export is clipped: many small pieces, one big component
    assert net.report.n_components > 50
    assert net.report.component_sizes[0] > 500  # 2222 nodes before simplification
    # edge geometries keep their interior vertices and run from u to v
    import shapely

    n_vertices = shapely.get_num_coordinates(net.geometry)
    assert n_vertices.max() > 2
    first = shapely.get_coordinates(shapely.get_point(net.geometry, 0))
    assert np.allclose(first, np.column_stack([net.node_x[net.u], net.node_y[net.u]]), atol=1e-6)


def test_random_distances_match_networkx(osmnx_graph: nx.MultiGraph) -> None:
    net = load_network(OSM, crs="EPSG:32651", largest_component=True)
    assert net.report.n_components == 1
    assert net.report.dropped_components > 50
    rng = np.random.default_rng(7)
    a = rng.choice(net.n_nodes, 8, replace=False)
    b = rng.choice(net.n_nodes, 8, replace=False)
    o = snap(net, np.column_stack([net.node_x[a], net.node_y[a]]))
    t = snap(net, np.column_stack([net.node_x[b], net.node_y[b]]))
    assert o.ok.all()
    assert np.allclose(o.connector_m, 0.0, atol=1e-6)
    od = od_sparse(net, o, t, 1e6)
    got = np.full((8, 8), np.inf)
    got[od.rows, od.cols] = od.dist
    for i in range(8):
        lengths = nx.single_source_dijkstra_path_length(
            osmnx_graph, int(net.node_id[a[i]]), weight="length"
        )
        for k in range(8):
            expected = lengths[int(net.node_id[b[k]])]
            # osmnx lengths are great-circle on a sphere, ours are UTM (ellipsoid): within 0.5 %
            assert got[i, k] == pytest.approx(expected, rel=5e-3, abs=0.05)
    # and exactly equal to networkx on our own graph
    g = net.to_networkx()
    for i in range(3):
        lengths = nx.single_source_dijkstra_path_length(g, int(a[i]), weight="length")
        for k in range(8):
            assert got[i, k] == pytest.approx(lengths[int(b[k])], abs=1e-6)


def _write_pbf(path: Path) -> None:
    import osmium

    with osmium.SimpleWriter(str(path)) as writer:
        for obj in osmium.FileProcessor(str(OSM)):
            if isinstance(obj, osmium.osm.Node):
                writer.add_node(obj)
            elif isinstance(obj, osmium.osm.Way):
                writer.add_way(obj)


def test_pbf_gives_the_same_network_as_xml(tmp_path: Path) -> None:
    pytest.importorskip("osmium")
    pbf = tmp_path / "central.osm.pbf"
    _write_pbf(pbf)
    from_pbf = load_network(pbf, use_cache=False)
    from_xml = load_network(OSM, use_cache=False)
    assert from_pbf.arrays_equal(from_xml)
