from __future__ import annotations

import json
import string
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from planning import settings
from planning._errors import InputDataError, render_params
from planning.cli.flags import render
from planning.io import load_estates, load_facilities, load_inputs
from planning.validation import (
    CATALOGUE,
    ValidationReport,
    check_duplicate_ids,
    check_geometries,
    study_area,
)

# Estates along a line in Wuhan, 0.001° (~96 m) apart.
HEADER = "编号,小区名称,户数,经度,纬度\n"


def _row(i: int, households: str = "100", lon: float | None = None) -> str:
    x = 114.300 + i * 0.001 if lon is None else lon
    return f"E{i},小区{i},{households},{x:.6f},30.600000\n"


# --------------------------------------------------------------------------- the report itself


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_catalogue_entry_formats_in_both_languages() -> None:
    for code, entry in CATALOGUE.items():
        assert entry.severity in ("error", "warning", "info")
        names = set().union(*(map(_placeholders, (entry.en, entry.zh, entry.fix_en, entry.fix_zh))))
        params = {n: 1.5 if n == "distance_km" else f"<{n}>" for n in names if n != "count"}
        report = ValidationReport()
        problem = report.add(code, file="f.csv", layer="estates", rows=[2, 3], **params)
        assert problem.count == 2
        assert "{" not in problem.message, code
        assert "{" not in problem.message_zh, code
        assert problem.message
        assert problem.message_zh
        # Chinese message really is Chinese
        assert any("\u4e00" <= ch <= "\u9fff" for ch in problem.message_zh), code


def test_format_groups_by_file_and_limits_rows() -> None:
    report = ValidationReport()
    report.rows_read["estates"] = 30
    report.rows_kept["estates"] = 5
    report.record_drop("estates", "households_missing", 25)
    report.add("households_missing", file="a.csv", layer="estates", rows=range(2, 27),
               ids=[f"E{i}" for i in range(25)])  # fmt: skip
    report.add("duplicate_id", file="b.csv", layer="facilities", rows=[4, 9], ids=["F1", "F1"])
    text = report.format()
    assert text.splitlines()[0].startswith("Input data check (输入数据检查): NOT usable")
    assert "30 rows read, 5 kept, 25 dropped (households_missing 25)" in text
    assert text.index("== a.csv") < text.index("[warning] households_missing ×25")
    assert text.index("== b.csv") < text.index("[error] duplicate_id ×2")
    assert "rows: 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, … (+15 more)" in text
    assert "ids: E0, E1" in text
    assert "fix: Fill in the number of households" in text
    zh = report.format(lang="zh")
    assert zh.splitlines()[0].startswith("输入数据检查：不可用")
    assert "[警告] households_missing ×25: 25 行缺少户数，已剔除。" in zh
    assert "…（另有 15 个）" in zh
    assert "修改建议: 请补充这些小区的户数。" in zh


def test_usable_errors_warnings_and_raise() -> None:
    report = ValidationReport()
    report.rows_read["estates"] = 2
    report.rows_kept["estates"] = 2
    report.add("households_missing", file="a.csv", layer="estates", rows=[3])
    assert report.usable
    assert [p.code for p in report.warnings] == ["households_missing"]
    report.raise_if_unusable()  # no exception
    report.add("crs_missing", file="a.csv", layer="estates", count=2)
    assert not report.usable
    assert [p.code for p in report.errors] == ["crs_missing"]
    with pytest.raises(InputDataError, match="crs_missing") as info:
        report.raise_if_unusable()
    assert info.value.report is report


def test_no_estate_left_is_unusable_even_without_errors() -> None:
    report = ValidationReport()
    report.rows_read["estates"] = 3
    report.rows_kept["estates"] = 0
    assert not report.usable


def test_to_dict_is_json() -> None:
    report = ValidationReport()
    report.record_drop("estates", "outlier", 1)
    report.add("outlier", file="a.csv", layer="estates", rows=[7], ids=["E7"], distance_km=5.0)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["dropped"] == {"estates": {"outlier": 1}}
    assert data["problems"][0]["rows"] == [7]
    assert data["problems"][0]["ids"] == ["E7"]
    assert data["usable"] is True


