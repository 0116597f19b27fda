from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point, box

from planning._errors import InputDataError, InputFileError
from planning.coords import bd09_to_wgs84, wgs84_to_gcj02
from planning.io import (
    atomic_path,
    load_estates,
    load_facilities,
    load_gates,
    load_inputs,
    load_streets,
    read_table,
    write_atomic,
)

# GDAL warns (in undecodable bytes) when it cuts Chinese field names at 10 bytes while writing.
pytestmark = pytest.mark.filterwarnings("ignore:Could not decode error message:RuntimeWarning")

NAMES = ["百步亭花园", "东立国际", "金色华府"]


def _estates_gdf(crs: int = 4326) -> gpd.GeoDataFrame:
    """Three small estates in Wuhan (lon/lat squares of ~100 m), optionally reprojected."""
    geoms = [box(114.30 + i * 0.01, 30.60, 114.301 + i * 0.01, 30.601) for i in range(3)]
    gdf = gpd.GeoDataFrame(
        {"小区编号": ["A1", "A2", "A3"], "小区名称": NAMES, "总户数": [1200, 800, 450],
         "建成年代": [1998, 2015, 2021]},
        geometry=geoms, crs=4326,
    )  # fmt: skip
    return gdf if crs == 4326 else gdf.to_crs(crs)


# --------------------------------------------------------------------------- read_table formats


def test_geopackage_layer_choice(tmp_path: Path) -> None:
    path = tmp_path / "data.gpkg"
    _estates_gdf().to_file(path, layer="小区", engine="pyogrio")
    gpd.GeoDataFrame({"名称": ["站"]}, geometry=[Point(114.3, 30.6)], crs=4326).to_file(
        path, layer="设施", engine="pyogrio"
    )
    with pytest.raises(InputFileError, match="several layers") as info:
        read_table(path)
    assert "小区" in str(info.value)
    assert "设施" in str(info.value)
    frame, encoding = read_table(path, layer="小区")
    assert list(frame["小区名称"]) == NAMES
    assert encoding is None
    with pytest.raises(InputFileError, match="no layer 'x'") as info:
        read_table(path, layer="x")
    assert "小区, 设施" in str(info.value)


def test_shapefile_gbk_without_cpg_is_not_mojibake(tmp_path: Path) -> None:
    path = tmp_path / "gbk.shp"
    _estates_gdf().to_file(path, encoding="GBK", engine="pyogrio")
    path.with_suffix(".cpg").unlink()
    # GDAL alone would read it as Latin-1 (the bug this guards against):
    assert "小区名称" not in pyogrio.read_dataframe(path).columns
    frame, encoding = read_table(path)
    assert encoding == "GBK"
    assert list(frame["小区名称"]) == NAMES
    estates, report = load_estates(path)
    assert list(estates["name"]) == NAMES
    assert report.find("encoding_detected")[0].message.endswith("detected as GBK.")


def test_shapefile_utf8_with_cpg(tmp_path: Path) -> None:
    path = tmp_path / "utf8.shp"
    _estates_gdf().to_file(path, encoding="UTF-8", engine="pyogrio")
    assert path.with_suffix(".cpg").exists()
    frame, encoding = read_table(path)
    assert encoding is not None
    assert encoding.upper().replace("-", "") == "UTF8"
    # dBASE cuts field names at 10 bytes: 小区名称 (12 bytes in UTF-8) is stored as 小区名 plus
    # a stray byte; the reader drops the broken character instead of failing.
    assert list(frame.columns[:3]) == ["小区编", "小区名", "总户数"]
    assert list(frame["小区名"]) == NAMES
    estates, report = load_estates(path)  # truncated names still match their aliases
    assert list(estates["estate_id"]) == ["A1", "A2", "A3"]
    assert list(estates["households"]) == [1200, 800, 450]
    assert not report.find("id_generated")


def test_shapefile_utf8_without_cpg_detected(tmp_path: Path) -> None:
    path = tmp_path / "utf8.shp"
    _estates_gdf().to_file(path, encoding="UTF-8", engine="pyogrio")
    path.with_suffix(".cpg").unlink()
    frame, encoding = read_table(path)
    assert encoding == "UTF-8"
    assert list(frame["小区名"]) == NAMES


