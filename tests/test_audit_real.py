"""The audit on real, messy data: central Shanghai (BD-09 compounds, GCJ-02 facilities, OSM XML)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planning.cli import main
from planning.cli.options import parse_coords

REAL = Path(__file__).resolve().parents[2] / "shared" / "real" / "shanghai-central"
pytestmark = pytest.mark.skipif(not REAL.exists(), reason="../shared/real is not laid out here")


def test_parse_coords_per_layer():
    assert parse_coords(["bd09"]) == "bd09"
    assert parse_coords(["estates=bd09", "facilities=gcj02"]) == {
        "estates": "bd09",
        "facilities": "gcj02",
        "gates": "wgs84",
        "streets": "wgs84",
    }
    assert parse_coords(["gcj02", "estates=bd09"])["gates"] == "gcj02"


def test_parse_coords_rejects_unknown_values():
    from planning._errors import InputFileError

    with pytest.raises(InputFileError, match="unknown coordinate system"):
        parse_coords(["baidu"])
    with pytest.raises(InputFileError, match="unknown layer"):
        parse_coords(["roads=bd09"])


def test_shanghai_audit_with_mixed_coordinate_systems(tmp_path, caplog):
    out = tmp_path / "sh"
    code = main(
        [
            "--quiet", "audit",
            "--estates", str(REAL / "compounds.csv"), "--facilities", str(REAL / "facilities.csv"),
            "--coords", "estates=bd09", "--coords", "facilities=gcj02",
            "--network", str(REAL / "network.osm"), "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    table = pd.read_csv(out / "estates.csv", encoding="utf-8-sig")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    # 487 compounds, of which 79 carry households: the rest are dropped with a report
    assert len(table) == 79
    assert summary["totals"]["households"] == table["households"].sum()
    # compounds farther than 300 m from the network are unreachable, never silently snapped
    unreachable = table[~table["reachable"]]
    assert 0 < len(unreachable) < len(table)
    assert unreachable["walk_15min_m"].isna().all()
    assert not unreachable["covered_15min"].any()
    assert summary["totals"]["estates_unreachable"] == len(unreachable)
    assert summary["parameters"]["network"]["n_components"] >= 1


@pytest.fixture(scope="module")
def shanghai(tmp_path_factory):
    """The Shanghai inputs, the walk network and the audit with a search radius over the area."""
    import planning

    with planning.settings.override(cache_folder=tmp_path_factory.mktemp("cache")):
        inputs = planning.load_inputs(
            REAL / "compounds.csv",
            REAL / "facilities.csv",
            coords={"estates": "bd09", "facilities": "gcj02"},
            raise_on_error=False,
        )
        net = planning.load_network(REAL / "network.osm", crs=inputs)
        result = planning.audit(inputs, net, search_radius_m=50_000)
    return inputs, net, result


def test_shanghai_network_has_no_expressway_and_no_fragment(shanghai):
    from planning.analysis.origins import estate_origins
    from planning.network import snap

    inputs, net, _ = shanghai
    removed = {(r["filter"], r["class"]): r["count"] for r in net.report.removed}
    assert removed[("expressway", "trunk")] == 23  # 南北高架路, 延安高架路, 延安东路隧道
    assert removed[("ramp", "trunk_link")] == 75
    assert net.report.drive_only  # an osmnx drive export: the warning is in the report
    # every component left has at least 10 nodes: no estate can attach to a stray fragment
    _, labels = net.component_labels()
    sizes = np.bincount(labels)
    assert sizes.min() >= 10
    points, _ = estate_origins(inputs.estates, inputs.gates)
    attached = snap(net, points.geometry)
    on = labels[net.u[attached.edge[attached.ok]]]
    assert (sizes[on] >= 10).all()
    assert net.report.fragments_dropped > 50


def _network_walks(net, origins, targets):
    """Walks from snapped origins to snapped targets with networkx (edge offsets resolved)."""
    import networkx as nx

    g = net.to_networkx()
    ends = []
    for snaps in (origins, targets):
        rows = []
        for e, t, c in zip(snaps.edge, snaps.offset_m, snaps.connector_m, strict=True):
            u, v, length = int(net.u[e]), int(net.v[e]), float(net.length[e])
            rows.append(((u, c + t), (v, c + length - t), int(e)))
        ends.append(rows)
    out = np.full((len(ends[0]), len(ends[1])), np.inf)
    for i, (a, b, edge_o) in enumerate(ends[0]):
        lengths = [nx.single_source_dijkstra_path_length(g, n, weight="length") for n, _ in (a, b)]
        for j, (c, d, edge_t) in enumerate(ends[1]):
            best = min(
                start + lengths[k].get(node, np.inf) + finish
                for k, (_, start) in enumerate((a, b))
                for node, finish in (c, d)
            )
            if edge_o == edge_t:  # both on one edge: the straight way along it
                best = min(best, origins.connector_m[i] + targets.connector_m[j]
                           + abs(origins.offset_m[i] - targets.offset_m[j]))  # fmt: skip
            out[i, j] = best
    return out


def test_shanghai_every_reachable_estate_has_its_nearest_facility(shanghai):
    from planning.network import snap

    inputs, net, result = shanghai
    estates = result.estates
    reachable = estates[estates["reachable"]]
    assert len(reachable) > 10
    # off the network: a reason for each, never a distance
    off = estates[~estates["reachable"]]
    assert set(off["unreachable_reason"]) <= {"too_far", "only_fragment"}
    assert off["walk_any_m"].isna().all()
    # on it: the nearest facility at any distance, checked against networkx
    kinds = ("community_station", "street_centre", "institution")
    facilities = inputs.facilities[inputs.facilities["kind"].isin(kinds)]
    fac_snaps = snap(net, facilities.geometry)
    assert fac_snaps.ok.any()
    facilities, fac_snaps = facilities[fac_snaps.ok], fac_snaps.subset(fac_snaps.ok)
    est_snaps = snap(net, reachable.geometry.representative_point())
    walks = _network_walks(net, est_snaps, fac_snaps).min(axis=1)
    got = reachable["walk_any_m"].to_numpy(float)
    assert np.array_equal(np.isfinite(walks), np.isfinite(got))
    assert np.allclose(got[np.isfinite(got)], walks[np.isfinite(walks)], atol=0.06)
    # some of them lie beyond the 15-minute circle: their walk is reported all the same
    beyond = reachable[reachable["walk_any_m"] > 1000]
    assert len(beyond) > 0
    assert not beyond["covered_15min"].any()
    assert beyond["walk_m"].isna().all()
