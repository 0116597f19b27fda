"""The real OpenStreetMap export of central Shanghai (a *drive* network) as a walking network.

Cross-checked with osmnx: the ways kept are those osmnx's own ``walk`` filter keeps (plus this
package's ``access=no`` rule), and distances match networkx on osmnx's graph of the same ways.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from planning import settings
from planning.network import from_osm_file, load_network, od_sparse, snap
from tests.osm_xml import osmnx_walk_ways

OSM = Path(__file__).resolve().parents[2] / "shared" / "real" / "shanghai-central" / "network.osm"


# Skip before any fixture reads the file (the module-scoped osmnx graph would error first).
pytestmark = pytest.mark.skipif(not OSM.is_file(), reason=f"real OSM file not found at {OSM}")


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")


def _ways(path: Path) -> dict[int, dict[str, str]]:
    import xml.etree.ElementTree as ET

    return {
        int(w.get("id")): {t.get("k"): t.get("v") for t in w.iter("tag")}
        for w in ET.parse(path).getroot().iter("way")
    }


@pytest.fixture(scope="module")
def full_graph() -> nx.MultiGraph:
    """Every street of the file, unsimplified, projected and undirected (osmnx directly)."""
    import osmnx as ox

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        g = ox.graph_from_xml(OSM, bidirectional=True, simplify=False, retain_all=True)
    return ox.convert.to_undirected(ox.project_graph(g, to_crs="EPSG:32651"))


def test_drive_export_keeps_the_ways_osmnx_walk_keeps(full_graph: nx.MultiGraph) -> None:
    # without inferring expressways, the ways kept are those of osmnx's walk filter: the
    # access=no lanes (同庆街, 青莲街) stay, as the export lost their foot=* exceptions
    with settings.override(infer_expressways=False):
        net = from_osm_file(OSM, drop_fragments=False, use_cache=False)
    assert net.crs.to_epsg() == 32651  # UTM 51N chosen from the data
    keep = osmnx_walk_ways(OSM)
    ways = _ways(OSM)
    assert keep == set(ways)  # a drive export holds nothing osmnx's walk filter drops
    assert sum(t.get("access") == "no" for t in ways.values()) == 3
    edges = [(a, b, d) for a, b, d in full_graph.edges(data=True) if int(d["osmid"]) in keep]
    assert net.length.sum() == pytest.approx(sum(d["length"] for *_, d in edges), rel=5e-3)
    osmnx_nodes = {n for a, b, _ in edges for n in (a, b)}
    assert set(net.node_id.tolist()) <= osmnx_nodes
    assert net.report.drive_only  # an osmnx drive export: no footways, a warning
    assert any("drive" in note for note in net.report.notes)
    assert net.report.removed == []
    assert net.bridge.any()  # the file has bridge=yes ways
    # edge geometries keep their interior vertices and run from u to v
    import shapely

    n_vertices = shapely.get_num_coordinates(net.geometry)
    assert n_vertices.max() > 2
    first = shapely.get_coordinates(shapely.get_point(net.geometry, 0))
    assert np.allclose(first, np.column_stack([net.node_x[net.u], net.node_y[net.u]]), atol=1e-6)
    # simplification merges chains of degree-2 nodes but loses no street length
    with settings.override(infer_expressways=False):
        full = from_osm_file(OSM, simplify=False, drop_fragments=False, use_cache=False)
    assert net.length.sum() == pytest.approx(full.length.sum(), rel=1e-9)
    assert set(full.node_id.tolist()) == osmnx_nodes
    assert full.n_edges == len(edges)


def test_expressways_ramps_and_road_tunnels_of_the_stripped_export_are_removed() -> None:
    net = from_osm_file(OSM, drop_fragments=False, use_cache=False)
    r = net.report
    assert r.tags_stripped  # only osmnx's default tags: foot/motorroad were lost
    counts = {(row["filter"], row["class"]): row["count"] for row in r.removed}
    # 南北高架路 (10 ways) and 延安高架路 (7) are bridges, 延安东路隧道 has 6 tunnel ways
    assert counts[("expressway", "trunk")] == 10 + 7 + 6
    assert counts[("ramp", "trunk_link")] == 75
    # 外滩隧道 (2 primary), 人民路隧道 (4 secondary + 1 secondary_link), 复兴东路 tunnel (2)
    assert counts[("road_tunnel", "primary")] == 2
    assert counts[("road_tunnel", "secondary")] == 4 + 2
    assert counts[("road_tunnel", "secondary_link")] == 1
    ways = _ways(OSM)
    gone = [w for w, t in ways.items() if t.get("highway") == "trunk" and t.get("bridge")]
    assert len(gone) == 17
    # the kept network holds none of those ways' length
    km = {(row["filter"], row["class"]): row["km"] for row in r.removed}
    with settings.override(infer_expressways=False):
        walk_all = from_osm_file(OSM, drop_fragments=False, use_cache=False)
    removed_km = sum(km.values())
    assert walk_all.length.sum() / 1000 - net.length.sum() / 1000 == pytest.approx(
        removed_km, rel=5e-3
    )


def test_stray_fragments_are_dropped_and_listed() -> None:
    kept = from_osm_file(OSM, use_cache=False)
    every = from_osm_file(OSM, drop_fragments=False, use_cache=False)
    r = kept.report
    assert every.report.n_components > 50  # the export is clipped: many small pieces
    total_km = every.length.sum() / 1000
    # every kept component has ≥ 10 nodes and ≥ 1 % of the length; the rest are fragments
    assert all(c["nodes"] >= 10 and c["km"] >= 0.01 * total_km for c in r.components_kept)
    assert r.n_components == len(r.components_kept)
    assert r.fragments_dropped == every.report.n_components - r.n_components
    assert r.fragment_nodes == every.n_nodes - kept.n_nodes
    assert r.fragment_km == pytest.approx(total_km - kept.length.sum() / 1000, abs=1e-3)
    assert len(kept.fragments) == r.fragment_edges == every.n_edges - kept.n_edges


def test_random_distances_match_networkx(full_graph: nx.MultiGraph) -> None:
    net = load_network(OSM, crs="EPSG:32651", largest_component=True)
    assert net.report.n_components == 1
    assert net.report.fragments_dropped > 50
    # osmnx's own graph of the same file, without the ways the walk rules removed
    assert {r["filter"] for r in net.report.removed} == {"expressway", "ramp", "road_tunnel"}
    motor = {"trunk", "primary", "secondary", "tertiary", "secondary_link"}
    keep = {
        w
        for w, t in _ways(OSM).items()
        if t["highway"] != "trunk_link"
        and not (t["highway"] == "trunk" and (t.get("bridge") or t.get("tunnel")))
        and not (t["highway"] in motor and t.get("tunnel"))
    }
    osmnx_graph = full_graph.copy()
    osmnx_graph.remove_edges_from(
        [
            (a, b, k)
            for a, b, k, d in full_graph.edges(keys=True, data=True)
            if d["osmid"] not in keep
        ]
    )
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