def test_geojson(tmp_path: Path) -> None:
    path = tmp_path / "estates.geojson"
    _estates_gdf().to_file(path, driver="GeoJSON", engine="pyogrio")
    frame, encoding = read_table(path)
    assert encoding == "utf-8"
    assert list(frame["小区名称"]) == NAMES
    assert frame.crs.to_epsg() == 4326


CSV_TEXT = "小区名称,总户数,经度,纬度\n百步亭花园,1200,114.30,30.60\n东立国际,800,114.31,30.61\n"


def test_csv_with_bom(write_csv) -> None:
    path = write_csv("bom.csv", "\ufeff" + CSV_TEXT)
    frame, encoding = read_table(path)
    assert encoding == "utf-8-sig"
    assert list(frame.columns[:2]) == ["小区名称", "总户数"]  # no BOM glued to the header
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.iloc[1].equals(Point(114.31, 30.61))


def test_csv_gbk(write_csv) -> None:
    path = write_csv("gbk.csv", CSV_TEXT, encoding="gbk")
    frame, encoding = read_table(path)
    assert encoding == "gbk"
    assert list(frame["小区名称"]) == ["百步亭花园", "东立国际"]


def test_csv_keeps_ids_as_text_and_other_separators(write_csv) -> None:
    path = write_csv("ids.csv", "编号;户数;lng;lat\n001;10;114.3;30.6\n")
    frame, _ = read_table(path)
    assert frame["编号"].iloc[0] == "001"


def test_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "estates.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"说明": ["数据来源"]}).to_excel(writer, sheet_name="说明", index=False)
        pd.DataFrame(
            {"小区名称": NAMES, "总户数": [1200, 800, 450], "X坐标": [114.30, 114.31, 114.32],
             "Y坐标": [30.60, 30.60, 30.60]}
        ).to_excel(writer, sheet_name="小区", index=False)  # fmt: skip
    frame, encoding = read_table(path, layer="小区")
    assert encoding is None
    assert list(frame["小区名称"]) == NAMES
    assert frame.crs.to_epsg() == 4326  # x/y within lon/lat ranges
    assert frame.geometry.iloc[2].x == pytest.approx(114.32)
    with pytest.raises(InputFileError, match="Sheets"):
        read_table(path, layer="nope")
    first, _ = read_table(path)  # default: first sheet
    assert list(first.columns) == ["说明"]


def test_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="not found"):
        read_table(tmp_path / "missing.csv")
    bad = tmp_path / "a.dwg"
    bad.write_text("x")
    with pytest.raises(InputFileError, match="unknown file format"):
        read_table(bad)
    old = tmp_path / "a.xls"
    old.write_text("x")
    with pytest.raises(InputFileError, match=r"save as \.xlsx"):
        read_table(old)


# --------------------------------------------------------------------------- coordinate systems


@pytest.mark.parametrize("epsg", [4326, 4490, 4547, 32650])
def test_each_crs_is_projected_to_metres(tmp_path: Path, epsg: int) -> None:
    path = tmp_path / f"estates_{epsg}.gpkg"
    _estates_gdf(epsg).to_file(path, engine="pyogrio")
    estates, report = load_estates(path)
    assert report.usable
    expected = 32650 if epsg in (4326, 4490) else epsg  # geographic → UTM 50N; projected kept
    assert estates.crs.to_epsg() == expected
    # Estate 1 and 2 are 0.01° of longitude apart at 30.6°N: 0.01 × 111 320 × cos(30.6°) ≈ 958 m
    c = estates.geometry.centroid
    assert c.iloc[0].distance(c.iloc[1]) == pytest.approx(958.0, rel=0.01)