# --------------------------------------------------------------------------- households


def test_households_checks(write_csv) -> None:
    rows = [_row(0), _row(1, ""), _row(2, "-5"), _row(3, "0"), _row(4, "12.6"), _row(5, "约百户"),
            _row(6, "暂无")]  # fmt: skip
    path = write_csv("e.csv", HEADER + "".join(rows))
    estates, report = load_estates(path)
    assert list(estates["estate_id"]) == ["E0", "E4"]
    assert list(estates["households"]) == [100, 13]
    missing = report.find("households_missing")[0]
    assert missing.rows == [3, 8]  # CSV rows (header = 1): empty and 暂无
    assert missing.ids == ["E1", "E6"]
    assert report.find("households_negative")[0].ids == ["E2"]
    assert report.find("households_zero")[0].ids == ["E3"]
    assert report.find("households_invalid")[0].ids == ["E5"]
    assert "约百户" in report.find("households_invalid")[0].message
    assert report.find("households_non_integer")[0].ids == ["E4"]
    assert report.dropped["estates"] == {
        "households_missing": 2, "households_negative": 1, "households_zero": 1,
        "households_invalid": 1,
    }  # fmt: skip
    assert report.usable


def test_all_households_missing_is_an_error(write_csv) -> None:
    path = write_csv("e.csv", HEADER + _row(0, "") + _row(1, ""))
    estates, report = load_estates(path)
    assert len(estates) == 0
    assert [p.code for p in report.errors] == ["households_all_missing"]
    assert not report.usable


def test_missing_households_column(write_csv) -> None:
    path = write_csv("e.csv", "名称,经度,纬度\n甲,114.3,30.6\n")
    _, report = load_estates(path)
    problem = report.find("column_missing")[0]
    assert problem.severity == "error"
    assert "名称, 经度, 纬度" in problem.message
    # the fix names the parameter: Python style from the library, the option from the CLI
    assert 'fields={"households": "<column name>"}' in render_params(problem.fix)
    assert "--field households=<column name>" in render(problem.fix)


# --------------------------------------------------------------------------- ids, status, values


def test_duplicate_ids_and_rows(write_csv) -> None:
    path = write_csv("e.csv", HEADER + _row(0) + _row(0) + _row(1) + _row(1, "200"))
    estates, report = load_estates(path)
    assert report.find("duplicate_row")[0].rows == [3]  # exact copy of row 2: dropped
    dup = report.find("duplicate_id")[0]
    assert dup.severity == "error"
    assert dup.ids == ["E1", "E1"]
    assert dup.rows == [4, 5]
    assert not report.usable
    assert len(estates) == 3


def test_generated_and_missing_ids(write_csv) -> None:
    path = write_csv("e.csv", "编号,户数,lon,lat\nE0002,10,114.3,30.6\n,20,114.301,30.6\n")
    estates, report = load_estates(path)
    assert list(estates["estate_id"]) == ["E0002", "E0001"]
    assert report.find("id_missing")[0].rows == [3]
    path = write_csv("f.csv", "户数,lon,lat\n10,114.3,30.6\n")
    estates, report = load_estates(path)
    assert list(estates["estate_id"]) == ["E0001"]
    assert report.find("id_generated")[0].severity == "info"


def test_status_and_years(write_csv) -> None:
    text = ("编号,户数,建设状态,建成年代,人口,老年人口,lon,lat\n"
            "A,10,新建,2019,30,5,114.300,30.6\n"
            "B,10,既有,1990年,30,40,114.301,30.6\n"
            "C,10,在改造,2015,-3,,114.302,30.6\n"
            "D,10,,九十年代,,,114.303,30.6\n")  # fmt: skip
    estates, report = load_estates(write_csv("e.csv", text), new_estate_cutoff_year=2010)
    # C: unknown status text → from its year (2015 ≥ 2010 → new); D: no status, bad year
    assert list(estates["status"]) == ["new", "existing", "new", "existing"]
    assert estates["built_year"].tolist()[:3] == [2019, 1990, 2015]
    assert estates["built_year"].isna().tolist() == [False, False, False, True]
    assert report.find("status_invalid")[0].ids == ["C"]
    assert "在改造" in report.find("status_invalid")[0].message
    assert report.find("built_year_invalid")[0].ids == ["D"]
    assert report.find("status_unknown")[0].ids == ["D"]
    assert report.find("number_invalid")[0].ids == ["C"]  # negative population
    assert report.find("elderly_exceeds_population")[0].ids == ["B"]


