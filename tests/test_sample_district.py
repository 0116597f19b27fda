"""Tests of the synthetic sample district 示例区 (planning.sample) and gis_data/."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import scipy.sparse as sp
import shapely
from pyproj import Transformer

from planning._errors import InputDataError, InputFileError
from planning.analysis.floor_area import allocate_area
from planning.cli import main
from planning.sample import (
    DEFAULT_SEED,
    SampleDistrict,
    build_sample_district,
    write_sample_district,
)

REPO = Path(__file__).resolve().parents[1]
GIS = REPO / "gis_data"
LAYERS = ["estates", "gates", "facilities", "streets", "roads", "river"]
FILES = [
    "sample_district.gpkg",
    "shapefile/estates_gbk.shp",
    "shapefile/estates_gbk.shx",
    "shapefile/estates_gbk.dbf",
    "shapefile/estates_gbk.prj",
    "facilities.xlsx",
    "designed_failures.md",
]


@pytest.fixture(scope="module")
def district() -> SampleDistrict:
    return build_sample_district()


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    write_sample_district(folder)
    return folder


def _assert_same_layers(a: Path, b: Path) -> None:
    names_a = [str(n) for n in pyogrio.list_layers(a)[:, 0]]
    assert names_a == [str(n) for n in pyogrio.list_layers(b)[:, 0]]
    assert names_a == LAYERS
    for name in names_a:
        left = pyogrio.read_dataframe(a, layer=name)
        right = pyogrio.read_dataframe(b, layer=name)
        assert left.crs == right.crs
        pd.testing.assert_frame_equal(left.drop(columns="geometry"), right.drop(columns="geometry"))
        assert left.geometry.to_wkb().tolist() == right.geometry.to_wkb().tolist(), name


def _graph(roads: gpd.GeoDataFrame) -> nx.Graph:
    """An independent walking graph: nodes are road endpoints, edges weighted by length."""
    graph = nx.Graph()
    for geom in roads.geometry:
        coords = shapely.get_coordinates(geom)
        graph.add_edge(tuple(coords[0]), tuple(coords[-1]), weight=geom.length)
    return graph


# --- determinism and drift ---------------------------------------------------------------------


def test_two_runs_give_identical_bytes(written: Path, tmp_path: Path) -> None:
    write_sample_district(tmp_path)
    for name in FILES:
        assert (written / name).read_bytes() == (tmp_path / name).read_bytes(), name
    _assert_same_layers(written / "sample_district.gpkg", tmp_path / "sample_district.gpkg")


def test_other_seed_gives_another_district(district: SampleDistrict) -> None:
    other = build_sample_district(DEFAULT_SEED + 1)
    assert other.estates["name"].tolist() != district.estates["name"].tolist()


def test_committed_sample_matches_the_generator(written: Path) -> None:
    _assert_same_layers(GIS / "sample_district.gpkg", written / "sample_district.gpkg")
    committed = pyogrio.read_dataframe(GIS / "shapefile/estates_gbk.shp", encoding="GBK")
    fresh = pyogrio.read_dataframe(written / "shapefile/estates_gbk.shp", encoding="GBK")
    pd.testing.assert_frame_equal(
        committed.drop(columns="geometry"), fresh.drop(columns="geometry")
    )
    sheets = [openpyxl.load_workbook(p / "facilities.xlsx", read_only=True) for p in (GIS, written)]
    rows = [list(wb["养老服务设施"].iter_rows(values_only=True)) for wb in sheets]
    assert rows[0] == rows[1]
    committed_md = (GIS / "designed_failures.md").read_text(encoding="utf-8")
    assert committed_md == (written / "designed_failures.md").read_text(encoding="utf-8")


def test_committed_files_are_small_and_complete() -> None:
    for name in [*FILES, "README.md"]:
        assert (GIS / name).is_file(), name
    total = sum(p.stat().st_size for p in GIS.rglob("*") if p.is_file())
    assert total < 10 * 1024 * 1024


# --- the layers --------------------------------------------------------------------------------


def test_crs_and_location(district: SampleDistrict) -> None:
    for name, layer in district.layers().items():
        assert layer.crs.to_epsg() == 4547, name
    x0, y0, x1, y1 = district.streets.total_bounds
    assert (x1 - x0, y1 - y0) == (6000.0, 5000.0)
    lon, lat = Transformer.from_crs(4547, 4326, always_xy=True).transform(
        (x0 + x1) / 2, (y0 + y1) / 2
    )
    assert abs(lon - 114.35) < 0.05
    assert abs(lat - 30.55) < 0.05


def test_estates_attributes(district: SampleDistrict) -> None:
    e = district.estates
    assert 150 <= len(e) <= 300
    assert e["estate_id"].is_unique
    assert e["name"].is_unique
    assert e["households"].dtype == np.int64
    assert e["households"].between(150, 4000).all()
    assert e["built_year"].between(1985, 2024).all()
    assert ((e["status"] == "new") == (e["built_year"] >= 2019)).all()
    assert (e["status"] == "new").sum() >= 20
    per_household = e["population"] / e["households"]
    assert per_household.between(2.8 - 0.01, 3.1 + 0.01).all()
    share = e["elderly"] / e["population"]
    assert share.between(0.15 - 0.005, 0.30 + 0.005).all()
    # households grow with area (correlation), and old estates have more elderly
    assert np.corrcoef(e.geometry.area, e["households"])[0, 1] > 0.5
    old = e["built_year"] < 2000
    assert share[old].mean() > share[~old].mean()
    bounds = e.geometry.bounds
    sides = pd.concat([bounds.maxx - bounds.minx, bounds.maxy - bounds.miny])
    assert sides.between(100, 400).all()
    suffixes = ("花园", "小区", "家园", "苑", "新村", "公寓", "里", "华庭", "名邸", "公馆", "府")
    assert e["name"].str.contains("|".join(suffixes)).mean() > 0.8


def test_every_estate_inside_exactly_one_street(district: SampleDistrict) -> None:
    streets = district.streets
    assert 3 <= len(streets) <= 4
    assert streets["name"].str.endswith("街道").all()
    assert (streets["county"] == "示例区").all()
    assert streets["street_id"].is_unique
    inside = np.array(
        [streets.geometry.contains(geom).to_numpy() for geom in district.estates.geometry]
    )
    assert (inside.sum(axis=1) == 1).all()
    assert (streets["name"].to_numpy()[inside.argmax(axis=1)] == district.estates["street"]).all()
    # the streets tile the district
    union = shapely.union_all(streets.geometry.to_numpy())
    assert union.area == pytest.approx(6000 * 5000, rel=1e-9)


def test_facilities_cover_every_kind(district: SampleDistrict) -> None:
    f = district.facilities
    assert 30 <= len(f) <= 40
    assert f["facility_id"].is_unique
    kinds = f["kind"].value_counts()
    assert set(kinds.index) == {"community_station", "street_centre", "institution", "rural_point"}
    assert 1 <= kinds["rural_point"] <= 3
    assert set(f["status"]) == {"existing", "planned"}
    assert (f["status"] == "planned").sum() >= 2
    assert (f["status"] == "existing").mean() > 0.8
    assert (f["county"] == "示例区").all()
    ranges = {
        "community_station": (150, 800),
        "street_centre": (1000, 3000),
        "institution": (3000, 12000),
    }
    for kind, (lo, hi) in ranges.items():
        assert f.loc[f["kind"] == kind, "floor_m2"].between(lo, hi).all(), kind
    centres, homes = f[f["kind"] == "street_centre"], f[f["kind"] == "institution"]
    assert centres["beds"].between(20, 60).all()
    assert homes["beds"].between(100, 400).all()
    both = pd.concat([centres, homes])
    assert (both["nursing_beds"] <= both["beds"]).all()
    assert both["land_m2"].isna().sum() == 1
    assert set(homes["subtype"]) == {"养老院", "敬老院", "老年养护院"}


def test_linked_stations_are_inside_their_estates(district: SampleDistrict) -> None:
    f = district.facilities
    linked = f[f["estate_id"].notna()]
    assert len(linked) >= 15
    assert (linked["kind"] == "community_station").all()
    estates = district.estates.set_index("estate_id")
    for _, row in linked.iterrows():
        assert estates.geometry[row["estate_id"]].contains(row.geometry)


def test_gates_lie_on_their_estate_wall(district: SampleDistrict) -> None:
    gates = district.gates
    assert gates["gate_id"].is_unique
    walls = district.estates.set_index("estate_id").geometry.boundary
    distance = shapely.distance(gates.geometry.to_numpy(), walls.loc[gates["estate_id"]].to_numpy())
    assert (distance <= 0.5).all()
    per_estate = gates["estate_id"].value_counts()
    assert per_estate.between(1, 3).all()
    assert set(per_estate.index) == set(district.estates["estate_id"])


def test_paths_end_exactly_on_gates(district: SampleDistrict) -> None:
    roads = district.roads
    paths = roads[roads["class"] == "path"]
    ends = {tuple(c) for g in paths.geometry for c in shapely.get_coordinates(g)[[0, -1]]}
    for gate in district.gates.geometry:
        assert (gate.x, gate.y) in ends
    # every gate has one access path (outside the wall) and at least one internal path
    by_gate: dict[tuple[float, float], list[str]] = {}
    for _, row in paths[paths["estate_id"].notna()].iterrows():
        coords = shapely.get_coordinates(row.geometry)
        for c in (coords[0], coords[-1]):
            by_gate.setdefault(tuple(c), []).append(row["name"])
    for _, gate in district.gates.iterrows():
        names = by_gate[(gate.geometry.x, gate.geometry.y)]
        assert any(n.endswith("通道") for n in names)
        assert any(n.endswith("内部道路") for n in names)


def test_walls_open_only_at_gates(district: SampleDistrict) -> None:
    roads, estates = district.roads, district.estates
    tree = shapely.STRtree(roads.geometry.to_numpy())
    est_idx, road_idx = tree.query(estates.geometry.to_numpy(), predicate="intersects")
    inner = shapely.relate_pattern(
        roads.geometry.to_numpy()[road_idx], estates.geometry.to_numpy()[est_idx], "T********"
    )
    owner = roads["estate_id"].to_numpy()[road_idx[inner]]
    assert (owner == estates["estate_id"].to_numpy()[est_idx[inner]]).all()
    assert (roads["class"].to_numpy()[road_idx[inner]] == "path").all()
    # those internal paths stay inside the wall
    assert shapely.covered_by(
        roads.geometry.to_numpy()[road_idx[inner]], estates.geometry.to_numpy()[est_idx[inner]]
    ).all()


def test_only_bridges_cross_the_river(district: SampleDistrict) -> None:
    roads, river = district.roads, district.river.geometry.iloc[0]
    assert set(roads["class"]) == {"arterial", "branch", "path"}
    assert set(roads["bridge"]) == {0, 1}
    bridges = roads[roads["bridge"] == 1]
    assert 2 <= len(bridges) <= 3
    wet = shapely.relate_pattern(roads.geometry.to_numpy(), river, "T********")
    assert wet[roads["bridge"].to_numpy() == 1].all()
    assert not wet[roads["bridge"].to_numpy() == 0].any()
    # the river crosses the district from west to east and is 60–120 m wide
    minx, _, maxx, _ = river.bounds
    assert (minx, maxx) == (530500.0, 536500.0)
    width = river.area / 6000
    assert 60 <= width <= 120
    row = district.river.iloc[0]
    assert 60 <= row["width_min_m"] <= row["width_max_m"] <= 120


def test_roads_form_one_network(district: SampleDistrict) -> None:
    roads = district.roads
    assert (shapely.get_type_id(roads.geometry.to_numpy()) == 1).all()  # LineString
    assert shapely.is_valid(roads.geometry.to_numpy()).all()
    assert (roads.geometry.length > 0).all()
    graph = _graph(roads)
    assert nx.number_connected_components(graph) == 1
    # noded: no two roads cross between their endpoints
    tree = shapely.STRtree(roads.geometry.to_numpy())
    left, right = tree.query(roads.geometry.to_numpy(), predicate="crosses")
    assert len(left) == len(right) == 0
    # ... and no road ends in the middle of another (T-junctions are split too)
    geoms = roads.geometry.to_numpy()
    ends = np.r_[shapely.get_point(geoms, 0), shapely.get_point(geoms, -1)]
    point, line = tree.query(ends, predicate="intersects")
    at_start = shapely.equals(ends[point], shapely.get_point(geoms[line], 0))
    at_stop = shapely.equals(ends[point], shapely.get_point(geoms[line], -1))
    assert (at_start | at_stop).all()


def test_arterial_and_branch_spacing(district: SampleDistrict) -> None:
    roads = district.roads
    x0 = district.streets.total_bounds[0]
    vertical = roads[
        (roads["class"] == "arterial") & (roads.geometry.bounds.minx == roads.geometry.bounds.maxx)
    ]
    xs = np.unique(vertical.geometry.bounds.minx - x0)
    assert (np.diff(xs) >= 800).all()
    assert (np.diff(xs) <= 1000).all()


# --- designed failures, checked independently (networkx) -----------------------------------------


def test_designed_failures_hold_on_an_independent_graph(district: SampleDistrict) -> None:
    design, f = district.design, district.facilities
    graph = _graph(district.roads)
    circle = f[f["kind"].isin(["community_station", "street_centre"]) & (f["status"] == "existing")]
    sources = [(p.x, p.y) for p in circle.geometry]
    dist = nx.multi_source_dijkstra_path_length(graph, sources, weight="weight")
    gates = district.gates
    walk = (
        gates.assign(d=[dist.get((g.x, g.y), np.inf) for g in gates.geometry])
        .groupby("estate_id")["d"]
        .min()
    )
    uncovered = set(walk[walk > 1000].index)
    assert uncovered == set(design.uncovered)
    assert 0.1 < len(uncovered) / len(district.estates) < 0.5
    # the south-east corner (east of the last-but-one arterial, south of the first) is uncovered
    x0, y0 = district.streets.total_bounds[:2]
    centre = district.estates.geometry.centroid
    corner = district.estates[(centre.x > x0 + 5150) & (centre.y < y0 + 880)]
    assert len(corner) >= 3
    assert set(corner["estate_id"]) <= uncovered


def test_river_test_estates_are_near_but_far_on_foot(district: SampleDistrict) -> None:
    rows = district.design.river_test
    assert len(rows) >= 3
    graph = _graph(district.roads)
    estates = district.estates.set_index("estate_id")
    facilities = district.facilities.set_index("facility_id")
    gates = district.gates
    for estate_id, facility_id, straight, on_foot in rows:
        point = facilities.geometry[facility_id]
        assert estates.geometry[estate_id].distance(point) == pytest.approx(straight, abs=1)
        assert straight <= 1000 < on_foot
        # the estate and the facility are on opposite banks (different sides of the river)
        assert (estates["street"][estate_id] == "北湖街道") != (
            facilities["street"][facility_id] == "北湖街道"
        )
        lengths = nx.single_source_dijkstra_path_length(graph, (point.x, point.y), weight="weight")
        mine = gates[gates["estate_id"] == estate_id].geometry
        assert min(lengths[(g.x, g.y)] for g in mine) == pytest.approx(on_foot, abs=1)
    # the north-bank station is the designed case: several estates far on foot
    far = [r for r in rows if r[3] > 2500]
    assert len(far) >= 2


def test_floor_area_failures(district: SampleDistrict) -> None:
    rows = district.design.floor_area
    estates = district.estates.set_index("estate_id")
    facilities = district.facilities.set_index("facility_id")
    outcomes = []
    for estate_id, status, households, facility_id, _, floor, ratio, standard, passes in rows:
        assert estates["households"][estate_id] == households
        assert facilities["floor_m2"][facility_id] == floor
        assert ratio == pytest.approx(floor / households * 100, abs=0.05)
        assert standard == (20.0 if status == "new" else 15.0)
        outcomes.append(passes)
    assert outcomes.count(False) >= 3
    assert outcomes.count(True) >= 10
    # on-site stations of existing estates that meet the standard are large, to share a surplus
    big = [r[5] for r in rows if r[1] == "existing" and r[8]]
    assert len(big) >= 8
    assert min(big) >= 700


def test_households_are_mostly_modest(district: SampleDistrict) -> None:
    households = district.estates["households"]
    assert 140_000 <= households.sum() <= 190_000
    assert households.between(300, 1200).mean() > 0.7
    assert households.max() > 2000  # a few large estates remain


def test_stations_and_centres_have_land_for_their_floor_area(district: SampleDistrict) -> None:
    f = district.facilities
    counted = f[f["kind"].isin(["community_station", "street_centre"])]
    ratio = counted["land_m2"] / counted["floor_m2"]
    # rounding land to 10 m² moves the ratio by at most 5 / 150
    assert ratio.between(2.0 - 0.034, 2.5 + 0.034).all()
    assert f.loc[f["kind"] == "rural_point", "land_m2"].isna().all()
    standalone = f[(f["kind"] == "community_station") & f["estate_id"].isna()]
    assert standalone["floor_m2"].between(600, 800).all()


def test_a_realistic_share_of_estates_meets_the_floor_area_rule(district: SampleDistrict) -> None:
    """Allocate on an independent graph: own station first, then 500 m sharing (existing)."""
    e, f, gates = district.estates, district.facilities, district.gates
    counted = f[f["kind"].isin(["community_station", "street_centre"])].reset_index(drop=True)
    graph = _graph(district.roads)
    row = {eid: k for k, eid in enumerate(e["estate_id"])}
    reach = np.zeros((len(e), len(counted)))
    for j, point in enumerate(counted.geometry):
        near = nx.single_source_dijkstra_path_length(
            graph, (point.x, point.y), cutoff=500, weight="weight"
        )
        for gate, eid in zip(gates.geometry, gates["estate_id"], strict=True):
            if (gate.x, gate.y) in near:
                reach[row[eid], j] = 1.0
    owner = counted["estate_id"].map(row).fillna(-1).to_numpy(dtype=np.int64)
    households = e["households"].to_numpy(float)
    rate = np.where(e["status"] == "new", 20.0, 15.0)
    existing = (e["status"] == "existing").to_numpy()
    floor = allocate_area(
        households * rate / 100,
        counted["floor_m2"].to_numpy(float),
        owner,
        households,
        existing,
        sp.csr_array(reach),
    )
    land = allocate_area(
        e["population"].to_numpy(float) * 0.1,
        counted["land_m2"].to_numpy(float),
        owner,
        households,
        existing,
        sp.csr_array(reach),
    )
    assert 0.3 <= floor.ok.mean() <= 0.6
    assert floor.ok[existing].mean() > floor.ok[~existing].mean()  # new estates may not share
    assert not (floor.ok & ~land.ok).any()  # the land rule holds wherever floor area does
    # sharing does the work for most existing estates that meet it (no station of their own)
    assert (floor.ok & (floor.shared > 0)).sum() > (floor.ok & (floor.onsite > 0)).sum()


def test_street_centres_put_the_60_percent_rule_at_stake(district: SampleDistrict) -> None:
    f = district.facilities
    centres = f[f["kind"] == "street_centre"]
    existing = set(centres.loc[centres["status"] == "existing", "street"])
    planned = set(centres.loc[centres["status"] == "planned", "street"])
    streets = set(district.streets["name"])
    assert len(existing) / len(streets) < 0.6 <= len(existing | planned) / len(streets)
    assert streets - existing - planned  # a street with no centre at all
    assert district.design.no_land == ["F005"]


# --- the Chinese copies ----------------------------------------------------------------------------


def test_gbk_shapefile_without_cpg(written: Path, district: SampleDistrict) -> None:
    for folder in (written, GIS):
        shp = folder / "shapefile" / "estates_gbk.shp"
        assert not shp.with_suffix(".cpg").exists()
        dbf = shp.with_suffix(".dbf").read_bytes()
        header_length = int.from_bytes(dbf[8:10], "little")
        assert dbf[29] == 0  # no language driver id either
        records = dbf[header_length:-1]
        text = records.decode("gbk")
        assert "合成示例数据" in text
        with pytest.raises(UnicodeDecodeError):
            records.decode("utf-8")
        names = [
            dbf[32 + 32 * k : 43 + 32 * k].rstrip(b"\0").decode("gbk")
            for k in range((header_length - 33) // 32)
        ]
        assert names[:3] == ["小区编号", "小区名称", "户数"]
        assert dbf[1:4] == bytes((124, 1, 1))  # pinned update date 2024-01-01
    table = pyogrio.read_dataframe(written / "shapefile/estates_gbk.shp", encoding="GBK")
    assert table["小区名称"].tolist() == district.estates["name"].tolist()
    assert table["户数"].tolist() == district.estates["households"].tolist()
    assert set(table["状态"]) == {"新建", "既有"}
    assert table.crs.to_epsg() == 4547


def test_facilities_workbook(written: Path, district: SampleDistrict) -> None:
    wb = openpyxl.load_workbook(written / "facilities.xlsx", read_only=True)
    assert wb.sheetnames == ["养老服务设施", "说明"]
    rows = list(wb["养老服务设施"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:3] == ("设施编号", "设施名称", "设施类型")
    assert header[-2:] == ("经度", "纬度")
    assert len(body) == len(district.facilities)
    lon = np.array([r[-2] for r in body])
    lat = np.array([r[-1] for r in body])
    x, y = Transformer.from_crs(4326, 4547, always_xy=True).transform(lon, lat)
    points = district.facilities.geometry
    assert np.hypot(x - points.x.to_numpy(), y - points.y.to_numpy()).max() < 0.5
    status = {r[header.index("状态")] for r in body}
    assert status == {"现状", "规划"}
    notes = " ".join(str(c) for r in wb["说明"].iter_rows(values_only=True) for c in r if c)
    assert "合成示例数据" in notes


def test_layers_are_labelled_synthetic(written: Path) -> None:
    with sqlite3.connect(written / "sample_district.gpkg") as db:
        contents = db.execute(
            "select table_name, description, last_change from gpkg_contents"
        ).fetchall()
        metadata = db.execute("select metadata from gpkg_metadata").fetchall()
    assert sorted(name for name, _, _ in contents) == sorted(LAYERS)
    assert all("合成示例数据" in description for _, description, _ in contents)
    assert all(stamp.startswith("2024-01-01") for _, _, stamp in contents)
    assert len(metadata) == len(LAYERS)
    assert all("合成示例数据" in m for (m,) in metadata)


def test_readme_describes_every_field() -> None:
    readme = (GIS / "README.md").read_text(encoding="utf-8")
    assert "合成示例数据" in readme
    assert "python -m planning.sample gis_data/" in readme
    for name in LAYERS:
        assert f"`{name}`" in readme, name
        columns = pyogrio.read_info(GIS / "sample_district.gpkg", layer=name)["fields"]
        for column in columns:
            assert f"`{column}`" in readme, (name, column)


# --- other seeds and the command line ------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 7])
def test_other_seeds_keep_the_invariants(seed: int) -> None:
    d = build_sample_district(seed)
    assert 150 <= len(d.estates) <= 300
    assert d.estates["households"].between(150, 4000).all()
    assert d.estates["name"].is_unique
    walls = d.estates.set_index("estate_id").geometry.boundary.loc[d.gates["estate_id"]]
    assert (shapely.distance(d.gates.geometry.to_numpy(), walls.to_numpy()) <= 0.5).all()
    river = d.river.geometry.iloc[0]
    wet = shapely.relate_pattern(d.roads.geometry.to_numpy(), river, "T********")
    assert (wet == (d.roads["bridge"].to_numpy() == 1)).all()
    assert d.design.uncovered
    assert d.design.river_test


def test_command_line_writes_the_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample", str(tmp_path / "out"), "--seed", "3"]) == 0
    for name in FILES:
        assert (tmp_path / "out" / name).is_file(), name
    assert "seed 3" in (tmp_path / "out" / "designed_failures.md").read_text(encoding="utf-8")
    printed = capsys.readouterr().out
    assert printed.startswith("Wrote ")
    assert str(tmp_path / "out" / "sample_district.gpkg") in printed


def test_python_dash_m_runs_the_sample_command(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "planning.sample", str(out), "--seed", "3"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Wrote ")
    assert str(out / "designed_failures.md") in run.stdout
    assert "seed 3" in (out / "designed_failures.md").read_text(encoding="utf-8")


def test_the_loader_reads_every_copy_cleanly(district: SampleDistrict) -> None:
    from planning.io.layers import load_inputs

    gpkg = GIS / "sample_district.gpkg"
    layers = {name: name for name in ("estates", "facilities", "gates", "streets")}
    inputs, report = load_inputs(gpkg, gpkg, gpkg, gpkg, layers=layers)
    # Facility levels and roles read from names or kinds (设施层级, 职能) are a note, not a problem.
    inferred = [p for p in report.problems if p.code == "attributes_from_name"]
    assert [p.severity for p in inferred] == ["info"]
    assert [p for p in report.problems if p not in inferred] == []
    assert len(inputs.estates) == len(district.estates)
    assert inputs.facilities is not None
    assert len(inputs.facilities) == len(district.facilities)
    _, report = load_inputs(GIS / "shapefile/estates_gbk.shp", GIS / "facilities.xlsx")
    assert {p.severity for p in report.problems} == {"info"}
    assert {p.code for p in report.problems} - {"attributes_from_name"} == {
        "encoding_detected",
        "coords_assumed_wgs84",
    }


def test_bad_seed_and_unwritable_folder_give_planning_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(InputDataError, match="seed must be 0 or more"):
        build_sample_district(-1)
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(InputFileError, match="Choose a writable folder"):
        write_sample_district(blocker / "gis_data")
    assert main(["sample", str(tmp_path / "out"), "--seed", "-5"]) == 2
    assert "seed must be 0 or more, not -5" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
