"""Input plausibility and row-level repairs: every suspicious row named, with the fix.

Implausible households, floor areas and beds; estates far from the rest; longitude/latitude
swapped per row (dropped and named, or swapped back with ``fix``); one column holding both
coordinates; a type that disagrees with the name; control characters; CSVs in a projected CRS.
``strict=True`` turns the warnings into errors.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

import planning
from planning._errors import OptionError
from planning.io.lonlat import combined_column, swapped_rows


def estates_csv(tmp_path: Path, rows: list[str], header: str = "小区名称,经度,纬度,户数") -> Path:
    path = tmp_path / "小区.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


GOOD_ROWS = [
    "东一小区,114.300,30.590,500",
    "东二小区,114.310,30.600,800",
    "东三小区,114.305,30.595,300",
    "东四小区,114.302,30.598,650",
    "东五小区,114.308,30.592,420",
]


def load(*args, **kwargs):
    return planning.load_inputs(*args, raise_on_error=False, **kwargs)


def only(report, code):
    [problem] = report.find(code)
    return problem


def test_implausible_households_are_named_and_kept(tmp_path: Path):
    path = estates_csv(tmp_path, [*GOOD_ROWS, "巨大小区,114.303,30.594,99999999999"])
    inputs = load(path)
    problem = only(inputs.report, "households_implausible")
    assert (problem.severity, problem.rows, problem.ids) == ("warning", [7], ["E0006"])
    assert "99,999,999,999" in problem.message
    assert "30,000" in problem.message
    assert inputs.estates["households"].max() == 99_999_999_999
    assert inputs.report.usable
    strict = load(path, strict=True)
    assert only(strict.report, "households_implausible").severity == "error"
    assert not strict.report.usable


def test_implausible_floor_areas_and_beds(tmp_path: Path):
    estates = estates_csv(tmp_path, GOOD_ROWS)
    facilities = tmp_path / "设施.csv"
    facilities.write_text(
        "名称,经度,纬度,类型,建筑面积,床位数\n"
        "一号站,114.301,30.591,日间照料中心,300,\n"
        "二号站,114.302,30.592,日间照料中心,1e15,\n"
        "大院,114.303,30.593,养老院,250000,20000\n",
        encoding="utf-8",
    )
    report = load(estates, facilities).report
    floor = only(report, "floor_area_implausible")
    # 250,000 m² is a large institution, not a mistake; 1e15 m² for a station is one.
    assert (floor.rows, floor.ids) == ([3], ["F0002"])
    beds = only(report, "beds_implausible")
    assert (beds.rows, beds.ids) == ([4], ["F0003"])
    assert "20,000" in beds.message


def test_an_estate_1000_km_away_is_dropped_even_among_few(tmp_path: Path):
    # One of six rows is far off: more than 10 % of the layer, which a percentile alone misses.
    path = estates_csv(tmp_path, [*GOOD_ROWS, "远方小区,123.900,33.000,500"])
    inputs = load(path)
    problem = only(inputs.report, "outlier")
    assert (problem.rows, problem.ids) == ([7], ["E0006"])
    assert len(inputs.estates) == 5
    assert only(load(path, strict=True).report, "outlier").severity == "error"


def test_a_row_with_swapped_coordinates_is_named_not_the_whole_layer(tmp_path: Path):
    path = estates_csv(tmp_path, [*GOOD_ROWS, "颠倒小区,30.597,114.306,300"])
    inputs = load(path)
    problem = only(inputs.report, "coords_swapped")
    assert (problem.rows, problem.ids, problem.severity) == ([7], ["E0006"], "warning")
    assert "30.597, 114.306" in problem.message
    assert 'fix="swapped-coords"' in str(inputs.report)
    assert inputs.report.usable
    assert list(inputs.estates["name"]) == [r.split(",")[0] for r in GOOD_ROWS]
    fixed = load(path, fix=["swapped-coords"])
    assert only(fixed.report, "coords_swapped_fixed").rows == [7]
    row = fixed.estates.set_index("name").loc["颠倒小区"]
    lonlat = Transformer.from_crs(fixed.crs, "EPSG:4326", always_xy=True)
    lon, lat = lonlat.transform(row.geometry.x, row.geometry.y)
    assert (round(lon, 6), round(lat, 6)) == (114.306, 30.597)
    with pytest.raises(OptionError, match="unknown repair"):
        load(path, fix=["everything"])


def test_swapped_rows_where_both_orders_are_valid():
    # West of 90°E both orders are valid longitude/latitude: distance from the rest decides.
    lon = np.array([87.60, 87.62, 87.61, 43.80, 87.63])
    lat = np.array([43.80, 43.82, 43.81, 87.60, 43.79])
    assert swapped_rows(lon, lat).tolist() == [False, False, False, True, False]
    # Projected x/y are never "swapped".
    assert not swapped_rows(
        np.array([500_000.0, 3_380_000.0]), np.array([3_380_000.0, 500_000.0])
    ).any()


@pytest.mark.parametrize(
    ("header", "cells", "order"),
    [
        ("经纬度", ["114.300,30.590", "114.310，30.600"], "lon,lat"),
        ("location", ["30.590, 114.300", "30.600 114.310"], "lat,lon"),  # the values decide
        ("坐标(纬度,经度)", ["30.59,114.30", "30.60,114.31"], "lat,lon"),  # the header says
    ],
)
def test_one_column_holding_both_coordinates(header: str, cells: list[str], order: str):
    found = combined_column(["名称", header], {header: cells})
    assert found is not None
    assert found.order == order
    assert found.lon.tolist() == pytest.approx([114.30, 114.31])
    assert found.lat.tolist() == pytest.approx([30.59, 30.60])


def test_a_combined_column_loads_with_a_note(tmp_path: Path):
    rows = [
        f'{r.split(",")[0]},"{r.split(",")[1]},{r.split(",")[2]}",{r.split(",")[3]}'
        for r in GOOD_ROWS
    ]
    inputs = load(estates_csv(tmp_path, rows, header="小区名称,经纬度,户数"))
    assert inputs.report.usable
    assert len(inputs.estates) == 5
    note = only(inputs.report, "coords_combined")
    assert "经纬度" in note.message
    assert "longitude,latitude" in note.message


def test_a_type_that_disagrees_with_the_name(tmp_path: Path):
    facilities = tmp_path / "设施.csv"
    facilities.write_text(
        "名称,经度,纬度,类型,建筑面积\n"
        "红星敬老院,114.301,30.591,幼儿园,300\n"
        "东区敬老院,114.302,30.592,日间照料中心,200\n"
        "西区日间照料中心,114.303,30.593,日间照料中心,200\n",
        encoding="utf-8",
    )
    inputs = load(estates_csv(tmp_path, GOOD_ROWS), facilities)
    foreign = only(inputs.report, "kind_type_not_elderly")
    assert (foreign.rows, foreign.severity) == ([2], "warning")
    assert "幼儿园" in foreign.message_zh
    assert "红星敬老院" in foreign.message_zh
    differ = only(inputs.report, "kind_name_disagrees")
    assert (differ.rows, differ.severity) == ([3], "info")
    assert list(inputs.facilities["kind"]) == [
        "institution",
        "community_station",
        "community_station",
    ]


def test_control_characters_are_removed_with_a_note(tmp_path: Path):
    rows = [*GOOD_ROWS[:4], "\x1b[31m红星\u200b小区\x1b[0m\x07,114.308,30.592,420"]
    inputs = load(estates_csv(tmp_path, rows))
    note = only(inputs.report, "control_characters")
    assert (note.rows, note.severity) == ([6], "info")
    assert inputs.estates["name"].iloc[-1] == "红星小区"


def test_a_csv_in_a_projected_crs_loads_with_crs(tmp_path: Path):
    to_gk = Transformer.from_crs("EPSG:4326", "EPSG:4547", always_xy=True)  # CGCS2000 114°E
    rows = []
    for row in GOOD_ROWS:
        name, lon, lat, households = row.split(",")
        x, y = to_gk.transform(float(lon), float(lat))
        rows.append(f"{name},{x:.2f},{y:.2f},{households}")
    path = estates_csv(tmp_path, rows, header="小区名称,X,Y,户数")
    without = load(path)
    assert not without.report.usable
    assert only(without.report, "xy_needs_crs").severity == "error"
    inputs = load(path, crs="EPSG:4547")
    assert inputs.report.usable
    back = Transformer.from_crs(inputs.crs, "EPSG:4326", always_xy=True)
    lon, lat = back.transform(
        inputs.estates.geometry.x.to_numpy(), inputs.estates.geometry.y.to_numpy()
    )
    expected = pd.DataFrame([r.split(",")[1:3] for r in GOOD_ROWS], dtype=float)
    assert lon == pytest.approx(expected[0].to_numpy(), abs=1e-7)
    assert lat == pytest.approx(expected[1].to_numpy(), abs=1e-7)


def test_the_command_line_has_strict_and_fix(tmp_path: Path, capsys):
    from planning.cli.main import main

    path = estates_csv(tmp_path, [*GOOD_ROWS, "颠倒小区,30.597,114.306,300"])
    assert main(["--lang", "en", "validate", "--estates", str(path)]) == 0
    assert "--fix swapped-coords" in capsys.readouterr().out
    assert main(["validate", "--estates", str(path), "--strict"]) == 2
    assert main(["validate", "--estates", str(path), "--fix", "swapped-coords", "--strict"]) == 0


def test_northing_first_columns_of_chinese_surveying(tmp_path: Path):
    to_gk = Transformer.from_crs("EPSG:4326", "EPSG:4547", always_xy=True)
    rows = []
    for row in GOOD_ROWS:
        name, lon, lat, households = row.split(",")
        east, north = to_gk.transform(float(lon), float(lat))
        rows.append(f"{name},{north:.2f},{east:.2f},{households}")  # X = north (测量坐标系)
    inputs = load(estates_csv(tmp_path, rows, header="小区名称,X坐标,Y坐标,户数"), crs="EPSG:4547")
    assert inputs.report.usable
    note = only(inputs.report, "coords_northing_first")
    assert "X坐标/Y坐标" in note.message
    back = Transformer.from_crs(inputs.crs, "EPSG:4326", always_xy=True)
    lon, lat = back.transform(
        inputs.estates.geometry.x.to_numpy(), inputs.estates.geometry.y.to_numpy()
    )
    assert lon == pytest.approx([float(r.split(",")[1]) for r in GOOD_ROWS], abs=1e-7)
    assert lat == pytest.approx([float(r.split(",")[2]) for r in GOOD_ROWS], abs=1e-7)