def test_status_without_cutoff_is_unknown(write_csv) -> None:
    path = write_csv("e.csv", "户数,建成年代,lon,lat\n10,2020,114.3,30.6\n")
    estates, report = load_estates(path)
    assert list(estates["status"]) == ["existing"]
    assert "cut-off year" in report.find("status_unknown")[0].message


# --------------------------------------------------------------------------- facilities


FAC_HEADER = "名称,类型,建筑面积,床位,护理型床位,lon,lat\n"


def test_facility_value_checks(write_csv) -> None:
    text = FAC_HEADER + (
        "甲站,日间照料中心,-50,,,114.300,30.6\n"
        "乙院,养老院,3000,100,150,114.301,30.6\n"
        "丙,超市,100,,,114.302,30.6\n"
        "丁街道综合养老服务中心,,,,,114.303,30.6\n"
    )
    facilities, report = load_facilities(write_csv("f.csv", text))
    assert list(facilities["name"]) == ["甲站", "乙院", "丁街道综合养老服务中心"]
    assert list(facilities["kind"]) == ["community_station", "institution", "street_centre"]
    assert list(facilities["floor_m2"]) == [0.0, 3000.0, 0.0]
    assert report.find("floor_area_negative")[0].ids == ["F0001"]
    assert report.find("floor_area_missing")[0].ids == ["F0004"]
    assert report.find("nursing_beds_exceed_beds")[0].ids == ["F0002"]
    unknown = report.find("kind_unknown")[0]
    assert unknown.ids == ["F0003"]
    assert "超市" in unknown.message
    for kind in ("community_station", "street_centre", "institution", "rural_point"):
        assert kind in unknown.fix
    assert "日间照料中心" in unknown.fix
    assert "敬老院" in unknown.fix
    assert report.dropped["facilities"] == {"kind_unknown": 1}


def test_kind_from_names_when_no_type_column(write_csv) -> None:
    path = write_csv("f.csv", "名称,lon,lat\n某某敬老院,114.3,30.6\n")
    facilities, report = load_facilities(path)
    assert list(facilities["kind"]) == ["institution"]
    assert report.find("kind_from_name")


# --------------------------------------------------------------------------- geometry


def _gpkg(tmp_path: Path, geoms: list, name: str = "e.gpkg") -> Path:
    path = tmp_path / name
    gpd.GeoDataFrame(
        {"编号": [f"E{i}" for i in range(len(geoms))], "户数": [10] * len(geoms)},
        geometry=geoms, crs=4326,
    ).to_file(path, engine="pyogrio")  # fmt: skip
    return path


def test_geometry_checks(tmp_path: Path) -> None:
    bowtie = Polygon([(114.300, 30.600), (114.301, 30.601), (114.301, 30.600),
                      (114.300, 30.601)])  # fmt: skip
    line = LineString([(114.302, 30.6), (114.303, 30.6)])
    path = _gpkg(tmp_path, [box(114.304, 30.6, 114.305, 30.601), bowtie, None, line,
                            Point(114.306, 30.6)])  # fmt: skip
    estates, report = load_estates(path)
    assert list(estates["estate_id"]) == ["E0", "E1", "E4"]
    repaired = report.find("geometry_repaired")[0]
    assert repaired.ids == ["E1"]
    assert repaired.rows == [2]  # spatial files: 1-based feature number
    assert estates.geometry.iloc[1].is_valid
    assert estates.geometry.iloc[1].area > 0
    assert report.find("geometry_missing")[0].ids == ["E2"]
    wrong = report.find("geometry_type")[0]
    assert wrong.ids == ["E3"]
    assert "LineString" in wrong.message
    assert report.usable