def test_gcj02_coordinates_are_converted(write_csv) -> None:
    lon, lat = wgs84_to_gcj02([114.30, 114.31], [30.60, 30.61])
    text = "名称,户数,lon,lat\n" + "".join(
        f"小区{i},100,{x:.8f},{y:.8f}\n" for i, (x, y) in enumerate(zip(lon, lat, strict=True))
    )
    path = write_csv("gcj.csv", text)
    estates, report = load_estates(path, coords="gcj02")
    wgs = estates.to_crs(4326).geometry
    assert wgs.iloc[0].x == pytest.approx(114.30, abs=1e-7)
    assert wgs.iloc[1].y == pytest.approx(30.61, abs=1e-7)
    assert report.find("coords_converted")
    # without --coords the same file is read as WGS-84 and lands ~500 m off
    plain, plain_report = load_estates(path)
    assert plain_report.find("coords_assumed_wgs84")
    assert plain.geometry.iloc[0].distance(estates.geometry.iloc[0]) > 300


def test_xy_columns_need_crs(write_csv) -> None:
    text = "名称,户数,X,Y\n小区1,100,38500000,3390000\n小区2,100,38501000,3390500\n"
    path = write_csv("gk.csv", text)
    _, report = load_estates(path)
    assert not report.usable
    problem = report.find("xy_needs_crs")[0]
    assert problem.severity == "error"
    assert "38500000, 3390000" in problem.message
    estates, report = load_estates(path, crs="EPSG:2362")  # Xian80 3-degree GK zone 38
    assert report.usable
    assert estates.crs.to_epsg() == 2362
    assert estates.geometry.iloc[0].distance(estates.geometry.iloc[1]) == pytest.approx(
        np.hypot(1000, 500)
    )


def test_missing_crs_is_an_error_unless_given(tmp_path: Path) -> None:
    path = tmp_path / "noprj.shp"
    _estates_gdf(4547).to_file(path, engine="pyogrio")
    path.with_suffix(".prj").unlink()
    _, report = load_estates(path)
    assert [p.code for p in report.errors] == ["crs_missing"]
    assert "EPSG" in report.errors[0].fix
    estates, report = load_estates(path, crs=4547)
    assert report.usable
    assert estates.crs.to_epsg() == 4547


def test_crs_argument_ignored_when_file_has_one(tmp_path: Path) -> None:
    path = tmp_path / "e.gpkg"
    _estates_gdf(4547).to_file(path, engine="pyogrio")
    estates, report = load_estates(path, crs=4326)
    assert estates.crs.to_epsg() == 4547
    assert report.find("crs_ignored")[0].severity == "warning"


# --------------------------------------------------------------------------- canonical output


def test_canonical_columns_and_dtypes(tmp_path: Path) -> None:
    path = tmp_path / "e.gpkg"
    gdf = _estates_gdf()
    gdf["备注"] = ["a", "b", "c"]
    gdf.to_file(path, engine="pyogrio")
    estates, report = load_estates(path, new_estate_cutoff_year=2010)
    assert list(estates.columns[:8]) == [
        "estate_id", "name", "households", "status", "built_year", "population", "elderly",
        "street",
    ]  # fmt: skip
    assert list(estates.columns[8:]) == ["source_row", "备注", "geometry"]
    assert list(estates["estate_id"]) == ["A1", "A2", "A3"]
    assert estates["households"].dtype == np.int64
    assert str(estates["built_year"].dtype) == "Int64"
    assert estates["population"].dtype == np.float64
    assert estates["population"].isna().all()
    assert list(estates["status"]) == ["existing", "new", "new"]  # 1998, 2015, 2021 vs 2010
    assert estates["street"].tolist() == [None, None, None]
    assert isinstance(estates.index, pd.RangeIndex)
    assert report.find("status_derived")


