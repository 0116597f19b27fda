"""Tests of ``eldercare check-estate`` (新建小区养老服务设施配建审查).

The hand-computed cases use a 3 × 3 grid of 200 m streets (nodes at 0/200/400 m in x and y,
shifted by X0, Y0 in EPSG:32650). Distances are worked out in the comments of each test.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from openpyxl import load_workbook
from pyproj import Transformer
from shapely.geometry import LineString, Point, box

from planning import cli, settings
from planning.network import WalkNetwork, snap
from planning.network.route import RouteTracer
from planning.review.core import ReviewOptions, review_estates
from planning.rules import load_ruleset

X0, Y0 = 500_000.0, 3_400_000.0
CRS = "EPSG:32650"
GATE = (123.45, 21.7)  # gate of the proposal P1: 21.7 m south to the street y = 0 at x = 123.45
FAR_STATION = (387.5, 312.34)  # 12.5 m west of the street x = 400, at y = 312.34


def _p(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


def _grid_lines() -> list[LineString]:
    lines = []
    for a in (0.0, 200.0, 400.0):
        for b0, b1 in ((0.0, 200.0), (200.0, 400.0)):
            lines.append(LineString([(X0 + a, Y0 + b0), (X0 + a, Y0 + b1)]))  # north-south
            lines.append(LineString([(X0 + b0, Y0 + a), (X0 + b1, Y0 + a)]))  # east-west
    return lines


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(settings, "cache_folder", tmp_path_factory.mktemp("cache"))


@pytest.fixture
def grid(tmp_path: Path) -> Path:
    """GeoPackage with layers roads, proposal, gates, facilities, facilities_b, existing."""
    path = tmp_path / "grid.gpkg"
    gpd.GeoDataFrame({"name": ["路"] * 12}, geometry=_grid_lines(), crs=CRS).to_file(
        path, layer="roads"
    )
    gpd.GeoDataFrame(
        {"estate_id": ["P1"], "name": ["新城雅苑"], "households": [850], "status": ["新建"]},
        geometry=[box(X0 + 30, Y0 + 30, X0 + 170, Y0 + 170)],
        crs=CRS,
    ).to_file(path, layer="proposal")
    gpd.GeoDataFrame(
        {"gate_id": ["G1", "G2"], "estate_id": ["P1", "E1"]},
        geometry=[_p(*GATE), _p(300, 20)],
        crs=CRS,
    ).to_file(path, layer="gates")
    # A: a far community station and an institution west of the estate
    gpd.GeoDataFrame(
        {
            "facility_id": ["F1", "F3"],
            "name": ["东北社区养老服务站", "西郊敬老院"],
            "kind": ["community_station", "institution"],
            "status": ["existing", "existing"],
            "floor_m2": [200.0, 900.0],
        },
        geometry=[_p(*FAR_STATION), _p(-8, 150)],
        crs=CRS,
    ).to_file(path, layer="facilities")
    # B: one shared community station 10 m east of the street x = 200, at y = 100
    gpd.GeoDataFrame(
        {
            "facility_id": ["F2"],
            "name": ["中心社区养老服务站"],
            "kind": ["community_station"],
            "status": ["existing"],
            "floor_m2": [150.0],
        },
        geometry=[_p(210, 100)],
        crs=CRS,
    ).to_file(path, layer="facilities_b")
    gpd.GeoDataFrame(
        {
            "estate_id": ["E1", "E2", "E3"],
            "name": ["东南小区", "北苑", "远景小区"],
            "households": [600, 300, 1000],
            "status": ["existing", "existing", "existing"],
        },
        geometry=[box(X0 + 230, Y0 + 30, X0 + 370, Y0 + 170), _p(300, 390), _p(395, 390)],
        crs=CRS,
    ).to_file(path, layer="existing")
    return path


def _run(grid: Path, out: Path, *extra: str, facilities: str = "facilities") -> int:
    return cli.main(
        [
            "-q",
            "check-estate",
            "--estate", str(grid), "--estate-layer", "proposal",
            "--gates", str(grid), "--gates-layer", "gates",
            "--facilities", str(grid), "--facilities-layer", facilities,
            "--network", str(grid), "--network-layer", "roads",
            "--rules", "national",
            "--out", str(out),
            *extra,
        ]
    )  # fmt: skip


def _tier(estate: dict, name: str) -> dict:
    return next(t for t in estate["tiers"] if t["tier"] == name)


def _to_metric(coords: list[list[float]]) -> np.ndarray:
    t = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    arr = np.asarray(coords)
    x, y = t.transform(arr[:, 0], arr[:, 1])
    return np.column_stack([x, y])


# ---------------------------------------------------------------------------- hand-computed


def test_floor_area_and_routes_hand_computed(grid: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _run(grid, out, "--planned-floor-m2", "150") == 0
    data = json.loads((out / "review.json").read_text(encoding="utf-8"))
    (estate,) = data["estates"]
    assert (estate["estate_id"], estate["households"], estate["status"]) == ("P1", 850, "new")

    floor = next(r for r in estate["rules"] if r["rule_id"] == "floor_area_new")
    # 850 households × 20 m² / 100 = 170 m² required; 150 planned; 20 missing
    assert floor["required"] == pytest.approx(170.0)
    assert floor["planned"] == pytest.approx(150.0)
    assert floor["missing"] == pytest.approx(20.0)
    assert floor["verdict"] == "fail"
    assert floor["citation"]["document"]
    assert floor["citation"]["evidence"] in ("plan", "found", "memory")

    land = next(r for r in estate["rules"] if r["rule_id"] == "land_new")
    # 850 × 3.0 residents × 0.1 m² = 255 m²; no planned land given → report only
    assert land["required"] == pytest.approx(255.0)
    assert land["verdict"] == "report"
    assert land["planned"] is None

    # community station F1: connector 21.7 + 76.55 (x 123.45 → 200) + 200 (→ x 400)
    # + 200 (y 0 → 200) + 112.34 (→ y 312.34) + connector 12.5 = 623.09 m
    five, ten = _tier(estate, "5min"), _tier(estate, "10min")
    for tier in (five, ten):
        assert tier["facility_id"] == "F1"
        assert tier["walk_m"] == pytest.approx(623.09, abs=0.01)
        assert tier["covered"] is False
    # the 15-minute circle also counts the institution F3: 21.7 + 123.45 (→ x 0) + 150 + 8
    fifteen = _tier(estate, "15min")
    assert fifteen["facility_id"] == "F3"
    assert fifteen["walk_m"] == pytest.approx(303.15, abs=0.01)
    assert fifteen["covered"] is True

    for tier, end in ((five, FAR_STATION), (fifteen, (-8.0, 150.0))):
        route = tier["route"]
        assert route["type"] == "LineString"
        xy = _to_metric(route["coordinates"])
        line = LineString(xy)
        assert line.length == pytest.approx(tier["walk_m"], abs=0.05)  # WGS-84 rounding ~1 cm
        assert np.allclose(xy[0], (X0 + GATE[0], Y0 + GATE[1]), atol=0.02)
        assert np.allclose(xy[-1], (X0 + end[0], Y0 + end[1]), atol=0.02)

    assert estate["sharing"]["facilities"] == []  # F1 is 623 m away, beyond the 500 m sharing
    assert estate["overall"] == "fail"


def test_route_tracer_matches_engine_exactly() -> None:
    lines = _grid_lines()
    nodes = sorted({c for line in lines for c in line.coords})
    index = {c: i for i, c in enumerate(nodes)}
    u = [index[line.coords[0]] for line in lines]
    v = [index[line.coords[-1]] for line in lines]
    xy = np.asarray(nodes)
    net = WalkNetwork.from_lines(xy[:, 0], xy[:, 1], u, v, CRS)
    origins = snap(net, np.array([[X0 + GATE[0], Y0 + GATE[1]], [X0 + 50, Y0 + 5]]))
    targets = snap(net, np.array([[X0 + FAR_STATION[0], Y0 + FAR_STATION[1]], [X0 + 150, Y0 - 4]]))
    tracer = RouteTracer(net)
    route = tracer.trace(origins, 0, targets, 0)
    assert route is not None
    assert route.distance_m == pytest.approx(623.09, abs=1e-9)
    assert route.geometry.length == pytest.approx(623.09, abs=1e-9)
    # same edge: 5 + |50 − 150| + 4 = 109 m along y = 0, no node passed
    direct = tracer.trace(origins, 1, targets, 1)
    assert direct is not None
    assert direct.distance_m == pytest.approx(109.0)
    assert direct.nodes == ()
    assert direct.geometry.length == pytest.approx(109.0)
    # a search limit below the shortest walk finds nothing
    assert tracer.trace(origins, 0, targets, 0, limit_m=500.0) is None


# ---------------------------------------------------------------------------- sharing


def test_existing_estates_ratio_flag(grid: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = _run(
        grid, out, "--planned-floor-m2", "170", "--facilities-layer", "facilities_b",
        "--existing-estates", str(grid), "--existing-estates-layer", "existing",
    )  # fmt: skip
    assert code == 0
    (estate,) = json.loads((out / "review.json").read_text(encoding="utf-8"))["estates"]
    sharing = estate["sharing"]
    assert sharing["distance_m"] == pytest.approx(500.0)
    assert sharing["rate"] == pytest.approx(15.0)  # the existing-estate standard
    (fac,) = sharing["facilities"]
    # P1 → F2: 21.7 + 76.55 + 100 + 10 = 208.25 m (within 500 m)
    assert fac["facility_id"] == "F2"
    assert fac["walk_m"] == pytest.approx(208.25, abs=0.01)
    # E1 (gate G2: 20 + 100 + 100 + 10 = 230 m) and E2 (10 + 100 + 300 + 10 = 420 m) share F2;
    # E3 is 5 + 190 + 200 + 100 + 10 = 505 m away and does not.
    assert fac["existing_estates"] == 2
    assert fac["households_before"] == 900
    assert fac["households_after"] == 1750
    assert fac["ratio_before"] == pytest.approx(150 / 9, abs=0.01)  # 16.67 ≥ 15
    assert fac["ratio_after"] == pytest.approx(150 / 17.5, abs=0.01)  # 8.57 < 15
    assert fac["flag"] is True
    assert sharing["verdict"] == "fail"
    # floor area itself passes: 170 planned = 170 required
    floor = next(r for r in estate["rules"] if r["rule_id"] == "floor_area_new")
    assert floor["verdict"] == "pass"
    assert floor["missing"] == pytest.approx(0.0)


def test_small_estate_does_not_push_below(grid: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = _run(
        grid, out, "--households", "50", "--planned-floor-m2", "10",
        "--facilities-layer", "facilities_b",
        "--existing-estates", str(grid), "--existing-estates-layer", "existing",
    )  # fmt: skip
    assert code == 0
    (estate,) = json.loads((out / "review.json").read_text(encoding="utf-8"))["estates"]
    (fac,) = estate["sharing"]["facilities"]
    # 150 / (950 / 100) = 15.79 ≥ 15: still meets the standard
    assert fac["households_after"] == 950
    assert fac["ratio_after"] == pytest.approx(15.79, abs=0.01)
    assert fac["flag"] is False
    assert estate["sharing"]["verdict"] == "pass"


def test_without_existing_estates_reports_new_estate_alone(grid: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _run(grid, out, "--planned-floor-m2", "170", facilities="facilities_b") == 0
    (estate,) = json.loads((out / "review.json").read_text(encoding="utf-8"))["estates"]
    sharing = estate["sharing"]
    (fac,) = sharing["facilities"]
    assert sharing["existing_estates_given"] is False
    assert fac["ratio_before"] is None
    assert fac["flag"] is None
    assert fac["ratio_after"] == pytest.approx(150 / 8.5, abs=0.01)  # new households only
    assert sharing["verdict"] == "report"
    assert "未提供现有小区数据" in sharing["note"]
    assert "=" not in sharing["note"]  # names data, not options
    assert "--" not in sharing["note"]


# ---------------------------------------------------------------------------- outputs


def test_sheet_and_workbook(grid: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _run(grid, out, "--planned-floor-m2", "150") == 0
    html = (out / "review.html").read_text(encoding="utf-8")
    assert "新建小区养老服务设施配建审查表" in html
    assert "<svg" in html
    assert "#d7191c" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")  # self-contained
    assert "@page { size: A4" in html
    assert "national" in html
    assert "不达标" in html
    # units and facility kinds in words, never their codes (the sheet goes to a superior)
    assert "㎡/百户" in html
    assert "社区养老服务站" in html
    for code in ("m2_per_100hh", "m2_per_person", "community_station", "street_centre"):
        assert code not in html
    wb = load_workbook(out / "review.xlsx")
    assert wb.sheetnames == ["封面", "小区", "规则判定", "最近设施", "共享设施"]
    header = [c.value for c in wb["规则判定"][1]]
    assert header[:3] == ["小区编号", "审查事项", "结论"]
    assert header[-1] == "规则编号"
    rows = list(wb["最近设施"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == ["5分钟生活圈", "10分钟生活圈", "15分钟生活圈"]
    assert rows[2][6] == pytest.approx(303.15, abs=0.01)
    assert not list(out.glob(".*tmp*"))  # no temporary files left behind

    out_en = tmp_path / "out_en"
    assert _run(grid, out_en, "--planned-floor-m2", "150", "--lang", "en") == 0
    html_en = (out_en / "review.html").read_text(encoding="utf-8")
    assert "Elderly-care provision review of a new residential estate" in html_en
    assert "m² per 100 households" in html_en
    assert "m2_per_100hh" not in html_en
    assert load_workbook(out_en / "review.xlsx").sheetnames[:2] == ["Cover", "Estates"]


def test_summary_is_printed(grid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(
        [
            "check-estate",
            "--estate", str(grid), "--estate-layer", "proposal",
            "--planned-floor-m2", "150",
            "--facilities", str(grid), "--facilities-layer", "facilities",
            "--network", str(grid), "--network-layer", "roads",
            "--rules", "national", "--out", str(tmp_path / "o"),
        ]
    )  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert "P1 新城雅苑" in text
    assert "floor_area_new" in text
    assert "缺口 20" in text


# ---------------------------------------------------------------------------- bad input


def test_missing_households_exit_2_names_feature(
    grid: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.gpkg"
    gpd.GeoDataFrame(
        {"estate_id": ["N7"], "name": ["无户数小区"], "status": ["new"]},
        geometry=[box(X0 + 30, Y0 + 30, X0 + 170, Y0 + 170)],
        crs=CRS,
    ).to_file(path, layer="proposal")
    code = cli.main(
        [
            "check-estate", "--estate", str(path), "--planned-floor-m2", "100",
            "--facilities", str(grid), "--facilities-layer", "facilities",
            "--network", str(grid), "--network-layer", "roads",
            "--rules", "national", "--out", str(tmp_path / "o"),
        ]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "N7" in err
    assert "无户数小区" in err
    assert "--households" in err
    assert not (tmp_path / "o" / "review.json").exists()


def test_single_feature_options_refused_for_many(grid: Path, tmp_path: Path, capsys) -> None:
    path = tmp_path / "two.gpkg"
    gpd.GeoDataFrame(
        {"estate_id": ["A", "B"], "households": [100, 200]},
        geometry=[_p(100, 100), _p(300, 300)],
        crs=CRS,
    ).to_file(path)
    code = cli.main(
        [
            "check-estate", "--estate", str(path), "--households", "500", "--status", "new",
            "--planned-floor-m2", "10",
            "--facilities", str(grid), "--facilities-layer", "facilities",
            "--network", str(grid), "--network-layer", "roads",
            "--rules", "national", "--out", str(tmp_path / "o"),
        ]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "--households applies to a single estate" in err
    assert "2 features" in err


def test_missing_status_and_floor_name_the_options(grid: Path, tmp_path: Path, capsys) -> None:
    path = tmp_path / "nostatus.gpkg"
    gpd.GeoDataFrame(
        {"estate_id": ["Q1"], "households": [300]}, geometry=[_p(100, 100)], crs=CRS
    ).to_file(path)
    code = cli.main(
        [
            "check-estate", "--estate", str(path),
            "--facilities", str(grid), "--facilities-layer", "facilities",
            "--network", str(grid), "--network-layer", "roads",
            "--rules", "national", "--out", str(tmp_path / "o"),
        ]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "Q1" in err
    assert "--status new" in err
    assert "--planned-floor-m2" in err


def test_layer_of_many_gives_one_review_each(grid: Path, tmp_path: Path) -> None:
    path = tmp_path / "many.gpkg"
    gpd.GeoDataFrame(
        {
            "estate_id": ["A", "B"],
            "households": [100, 400],
            "状态": ["新建", "新建"],
            "规划养老用房面积": [20, 50],
        },
        geometry=[_p(100, 100), _p(300, 300)],
        crs=CRS,
    ).to_file(path)
    code = cli.main(
        [
            "-q", "check-estate", "--estate", str(path),
            "--facilities", str(grid), "--facilities-layer", "facilities",
            "--network", str(grid), "--network-layer", "roads",
            "--rules", "national", "--out", str(tmp_path / "o"),
        ]
    )  # fmt: skip
    assert code == 0
    data = json.loads((tmp_path / "o" / "review.json").read_text(encoding="utf-8"))
    verdicts = {
        e["estate_id"]: next(r for r in e["rules"] if r["rule_id"] == "floor_area_new")
        for e in data["estates"]
    }
    assert verdicts["A"]["required"] == pytest.approx(20.0)
    assert verdicts["A"]["verdict"] == "pass"
    assert verdicts["B"]["required"] == pytest.approx(80.0)
    assert verdicts["B"]["missing"] == 30.0
    html = (tmp_path / "o" / "review.html").read_text(encoding="utf-8")
    assert html.count('<section class="page">') == 2


# ---------------------------------------------------------------------------- the river test


@pytest.fixture(scope="module")
def sample_gpkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    bundled = Path(__file__).resolve().parents[1] / "gis_data" / "sample_district.gpkg"
    if bundled.exists():
        return bundled
    from planning.sample import write_sample_district

    folder = tmp_path_factory.mktemp("sample")
    write_sample_district(folder)
    return folder / "sample_district.gpkg"


def _across_river_only(sample: Path) -> list[tuple[str, str, float]]:
    """Estates whose every 15-minute facility within 1 km in a straight line is across the river."""
    estates = gpd.read_file(sample, layer="estates")
    fac = gpd.read_file(sample, layer="facilities")
    river = gpd.read_file(sample, layer="river").geometry.union_all()
    kinds = ["community_station", "street_centre", "institution"]
    fac = fac[fac["status"].eq("existing") & fac["kind"].isin(kinds)]
    found = []
    for eid, geom in zip(estates["estate_id"], estates.geometry, strict=True):
        centre = geom.representative_point()
        near = [
            (fid, geom.distance(fg), LineString([centre, fg]).intersects(river))
            for fid, fg in zip(fac["facility_id"], fac.geometry, strict=True)
            if geom.distance(fg) < 1000.0
        ]
        if near and all(crosses for _, _, crosses in near):
            fid, dist, _ = min(near, key=lambda n: n[1])
            found.append((str(eid), str(fid), float(dist)))
    return found


def test_river_proposal_outside_circle_though_near(sample_gpkg: Path, tmp_path: Path) -> None:
    """A proposal near a facility in a straight line but across the river 玉带河 is not covered."""
    candidates = _across_river_only(sample_gpkg)
    assert candidates, (
        "the sample district should have an estate across the river from its facility"
    )
    eid, _fid, straight = candidates[0]
    assert straight < 1000.0  # a buffer analysis would call it covered
    estates = gpd.read_file(sample_gpkg, layer="estates")
    proposal = estates[estates["estate_id"] == eid].copy()
    proposal["status"] = "new"
    path = tmp_path / "proposal.gpkg"
    proposal.to_file(path, layer="proposal")

    g = str(sample_gpkg)
    code = cli.main(
        [
            "-q", "check-estate", "--estate", str(path), "--planned-floor-m2", "200",
            "--gates", g, "--gates-layer", "gates",
            "--facilities", g, "--facilities-layer", "facilities",
            "--network", g, "--network-layer", "roads",
            "--barriers", g, "--barriers-layer", "river",
            "--rules", "national", "--out", str(tmp_path / "o"),
        ]
    )  # fmt: skip
    assert code == 0
    (estate,) = json.loads((tmp_path / "o" / "review.json").read_text(encoding="utf-8"))["estates"]
    assert estate["estate_id"] == eid
    fifteen = _tier(estate, "15min")
    assert fifteen["covered"] is False
    assert fifteen["walk_m"] is None or fifteen["walk_m"] > 1000.0
    # … although a facility lies within the circle's distance in a straight line
    assert fifteen["straight_nearest_m"] is not None
    assert fifteen["straight_nearest_m"] < 1000.0
    if fifteen["facility_id"] is not None:
        # the reported route is the walk: it is as long as the reported distance
        route = LineString(_to_metric_crs(fifteen["route"]["coordinates"], proposal.crs))
        assert route.length == pytest.approx(fifteen["walk_m"], abs=0.1)


def _to_metric_crs(coords: list[list[float]], crs: object) -> np.ndarray:
    t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    arr = np.asarray(coords)
    x, y = t.transform(arr[:, 0], arr[:, 1])
    return np.column_stack([x, y])


def test_review_estates_api_without_cli() -> None:
    """The core works on in-memory frames (no files), e.g. for notebooks."""
    lines = _grid_lines()
    net_frame = gpd.GeoDataFrame(geometry=lines, crs=CRS)
    from planning.network import from_centrelines

    net = from_centrelines(net_frame, CRS, use_cache=False)
    proposals = gpd.GeoDataFrame(
        {
            "estate_id": ["P1"],
            "name": ["新城雅苑"],
            "households": [850],
            "status": ["new"],
            "population": [np.nan],
            "planned_floor_m2": [150.0],
            "planned_land_m2": [300.0],
        },
        geometry=[box(X0 + 30, Y0 + 30, X0 + 170, Y0 + 170)],
        crs=CRS,
    )
    gates = gpd.GeoDataFrame(
        {"gate_id": ["G1"], "estate_id": ["P1"]}, geometry=[_p(*GATE)], crs=CRS
    )
    facilities = gpd.GeoDataFrame(
        {
            "facility_id": ["F1"],
            "name": ["站"],
            "kind": ["community_station"],
            "status": ["planned"],
            "floor_m2": [200.0],
        },
        geometry=[_p(*FAR_STATION)],
        crs=CRS,
    )
    ruleset = load_ruleset("national")
    review = review_estates(proposals, facilities, ruleset, net, gates=gates)
    (estate,) = review.estates
    assert all(t.facility_id is None and not t.covered for t in estate.tiers)  # planned only
    land = next(r for r in estate.rules if r.rule_id == "land_new")
    assert land.verdict == "pass"
    assert land.required == pytest.approx(255.0)
    planned = review_estates(
        proposals, facilities, ruleset, net, gates=gates,
        options=ReviewOptions(include_planned=True),
    )  # fmt: skip
    five = planned.estates[0].tiers[0]
    assert five.facility_id == "F1"
    assert five.walk_m == pytest.approx(623.09, abs=0.01)
    assert isinstance(five.route, shapely.LineString)