def test_point_layer_polygons_become_inner_points() -> None:
    frame = gpd.GeoDataFrame(
        {"source_row": [2], "gate_id": ["G1"]}, geometry=[box(0, 0, 10, 10)], crs=32650
    )
    report = ValidationReport()
    out = check_geometries(frame, report, file="g.csv", layer="gates", allowed="point",
                           id_column="gate_id")  # fmt: skip
    assert out.geometry.iloc[0].geom_type == "Point"
    assert out.geometry.iloc[0].within(box(0, 0, 10, 10))
    assert report.find("geometry_type")[0].ids == ["G1"]


def test_duplicate_check_on_frames() -> None:
    frame = gpd.GeoDataFrame(
        {"source_row": [1, 2, 3], "street_id": ["S1", "S1", "S2"]},
        geometry=[box(0, 0, 1, 1), box(0, 0, 1, 1), box(1, 1, 2, 2)], crs=32650,
    )  # fmt: skip
    report = ValidationReport()
    out = check_duplicate_ids(frame, "street_id", report, file="s.gpkg", layer="streets")
    assert list(out["street_id"]) == ["S1", "S2"]
    assert report.find("duplicate_row")[0].rows == [2]
    assert not report.find("duplicate_id")


# --------------------------------------------------------------------------- outliers


def test_outliers_far_from_the_core_are_dropped(write_csv) -> None:
    rows = [_row(i) for i in range(30)] + [_row(99, lon=116.40)]  # Beijing longitude, ~200 km
    estates, report = load_estates(write_csv("e.csv", HEADER + "".join(rows)))
    problem = report.find("outlier")[0]
    assert problem.ids == ["E99"]
    assert problem.rows == [32]
    assert "5 km" in problem.message
    assert len(estates) == 30


def test_outlier_rule_respects_settings_and_streets(monkeypatch) -> None:
    xy = [(i * 100.0, 0.0) for i in range(20)] + [(9_000.0, 0.0)]  # core 0–1.9 km; one at 9 km
    pts = gpd.GeoSeries([Point(p) for p in xy], crs=32650)
    monkeypatch.setattr(settings, "outlier_distance_m", 5000.0)
    area = study_area(pts)
    # Distances from the median (x = 1000 m), sorted: 0, 100, 100, …, 900, 900, 1000, 8000;
    # their 90th percentile (index 18 of 21) is 900 m → core radius 3 × 900 = 2.7 km, so the
    # core hull is the segment 0–1.9 km and the point at 9 km lies 7.1 km outside it.
    assert area.outliers(pts).tolist() == [False] * 20 + [True]
    monkeypatch.setattr(settings, "outlier_distance_m", 8000.0)
    assert not study_area(pts).outliers(pts).any()
    streets = gpd.GeoDataFrame(geometry=[box(8_000, -500, 10_000, 500)], crs=32650)
    with_streets = study_area(pts, streets, distance_m=5000.0)
    assert not with_streets.outliers(pts).any()  # inside the streets layer: kept


def test_load_inputs_cross_layer_checks(tmp_path: Path, write_csv) -> None:
    estates = write_csv("e.csv", HEADER + "".join(_row(i) for i in range(5)))
    facilities = write_csv(
        "f.csv",
        "名称,类型,配建所属小区,lon,lat\n站一,托老所,E1,114.301,30.6\n站二,托老所,X9,114.302,30.6\n"
        "远站,托老所,,117.0,30.6\n",
    )
    gates = write_csv("g.csv", "小区编号,lon,lat\nE0,114.3001,30.6\n,114.3002,30.6\nQ,114.3,30.6\n")
    inputs, report = load_inputs(estates, facilities, gates)
    assert report.find("facility_estate_unknown")[0].ids == ["F0002"]
    assert report.find("facility_estate_unknown")[0].severity == "warning"
    assert report.find("outlier", "facilities")[0].ids == ["F0003"]
    assert report.find("gate_estate_missing")[0].ids == ["G0002"]
    assert report.find("gate_estate_unknown")[0].ids == ["G0003"]
    assert inputs.gates is not None
    assert list(inputs.gates["gate_id"]) == ["G0001"]
    assert report.rows_kept == {"estates": 5, "facilities": 2, "gates": 1}
    assert report.dropped["gates"] == {"gate_estate_missing": 1, "gate_estate_unknown": 1}
    assert report.usable