def test_load_facilities_gates_streets(tmp_path: Path, write_csv) -> None:
    fac = write_csv(
        "fac.csv",
        "机构名称,机构类型,建筑面积(㎡),床位,护理型床位,状态,经度,纬度\n"
        "一号站,社区养老服务站,300,,,现状,114.300,30.600\n"
        "百步亭街道综合养老服务中心,,800,50,30,规划,114.310,30.600\n"  # kind from name
        "三号院,养老院,5000,200,120,在建,114.320,30.600\n",
    )
    facilities, report = load_facilities(fac)
    assert list(facilities["kind"]) == ["community_station", "street_centre", "institution"]
    assert list(facilities["status"]) == ["existing", "planned", "planned"]
    assert list(facilities["floor_m2"]) == [300.0, 800.0, 5000.0]
    assert np.isnan(facilities["beds"].iloc[0])
    assert facilities["beds"].iloc[2] == 200.0
    assert list(facilities["facility_id"]) == ["F0001", "F0002", "F0003"]
    assert report.usable
    gates_path = write_csv("gates.csv", "所属小区编号,lon,lat\nA1,114.3005,30.6\n")
    gates, _ = load_gates(gates_path)
    assert list(gates.columns[:2]) == ["gate_id", "estate_id"]
    assert gates["gate_id"][0] == "G0001"
    streets_path = tmp_path / "streets.gpkg"
    gpd.GeoDataFrame(
        {"街道编码": [420102001], "街道名称": ["百步亭街道"], "所属区县": ["江岸区"]},
        geometry=[box(114.29, 30.59, 114.33, 30.62)], crs=4326,
    ).to_file(streets_path, engine="pyogrio")  # fmt: skip
    streets, _ = load_streets(streets_path)
    assert streets.iloc[0][["street_id", "name", "county"]].tolist() == [
        "420102001", "百步亭街道", "江岸区",
    ]  # fmt: skip


def test_load_inputs_one_crs_and_hashes(tmp_path: Path, write_csv) -> None:
    estates_path = tmp_path / "estates.gpkg"
    _estates_gdf().to_file(estates_path, engine="pyogrio")
    streets_path = tmp_path / "streets.shp"
    gpd.GeoDataFrame(
        {"编码": ["S1"], "名称": ["百步亭街道"]},
        geometry=[box(114.29, 30.59, 114.33, 30.62)], crs=4547,
    ).pipe(lambda g: g.set_crs(4326, allow_override=True).to_crs(4547)).to_file(
        streets_path, engine="pyogrio", encoding="UTF-8"
    )  # fmt: skip
    fac = write_csv(
        "fac.csv",
        "名称,类型,面积,配建所属小区,经度,纬度\n站,日间照料中心,400,A2,114.310,30.600\n"
        "站2,托老所,200,A9,114.320,30.600\n",
    )
    gates = write_csv("gates.csv", "小区编号,lon,lat\nA1,114.3005,30.6\nZZ,114.31,30.6\n")
    inputs, report = load_inputs(
        estates_path, fac, gates, streets_path, new_estate_cutoff_year=2010
    )
    assert report.usable
    for frame in (inputs.estates, inputs.facilities, inputs.gates, inputs.streets):
        assert frame is not None
        assert frame.crs == inputs.crs
    assert inputs.crs.to_epsg() == 32650  # the estates decide (streets were in GK 4547)
    assert list(inputs.gates["estate_id"]) == ["A1"]  # the ZZ gate matches no estate
    assert report.find("gate_estate_unknown")[0].ids == ["G0002"]
    assert report.find("facility_estate_unknown")[0].ids == ["F0002"]
    assert len(inputs.facilities) == 2  # kept, only warned
    expected = hashlib.sha256(estates_path.read_bytes()).hexdigest()
    assert inputs.source_files[str(estates_path)] == expected
    assert str(streets_path.with_suffix(".dbf")) in inputs.source_files


def test_load_inputs_field_mappings(tmp_path: Path, write_csv) -> None:
    est = write_csv("e.csv", "小区,核定户数,总户数,lon,lat\n甲,10,999,114.3,30.6\n")
    fac = write_csv("f.csv", "机构,类别,lon,lat\n站,托老所,114.3,30.6\n")
    inputs, _ = load_inputs(est, fac, fields={"households": "核定户数", "facilities.name": "机构"})
    assert inputs.estates["households"].tolist() == [10]
    assert inputs.facilities["name"].tolist() == ["站"]
    with pytest.raises(InputDataError, match="no input layer has a column"):
        load_inputs(est, fields={"households": "户数合计"})
    with pytest.raises(InputDataError, match="not a canonical field"):
        load_inputs(est, fields={"hh": "核定户数"})


