"""Shortest-path trees and traced walks, checked by hand and against networkx on random graphs."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
import shapely

from planning._errors import NetworkError
from planning.network import (
    Snapped,
    WalkNetwork,
    nearest,
    shortest_path_tree,
    snap,
)
from planning.network.route import RouteTracer

X0, Y0 = 500_000.0, 3_400_000.0
ORIGIN = np.array([X0, Y0])
CRS = "EPSG:32651"


def square_with_detour() -> WalkNetwork:
    """Square 0(0,0) 1(100,0) 2(100,100) 3(0,100); edge 4 is a 300 m detour parallel to 1-2."""
    x = np.array([0, 100, 100, 0]) + X0
    y = np.array([0, 0, 100, 100]) + Y0
    straight = [
        shapely.LineString([(x[a], y[a]), (x[b], y[b])])
        for a, b in [(0, 1), (1, 2), (2, 3), (3, 0)]
    ]
    detour = shapely.LineString([(X0 + 100, Y0), (X0 + 200, Y0), (X0 + 200, Y0 + 100),
                                 (X0 + 100, Y0 + 100)])  # fmt: skip
    return WalkNetwork.from_lines(
        x, y, [0, 1, 2, 3, 1], [1, 2, 3, 0, 2], CRS, geometry=[*straight, detour]
    )


def test_tree_takes_the_short_one_of_parallel_edges() -> None:
    net = square_with_detour()
    assert net.length.tolist() == pytest.approx([100, 100, 100, 100, 300])
    tree = shortest_path_tree(net, [0], offsets_m=[5.0])
    # 0 → 1 → 2 by the straight edge 1 (100 m), not the detour 4 (300 m)
    assert tree.dist.tolist() == pytest.approx([5.0, 105.0, 205.0, 105.0])
    assert tree.pred_edge[2] in (1, 2)  # 0-1-2 and 0-3-2 tie at 205 m
    nodes, edges = tree.path(2)
    assert nodes[0] == 0
    assert nodes[-1] == 2
    assert 4 not in edges
    assert sum(net.length[edges]) == pytest.approx(200.0)
    # two sources: every node is labelled with the nearer one
    both = shortest_path_tree(net, [0, 2], offsets_m=[0.0, 30.0])
    assert both.dist.tolist() == pytest.approx([0.0, 100.0, 30.0, 100.0])
    assert both.source.tolist() == [0, 0, 1, 0]
    assert both.path(2) == ([2], [])


def test_tree_cutoff_and_bad_input() -> None:
    net = square_with_detour()
    tree = shortest_path_tree(net, [0], 150.0)
    assert np.isinf(tree.dist[2])  # 200 m away
    assert tree.pred_node[2] == -1
    assert tree.source[2] == -1
    with pytest.raises(NetworkError, match="not reached"):
        tree.path(2)
    with pytest.raises(NetworkError, match="node indices"):
        shortest_path_tree(net, [4])
    with pytest.raises(NetworkError, match="cutoff_m"):
        shortest_path_tree(net, [0], -1.0)
    with pytest.raises(NetworkError, match="offsets"):
        shortest_path_tree(net, [0, 1], offsets_m=[1.0])


def test_route_along_parallel_edges_uses_the_short_one() -> None:
    net = square_with_detour()
    o = snap(net, np.array([[X0 + 30, Y0 - 10]]))  # edge 0 at 30 m, connector 10 m
    t = snap(net, np.array([[X0 + 90, Y0 + 104]]))  # edge 2 (2 → 3) at 10 m, connector 4 m
    assert (o.edge[0], t.edge[0]) == (0, 2)
    assert t.offset_m[0] == pytest.approx(10.0)
    route = RouteTracer(net).trace(o, 0, t, 0)
    assert route is not None
    # 10 + 70 to node 1 + 100 up edge 1 + 10 along edge 2 + 4 = 194; by the detour edge 4 it
    # would be 394, the other way round (nodes 0, 3) 10 + 30 + 100 + 90 + 4 = 234
    assert route.distance_m == pytest.approx(194.0)
    assert route.edges == (0, 1, 2)
    assert route.nodes == (1, 2)
    assert route.geometry.length == pytest.approx(194.0)
    assert nearest(net, o, t, 1000)[0][0] == pytest.approx(route.distance_m)


# ---------------------------------------------------------------------------- random graphs
def random_network(seed: int) -> WalkNetwork:
    """Random connected graph with parallel (bent) edges and a self-loop, plus an isolated edge."""
    rng = np.random.default_rng(seed)
    n = 30
    xy = rng.uniform(0, 1000, (n, 2))
    pairs = {tuple(sorted(p)) for p in rng.integers(0, n, (45, 2)).tolist() if p[0] != p[1]}
    chain = rng.permutation(n)  # a path through every node keeps the main part connected
    pairs |= {tuple(sorted(p)) for p in zip(chain[:-1].tolist(), chain[1:].tolist(), strict=True)}
    u, v, geoms = [], [], []
    # longer parallel edges, bent through a side point, come first so the search meets them
    # before the straight ones
    for a, b in sorted(pairs)[::4]:
        mid = (xy[a] + xy[b]) / 2 + rng.uniform(-80, 80, 2)
        u.append(a)
        v.append(b)
        geoms.append(shapely.LineString([xy[a] + ORIGIN, mid + ORIGIN, xy[b] + ORIGIN]))
    for a, b in sorted(pairs):
        u.append(a)
        v.append(b)
        geoms.append(shapely.LineString([xy[a] + ORIGIN, xy[b] + ORIGIN]))
    loop = [xy[0], xy[0] + (40, 0), xy[0] + (40, 40), xy[0]]
    u.append(0)
    v.append(0)
    geoms.append(shapely.LineString(np.asarray(loop) + ORIGIN))
    # an isolated pair far away: unreachable from the rest
    far = np.array([[5000.0, 5000.0], [5100.0, 5000.0]])
    xy = np.vstack([xy, far])
    u.append(n)
    v.append(n + 1)
    geoms.append(shapely.LineString(far + ORIGIN))
    return WalkNetwork.from_lines(xy[:, 0] + X0, xy[:, 1] + Y0, u, v, CRS, geometry=geoms)


def expected_walk(g: nx.MultiGraph, net: WalkNetwork, o: Snapped, i: int, t: Snapped, j: int):
    """Shortest walk by networkx: connectors + part edges + node-to-node path lengths."""
    oe, te = int(o.edge[i]), int(t.edge[j])
    ot, ts = float(o.offset_m[i]), float(t.offset_m[j])
    ends_o = [(int(net.u[oe]), ot), (int(net.v[oe]), net.length[oe] - ot)]
    ends_t = [(int(net.u[te]), ts), (int(net.v[te]), net.length[te] - ts)]
    best = abs(ot - ts) if oe == te else np.inf
    for a, da in ends_o:
        lengths = nx.single_source_dijkstra_path_length(g, a, weight="length")
        for b, db in ends_t:
            if b in lengths:
                best = min(best, da + lengths[b] + db)
    return float(o.connector_m[i]) + best + float(t.connector_m[j])


@pytest.mark.parametrize("seed", range(6))
def test_routes_match_networkx_on_random_graphs(seed: int) -> None:
    net = random_network(seed)
    g = net.to_networkx()
    rng = np.random.default_rng(100 + seed)
    pts = np.vstack([rng.uniform(0, 1000, (12, 2)), [[5050.0, 5003.0]]]) + ORIGIN
    o = snap(net, pts[:7], max_snap_m=1e6)
    t = snap(net, pts[7:], max_snap_m=1e6)  # the last one is on the isolated pair
    tracer = RouteTracer(net)
    routes = {(i, j): tracer.trace(o, i, t, j) for i in range(len(o)) for j in range(len(t))}
    far = len(t) - 1
    assert [routes[i, far] for i in range(len(o))] == [None] * len(o)
    assert np.isinf([expected_walk(g, net, o, i, t, far) for i in range(len(o))]).all()
    reached = {key: route for key, route in routes.items() if key[1] != far}
    for (i, j), route in reached.items():
        assert route is not None
        assert route.distance_m == pytest.approx(expected_walk(g, net, o, i, t, j), abs=1e-6)
        assert route.geometry.length == pytest.approx(route.distance_m, abs=1e-6)
        assert route.edges[0] == o.edge[i]
        assert route.edges[-1] == t.edge[j]
        # limiting the search to the known distance still finds it, below it nothing is found
        assert tracer.trace(o, i, t, j, limit_m=route.distance_m) is not None
        assert tracer.trace(o, i, t, j, limit_m=route.distance_m - 5.0) is None
    # the whole edges of a walk through nodes form a networkx shortest path between its ends
    through = [r for r in reached.values() if r is not None and r.nodes]
    assert len(through) >= len(reached) // 2
    for route in through:
        whole = net.length[list(route.edges[1:-1])].sum()
        nx_len = nx.dijkstra_path_length(g, route.nodes[0], route.nodes[-1], weight="length")
        assert whole == pytest.approx(nx_len, abs=1e-6)
        steps = zip(itertools.pairwise(route.nodes), route.edges[1:-1], strict=True)
        assert all({a, b} == {int(net.u[e]), int(net.v[e])} for (a, b), e in steps)
    # the distance engine agrees with the traced walks
    dist, _ = nearest(net, o, t, 1e7)
    by_origin = [min(expected_walk(g, net, o, i, t, j) for j in range(far)) for i in range(len(o))]
    assert dist == pytest.approx(by_origin, abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_tree_distances_match_networkx(seed: int) -> None:
    net = random_network(seed)
    g = net.to_networkx()
    rng = np.random.default_rng(seed)
    sources = rng.choice(net.n_nodes - 2, 3, replace=False)
    offsets = rng.uniform(0, 50, 3)
    # a virtual start joined to each source by its offset gives networkx the same problem
    g.add_node("start")
    for s, d in zip(sources, offsets, strict=True):
        g.add_edge("start", int(s), length=float(d))
    want = nx.single_source_dijkstra_path_length(g, "start", weight="length")
    cutoff = float(np.median(list(want.values())))
    tree = shortest_path_tree(net, sources, cutoff, offsets_m=offsets)
    for node in range(net.n_nodes):
        if want.get(node, np.inf) <= cutoff:
            assert tree.dist[node] == pytest.approx(want[node], abs=1e-6)
            nodes, edges = tree.path(node)
            assert nodes[0] == sources[tree.source[node]]
            walked = offsets[tree.source[node]] + net.length[edges].sum()
            assert walked == pytest.approx(tree.dist[node], abs=1e-6)
        else:
            assert np.isinf(tree.dist[node])