def test_no_geometry_and_blank_rows(write_csv) -> None:
    _, report = load_estates(write_csv("e.csv", "名称,户数\n甲,10\n"))
    assert [p.code for p in report.errors] == ["no_geometry"]
    estates, report = load_estates(write_csv("b.csv", HEADER + _row(0) + ",,,,\n" + _row(1)))
    assert list(estates["source_row"]) == [2, 4]
    assert report.dropped["estates"] == {"blank_row": 1}
    assert report.find("blank_rows")[0].count == 1


def test_no_estates_left(tmp_path: Path) -> None:
    path = _gpkg(tmp_path, [None, None])
    estates, report = load_estates(path)
    assert len(estates) == 0
    assert report.find("no_estates")[0].severity == "error"
    assert not report.usable


def test_coords_ignored_for_projected_data(tmp_path: Path) -> None:
    path = tmp_path / "gk.gpkg"
    gpd.GeoDataFrame({"户数": [10]}, geometry=[Point(500000, 3390000)], crs=4547).to_file(
        path, engine="pyogrio"
    )
    estates, report = load_estates(path, coords="gcj02")
    assert report.find("coords_ignored")[0].severity == "warning"
    assert estates.geometry.iloc[0].equals(Point(500000, 3390000))


def test_xlsx_rows_are_spreadsheet_rows(tmp_path: Path) -> None:
    import pandas as pd

    path = tmp_path / "e.xlsx"
    pd.DataFrame(
        {"编号": ["A", "B", "C"], "户数": [10, 20, None], "经度": [114.3, 114.301, 114.302],
         "纬度": [30.6, 30.6, 30.6]}
    ).to_excel(path, index=False)  # fmt: skip
    estates, report = load_estates(path)
    problem = report.find("households_missing")[0]
    assert problem.rows == [4]  # header is row 1; C is the third data row
    assert problem.ids == ["C"]
    assert list(estates["households"]) == [10, 20]


# --------------------------------------------------------------------------- parameter names


def test_messages_name_parameters_in_python_and_cli_style(write_csv, capsys) -> None:
    from planning import cli

    path = write_csv("e.csv", "名称,经度,纬度\n甲,114.3,30.6\n")  # no households column
    _, report = load_estates(path)
    with pytest.raises(InputDataError) as info:
        report.raise_if_unusable()
    text = str(info.value)
    assert 'coords="gcj02" or coords="bd09"' in text  # the lon/lat note
    assert 'fields={"households": "<column name>"}' in text  # the missing column's fix
    assert "--coords" not in text
    assert "⟦" not in text
    assert str(report) == text
    assert cli.main(["--lang", "en", "validate", "--estates", str(path)]) == 2
    out = capsys.readouterr().out
    assert "--coords gcj02 or --coords bd09" in out
    assert "--field households=<column name>" in out
    assert 'coords="' not in out
    assert "⟦" not in out
    assert cli.main(["validate", "--estates", str(path)]) == 2  # Chinese report
    out = capsys.readouterr().out
    assert "请指定 --coords gcj02 或 --coords bd09" in out
    assert "--field households=<列名>" in out


def test_report_as_json_reads_python_style() -> None:
    report = ValidationReport()
    report.add("coords_ignored", file="e.gpkg", layer="estates", count=1, system="bd09",
               crs="EPSG:4547")  # fmt: skip
    problem = report.to_dict()["problems"][0]
    assert problem["message"].startswith('coords="bd09" was ignored')
    assert problem["message_zh"].endswith('已忽略 coords="bd09"。')
    assert render(report.problems[0].message).startswith("--coords bd09 was ignored")