def test_single_layer_loaders_share_one_field_mapping(write_csv) -> None:
    fac = write_csv("f.csv", "机构,类别,lon,lat\n站,托老所,114.3,30.6\n")
    fields = {"households": "核定户数", "name": "机构"}  # households: an estates-only field
    facilities, _ = load_facilities(fac, fields=fields)
    assert facilities["name"].tolist() == ["站"]
    with pytest.raises(InputDataError, match="not a canonical field of any layer"):
        load_facilities(fac, fields={"hh": "机构"})
    with pytest.raises(InputDataError, match="does not exist"):
        load_facilities(fac, fields={"name": "名称"})


# --------------------------------------------------------------------------- real data


def test_real_wuhan_compounds(shared_real: Path) -> None:
    inputs, report = load_inputs(shared_real / "wuhan-compounds.csv", coords="bd09")
    assert report.usable
    assert report.rows_read["estates"] == 7433
    dropped = report.dropped["estates"]
    # ~3,800 rows lack households (3,828 in the file; the few that are also geocoding outliers
    # are counted as outliers, since the location is checked first).
    assert 3700 <= dropped["households_missing"] <= 3828
    problem = report.find("households_missing")[0]
    assert problem.count == dropped["households_missing"] == len(problem.rows)
    # ~57 geocoding outliers far outside Wuhan
    assert 45 <= dropped["outlier"] <= 65
    assert set(dropped) == {"households_missing", "outlier"}
    assert len(inputs.estates) == 7433 - sum(dropped.values())
    assert inputs.crs.to_epsg() == 32650
    # all kept estates lie within ~75 km of central Wuhan (114.30°E, 30.58°N, WGS-84)
    wgs = inputs.estates.to_crs(4326).geometry
    assert ((wgs.x - 114.30).abs() < 0.8).all()
    assert ((wgs.y - 30.58).abs() < 0.7).all()
    # BD-09 was converted: the first row (百步亭金桥汇II期) moves by the BD-09 shift
    lon, lat = bd09_to_wgs84(114.299053, 30.666316)
    assert wgs.iloc[0].x == pytest.approx(float(lon), abs=1e-7)
    assert wgs.iloc[0].y == pytest.approx(float(lat), abs=1e-7)
    assert inputs.estates["households"].iloc[0] == 3182


# --------------------------------------------------------------------------- atomic output


def test_atomic_path_renames_on_success(tmp_path: Path) -> None:
    final = tmp_path / "out" / "summary.json"
    with atomic_path(final) as tmp:
        assert tmp.parent == final.parent
        assert tmp.suffix == ".json"
        assert not tmp.exists()
        tmp.write_text("{}")
        assert not final.exists()
    assert final.read_text() == "{}"
    assert list(final.parent.iterdir()) == [final]


def test_atomic_path_keeps_old_file_on_failure(tmp_path: Path) -> None:
    final = tmp_path / "r.csv"
    final.write_text("old")

    def _fail() -> None:
        with atomic_path(final) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        _fail()
    assert final.read_text() == "old"
    assert list(tmp_path.iterdir()) == [final]


def test_write_atomic_shapefile_sidecars(tmp_path: Path) -> None:
    final = tmp_path / "estates.shp"
    write_atomic(final, lambda p: _estates_gdf().to_file(p, engine="pyogrio", encoding="UTF-8"))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["estates.cpg", "estates.dbf", "estates.prj", "estates.shp", "estates.shx"]
    assert list(read_table(final)[0]["小区名"]) == NAMES


def test_csv_with_wkt_geometry_column(write_csv) -> None:
    path = write_csv("wkt.csv", '名称,户数,WKT\n甲,10,"POINT (114.3 30.6)"\n乙,20,不是几何\n')
    frame, _ = read_table(path)
    assert frame.crs is None  # WKT carries no CRS
    assert frame.geometry.iloc[0].equals(Point(114.3, 30.6))
    assert frame.geometry.iloc[1] is None
    estates, report = load_estates(path, crs=4326)
    assert list(estates["name"]) == ["甲"]
    assert report.find("geometry_missing")[0].rows == [3]
