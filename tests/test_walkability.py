"""Walkability profiles on small hand-built OSM files and centre-lines, with hand-computed walks.

The basic layout: A (0, 0) and B (500, 0) joined by a walkable detour A–C(0, 300)–D(500, 300)–B of
300 + 500 + 300 = 1,100 m, and by a 500 m shortcut A–B whose tags each test chooses. The walk
from A to B is 500 m when the shortcut is walkable under the profile, 1,100 m when it is not.
Coordinates are metres in UTM 51N, so the lengths are exact.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString

import planning
from planning import settings
from planning._errors import InputFileError, OptionError
from planning.network import (
    check_profiles,
    for_profile,
    from_graphml,
    from_osm_file,
    od_sparse,
    road_class_table,
    snap,
)
from planning.network.osm_filter import filter_osm_xml
from planning.network.walkability import incline_pct, kerb_too_high
from tests.osm_xml import CRS, X0, Y0, OsmFile, osmnx_walk_ways

DETOUR_M, SHORTCUT_M = 1100.0, 500.0


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")


def shortcut_file(tmp_path: Path, kerb_node: dict[str, str] | None = None, **tags: str) -> OsmFile:
    """A, B, the 1,100 m detour and a 500 m shortcut with ``tags`` (via a kerb node if given)."""
    f = OsmFile()
    f.node(1, 0, 0)
    f.node(2, 500, 0)
    f.node(3, 0, 300)
    f.node(4, 500, 300)
    f.way(10, [1, 3, 4, 2], highway="residential", surface="asphalt")
    stubs(f)
    if kerb_node is not None:
        f.node(5, 250, 0, **kerb_node)
        f.way(20, [1, 5, 2], **tags)
    else:
        f.way(20, [1, 2], **tags)
    f.write(tmp_path / "shortcut.osm")
    return f


def stubs(f: OsmFile) -> None:
    """Streets leaving A and B westwards and eastwards: A and B are junctions, not a lone ring
    (osmnx's simplification drops a network that is one closed loop)."""
    f.node(6, -100, 0)
    f.node(7, 600, 0)
    f.way(30, [6, 1], highway="residential")
    f.way(31, [2, 7], highway="residential")


def walk_a_to_b(net, f: OsmFile) -> float:
    s = snap(net, np.array(f.points(1, 2)))
    assert s.ok.all()
    assert np.allclose(s.connector_m, 0.0, atol=1e-4)
    od = od_sparse(net, s.subset([0]), s.subset([1]), 1e5)
    return float(od.dist[0])


def build(tmp_path: Path, profile: str = "walk", **kwargs):
    return from_osm_file(tmp_path / "shortcut.osm", CRS, profile=profile, use_cache=False, **kwargs)


WALK_REMOVED = [
    # (shortcut tags, the filter that removes it)
    ({"highway": "motorway"}, "highway"),
    ({"highway": "motorway_link"}, "highway"),
    ({"highway": "trunk", "foot": "no"}, "foot"),
    ({"highway": "primary", "motorroad": "yes"}, "motorroad"),
    ({"highway": "trunk", "expressway": "yes"}, "motorroad"),
    ({"highway": "service", "access": "private"}, "access"),
    ({"highway": "residential", "access": "no"}, "access"),
    ({"highway": "footway", "foot": "private"}, "foot"),
    ({"highway": "service", "service": "private"}, "service"),
    ({"highway": "construction"}, "highway"),
    ({"highway": "proposed"}, "highway"),
    ({"highway": "raceway"}, "highway"),
    ({"highway": "bus_guideway"}, "highway"),
    ({"highway": "cycleway"}, "highway"),
    ({"highway": "pedestrian", "area": "yes"}, "area"),
]
WALK_KEPT = [
    {"highway": "trunk"},  # a trunk road without foot=no is walkable (osmnx)
    {"highway": "residential", "access": "no", "foot": "yes"},
    {"highway": "cycleway", "foot": "designated"},
    {"highway": "steps"},
    # no footways in this file: the separately mapped sidewalks are not there, keep the road
    {"highway": "primary", "sidewalk": "separate"},
]


@pytest.mark.parametrize(("tags", "why"), WALK_REMOVED, ids=str)
def test_walk_profile_removes_the_shortcut(tmp_path: Path, tags, why) -> None:
    f = shortcut_file(tmp_path, **tags)
    net = build(tmp_path)
    assert walk_a_to_b(net, f) == pytest.approx(DETOUR_M, abs=1e-3)
    removed = net.report.removed
    assert [(r["filter"], r["class"], r["count"]) for r in removed] == [(why, tags["highway"], 1)]
    assert removed[0]["km"] == pytest.approx(0.5, rel=5e-3)  # great-circle length of the way
    assert net.report.filter_unit == "ways"


@pytest.mark.parametrize("tags", WALK_KEPT, ids=str)
def test_walk_profile_keeps_the_shortcut(tmp_path: Path, tags) -> None:
    f = shortcut_file(tmp_path, **tags)
    net = build(tmp_path)
    assert walk_a_to_b(net, f) == pytest.approx(SHORTCUT_M, abs=1e-3)
    assert net.report.removed == []


def test_separate_sidewalks_count_when_the_data_has_footways(tmp_path: Path) -> None:
    f = OsmFile()
    f.node(1, 0, 0)
    f.node(2, 500, 0)
    f.node(3, 0, 300)
    f.node(4, 500, 300)
    f.way(10, [1, 3, 4, 2], highway="footway", footway="sidewalk")
    f.way(20, [1, 2], highway="primary", sidewalk="separate")
    stubs(f)
    f.write(tmp_path / "shortcut.osm")
    net = build(tmp_path)
    assert walk_a_to_b(net, f) == pytest.approx(DETOUR_M, abs=1e-3)
    assert net.report.removed[0]["filter"] == "sidewalk"
    assert not net.report.drive_only


STEP_BLOCKED = [
    # (shortcut tags, kerb node tags or None, filter)
    ({"highway": "steps"}, None, "steps"),
    ({"highway": "footway", "wheelchair": "no"}, None, "wheelchair"),
    ({"highway": "footway", "incline": "8%"}, None, "incline"),
    ({"highway": "footway", "incline": "-10 %"}, None, "incline"),
    ({"highway": "footway", "incline": "4°"}, None, "incline"),  # tan 4° = 7.0 %
    ({"highway": "footway", "footway": "crossing", "kerb": "raised"}, None, "kerb"),
    ({"highway": "footway", "conveying": "yes"}, None, "escalator"),
    ({"highway": "footway"}, {"barrier": "kerb", "kerb": "raised"}, "kerb"),
    ({"highway": "footway"}, {"barrier": "kerb", "kerb:height": "6 cm"}, "kerb"),
    ({"highway": "footway"}, {"barrier": "gate", "wheelchair": "no"}, "kerb"),
]
STEP_FREE = [
    ({"highway": "footway", "incline": "5%"}, None),
    ({"highway": "footway", "incline": "up"}, None),
    ({"highway": "footway", "kerb:height": "0.02"}, None),
    ({"highway": "footway"}, {"barrier": "kerb", "kerb": "lowered"}),
]


@pytest.mark.parametrize(("tags", "kerb", "why"), STEP_BLOCKED, ids=str)
def test_step_free_profile_avoids_the_shortcut(tmp_path: Path, tags, kerb, why) -> None:
    f = shortcut_file(tmp_path, kerb, **tags)
    walk = build(tmp_path)
    assert walk_a_to_b(walk, f) == pytest.approx(SHORTCUT_M, abs=1e-3)  # walkers take it
    step_free = build(tmp_path, "step_free")
    assert step_free.profile == "step_free"
    assert walk_a_to_b(step_free, f) == pytest.approx(DETOUR_M, abs=1e-3)
    rows = walk.report.not_step_free
    assert [(r["filter"], r["count"]) for r in rows] == [(why, 1)]
    # the whole shortcut is unusable: with a kerb node, both segments touching it
    assert rows[0]["km"] == pytest.approx(0.5, rel=5e-3)
    # the walk network knows its step-free edges: deriving gives the same network
    assert for_profile(walk, "step_free").arrays_equal(step_free)


@pytest.mark.parametrize(("tags", "kerb"), STEP_FREE, ids=str)
def test_step_free_profile_takes_a_step_free_shortcut(tmp_path: Path, tags, kerb) -> None:
    f = shortcut_file(tmp_path, kerb, **tags)
    step_free = build(tmp_path, "step_free")
    assert walk_a_to_b(step_free, f) == pytest.approx(SHORTCUT_M, abs=1e-3)
    assert step_free.report.not_step_free == []


def test_kerb_and_incline_readings() -> None:
    assert kerb_too_high({"kerb:height": "3 cm"}) is False  # exactly 3 cm is allowed
    assert kerb_too_high({"kerb:height": "4"}) is True  # a bare 4 is centimetres
    assert kerb_too_high({"kerb:height": "0.1 m"}) is True
    assert kerb_too_high({"kerb": "flush"}) is False
    assert incline_pct("6%") == pytest.approx(6.0)
    assert incline_pct("-12") == pytest.approx(12.0)
    assert incline_pct("45°") == pytest.approx(100.0)
    assert incline_pct("down") is None


def test_walk_network_cannot_come_from_a_step_free_one(tmp_path: Path) -> None:
    shortcut_file(tmp_path, highway="steps")
    step_free = build(tmp_path, "step_free")
    with pytest.raises(Exception, match='profile="walk"'):
        for_profile(step_free, "walk")


def test_the_kept_ways_are_osmnx_walk_plus_the_documented_rules(tmp_path: Path) -> None:
    """Many separate ways: ours = osmnx's walk filter, minus the stricter access rules."""
    f = OsmFile()
    f.node(900, 0, -100)
    f.node(901, 100, -100)
    f.way(900, [900, 901], highway="footway")  # the data has footways
    cases = [t for t, _ in WALK_REMOVED] + WALK_KEPT
    for i, tags in enumerate(cases):
        a = f.node(2 * i + 1, 0, 50 * i)
        b = f.node(2 * i + 2, 40, 50 * i)
        f.way(100 + i, [a, b], **tags)
    path = f.write(tmp_path / "many.osm")
    ways = filter_osm_xml(path, tmp_path / "kept.osm")
    ours = set(ways.step_free)
    theirs = osmnx_walk_ways(path)
    tags_of = {100 + i: tags for i, tags in enumerate(cases)}
    # removed here, kept by osmnx: access=no (no foot exception), foot=private, motor roads
    stricter = {w for w, t in tags_of.items() if t.get("access") == "no" and "foot" not in t}
    stricter |= {w for w, t in tags_of.items() if t.get("foot") == "private"}
    stricter |= {w for w, t in tags_of.items() if "motorroad" in t or "expressway" in t}
    # kept here, dropped by osmnx: cycleways where pedestrians are allowed too
    shared = {w for w, t in tags_of.items() if t.get("highway") == "cycleway" and "foot" in t}
    assert len(stricter) == 4
    assert len(shared) == 1
    assert ours == (theirs - stricter) | shared
    assert not ways.drive_only
    assert not ways.stripped


def test_drive_only_data_is_warned(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    shortcut_file(tmp_path, highway="residential")
    net = build(tmp_path)
    assert net.report.drive_only
    assert any("drive" in n and "footways" in n for n in net.report.notes)
    assert "drive-only" in caplog.text
    shortcut_file(tmp_path, highway="footway")
    assert not build(tmp_path).report.drive_only


def test_an_osmnx_export_without_foot_tags_loses_its_expressways(tmp_path: Path) -> None:
    """Only osmnx's default tags: elevated trunk roads and ramps are taken for motor roads."""
    f = OsmFile()
    for i, (x, y) in enumerate([(0, 0), (500, 0), (0, 300), (500, 300)], start=1):
        f.node(i, x, y)
    f.way(10, [1, 3, 4, 2], highway="residential", name="地面道路")
    f.way(20, [1, 2], highway="trunk", bridge="yes", name="延安高架路")
    stubs(f)
    f.write(tmp_path / "shortcut.osm")
    net = build(tmp_path)
    assert net.report.tags_stripped
    assert walk_a_to_b(net, f) == pytest.approx(DETOUR_M, abs=1e-3)
    assert net.report.removed[0]["filter"] == "expressway"
    with settings.override(infer_expressways=False):
        assert walk_a_to_b(build(tmp_path), f) == pytest.approx(SHORTCUT_M, abs=1e-3)
    # one tag beyond osmnx's defaults shows the tags were kept: the trunk then is walkable
    f.ways[0][2]["surface"] = "asphalt"
    f.write(tmp_path / "shortcut.osm")
    kept = build(tmp_path)
    assert not kept.report.tags_stripped
    assert walk_a_to_b(kept, f) == pytest.approx(SHORTCUT_M, abs=1e-3)


def test_ways_with_missing_nodes_are_split_there(tmp_path: Path) -> None:
    f = shortcut_file(tmp_path, highway="footway")
    f.ways[0] = (10, [1, 3, 77, 4, 2], f.ways[0][2])  # node 77 is not in the file
    f.write(tmp_path / "shortcut.osm")
    net = build(tmp_path, drop_fragments=False)
    assert any("missing" in n for n in net.report.notes)
    # the detour is cut at the missing node: C–D is gone, A–C and D–B remain (and the stubs)
    assert net.length.sum() == pytest.approx(300 + 300 + 500 + 200, abs=1e-3)


def test_graphml_edges_are_filtered_by_their_tags(tmp_path: Path) -> None:
    import osmnx as ox

    f = shortcut_file(tmp_path, highway="trunk", foot="no")
    tags = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = [*tags, "foot", "surface"]
    try:
        graph = ox.graph_from_xml(tmp_path / "shortcut.osm", bidirectional=True, retain_all=True)
    finally:
        ox.settings.useful_tags_way = tags
    ox.save_graphml(graph, tmp_path / "saved.graphml")
    net = from_graphml(tmp_path / "saved.graphml", CRS, use_cache=False)
    assert walk_a_to_b(net, f) == pytest.approx(DETOUR_M, abs=1e-3)
    assert net.report.filter_unit == "edges"
    assert [(r["filter"], r["class"], r["count"]) for r in net.report.removed] == [
        ("foot", "trunk", 1)
    ]


def test_the_profile_is_part_of_the_cache_key(tmp_path: Path) -> None:
    f = shortcut_file(tmp_path, highway="steps")
    path = tmp_path / "shortcut.osm"
    walk = from_osm_file(path, CRS)
    step_free = from_osm_file(path, CRS, profile="step_free")
    assert not walk.report.cache_hit
    assert not step_free.report.cache_hit
    assert walk.report.cache_key != step_free.report.cache_key
    again = from_osm_file(path, CRS, profile="step_free")
    assert again.report.cache_hit
    assert again.arrays_equal(step_free)
    assert walk_a_to_b(again, f) == pytest.approx(DETOUR_M, abs=1e-3)
    assert walk_a_to_b(from_osm_file(path, CRS), f) == pytest.approx(SHORTCUT_M, abs=1e-3)


def test_profile_options_are_checked() -> None:
    assert check_profiles("walk, step_free") == ("walk", "step_free")
    assert check_profiles(("step-free",)) == ("step_free",)
    with pytest.raises(OptionError, match='profile="wheelchair"'):
        check_profiles("wheelchair")
    with (
        pytest.raises(OptionError, match=r"settings\.fragment_min_nodes"),
        settings.override(fragment_min_nodes=0),
    ):
        pass


# ---------------------------------------------------------------------------- centre-lines
def centrelines(column: str = "道路等级", shortcut: str = "快速路") -> gpd.GeoDataFrame:
    """The detour as 支路, a straight 快速路 shortcut and a 台阶 path over M(250, -100)."""

    def line(*xy: tuple[float, float]) -> LineString:
        return LineString([(X0 + x, Y0 + y) for x, y in xy])

    return gpd.GeoDataFrame(
        {column: ["支路", "支路", "支路", shortcut, "台阶"]},
        geometry=[
            line((0, 0), (0, 300)),
            line((0, 300), (500, 300)),
            line((500, 300), (500, 0)),
            line((0, 0), (500, 0)),
            line((0, 0), (250, -100), (500, 0)),
        ],
        crs=CRS,
    )


STEPS_M = 2 * float(np.hypot(250, 100))  # 538.516 m over M


def walk_ab_lines(net) -> float:
    s = snap(net, np.array([(X0, Y0), (X0 + 500, Y0)]))
    return float(od_sparse(net, s.subset([0]), s.subset([1]), 1e5).dist[0])


def test_centreline_road_classes(tmp_path: Path) -> None:
    gdf = centrelines()
    net = planning.load_network(gdf, crs=CRS, use_cache=False)  # 道路等级 is found by its name
    assert walk_ab_lines(net) == pytest.approx(STEPS_M, abs=1e-3)  # 快速路 gone, 台阶 walked
    assert net.report.filter_unit == "lines"
    assert net.report.removed == [
        {"filter": "road_class", "class": "快速路", "count": 1, "km": 0.5}
    ]
    assert net.report.not_step_free == [
        {"filter": "road_class_steps", "class": "台阶", "count": 1, "km": round(STEPS_M / 1000, 3)}
    ]
    step_free = planning.load_network(gdf, crs=CRS, profile="step_free", use_cache=False)
    assert walk_ab_lines(step_free) == pytest.approx(DETOUR_M, abs=1e-3)


def test_centreline_class_column_named_by_fields(tmp_path: Path) -> None:
    gdf = centrelines(column="等级")
    unclassified = planning.load_network(
        gdf, crs=CRS, use_cache=False
    )  # no class column recognised
    assert walk_ab_lines(unclassified) == pytest.approx(SHORTCUT_M, abs=1e-3)
    net = planning.load_network(gdf, crs=CRS, fields={"road_class": "等级", "households": "户数"},
                       use_cache=False)  # fmt: skip
    assert walk_ab_lines(net) == pytest.approx(STEPS_M, abs=1e-3)
    with pytest.raises(InputFileError, match=r"no column '道路名称'.*等级"):
        planning.load_network(gdf, crs=CRS, fields={"road_class": "道路名称"}, use_cache=False)


def test_centreline_class_table_overrides(tmp_path: Path) -> None:
    table = tmp_path / "classes.toml"
    table.write_text('[road_classes]\n"快速路" = "walk"\n"城市支路" = "no"\n', encoding="utf-8")
    assert road_class_table(table)["快速路"] == "walk"
    gdf = centrelines()
    net = planning.load_network(gdf, crs=CRS, road_classes=table, use_cache=False)
    assert walk_ab_lines(net) == pytest.approx(SHORTCUT_M, abs=1e-3)
    step_free = planning.load_network(gdf, crs=CRS, road_classes=table, profile="step_free",
                             use_cache=False)  # fmt: skip
    assert walk_ab_lines(step_free) == pytest.approx(DETOUR_M, abs=1e-3)
    bad = tmp_path / "bad.toml"
    bad.write_text('[road_classes]\n"快速路" = "sometimes"\n', encoding="utf-8")
    with pytest.raises(OptionError, match="sometimes"):
        road_class_table(bad)
    with pytest.raises(OptionError, match="centre-lines"):
        planning.load_network(tmp_path / "x.osm", crs=CRS, road_classes=table)


def test_unknown_road_classes_are_walkable_and_listed() -> None:
    gdf = centrelines(shortcut="城市主干道(高架)")
    net = planning.load_network(gdf, crs=CRS, use_cache=False)
    assert walk_ab_lines(net) == pytest.approx(SHORTCUT_M, abs=1e-3)
    assert any("城市主干道(高架)" in n for n in net.report.notes)


# ---------------------------------------------------------------------------- fragments, audit
def grid(f: OsmFile, first: int, x0: float) -> None:
    """A 5 × 3 grid of streets 200 m apart, lower-left corner at x0: 4,400 m of street, 11 nodes
    (osmnx merges the two edges at each of the 4 corners)."""
    ids = {}
    for j in range(3):
        for i in range(5):
            ids[i, j] = f.node(first + 10 * j + i, x0 + 200 * i, 200 * j)
    for j in range(3):
        f.way(first + 100 + j, [ids[i, j] for i in range(5)], highway="residential", lit="yes")
    for i in range(5):
        f.way(first + 200 + i, [ids[i, j] for j in range(3)], highway="footway")


def town(
    tmp_path: Path, extra: dict[str, tuple[float, float]] | None = None
) -> tuple[planning.Inputs, planning.network.WalkNetwork]:
    """The main grid, a 2-node stray fragment above it, and an island grid 3 km east.

    E1 (350, 650): the fragment P(300, 700)–Q(400, 700) is 50 m away, the main grid's top street
    (y = 400) 250 m: E1 snaps to the grid at (350, 400) and walks 250 + 250 + 400 = 900 m to F1
    at the grid's corner (600, 0). E2 (350, 760): the fragment 60 m, the grid 360 m away. E3 is
    2 km from any street. E4 lies on the island's bottom street, 100 m from the island's F2.
    """
    f = OsmFile()
    grid(f, 1000, 0.0)
    grid(f, 2000, 3000.0)
    f.node(1, 300, 700)
    f.node(2, 400, 700)
    f.way(1, [1, 2], highway="footway")
    path = f.write(tmp_path / "town.osm")
    xy = {"E1": (350, 650), "E2": (350, 760), "E3": (350, 2700), "E4": (3100, 0), **(extra or {})}
    estates = gpd.GeoDataFrame(
        {
            "estate_id": list(xy),
            "name": [f"{k}小区" for k in xy],
            "households": [100, 200, 300, 400, 500][: len(xy)],
            "status": "existing",
        },
        geometry=gpd.points_from_xy([X0 + x for x, _ in xy.values()],
                                    [Y0 + y for _, y in xy.values()]),
        crs=CRS,
    )  # fmt: skip
    facilities = gpd.GeoDataFrame(
        {
            "facility_id": ["F1", "F2"],
            "name": ["主城日间照料中心", "岛上日间照料中心"],
            "kind": "community_station",
            "floor_m2": 200.0,
            "status": "existing",
        },
        geometry=gpd.points_from_xy([X0 + 600, X0 + 3000], [Y0, Y0]),
        crs=CRS,
    )
    inputs = planning.load_inputs(estates, facilities)
    return inputs, planning.load_network(path, crs=inputs, use_cache=False)


def test_stray_fragment_never_takes_an_estate(tmp_path: Path) -> None:
    inputs, net = town(tmp_path)
    r = net.report
    assert r.fragments_dropped == 1
    assert r.fragment_nodes == 2
    assert r.fragment_km == pytest.approx(0.1, abs=1e-3)
    # the island is a real component (11 nodes, half the length): kept with its facility
    assert [(c["nodes"], c["km"]) for c in r.components_kept] == [(11, 4.4), (11, 4.4)]
    result = planning.audit(inputs, net, rules="national")
    e = result.estates.set_index("estate_id")
    assert e.loc["E1", "reachable"]
    assert e.loc["E1", "walk_15min_m"] == pytest.approx(900.0, abs=1e-3)
    assert e.loc["E1", "nearest_15min_id"] == "F1"
    assert e.loc["E4", "walk_15min_m"] == pytest.approx(100.0, abs=1e-3)
    assert e.loc["E4", "nearest_15min_id"] == "F2"  # the island's own facility
    assert e["unreachable_reason"].fillna("").to_dict() == {
        "E1": "",
        "E2": "only_fragment",
        "E3": "too_far",
        "E4": "",
    }
    assert result.summary["totals"]["estates_unreachable_by_reason"] == {
        "too_far": 1,
        "only_fragment": 1,
    }


def test_keeping_fragments_shows_what_they_did(tmp_path: Path) -> None:
    """With fragments kept (as before), E1 attaches to the 2-node piece and reaches nothing."""
    town(tmp_path)
    with settings.override(fragment_min_nodes=1, fragment_min_share=0.0):
        inputs, net = town(tmp_path)
        result = planning.audit(inputs, net, rules="national")
    e1 = result.estates.set_index("estate_id").loc["E1"]
    assert e1["reachable"]
    assert np.isnan(e1["walk_15min_m"])


def test_nearest_facility_at_any_distance(tmp_path: Path) -> None:
    """E5 (-100, 400) walks 100 + 400 + 600 = 1,100 m to F1: outside the 15-minute circle, but
    the distance is reported; with a 1,050 m search radius it is beyond it."""
    inputs, net = town(tmp_path, extra={"E5": (-100, 400)})
    e = planning.audit(inputs, net, rules="national").estates.set_index("estate_id")
    assert not e.loc["E5", "covered_15min"]
    assert np.isnan(e.loc["E5", "walk_m"])  # the circle's own distance stays blank
    assert e.loc["E5", "walk_any_m"] == pytest.approx(1100.0, abs=1e-3)
    assert e.loc["E5", "nearest_any_id"] == "F1"
    assert e.loc["E5", "nearest_any_name"] == "主城日间照料中心"
    assert e.loc["E1", "walk_any_m"] == pytest.approx(900.0, abs=1e-3)  # covered: same walk
    assert e.loc["E4", "nearest_any_id"] == "F2"
    assert np.isnan(e.loc["E2", "walk_any_m"])  # off the network
    result = planning.audit(inputs, net, rules="national", search_radius_m=1050)
    e = result.estates.set_index("estate_id")
    assert np.isnan(e.loc["E5", "walk_any_m"])
    gaps = result.summary["totals"]["uncovered_by_distance"]
    assert gaps["search_radius_m"] == 1050
    # bands from the 1,000 m circle to the radius, then beyond it; E2 and E3 are off the network
    assert [(b["from_m"], b["to_m"], b["households"]) for b in gaps["bands"]] == [
        (1000, 1050, 0),
        (1050, None, 500),
    ]
    assert gaps["unreachable"] == {"estates": 2, "households": 500}


# ---------------------------------------------------------------------------- command line
def lines_project(tmp_path: Path) -> Path:
    """Centre-lines with the class in a column 等级, an estate 20 m west of A, a station 20 m east
    of B: walk 20 + 538.516 (台阶) + 20 m; step-free 20 + 1,100 + 20 = 1,140 m."""
    gpkg = tmp_path / "lines.gpkg"
    centrelines(column="等级").to_file(gpkg, layer="roads")
    gpd.GeoDataFrame(
        {"estate_id": ["E1"], "name": ["台阶小区"], "households": [500], "status": ["existing"]},
        geometry=gpd.points_from_xy([X0 - 20], [Y0]),
        crs=CRS,
    ).to_file(gpkg, layer="estates")
    gpd.GeoDataFrame(
        {
            "facility_id": ["F1"],
            "name": ["B站"],
            "kind": ["community_station"],
            "floor_m2": [200.0],
        },
        geometry=gpd.points_from_xy([X0 + 520], [Y0]),
        crs=CRS,
    ).to_file(gpkg, layer="facilities")
    return gpkg


def test_cli_profiles_and_road_class_field(tmp_path: Path) -> None:
    import json

    from planning.cli import main

    gpkg = lines_project(tmp_path)
    out = tmp_path / "out"
    args = ["--quiet", "audit", "--rules", "national", "--out", str(out)]
    for role, layer in (("estates", "estates"), ("facilities", "facilities"), ("network", "roads")):
        args += [f"--{role}", str(gpkg), f"--{role}-layer", layer]
    assert main([*args, "--field", "road_class=等级", "--profile", "walk,step_free"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    walk, step_free = summary["totals"]["by_profile"].values()
    assert list(summary["totals"]["by_profile"]) == ["walk", "step_free"]
    assert walk["coverage"] == {"5min": 0.0, "10min": 0.0, "15min": 1.0}
    assert step_free["coverage"]["15min"] == 0.0
    bands = step_free["uncovered_by_distance"]["bands"]
    assert (bands[0]["from_m"], bands[0]["to_m"], bands[0]["households"]) == (1000, 1500, 500)
    removed = summary["parameters"]["network"]["removed"]
    assert [(r["filter"], r["class"]) for r in removed] == [("road_class", "快速路")]
    table = pd.read_csv(out / "estates.csv", encoding="utf-8-sig")
    assert table.loc[0, "walk_any_m"] == pytest.approx(20 + STEPS_M + 20, abs=0.06)
    sheet = pd.read_excel(out / "audit.xlsx", sheet_name="小区")
    assert sheet.loc[0, "不限距离步行距离(m)"] == pytest.approx(20 + STEPS_M + 20, abs=0.06)
    assert sheet.loc[0, "不限距离最近设施名称"] == "B站"


def test_the_console_tells_the_step_free_figures_apart(tmp_path: Path, capsys) -> None:
    from planning.cli import main

    gpkg = lines_project(tmp_path)
    base = ["audit", "--rules", "national", "--field", "road_class=等级"]
    for role, layer in (("estates", "estates"), ("facilities", "facilities"), ("network", "roads")):
        base += [f"--{role}", str(gpkg), f"--{role}-layer", layer]
    assert main([*base, "--profile", "walk,step_free", "--out", str(tmp_path / "both")]) == 0
    both = capsys.readouterr().out
    # walk: the 500 households are within the circle; step-free: 1–1.5 km away (steps avoided)
    assert "  15min circle 服务圈 coverage: 100.0% of households (500)" in both
    assert "  step_free 无障碍 coverage: 5min 0.0%, 10min 0.0%, 15min 0.0% of households" in both
    assert main([*base, "--profile", "step_free", "--out", str(tmp_path / "sf")]) == 0
    alone = capsys.readouterr().out
    assert "Walking network 路网: step_free 无障碍" in alone
    assert "  15min circle 服务圈 coverage: 0.0% of households (0)" in alone
    assert "1000–1500 m 500" in alone  # how far the uncovered households walk


def test_project_file_keys(tmp_path: Path) -> None:
    import json

    from planning.cli import main

    lines_project(tmp_path)
    (tmp_path / "classes.toml").write_text('[road_classes]\n"快速路" = "walk"\n', encoding="utf-8")
    (tmp_path / "project.toml").write_text(
        "[inputs]\n"
        'estates = "lines.gpkg"\nestates_layer = "estates"\n'
        'facilities = "lines.gpkg"\nfacilities_layer = "facilities"\n'
        '[fields]\nroad_class = "等级"\n'
        '[network]\nfile = "lines.gpkg"\nlayer = "roads"\nprofile = "walk,step_free"\n'
        'road_classes = "classes.toml"\n'
        '[audit]\nrules = "national"\nout = "out"\nsearch_radius_m = 1100\n',
        encoding="utf-8",
    )
    assert main(["--quiet", "audit", "-c", str(tmp_path / "project.toml")]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["parameters"]["search_radius_m"] == 1100
    walk, step_free = summary["totals"]["by_profile"].values()
    # 快速路 is walkable by the table (20 + 500 + 20 m), not step-free: 1,140 m > 1,100 m
    assert walk["coverage"]["10min"] == 0.0
    assert walk["coverage"]["15min"] == 1.0
    assert [
        (b["from_m"], b["to_m"], b["households"])
        for b in step_free["uncovered_by_distance"]["bands"]
    ] == [(1000, 1100, 0), (1100, None, 500)]
    table = pd.read_csv(tmp_path / "out" / "estates.csv", encoding="utf-8-sig")
    assert table.loc[0, "walk_any_m"] == pytest.approx(540.0, abs=0.06)
    (tmp_path / "project.toml").write_text(
        (tmp_path / "project.toml")
        .read_text(encoding="utf-8")
        .replace("walk,step_free", "wheelchair"),
        encoding="utf-8",
    )
    assert main(["--quiet", "audit", "-c", str(tmp_path / "project.toml")]) == 2
