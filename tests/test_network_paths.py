"""Distances on the walking network: hand-computed cases and a property test against networkx."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planning._errors import NetworkError
from planning.network import (
    Snapped,
    WalkNetwork,
    group_min,
    nearest,
    od_sparse,
    snap,
)

X0, Y0 = 500_000.0, 3_400_000.0
CRS = "EPSG:32651"


def square() -> WalkNetwork:
    """0(0,0) - 1(100,0) - 2(100,100) - 3(0,100) - back to 0: perimeter 400 m."""
    x = np.array([0, 100, 100, 0]) + X0
    y = np.array([0, 0, 100, 100]) + Y0
    return WalkNetwork.from_lines(x, y, [0, 1, 2, 3], [1, 2, 3, 0], CRS)


def pts(*xy: tuple[float, float]) -> np.ndarray:
    return np.array([(X0 + a, Y0 + b) for a, b in xy])


def test_mid_edge_distance_is_exact() -> None:
    net = square()
    o = snap(net, pts((30, -10)))  # edge 0-1 at 30 m, connector 10 m
    t = snap(net, pts((105, 60)))  # edge 1-2 at 60 m, connector 5 m
    assert o.edge[0] == 0
    assert o.offset_m[0] == pytest.approx(30)
    assert o.connector_m[0] == 10
    assert t.edge[0] == 1
    assert t.offset_m[0] == pytest.approx(60)
    assert t.connector_m[0] == 5
    od = od_sparse(net, o, t, 1000)
    # 10 + (100 - 30) + 60 + 5 = 145 (the other way round is 285)
    assert od.dist.tolist() == pytest.approx([145.0], abs=0.01)
    d, j = nearest(net, o, t, 1000)
    assert d[0] == pytest.approx(145.0, abs=0.01)
    assert j[0] == 0


def test_same_edge_direct_and_around() -> None:
    net = square()
    o = snap(net, pts((30, -10)))
    t = snap(net, pts((80, 3)))  # same edge at 80 m, connector 3 m
    assert od_sparse(net, o, t, 1000).dist[0] == pytest.approx(10 + 50 + 3, abs=0.01)
    # a long bent edge A-B (500 m) beside a short straight one (100 m): going round is shorter
    x = np.array([0.0, 100.0]) + X0
    y = np.array([0.0, 0.0]) + Y0
    bent = shapely.LineString([(X0, Y0), (X0, Y0 + 200), (X0 + 100, Y0 + 200), (X0 + 100, Y0)])
    straight = shapely.LineString([(X0, Y0), (X0 + 100, Y0)])
    net2 = WalkNetwork.from_lines(x, y, [0, 0], [1, 1], CRS, geometry=[bent, straight])
    assert net2.length.tolist() == pytest.approx([500.0, 100.0])
    o2 = snap(net2, pts((-4, 10)))  # bent edge at 10 m, connector 4 m
    t2 = snap(net2, pts((104, 10)))  # bent edge at 490 m, connector 4 m
    assert o2.edge[0] == 0
    assert t2.edge[0] == 0
    # direct along the bend: 4 + 480 + 4 = 488; round by the short edge: 4 + 10 + 100 + 10 + 4
    assert od_sparse(net2, o2, t2, 1000).dist[0] == pytest.approx(128.0, abs=0.01)
    assert nearest(net2, o2, t2, 1000)[0][0] == pytest.approx(128.0, abs=0.01)


def test_cutoff_is_inclusive_and_zero_is_stored() -> None:
    net = square()
    o = snap(net, pts((30, 0), (50, 0)))
    t = snap(net, pts((30, 0), (105, 60)))
    od = od_sparse(net, o, t, 130.0)  # (50,0)->(105,60): 50 + 60 + 5 = 115; (30,0)->: 135
    got = {(int(r), int(c)): float(d) for r, c, d in zip(od.rows, od.cols, od.dist, strict=True)}
    assert got == pytest.approx({(0, 0): 0.0, (1, 0): 20.0, (1, 1): 115.0})
    csr = od.to_csr()
    assert csr.nnz == 3  # the 0 m pair is an explicit entry
    assert csr.indices[csr.indptr[0] : csr.indptr[1]].tolist() == [0]
    exact = od_sparse(net, o, t, 115.0)
    assert (1, 1) in set(zip(exact.rows.tolist(), exact.cols.tolist(), strict=True))
    below = od_sparse(net, o, t, 114.99)
    assert (1, 1) not in set(zip(below.rows.tolist(), below.cols.tolist(), strict=True))


def test_unreachable_snaps_never_get_a_distance() -> None:
    net = square()
    o = snap(net, pts((30, -10), (30, -900)), max_snap_m=300)
    t = snap(net, pts((105, 60), (2000, 2000)), max_snap_m=300)
    assert o.ok.tolist() == [True, False]
    assert t.ok.tolist() == [True, False]
    od = od_sparse(net, o, t, 1e6)
    assert od.rows.tolist() == [0]
    assert od.cols.tolist() == [0]
    d, j = nearest(net, o, t, 1e6)
    assert d[1] == np.inf
    assert j[1] == -1
    d, j = nearest(net, o, t, 1e6, target_mask=[False, True])
    assert np.isinf(d).all()
    assert (j == -1).all()


def test_nearest_chooses_the_closer_target_and_respects_cutoff() -> None:
    net = square()
    o = snap(net, pts((30, -10)))
    t = snap(net, pts((105, 60), (-5, 50)))  # 145 m and 10 + 30 + 50 + 5 = 95 m
    d, j = nearest(net, o, t, 1000)
    assert d[0] == pytest.approx(95.0)
    assert j[0] == 1
    d, j = nearest(net, o, t, 1000, target_mask=[True, False])
    assert d[0] == pytest.approx(145.0)
    assert j[0] == 0
    d, j = nearest(net, o, t, 90)
    assert d[0] == np.inf
    assert j[0] == -1


def gated_estate() -> WalkNetwork:
    """South street y=0, west street x=0, north street y=300 (x from 0 to 400)."""
    x = np.array([0, 400, 0, 400]) + X0
    y = np.array([0, 0, 300, 300]) + Y0
    return WalkNetwork.from_lines(x, y, [0, 0, 2], [1, 2, 3], CRS)


def test_gated_estate_uses_its_far_gate() -> None:
    net = gated_estate()
    facility = snap(net, pts((200, -10)))
    # estate 0 has one gate on the far (north) side; estate 1 has two gates
    gates = snap(net, pts((200, 255), (350, 260), (10, 150)))
    codes = np.array([0, 1, 1])
    d_gate, _ = nearest(net, gates, facility, 2000)
    # 45 + 200 (west on the north street) + 300 (down the west street) + 200 + 10
    assert d_gate[0] == pytest.approx(755.0, abs=0.01)
    assert d_gate[2] == pytest.approx(10 + 150 + 200 + 10, abs=0.01)
    est, arg = group_min(d_gate, codes, return_argmin=True)
    assert est.tolist() == pytest.approx([755.0, 370.0])
    assert arg.tolist() == [0, 2]


def test_group_min_handles_empty_groups_and_ignored_codes() -> None:
    out = group_min([5.0, np.inf, 3.0, 1.0], [2, 0, 2, -1], n_groups=4)
    assert out.tolist() == [np.inf, np.inf, 3.0, np.inf]
    with pytest.raises(NetworkError):
        group_min([1.0], [0, 1])


def test_bad_cutoff_and_foreign_snaps_raise() -> None:
    net = square()
    o = snap(net, pts((30, -10)))
    with pytest.raises(NetworkError):
        od_sparse(net, o, o, -1)
    foreign = Snapped(
        np.array([99]), np.zeros(1), np.zeros(1), np.ones(1, bool), np.zeros(1), np.zeros(1)
    )
    with pytest.raises(NetworkError, match="not in this network"):
        nearest(net, o, foreign, 100)


# ----------------------------------------------------------------------------- property test
def brute_force(net: WalkNetwork, o: Snapped, t: Snapped) -> np.ndarray:
    """All-pairs distances on a networkx graph where every point is its own node."""
    g = nx.MultiGraph()
    for e, (a, b, length) in enumerate(zip(net.u, net.v, net.length, strict=True)):
        stops = [(0.0, ("n", int(a))), (float(length), ("n", int(b)))]
        stops += [(float(o.offset_m[k]), ("o", int(k))) for k in np.flatnonzero(o.edge == e)]
        stops += [(float(t.offset_m[k]), ("t", int(k))) for k in np.flatnonzero(t.edge == e)]
        stops.sort(key=lambda s: s[0])
        for (p1, n1), (p2, n2) in itertools.pairwise(stops):
            g.add_edge(n1, n2, length=p2 - p1)
    out = np.full((len(o), len(t)), np.inf)
    for i in range(len(o)):
        if not o.ok[i]:
            continue
        lengths = nx.single_source_dijkstra_path_length(g, ("o", i), weight="length")
        for k in range(len(t)):
            if t.ok[k] and ("t", k) in lengths:
                out[i, k] = lengths[("t", k)] + o.connector_m[i] + t.connector_m[k]
    return out


@st.composite
def random_network(draw: st.DrawFn) -> tuple[WalkNetwork, np.ndarray, np.ndarray]:
    n = draw(st.integers(2, 10))
    coord = st.integers(0, 1000)
    xy = np.array(draw(st.lists(st.tuples(coord, coord), min_size=n, max_size=n, unique=True)))
    edges = [(draw(st.integers(0, i - 1)), i) for i in range(1, n)]  # spanning tree
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=8))
    edges += [(a, b) for a, b in extra if a != b]  # parallel edges allowed
    bends = draw(st.lists(st.booleans(), min_size=len(edges), max_size=len(edges)))
    geoms = []
    for (a, b), bend in zip(edges, bends, strict=True):
        pa, pb = xy[a] + (X0, Y0), xy[b] + np.array([X0, Y0])
        mid = (pa + pb) / 2 + (np.array([37.0, -53.0]) if bend else 0.0)
        geoms.append(shapely.LineString([pa, mid, pb]))
    u, v = zip(*edges, strict=True)
    net = WalkNetwork.from_lines(xy[:, 0] + X0, xy[:, 1] + Y0, u, v, CRS, geometry=geoms)
    pt = st.tuples(st.floats(-50, 1050), st.floats(-50, 1050))
    orig = np.array(draw(st.lists(pt, min_size=1, max_size=6))) + np.array([X0, Y0])
    targ = np.array(draw(st.lists(pt, min_size=1, max_size=6))) + np.array([X0, Y0])
    return net, orig, targ


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_network(), st.floats(50, 3000))
def test_od_and_nearest_match_networkx(
    case: tuple[WalkNetwork, np.ndarray, np.ndarray], cutoff: float
) -> None:
    net, orig, targ = case
    o, t = snap(net, orig, max_snap_m=400), snap(net, targ, max_snap_m=400)
    expected = brute_force(net, o, t)
    expected[expected > cutoff] = np.inf
    od = od_sparse(net, o, t, cutoff)
    got = np.full(expected.shape, np.inf)
    got[od.rows, od.cols] = od.dist
    assert np.array_equal(np.isinf(got), np.isinf(expected))
    fin = np.isfinite(expected)
    assert np.abs(got[fin] - expected[fin]).max(initial=0.0) <= 1e-6
    d, j = nearest(net, o, t, cutoff)
    best = expected.min(axis=1)
    assert np.array_equal(np.isinf(d), np.isinf(best))
    assert np.abs(d[np.isfinite(best)] - best[np.isfinite(best)]).max(initial=0.0) <= 1e-6
    hit = j >= 0
    assert np.abs(expected[np.flatnonzero(hit), j[hit]] - d[hit]).max(initial=0.0) <= 1e-6
